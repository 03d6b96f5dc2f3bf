//! The status mover: during the run, every ~300 ms one employment a client was told of (its hire
//! is recorded, so Remote's webhooks about it reach a hire) moves one step forward at the
//! sandbox, `created` → `invited` → `active`, with `PATCH /v1/sandbox/employments/{id}` and a live
//! token of its company. The sandbox then delivers Remote's webhooks to the backend — retrying
//! while it is down after the kill — and the backend owes the job site `hire.status_changed`.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::Client;
use serde_json::{json, Value};

use crate::{faults, hires::Shared};

/// The statuses an employment is moved through, in order (Remote's wire names).
pub(crate) const FORWARD: [&str; 3] = ["created", "invited", "active"];

/// Time between two moves: gentle next to the hire workers.
const PERIOD: Duration = Duration::from_millis(300);
/// The sandbox's state (companies and tokens: every employment, so megabytes) is read again
/// this often; moves pick among the employments it listed.
const STATE_EVERY: Duration = Duration::from_secs(5);
/// Sooner, after this long, when it lists nothing to move or a PATCH was refused (perhaps a
/// token was refreshed meanwhile).
const STATE_WHEN_STUCK: Duration = Duration::from_secs(1);
/// Longest wait for one PATCH.
const PATCH_TIMEOUT: Duration = Duration::from_secs(5);

/// One change the sandbox confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusChange {
    pub(crate) employment_id: String,
    pub(crate) from: String,
    pub(crate) to: String,
}

/// What the mover did.
#[derive(Debug, Default)]
pub(crate) struct Moves {
    /// Every change, in order.
    pub(crate) changes: Vec<StatusChange>,
    /// PATCHes not answered with the new status, and what came instead.
    pub(crate) refused: Vec<String>,
}

/// Companies of the employments and live tokens of the companies, as the sandbox last listed
/// them.
#[derive(Default)]
struct Directory {
    company_of: HashMap<String, String>,
    token_of: HashMap<String, String>,
    read_at: Option<Instant>,
}

impl Directory {
    fn is_due(&self, stuck: bool) -> bool {
        self.read_at.is_none_or(|at| {
            at.elapsed() >= STATE_EVERY
                || ((stuck || self.token_of.is_empty()) && at.elapsed() >= STATE_WHEN_STUCK)
        })
    }

    /// The employments of `told` it lists.
    fn known(&self, told: &[String]) -> Vec<String> {
        told.iter()
            .filter(|id| self.company_of.contains_key(*id))
            .cloned()
            .collect()
    }

    async fn refresh(&mut self, client: &Client, sandbox: &str) -> anyhow::Result<()> {
        self.read_at = Some(Instant::now());
        let state = faults::sandbox_state(client, sandbox).await?;
        self.company_of = state["employments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| {
                Some((
                    e["id"].as_str()?.to_owned(),
                    e["company_id"].as_str()?.to_owned(),
                ))
            })
            .collect();
        // Oldest first: a later token of a company replaces an earlier one.
        self.token_of = state["issued"]["access_tokens"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["expired"] == false && t["revoked"] == false)
            .filter_map(|t| {
                Some((
                    t["company_id"].as_str()?.to_owned(),
                    t["value"].as_str()?.to_owned(),
                ))
            })
            .collect();
        Ok(())
    }

    fn token_for(&self, employment_id: &str) -> Option<&str> {
        let company = self.company_of.get(employment_id)?;
        self.token_of.get(company).map(String::as_str)
    }
}

/// Moves statuses until `deadline`.
pub(crate) async fn run(
    client: Client,
    sandbox: String,
    shared: Arc<Shared>,
    deadline: tokio::time::Instant,
) -> Moves {
    let mut moves = Moves::default();
    let mut directory = Directory::default();
    // The status each employment has now, as far as our changes go (all start `created`).
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut ticks = tokio::time::interval(PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        let told = shared.told_employments();
        let mut chosen = pick(&directory.known(&told), &at, random());
        if directory.is_due(chosen.is_none()) {
            if let Err(error) = directory.refresh(&client, &sandbox).await {
                moves
                    .refused
                    .push(format!("reading the sandbox's state: {error:#}"));
                continue;
            }
            chosen = pick(&directory.known(&told), &at, random());
        }
        let Some((employment_id, step)) = chosen else {
            continue;
        };
        let Some(token) = directory.token_for(&employment_id) else {
            continue;
        };
        let (from, to) = (FORWARD[step], FORWARD[step + 1]);
        match patch(&client, &sandbox, token, &employment_id, to).await {
            Ok(()) => {
                at.insert(employment_id.clone(), step + 1);
                moves.changes.push(StatusChange {
                    employment_id,
                    from: from.to_owned(),
                    to: to.to_owned(),
                });
            }
            Err(why) => {
                // Perhaps a token refreshed meanwhile: read the tokens again soon.
                directory.token_of.clear();
                moves
                    .refused
                    .push(format!("{employment_id} {from} → {to}: {why}"));
            }
        }
    }
    moves
}

/// The next employment to move and the index of its status in [`FORWARD`]: half of the time
/// (when there is one) an invited one, else one still created; `None` when all are active.
fn pick(told: &[String], at: &HashMap<String, usize>, random: u64) -> Option<(String, usize)> {
    let step_of = |id: &String| at.get(id).copied().unwrap_or(0);
    let movable: Vec<&String> = told
        .iter()
        .filter(|id| step_of(id) + 1 < FORWARD.len())
        .collect();
    let invited: Vec<&String> = movable
        .iter()
        .copied()
        .filter(|id| step_of(id) == 1)
        .collect();
    let created: Vec<&String> = movable
        .iter()
        .copied()
        .filter(|id| step_of(id) == 0)
        .collect();
    let from = match (invited.is_empty(), created.is_empty()) {
        (true, true) => return None,
        (false, true) => &invited,
        (true, false) => &created,
        (false, false) if random.is_multiple_of(2) => &invited,
        (false, false) => &created,
    };
    let chosen = from[usize::try_from(random / 2).unwrap_or(0) % from.len()];
    Some((chosen.clone(), step_of(chosen)))
}

fn random() -> u64 {
    uuid::Uuid::new_v4().as_u128() as u64
}

/// `PATCH /v1/sandbox/employments/{id}` `{"status": to}`; `Ok` when the sandbox answers 200 with
/// that status.
async fn patch(
    client: &Client,
    sandbox: &str,
    token: &str,
    employment_id: &str,
    to: &str,
) -> Result<(), String> {
    let answer = client
        .patch(format!("{sandbox}/v1/sandbox/employments/{employment_id}"))
        .bearer_auth(token)
        .json(&json!({ "status": to }))
        .timeout(PATCH_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or_default();
    if status == 200 && body["data"]["employment"]["status"] == to {
        Ok(())
    } else {
        let text = body.to_string();
        Err(format!(
            "{status}: {}",
            text.chars().take(200).collect::<String>()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn an_employment_moves_one_step_at_a_time_and_stops_when_active() {
        let told = told(&["e1"]);
        let mut at = HashMap::new();
        assert_eq!(pick(&told, &at, 7), Some(("e1".to_owned(), 0)));
        at.insert("e1".to_owned(), 1);
        assert_eq!(pick(&told, &at, 7), Some(("e1".to_owned(), 1)));
        at.insert("e1".to_owned(), 2);
        assert_eq!(pick(&told, &at, 7), None);
    }

    #[test]
    fn both_steps_get_turns_when_both_are_possible() {
        let told = told(&["e1", "e2"]);
        let at = HashMap::from([("e1".to_owned(), 1)]);
        assert_eq!(pick(&told, &at, 0), Some(("e1".to_owned(), 1)));
        assert_eq!(pick(&told, &at, 1), Some(("e2".to_owned(), 0)));
    }
}

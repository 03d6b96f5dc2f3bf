//! The webhook verdict: what the job site's endpoint took, against the employments the sandbox
//! holds and the status changes the mover made; and the drain that waits after the run until
//! every webhook owed has arrived (or time is up).
//!
//! Owed, for every employment with an `external_id`: a `hire.created` with that `hire_id` and
//! `employment_id`. For every employment whose status is no longer `created`: `hire.status_changed`
//! events that lead, by `previous_status` → `status`, from `created` to its final status. The
//! backend reports the status it reads from Remote, so two quick changes may arrive as one event
//! (`created` → `active`); a change is lost when the chain breaks (`invited` → `active` arrived,
//! `created` → `invited` did not) or never reaches the final status. Never owed: an event whose
//! hire or employment the sandbox does not hold (an orphan), or whose status (or previous status)
//! that employment never had.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::{Duration, Instant},
};

use hire_with_remote::webhooks::events::{HIRE_CREATED, HIRE_STATUS_CHANGED};
use serde_json::Value;

use crate::{
    status_mover::{StatusChange, FORWARD},
    webhook_site::{Inbox, JobSite, Received},
};

/// The numbers.
#[derive(Debug, Default)]
pub(crate) struct WebhookVerdict {
    /// Employments with an `external_id`: each is owed a `hire.created`.
    pub(crate) created_expected: usize,
    pub(crate) created_delivered: usize,
    pub(crate) created_missing: Vec<String>,
    /// Status changes the sandbox confirmed to the mover.
    pub(crate) changes_made: usize,
    /// Of those, changes with a delivered event of exactly that status (the rest were reported
    /// together with a later change of the same employment).
    pub(crate) changes_delivered_exactly: usize,
    /// Employments whose final status is not `created`.
    pub(crate) moved: usize,
    /// Of those, employments whose delivered events lead from `created` to the final status.
    pub(crate) moved_delivered: usize,
    pub(crate) moved_missing: Vec<String>,
    /// Events naming a hire or an employment the sandbox does not hold, or a pair it does not.
    pub(crate) orphans: Vec<String>,
    /// `hire.status_changed` events with a status the employment never had.
    pub(crate) unreal_statuses: Vec<String>,
    /// Requests the library refused, or that are not an event we know.
    pub(crate) unverifiable: Vec<String>,
    /// Verified requests, and those of them answered 500.
    pub(crate) requests: usize,
    pub(crate) answered_500: usize,
    /// Distinct events (`webhook-id`s) taken, by type.
    pub(crate) taken_by_type: BTreeMap<String, usize>,
    /// Requests taken again for a `webhook-id` already taken (at-least-once allows them).
    pub(crate) duplicates: usize,
    /// Hires with more than one distinct `hire.created` taken.
    pub(crate) hires_created_twice: usize,
}

impl WebhookVerdict {
    /// Events owed and not taken.
    pub(crate) fn missing(&self) -> usize {
        self.created_missing.len() + self.moved_missing.len()
    }

    /// Distinct events taken.
    pub(crate) fn taken(&self) -> usize {
        self.taken_by_type.values().sum()
    }

    /// Everything that must be zero; a run in which nothing at all was taken fails too (the
    /// wiring is broken, and every other zero means nothing). The report has a check for each
    /// of these; the tests read them at once.
    #[cfg(test)]
    pub(crate) fn failed(&self) -> usize {
        self.missing()
            .saturating_add(self.orphans.len())
            .saturating_add(self.unreal_statuses.len())
            .saturating_add(self.unverifiable.len())
            .saturating_add(usize::from(self.taken() == 0))
    }

    /// True when nothing owed is missing.
    pub(crate) fn complete(&self) -> bool {
        self.missing() == 0
    }
}

/// An employment, as the sandbox holds it.
struct Held<'a> {
    hire_id: Option<&'a str>,
    company_id: &'a str,
    status: &'a str,
}

fn text<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Compares what the endpoint received with the sandbox's state and the changes made.
pub(crate) fn judge(state: &Value, changes: &[StatusChange], inbox: &Inbox) -> WebhookVerdict {
    let held: HashMap<&str, Held<'_>> = state["employments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some((
                text(e, "id")?,
                Held {
                    hire_id: text(e, "external_id"),
                    company_id: text(e, "company_id").unwrap_or_default(),
                    status: text(e, "status").unwrap_or_default(),
                },
            ))
        })
        .collect();
    let employment_of: HashMap<&str, &str> = held
        .iter()
        .filter_map(|(id, e)| Some((e.hire_id?, *id)))
        .collect();
    // The statuses each employment really had: `created`, every change made, the final one.
    let mut had: HashMap<&str, HashSet<&str>> = held
        .iter()
        .map(|(id, e)| (*id, HashSet::from([FORWARD[0], e.status])))
        .collect();
    for change in changes {
        if let Some(statuses) = had.get_mut(change.employment_id.as_str()) {
            statuses.insert(change.from.as_str());
            statuses.insert(change.to.as_str());
        }
    }

    let mut verdict = WebhookVerdict {
        changes_made: changes.len(),
        unverifiable: inbox.unverifiable.clone(),
        requests: inbox.received.len(),
        answered_500: inbox.received.iter().filter(|r| r.answered == 500).count(),
        ..WebhookVerdict::default()
    };
    // Each event once (its first request), however often it was sent.
    let mut events: Vec<&Received> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut taken: HashSet<&str> = HashSet::new();
    for received in &inbox.received {
        if seen.insert(&received.webhook_id) {
            events.push(received);
        }
        if received.taken() && !taken.insert(&received.webhook_id) {
            verdict.duplicates += 1;
        }
    }

    let mut created: HashMap<(&str, &str), usize> = HashMap::new();
    // Per employment: the (previous status, status) steps of its taken `hire.status_changed`.
    let mut steps: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for event in events {
        let data = &event.data;
        let what = format!("{} {}: {data}", event.event_type, event.webhook_id);
        if event.event_type != HIRE_CREATED && event.event_type != HIRE_STATUS_CHANGED {
            verdict
                .unverifiable
                .push(format!("an unknown type: {what}"));
            continue;
        }
        let (Some(hire_id), Some(employment_id)) =
            (text(data, "hire_id"), text(data, "employment_id"))
        else {
            verdict
                .orphans
                .push(format!("no hire_id or employment_id: {what}"));
            continue;
        };
        let Some(employment) = held.get(employment_id) else {
            verdict
                .orphans
                .push(format!("an employment the sandbox does not hold: {what}"));
            continue;
        };
        match employment_of.get(hire_id) {
            None => {
                verdict
                    .orphans
                    .push(format!("a hire no employment carries: {what}"));
                continue;
            }
            Some(id) if *id != employment_id => {
                verdict
                    .orphans
                    .push(format!("the hire of employment {id}: {what}"));
                continue;
            }
            Some(_) => {}
        }
        if text(data, "company_id") != Some(employment.company_id) {
            verdict.orphans.push(format!(
                "another company than the employment's ({}): {what}",
                employment.company_id
            ));
            continue;
        }
        let status = text(data, "status").unwrap_or_default();
        let previous = text(data, "previous_status");
        if event.event_type == HIRE_STATUS_CHANGED {
            let really = had.get(employment_id);
            let had_it = |status: &str| really.is_some_and(|r| r.contains(status));
            let Some(previous) = previous.filter(|p| had_it(p)) else {
                verdict.unreal_statuses.push(format!(
                    "a previous status the employment never had: {what}"
                ));
                continue;
            };
            if !had_it(status) {
                verdict
                    .unreal_statuses
                    .push(format!("a status the employment never had: {what}"));
                continue;
            }
            if taken.contains(event.webhook_id.as_str()) {
                steps
                    .entry(employment_id)
                    .or_default()
                    .push((previous, status));
            }
        } else if taken.contains(event.webhook_id.as_str()) {
            *created.entry((hire_id, employment_id)).or_default() += 1;
        }
    }
    for (event_type, n) in [
        (HIRE_CREATED, created.values().sum::<usize>()),
        (
            HIRE_STATUS_CHANGED,
            steps.values().map(Vec::len).sum::<usize>(),
        ),
    ] {
        verdict.taken_by_type.insert(event_type.to_owned(), n);
    }
    verdict.hires_created_twice = created.values().filter(|n| **n > 1).count();

    let mut ids: Vec<&&str> = held.keys().collect();
    ids.sort();
    for id in ids {
        let employment = &held[*id];
        let hire = employment.hire_id.unwrap_or("none");
        if let Some(hire_id) = employment.hire_id {
            verdict.created_expected += 1;
            if created.contains_key(&(hire_id, *id)) {
                verdict.created_delivered += 1;
            } else {
                verdict.created_missing.push(format!(
                    "employment {id} (hire {hire_id}): no hire.created taken"
                ));
            }
        }
        if employment.status == FORWARD[0] {
            continue;
        }
        verdict.moved += 1;
        let taken_steps = steps.get(*id).map(Vec::as_slice).unwrap_or_default();
        if reaches(taken_steps, FORWARD[0], employment.status) {
            verdict.moved_delivered += 1;
        } else {
            let shown: Vec<String> = taken_steps
                .iter()
                .map(|(a, b)| format!("{a} → {b}"))
                .collect();
            verdict.moved_missing.push(format!(
                "employment {id} (hire {hire}): now {}, changes taken: [{}]",
                employment.status,
                shown.join(", ")
            ));
        }
    }
    verdict.changes_delivered_exactly = changes
        .iter()
        .filter(|change| {
            steps
                .get(change.employment_id.as_str())
                .is_some_and(|s| s.iter().any(|(_, to)| *to == change.to))
        })
        .count();
    verdict
}

/// True when `steps` (previous → status) lead from `from` to `to`.
fn reaches(steps: &[(&str, &str)], from: &str, to: &str) -> bool {
    let mut reached: HashSet<&str> = HashSet::from([from]);
    loop {
        let before = reached.len();
        for (a, b) in steps {
            if reached.contains(a) {
                reached.insert(b);
            }
        }
        if reached.contains(to) {
            return true;
        }
        if reached.len() == before {
            return false;
        }
    }
}

/// Judges again every half second until nothing owed is missing or `until` passes; the last
/// verdict, and how long it took.
pub(crate) async fn drain(
    site: &JobSite,
    state: &Value,
    changes: &[StatusChange],
    until: Instant,
) -> (WebhookVerdict, Duration) {
    let started = Instant::now();
    loop {
        let verdict = judge(state, changes, &site.inbox());
        if verdict.complete() || Instant::now() >= until {
            return (verdict, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn employment(id: &str, status: &str) -> Value {
        json!({"id": id, "external_id": format!("hire-{id}"), "company_id": "c1", "status": status})
    }

    fn event(
        id: &str,
        kind: &str,
        employment: &str,
        status: &str,
        previous: Option<&str>,
    ) -> Received {
        let mut data = json!({
            "hire_id": format!("hire-{employment}"),
            "employment_id": employment,
            "company_id": "c1",
            "status": status,
        });
        if let Some(previous) = previous {
            data["previous_status"] = json!(previous);
        }
        Received {
            webhook_id: id.to_owned(),
            event_type: kind.to_owned(),
            data,
            answered: 204,
        }
    }

    fn created(id: &str, employment: &str) -> Received {
        event(id, HIRE_CREATED, employment, "created", None)
    }

    fn changed(id: &str, employment: &str, from: &str, to: &str) -> Received {
        event(id, HIRE_STATUS_CHANGED, employment, to, Some(from))
    }

    fn change(employment: &str, from: &str, to: &str) -> StatusChange {
        StatusChange {
            employment_id: employment.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
        }
    }

    fn inbox(received: Vec<Received>) -> Inbox {
        Inbox {
            received,
            unverifiable: Vec::new(),
        }
    }

    #[test]
    fn a_run_whose_webhooks_all_arrived_fails_nothing_even_with_retries_and_collapsed_changes() {
        // Arrange: e1 was invited then activated, reported as one change; e2 only invited.
        let state = json!({"employments": [
            employment("e1", "active"),
            employment("e2", "invited"),
            employment("e3", "created"),
        ]});
        let changes = vec![
            change("e1", "created", "invited"),
            change("e2", "created", "invited"),
            change("e1", "invited", "active"),
        ];
        let mut refused = created("m1", "e1");
        refused.answered = 500;
        let received = inbox(vec![
            refused,
            created("m1", "e1"),
            created("m2", "e2"),
            created("m3", "e3"),
            // Taken twice: a duplicate, which at-least-once allows.
            created("m3", "e3"),
            changed("m4", "e1", "created", "active"),
            changed("m5", "e2", "created", "invited"),
        ]);

        // Act
        let verdict = judge(&state, &changes, &received);

        // Assert
        assert_eq!(verdict.failed(), 0, "{verdict:?}");
        assert_eq!(verdict.created_expected, 3);
        assert_eq!(verdict.created_delivered, 3);
        assert_eq!((verdict.moved, verdict.moved_delivered), (2, 2));
        assert_eq!(verdict.changes_made, 3);
        assert_eq!(verdict.changes_delivered_exactly, 2);
        assert_eq!(verdict.requests, 7);
        assert_eq!(verdict.answered_500, 1);
        assert_eq!(verdict.duplicates, 1);
        assert_eq!(verdict.taken(), 5);
        assert_eq!(verdict.hires_created_twice, 0);
    }

    #[test]
    fn a_missing_hire_created_a_broken_chain_and_an_unreached_final_status_are_missing() {
        // Arrange
        let state = json!({"employments": [
            employment("e1", "active"),
            employment("e2", "active"),
            employment("e3", "invited"),
        ]});
        let changes = vec![
            change("e1", "created", "invited"),
            change("e1", "invited", "active"),
            change("e2", "created", "invited"),
            change("e2", "invited", "active"),
            change("e3", "created", "invited"),
        ];
        let mut refused = changed("m4", "e3", "created", "invited");
        refused.answered = 500;
        let received = inbox(vec![
            created("m1", "e1"),
            created("m2", "e2"),
            // e1: the step created → invited never arrived.
            changed("m3", "e1", "invited", "active"),
            // e2: complete.
            changed("m5", "e2", "created", "invited"),
            changed("m6", "e2", "invited", "active"),
            // e3: no hire.created, and its change only ever answered 500.
            refused,
        ]);

        // Act
        let verdict = judge(&state, &changes, &received);

        // Assert
        assert_eq!(
            verdict.created_missing.len(),
            1,
            "{:?}",
            verdict.created_missing
        );
        assert!(verdict.created_missing[0].contains("e3"));
        assert_eq!(
            verdict.moved_missing.len(),
            2,
            "{:?}",
            verdict.moved_missing
        );
        assert_eq!(verdict.moved_delivered, 1);
        assert_eq!(verdict.missing(), 3);
        assert!(!verdict.complete());
        assert_eq!(verdict.failed(), 3);
    }

    #[test]
    fn events_for_hires_or_employments_the_sandbox_does_not_hold_are_orphans() {
        // Arrange
        let state =
            json!({"employments": [employment("e1", "invited"), employment("e2", "created")]});
        let changes = vec![change("e1", "created", "invited")];
        let mut no_hire = created("m2", "e1");
        no_hire.data["hire_id"] = json!("hire-unknown");
        let mut crossed = created("m3", "e1");
        crossed.data["hire_id"] = json!("hire-e2");
        let mut elsewhere = created("m4", "e1");
        elsewhere.data["company_id"] = json!("c2");
        let received = inbox(vec![
            created("m1", "e1"),
            created("m5", "e2"),
            no_hire,
            crossed,
            elsewhere,
            created("m6", "e-unknown"),
            changed("m7", "e1", "created", "invited"),
        ]);

        // Act
        let verdict = judge(&state, &changes, &received);

        // Assert
        assert_eq!(verdict.orphans.len(), 4, "{:?}", verdict.orphans);
        assert_eq!(verdict.missing(), 0);
        assert_eq!(verdict.failed(), 4);
    }

    #[test]
    fn a_status_the_employment_never_had_and_an_unknown_type_fail() {
        // Arrange
        let state = json!({"employments": [employment("e1", "invited")]});
        let changes = vec![change("e1", "created", "invited")];
        let mut unknown = created("m4", "e1");
        unknown.event_type = "hire.deleted".to_owned();
        let received = Inbox {
            received: vec![
                created("m1", "e1"),
                changed("m2", "e1", "created", "invited"),
                changed("m3", "e1", "invited", "archived"),
                unknown,
            ],
            unverifiable: vec!["webhook-id \"x\": the library refused it".to_owned()],
        };

        // Act
        let verdict = judge(&state, &changes, &received);

        // Assert
        assert_eq!(
            verdict.unreal_statuses.len(),
            1,
            "{:?}",
            verdict.unreal_statuses
        );
        assert_eq!(verdict.unverifiable.len(), 2, "{:?}", verdict.unverifiable);
        assert_eq!(verdict.missing(), 0);
        assert_eq!(verdict.failed(), 3);
    }

    #[test]
    fn a_run_in_which_no_webhook_arrived_fails() {
        let verdict = judge(&json!({"employments": []}), &[], &Inbox::default());
        assert_eq!(verdict.missing(), 0);
        assert_eq!(verdict.failed(), 1);
    }
}

//! The hire verdict: what the clients were told against what the sandbox holds. Duplicates are
//! found without the sandbox's help: employments sharing an `external_id` (our hire id, one per
//! idempotency key) or a candidate email, in any company, are one hire employed twice — the
//! sandbox's one-email-per-company rule hides only the second kind, and only within a company.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    time::Duration,
};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::{
    hires::{HireRecord, Outcome},
    observe::Observer,
};

/// The numbers.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    pub(crate) attempted: usize,
    pub(crate) succeeded: usize,
    /// Final 4xx answers in our error shape, by "status code".
    pub(crate) clear_errors: BTreeMap<String, usize>,
    /// Final answers that are neither a success nor a clear error.
    pub(crate) unclear: Vec<String>,
    /// Hires with no final answer even after reconciliation.
    pub(crate) unknown: Vec<String>,
    /// Hires answered 201 whose employment the sandbox does not hold.
    pub(crate) missing: Vec<String>,
    /// Employments beyond one per hire (same `external_id` or same email, any company).
    pub(crate) duplicates: usize,
    pub(crate) duplicate_evidence: Vec<String>,
    /// Employments in the sandbox that no 201 told a client about.
    pub(crate) orphans: Vec<String>,
    /// 201s whose employment carries another `external_id` than the hire id answered, or
    /// another candidate's email.
    pub(crate) mismatches: Vec<String>,
    /// The companies the employments told of belong to.
    pub(crate) companies_hired_into: BTreeSet<String>,
    pub(crate) own_5xx: u64,
    pub(crate) resolved_after_run: usize,
    pub(crate) retried: usize,
    pub(crate) hire_requests: usize,
    pub(crate) latencies: Vec<Duration>,
    /// Statuses of every hire request, 0 meaning no answer.
    pub(crate) hire_statuses: BTreeMap<u16, usize>,
    pub(crate) employments_in_sandbox: usize,
    pub(crate) employment_posts: u64,
    pub(crate) token_requests: String,
}

impl Verdict {
    /// Hires lost: no final outcome, or a 201 the sandbox does not back.
    pub(crate) fn lost(&self) -> usize {
        self.unknown.len() + self.missing.len()
    }

    /// Hires that ended in a success or a clear error.
    pub(crate) fn passed(&self) -> usize {
        self.succeeded + self.clear_errors.values().sum::<usize>()
    }

    /// True when fewer than 90 % of the hires attempted succeeded (or none was attempted).
    pub(crate) fn too_few_succeeded(&self) -> bool {
        self.attempted == 0 || self.succeeded * 10 < self.attempted * 9
    }

    /// The `p`th percentile of the successful hires' final latencies.
    pub(crate) fn percentile(&self, p: f64) -> Option<Duration> {
        if self.latencies.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies
            .get(rank.clamp(1, self.latencies.len()) - 1)
            .copied()
    }
}

fn text<'a>(employment: &'a Value, name: &str) -> &'a str {
    employment[name].as_str().unwrap_or_default()
}

/// The representative of `at`'s group (halving the path on the way).
fn root(parent: &mut [usize], mut at: usize) -> usize {
    while parent[at] != at {
        parent[at] = parent[parent[at]];
        at = parent[at];
    }
    at
}

/// Employments that are one hire employed more than once: groups (of indexes into
/// `employments`) joined by a shared non-empty `external_id` or a shared email.
fn duplicate_groups(employments: &[Value]) -> Vec<Vec<usize>> {
    // Union-find over the employments; each shared value joins its employments.
    let mut parent: Vec<usize> = (0..employments.len()).collect();
    let mut first_with: HashMap<(u8, String), usize> = HashMap::new();
    for (index, employment) in employments.iter().enumerate() {
        let external_id = text(employment, "external_id");
        let email = text(employment, "personal_email").to_ascii_lowercase();
        let keys = [(0u8, external_id.to_owned()), (1u8, email)];
        for key in keys.into_iter().filter(|(_, value)| !value.is_empty()) {
            let first = *first_with.entry(key).or_insert(index);
            let (a, b) = (root(&mut parent, first), root(&mut parent, index));
            parent[a] = b;
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for index in 0..employments.len() {
        let group = root(&mut parent, index);
        groups.entry(group).or_default().push(index);
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

/// Compares the records with the sandbox's employments.
pub(crate) fn judge(records: &[HireRecord], state: &Value, observer: &Observer) -> Result<Verdict> {
    let employments = state["employments"]
        .as_array()
        .context("the sandbox's state has no employments list")?;
    let by_id: HashMap<&str, &Value> = employments
        .iter()
        .map(|e| (text(e, "id"), e))
        .filter(|(id, _)| !id.is_empty())
        .collect();
    let key_of: HashMap<&str, &str> = records
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Created { hire_id, .. } => Some((hire_id.as_str(), r.key.as_str())),
            _ => None,
        })
        .collect();
    let mut verdict = Verdict {
        attempted: records.len(),
        employments_in_sandbox: employments.len(),
        employment_posts: state["employment_posts"].as_u64().unwrap_or_default(),
        token_requests: state["token_requests"].to_string(),
        own_5xx: observer.own_count(),
        ..Verdict::default()
    };
    for group in duplicate_groups(employments) {
        verdict.duplicates += group.len() - 1;
        if verdict.duplicate_evidence.len() < 20 {
            let listed: Vec<String> = group
                .iter()
                .map(|&index| {
                    let e = &employments[index];
                    let external_id = text(e, "external_id");
                    let key = key_of
                        .get(external_id)
                        .map_or(String::new(), |key| format!(", key {key}"));
                    format!(
                        "employment {} (company {}, email {}, external_id {}{key})",
                        text(e, "id"),
                        text(e, "company_id"),
                        text(e, "personal_email"),
                        if external_id.is_empty() {
                            "none"
                        } else {
                            external_id
                        },
                    )
                })
                .collect();
            verdict.duplicate_evidence.push(format!(
                "one hire, {} employments: {}",
                group.len(),
                listed.join("; ")
            ));
        }
    }
    let mut told: HashSet<String> = HashSet::new();
    let mut latencies = Vec::new();
    for record in records {
        verdict.hire_requests += record.statuses.len();
        if record.statuses.len() > 1 {
            verdict.retried += 1;
        }
        if record.resolved_after_run {
            verdict.resolved_after_run += 1;
        }
        for status in &record.statuses {
            *verdict.hire_statuses.entry(*status).or_default() += 1;
        }
        let who = format!(
            "{} (user {}, key {})",
            record.email, record.user, record.key
        );
        match &record.outcome {
            Outcome::Created {
                hire_id,
                employment_id,
            } => {
                verdict.succeeded += 1;
                if let Some(latency) = record.final_latency {
                    latencies.push(latency);
                }
                match by_id.get(employment_id.as_str()) {
                    Some(employment) => {
                        told.insert(employment_id.clone());
                        verdict
                            .companies_hired_into
                            .insert(text(employment, "company_id").to_owned());
                        let external_id = text(employment, "external_id");
                        let email = text(employment, "personal_email");
                        if external_id != hire_id || !email.eq_ignore_ascii_case(&record.email) {
                            verdict.mismatches.push(format!(
                                "{who}: answered hire {hire_id} with employment {employment_id}, which carries external_id {external_id:?} and email {email:?}"
                            ));
                        }
                    }
                    None => verdict.missing.push(format!(
                        "{who}: answered 201 with employment {employment_id}, which the sandbox does not hold"
                    )),
                }
            }
            Outcome::ClearError { status, code } => {
                *verdict
                    .clear_errors
                    .entry(format!("{status} {code}"))
                    .or_default() += 1;
            }
            Outcome::Unclear { status, body } => verdict
                .unclear
                .push(format!("{who}: final answer {status} {body}")),
            Outcome::Pending => verdict.unknown.push(format!(
                "{who}: statuses {:?}, last answer {}",
                record.statuses, record.last_answer
            )),
        }
    }
    for employment in employments {
        let id = text(employment, "id");
        if !told.contains(id) {
            let email = text(employment, "personal_email");
            let what = records
                .iter()
                .find(|r| r.email.eq_ignore_ascii_case(email))
                .map_or_else(
                    || "no hire of this run has its email".to_owned(),
                    |r| format!("hire told {:?}, statuses {:?}", r.outcome, r.statuses),
                );
            verdict.orphans.push(format!(
                "employment {id} for {email} (external_id {}): {what}",
                text(employment, "external_id")
            ));
        }
    }
    latencies.sort();
    verdict.latencies = latencies;
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn created(email: &str, employment: &str) -> HireRecord {
        HireRecord::for_test(
            email,
            Outcome::Created {
                hire_id: format!("hire-{employment}"),
                employment_id: employment.to_owned(),
            },
            vec![503, 201],
        )
    }

    fn employment(id: &str, email: &str) -> Value {
        json!({"id": id, "personal_email": email, "external_id": format!("hire-{id}"), "company_id": "c1"})
    }

    #[test]
    fn duplicates_lost_hires_and_untold_employments_are_counted() {
        let records = vec![
            created("a@example.com", "e1"),
            // Told 201, but the sandbox holds nothing for it: lost.
            created("b@example.com", "e-missing"),
            // Never answered: lost.
            HireRecord::for_test("c@example.com", Outcome::Pending, vec![0, 503]),
            // Told it failed, yet created upstream: an employment no client was told of.
            HireRecord::for_test(
                "d@example.com",
                Outcome::ClearError {
                    status: 422,
                    code: "upstream_rejected".to_owned(),
                },
                vec![504, 422],
            ),
            HireRecord::for_test(
                "e@example.com",
                Outcome::Unclear {
                    status: 400,
                    body: "oops".to_owned(),
                },
                vec![400],
            ),
        ];
        let state = json!({
            "employment_posts": 4,
            "token_requests": {},
            "employments": [
                employment("e1", "a@example.com"),
                // A second employment for the same candidate: a duplicate (and untold).
                employment("e2", "A@example.com"),
                employment("e3", "d@example.com"),
            ],
        });
        let verdict = judge(&records, &state, &Observer::default()).expect("a verdict");

        assert_eq!(verdict.attempted, 5);
        assert_eq!(verdict.succeeded, 2);
        assert_eq!(verdict.duplicates, 1);
        assert_eq!(
            verdict.lost(),
            2,
            "{:?} {:?}",
            verdict.unknown,
            verdict.missing
        );
        assert_eq!(verdict.orphans.len(), 2, "{:?}", verdict.orphans);
        assert_eq!(verdict.unclear.len(), 1);
        assert_eq!(verdict.passed(), 3);
        assert!(verdict.too_few_succeeded());
        assert_eq!(verdict.retried, 4);
    }

    #[test]
    fn a_second_employment_with_a_hires_external_id_is_a_duplicate_in_any_company_under_any_email()
    {
        let records = vec![created("a@example.com", "e1")];
        let state = json!({"employments": [
            employment("e1", "a@example.com"),
            {"id": "e9", "personal_email": "again.a@example.com", "external_id": "hire-e1", "company_id": "c2"},
        ]});
        let verdict = judge(&records, &state, &Observer::default()).expect("a verdict");
        assert_eq!(verdict.duplicates, 1);
        let evidence = verdict.duplicate_evidence.join("\n");
        assert!(
            evidence.contains("e9") && evidence.contains("external_id hire-e1"),
            "{evidence}"
        );
        assert!(evidence.contains(&records[0].key), "{evidence}");
    }

    #[test]
    fn employments_joined_by_an_email_and_an_external_id_are_one_hire() {
        let state = json!({"employments": [
            {"id": "e1", "personal_email": "a@example.com", "external_id": "h1"},
            {"id": "e2", "personal_email": "a@example.com", "external_id": "h2"},
            {"id": "e3", "personal_email": "b@example.com", "external_id": "h2"},
            {"id": "e4", "personal_email": "c@example.com", "external_id": ""},
        ]});
        let verdict = judge(&[], &state, &Observer::default()).expect("a verdict");
        assert_eq!(verdict.duplicates, 2, "{:?}", verdict.duplicate_evidence);
        assert_eq!(verdict.duplicate_evidence.len(), 1);
    }

    #[test]
    fn a_201_whose_employment_carries_another_external_id_is_a_mismatch() {
        let records = vec![created("a@example.com", "e1")];
        let state = json!({"employments": [
            {"id": "e1", "personal_email": "a@example.com", "external_id": "someone-else", "company_id": "c1"},
        ]});
        let verdict = judge(&records, &state, &Observer::default()).expect("a verdict");
        assert_eq!(verdict.mismatches.len(), 1, "{:?}", verdict.mismatches);
    }

    #[test]
    fn fewer_than_nine_in_ten_successes_or_none_attempted_is_too_few() {
        let state = json!({"employments": []});
        let none = judge(&[], &state, &Observer::default()).expect("a verdict");
        assert!(none.too_few_succeeded());
        let mut verdict = Verdict {
            attempted: 10,
            succeeded: 9,
            ..Verdict::default()
        };
        assert!(!verdict.too_few_succeeded());
        verdict.succeeded = 8;
        assert!(verdict.too_few_succeeded());
    }

    #[test]
    fn a_clean_run_fails_nothing() {
        let records = vec![
            created("a@example.com", "e1"),
            created("b@example.com", "e2"),
        ];
        let state = json!({
            "employments": [employment("e1", "a@example.com"), employment("e2", "b@example.com")],
        });
        let verdict = judge(&records, &state, &Observer::default()).expect("a verdict");
        assert_eq!(verdict.duplicates, 0);
        assert_eq!(verdict.lost(), 0);
        assert!(verdict.orphans.is_empty() && verdict.mismatches.is_empty());
        assert!(!verdict.too_few_succeeded());
        assert_eq!(verdict.passed(), 2);
        assert_eq!(
            verdict.companies_hired_into,
            BTreeSet::from(["c1".to_owned()])
        );
        assert_eq!(verdict.percentile(50.0), Some(Duration::from_millis(10)));
    }
}

//! The verdict (what the clients were told against what the sandbox holds) and the markdown
//! report (with the webhook verdict of `deliveries`).

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    fmt::Write as _,
    path::PathBuf,
    time::Duration,
};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::{
    backend::KillReport,
    deliveries::WebhookVerdict,
    hires::{HireRecord, Outcome},
    leaks::Scan,
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
    /// Hires answered 201 whose employment the sandbox does not hold (for that email).
    pub(crate) missing: Vec<String>,
    /// Employments beyond one per candidate email.
    pub(crate) duplicates: usize,
    pub(crate) duplicate_evidence: Vec<String>,
    /// Employments in the sandbox that no 201 told a client about.
    pub(crate) orphans: Vec<String>,
    /// 201s whose employment carries another `external_id` than the hire id answered.
    pub(crate) external_id_mismatches: usize,
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

    /// Everything that must be zero (leaks are added by the caller).
    pub(crate) fn failed(&self) -> usize {
        let own = usize::try_from(self.own_5xx).unwrap_or(usize::MAX);
        self.duplicates
            .saturating_add(self.lost())
            .saturating_add(own)
            .saturating_add(self.orphans.len())
            .saturating_add(self.unclear.len())
    }

    fn percentile(&self, p: f64) -> Option<Duration> {
        if self.latencies.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies
            .get(rank.clamp(1, self.latencies.len()) - 1)
            .copied()
    }
}

/// Compares the records with the sandbox's employments.
pub(crate) fn judge(records: &[HireRecord], state: &Value, observer: &Observer) -> Result<Verdict> {
    let employments = state["employments"]
        .as_array()
        .context("the sandbox's state has no employments list")?;
    let mut by_email: HashMap<String, Vec<&Value>> = HashMap::new();
    for employment in employments {
        let email = employment["personal_email"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        by_email.entry(email).or_default().push(employment);
    }
    let mut verdict = Verdict {
        attempted: records.len(),
        employments_in_sandbox: employments.len(),
        employment_posts: state["employment_posts"].as_u64().unwrap_or_default(),
        token_requests: state["token_requests"].to_string(),
        own_5xx: observer.own_count(),
        ..Verdict::default()
    };
    for (email, list) in &by_email {
        if list.len() > 1 {
            verdict.duplicates += list.len() - 1;
            if verdict.duplicate_evidence.len() < 10 {
                let ids: Vec<String> = list
                    .iter()
                    .map(|e| {
                        format!(
                            "{} (external_id {})",
                            e["id"].as_str().unwrap_or("?"),
                            e["external_id"].as_str().unwrap_or("none")
                        )
                    })
                    .collect();
                verdict
                    .duplicate_evidence
                    .push(format!("{email}: {}", ids.join(", ")));
            }
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
                let held = by_email
                    .get(&record.email.to_ascii_lowercase())
                    .and_then(|list| {
                        list.iter()
                            .find(|e| e["id"].as_str() == Some(employment_id.as_str()))
                    });
                match held {
                    Some(employment) => {
                        told.insert(employment_id.clone());
                        if employment["external_id"].as_str() != Some(hire_id.as_str()) {
                            verdict.external_id_mismatches += 1;
                        }
                    }
                    None => verdict.missing.push(format!(
                        "{who}: answered 201 with employment {employment_id}, which the sandbox does not hold for this email"
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
        let id = employment["id"].as_str().unwrap_or_default();
        if !told.contains(id) {
            let email = employment["personal_email"].as_str().unwrap_or_default();
            let what = records
                .iter()
                .find(|r| r.email.eq_ignore_ascii_case(email))
                .map_or_else(
                    || "no hire of this run".to_owned(),
                    |r| format!("hire told {:?}, statuses {:?}", r.outcome, r.statuses),
                );
            verdict
                .orphans
                .push(format!("employment {id} for {email}: {what}"));
        }
    }
    latencies.sort();
    verdict.latencies = latencies;
    Ok(verdict)
}

/// How the run went, for the report.
pub(crate) struct RunContext {
    pub(crate) seconds: u64,
    pub(crate) concurrency: usize,
    pub(crate) users: usize,
    pub(crate) run_elapsed: Duration,
    pub(crate) reconcile_elapsed: Duration,
    pub(crate) total_elapsed: Duration,
    pub(crate) requests_in_run: u64,
    pub(crate) unresolved_at_deadline: usize,
    pub(crate) kill: KillReport,
    pub(crate) stopped: String,
    pub(crate) fault_log: Vec<String>,
    pub(crate) log_path: PathBuf,
    pub(crate) database_path: PathBuf,
    /// How long the webhooks owed took to arrive after the run (or until time ran out).
    pub(crate) drain_elapsed: Duration,
    /// The share of webhook requests the job site answered 500, in percent.
    pub(crate) webhook_failure_percent: u8,
    /// The status mover's PATCHes the sandbox did not confirm.
    pub(crate) moves_refused: Vec<String>,
}

fn ms(duration: Option<Duration>) -> String {
    duration.map_or_else(|| "n/a".to_owned(), |d| format!("{} ms", d.as_millis()))
}

fn verdict_cell(value: usize) -> &'static str {
    if value == 0 {
        "ok"
    } else {
        "**FAIL**"
    }
}

/// Hires the clients were told were created whose creation the audit trail does not record.
fn unaudited_hires(records: &[HireRecord], scan: &Scan) -> Vec<String> {
    records
        .iter()
        .filter_map(|record| match &record.outcome {
            Outcome::Created { hire_id, .. } if !scan.audited_created.contains(hire_id) => {
                Some(format!("hire {hire_id} (key {})", record.key))
            }
            _ => None,
        })
        .collect()
}

/// The markdown report (without the final `soak: N passed, M failed` line).
pub(crate) fn render(
    run: &RunContext,
    records: &[HireRecord],
    verdict: &Verdict,
    webhooks: &WebhookVerdict,
    scan: &Scan,
    observer: &Observer,
) -> String {
    let mut out = String::new();
    let run_secs = run.run_elapsed.as_secs_f64().max(0.001);
    let own = usize::try_from(verdict.own_5xx).unwrap_or(usize::MAX);
    let clear: usize = verdict.clear_errors.values().sum();
    let _ = writeln!(out, "# Soak report\n");
    let _ = writeln!(
        out,
        "{} s with {} concurrent workers, {} site users, 5% upstream faults, a job-site \
         webhook endpoint answering 500 to {}% of requests, `kill -9` of the backend after \
         {:.1} s and a restart ({:.1} s down). Wall time {:.1} s (run {:.1} s, reconciliation \
         {:.1} s, webhook drain {:.1} s).\n",
        run.seconds,
        run.concurrency,
        run.users,
        run.webhook_failure_percent,
        run.kill.killed_after.as_secs_f64(),
        run.kill.downtime.as_secs_f64(),
        run.total_elapsed.as_secs_f64(),
        run_secs,
        run.reconcile_elapsed.as_secs_f64(),
        run.drain_elapsed.as_secs_f64()
    );
    let _ = writeln!(out, "| measure | value | required |");
    let _ = writeln!(out, "|---|---:|---|");
    let mut row = |name: &str, value: String, required: &str| {
        let _ = writeln!(out, "| {name} | {value} | {required} |");
    };
    row("hires attempted", verdict.attempted.to_string(), "");
    row("succeeded (201)", verdict.succeeded.to_string(), "");
    row("failed with a clear error", clear.to_string(), "");
    row(
        "duplicates",
        verdict.duplicates.to_string(),
        &format!("0 — {}", verdict_cell(verdict.duplicates)),
    );
    row(
        "lost",
        verdict.lost().to_string(),
        &format!("0 — {}", verdict_cell(verdict.lost())),
    );
    row(
        "5xx of our own",
        verdict.own_5xx.to_string(),
        &format!("0 — {}", verdict_cell(own)),
    );
    row(
        "leaks",
        scan.hits.len().to_string(),
        &format!("0 — {}", verdict_cell(scan.hits.len())),
    );
    row(
        "employments no client was told of",
        verdict.orphans.len().to_string(),
        &format!("0 — {}", verdict_cell(verdict.orphans.len())),
    );
    row(
        "final answers that are not a clear error",
        verdict.unclear.len().to_string(),
        &format!("0 — {}", verdict_cell(verdict.unclear.len())),
    );
    row(
        "hire.created owed / taken / missing",
        format!(
            "{} / {} / {}",
            webhooks.created_expected,
            webhooks.created_delivered,
            webhooks.created_missing.len()
        ),
        &format!(
            "0 missing — {}",
            verdict_cell(webhooks.created_missing.len())
        ),
    );
    row(
        "status changes made (employments moved) / final statuses delivered / missing",
        format!(
            "{} ({}) / {} / {}",
            webhooks.changes_made,
            webhooks.moved,
            webhooks.moved_delivered,
            webhooks.moved_missing.len()
        ),
        &format!("0 missing — {}", verdict_cell(webhooks.moved_missing.len())),
    );
    row(
        "webhooks for a hire or employment that does not exist",
        webhooks.orphans.len().to_string(),
        &format!("0 — {}", verdict_cell(webhooks.orphans.len())),
    );
    row(
        "status changes with a status the employment never had",
        webhooks.unreal_statuses.len().to_string(),
        &format!("0 — {}", verdict_cell(webhooks.unreal_statuses.len())),
    );
    row(
        "webhook requests that fail verification",
        webhooks.unverifiable.len().to_string(),
        &format!("0 — {}", verdict_cell(webhooks.unverifiable.len())),
    );
    row(
        "webhooks taken (distinct events)",
        webhooks.taken().to_string(),
        &format!(
            "more than 0 — {}",
            verdict_cell(usize::from(webhooks.taken() == 0))
        ),
    );
    row(
        "webhook requests answered 500 by the job site",
        format!("{} of {}", webhooks.answered_500, webhooks.requests),
        "",
    );
    row(
        "webhooks taken again (at-least-once allows them)",
        webhooks.duplicates.to_string(),
        "",
    );
    row(
        "p50 latency (successful hires, final attempt)",
        ms(verdict.percentile(50.0)),
        "",
    );
    row(
        "p99 latency (successful hires, final attempt)",
        ms(verdict.percentile(99.0)),
        "",
    );
    row(
        "hire requests per second (run)",
        format!("{:.1}", run.requests_in_run as f64 / run_secs),
        "",
    );
    row(
        "hires answered per second (run)",
        format!(
            "{:.1}",
            (verdict.attempted - run.unresolved_at_deadline) as f64 / run_secs
        ),
        "",
    );
    row("hires that needed a retry", verdict.retried.to_string(), "");
    row(
        "unresolved at the deadline, answered in reconciliation",
        format!(
            "{} / {}",
            verdict.resolved_after_run, run.unresolved_at_deadline
        ),
        "",
    );
    row(
        "employments in the sandbox / POSTs it received",
        format!(
            "{} / {}",
            verdict.employments_in_sandbox, verdict.employment_posts
        ),
        "",
    );
    row(
        "201s whose employment has another external_id",
        verdict.external_id_mismatches.to_string(),
        "",
    );

    let _ = writeln!(out, "\n## Answers\n");
    let statuses: Vec<String> = verdict
        .hire_statuses
        .iter()
        .map(|(status, n)| {
            if *status == 0 {
                format!("no answer: {n}")
            } else {
                format!("{status}: {n}")
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "- `POST /api/v1/hires` ({} requests): {}",
        verdict.hire_requests,
        statuses.join(", ")
    );
    let all: Vec<String> = observer
        .statuses()
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    let _ = writeln!(out, "- every backend answer: {}", all.join(", "));
    let network: Vec<String> = observer
        .network_errors()
        .iter()
        .map(|(kind, n)| format!("{kind}: {n}"))
        .collect();
    if !network.is_empty() {
        let _ = writeln!(out, "- requests without an answer: {}", network.join(", "));
    }
    if !verdict.clear_errors.is_empty() {
        let clear: Vec<String> = verdict
            .clear_errors
            .iter()
            .map(|(code, n)| format!("{code}: {n}"))
            .collect();
        let _ = writeln!(out, "- clear errors: {}", clear.join(", "));
    }
    let _ = writeln!(
        out,
        "- sandbox token requests: `{}`",
        verdict.token_requests
    );
    let _ = writeln!(
        out,
        "- kill: SIGKILL after {:.1} s with {} hire requests in flight ({}), healthy again after {:.1} s; final stop: {}",
        run.kill.killed_after.as_secs_f64(),
        run.kill.in_flight,
        run.kill.exit,
        run.kill.downtime.as_secs_f64(),
        run.stopped
    );
    let _ = writeln!(out, "- faults: {}", run.fault_log.join("; "));

    let _ = writeln!(out, "\n## Webhooks to the job site\n");
    let kinds: Vec<String> = webhooks
        .taken_by_type
        .iter()
        .map(|(kind, n)| format!("{kind}: {n}"))
        .collect();
    let _ = writeln!(out, "- distinct events taken: {}", kinds.join(", "));
    let _ = writeln!(
        out,
        "- status changes taken with exactly their status: {} of {} (the others arrived within a later change of the same employment)",
        webhooks.changes_delivered_exactly, webhooks.changes_made
    );
    let _ = writeln!(
        out,
        "- hires with more than one `hire.created`: {}",
        webhooks.hires_created_twice
    );
    let _ = writeln!(
        out,
        "- drain: {:.1} s after the reconciliation, {}",
        run.drain_elapsed.as_secs_f64(),
        if webhooks.complete() {
            "until every webhook owed had arrived"
        } else {
            "**until time ran out**"
        }
    );
    let _ = writeln!(
        out,
        "- status moves the sandbox did not confirm: {}",
        run.moves_refused.len()
    );

    let _ = writeln!(out, "\n## Leak scan\n");
    let needles: Vec<String> = scan
        .needles
        .iter()
        .map(|(kind, n)| format!("{kind}: {n}"))
        .collect();
    let _ = writeln!(out, "- searched for: {}", needles.join(", "));
    if scan.skipped > 0 {
        let _ = writeln!(out, "- too short to search: {}", scan.skipped);
    }
    let mut pages = 0;
    let mut page_bytes = 0;
    for (place, size) in &scan.places {
        if place.starts_with("callback page") {
            pages += 1;
            page_bytes += size;
        } else {
            let _ = writeln!(out, "- searched {place}: {size} bytes");
        }
    }
    let _ = writeln!(
        out,
        "- searched {pages} HTML pages the backend served: {page_bytes} bytes"
    );
    let _ = writeln!(
        out,
        "- control: a site user id (no secret) was found, as it must be, in: {}",
        if scan.blind() {
            format!(
                "{} — **FAIL: not in the audit trail, the scan is blind**",
                scan.canary_found_in.join(", ")
            )
        } else {
            scan.canary_found_in.join(", ")
        }
    );
    let kinds: Vec<String> = scan
        .audit_kinds
        .iter()
        .map(|(kind, n)| format!("{kind}: {n}"))
        .collect();
    let _ = writeln!(out, "- audit events: {}", kinds.join(", "));
    let unaudited = unaudited_hires(records, scan);
    let _ = writeln!(
        out,
        "- hires answered 201 without a `hire.created` audit event: {}{}",
        unaudited.len(),
        if unaudited.is_empty() {
            String::new()
        } else {
            format!(" (not counted as failed; e.g. {})", unaudited[0])
        }
    );
    let _ = writeln!(
        out,
        "- backend log: {} ERROR lines, {} panics",
        scan.error_lines,
        scan.panics.len()
    );
    let _ = writeln!(
        out,
        "- files: log {}, database {}",
        run.log_path.display(),
        run.database_path.display()
    );

    let mut evidence = |title: &str, lines: &[String]| {
        if !lines.is_empty() {
            let _ = writeln!(out, "\n### {title}\n");
            for line in lines.iter().take(20) {
                let _ = writeln!(out, "- {}", line.replace('\n', " "));
            }
            if lines.len() > 20 {
                let _ = writeln!(out, "- … and {} more", lines.len() - 20);
            }
        }
    };
    let hits: Vec<String> = scan
        .hits
        .iter()
        .map(|h| {
            format!(
                "{} `{}…` in {} at byte {}: `{}`",
                h.kind, h.preview, h.place, h.offset, h.context
            )
        })
        .collect();
    evidence("Leaks", &hits);
    evidence("Duplicates", &verdict.duplicate_evidence);
    evidence("Lost: no final answer", &verdict.unknown);
    evidence("Lost: 201 without the employment", &verdict.missing);
    evidence("Employments no client was told of", &verdict.orphans);
    evidence("Final answers that are not a clear error", &verdict.unclear);
    let own: Vec<String> = observer
        .own_evidence()
        .iter()
        .map(|e| format!("{} → {}: {}", e.context, e.status, e.body))
        .collect();
    evidence("5xx of our own", &own);
    evidence(
        "Webhooks owed and not taken: hire.created",
        &webhooks.created_missing,
    );
    evidence(
        "Webhooks owed and not taken: status changes",
        &webhooks.moved_missing,
    );
    evidence(
        "Webhooks for a hire or employment that does not exist",
        &webhooks.orphans,
    );
    evidence(
        "Status changes with a status the employment never had",
        &webhooks.unreal_statuses,
    );
    evidence(
        "Webhook requests that fail verification",
        &webhooks.unverifiable,
    );
    evidence(
        "Status moves the sandbox did not confirm",
        &run.moves_refused,
    );
    evidence("Panics in the backend's log", &scan.panics);
    out
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
        json!({"id": id, "personal_email": email, "external_id": format!("hire-{id}")})
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
        assert_eq!(verdict.failed(), 1 + 2 + 2 + 1);
        assert_eq!(verdict.retried, 4);
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
        assert_eq!(verdict.failed(), 0);
        assert_eq!(verdict.passed(), 2);
        assert_eq!(verdict.external_id_mismatches, 0);
        assert_eq!(verdict.percentile(50.0), Some(Duration::from_millis(10)));
    }
}

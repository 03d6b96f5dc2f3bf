//! The checks (every anomaly the run can show, each a must-hold line whose failures the soak
//! counts) and the markdown report around them. The report prints no anomaly that is not a
//! check: what it shows beside them is context (rates, latencies, retries the design allows).

use std::{fmt::Write as _, path::PathBuf, time::Duration};

use crate::{
    backend::KillReport,
    deliveries::WebhookVerdict,
    hires::{HireRecord, Outcome},
    leaks::Scan,
    observe::Observer,
    verdict::Verdict,
};

/// How the run went, for the report.
pub(crate) struct RunContext {
    pub(crate) seconds: u64,
    pub(crate) concurrency: usize,
    pub(crate) users: usize,
    /// Site users per company they consented into, as (company name, users).
    pub(crate) users_per_company: Vec<(String, usize)>,
    /// The backend's database, described.
    pub(crate) database: String,
    pub(crate) run_elapsed: Duration,
    pub(crate) reconcile_elapsed: Duration,
    pub(crate) total_elapsed: Duration,
    pub(crate) requests_in_run: u64,
    pub(crate) unresolved_at_deadline: usize,
    pub(crate) kill: KillReport,
    pub(crate) stopped: String,
    pub(crate) fault_log: Vec<String>,
    pub(crate) log_path: PathBuf,
    /// How long the webhooks owed took to arrive after the run (or until time ran out).
    pub(crate) drain_elapsed: Duration,
    /// The share of webhook requests the job site answered 500, in percent.
    pub(crate) webhook_failure_percent: u8,
    /// The status mover's PATCHes the sandbox did not confirm.
    pub(crate) moves_refused: Vec<String>,
    /// The duplicate `--seed-duplicate` added at the sandbox, described.
    pub(crate) seeded: Option<String>,
}

/// One must-hold line: what it measures, its value, what is required, and how many failures
/// it counts (0 when it holds).
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) required: String,
    pub(crate) failures: usize,
}

fn check(name: &str, value: impl ToString, required: &str, failures: usize) -> Check {
    Check {
        name: name.to_owned(),
        value: value.to_string(),
        required: required.to_owned(),
        failures,
    }
}

/// A count that must be zero.
fn zero(name: &str, count: usize) -> Check {
    check(name, count, "0", count)
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

/// Every check, in report order.
pub(crate) fn checks(
    run: &RunContext,
    records: &[HireRecord],
    verdict: &Verdict,
    webhooks: &WebhookVerdict,
    scan: &Scan,
) -> Vec<Check> {
    let percent = if verdict.attempted == 0 {
        0.0
    } else {
        verdict.succeeded as f64 * 100.0 / verdict.attempted as f64
    };
    let companies_consented = run.users_per_company.len();
    let companies_wanted = companies_consented.max(run.users.min(2));
    let blind_in = scan.blind_in();
    vec![
        check(
            "hires that succeeded (201)",
            format!(
                "{} of {} ({percent:.1} %)",
                verdict.succeeded, verdict.attempted
            ),
            "at least 90 %, and at least one",
            usize::from(verdict.too_few_succeeded()),
        ),
        zero(
            "duplicates (employments beyond one per external_id or email, across companies)",
            verdict.duplicates,
        ),
        zero("lost", verdict.lost()),
        check(
            "5xx of our own",
            verdict.own_5xx,
            "0",
            usize::try_from(verdict.own_5xx).unwrap_or(usize::MAX),
        ),
        zero("employments no client was told of", verdict.orphans.len()),
        zero(
            "201s whose employment has another external_id or email",
            verdict.mismatches.len(),
        ),
        zero(
            "final answers that are not a clear error",
            verdict.unclear.len(),
        ),
        check(
            "companies hired into",
            format!(
                "{} of {companies_consented} consented into",
                verdict.companies_hired_into.len()
            ),
            "every company a user consented into, and at least 2 with 2 users or more",
            companies_wanted.saturating_sub(verdict.companies_hired_into.len()),
        ),
        zero(
            "hires answered 201 without a `hire.created` audit event",
            unaudited_hires(records, scan).len(),
        ),
        zero("leaks", scan.hits.len()),
        check(
            "places the leak scan's control value was not found in",
            if blind_in.is_empty() {
                "none".to_owned()
            } else {
                blind_in.join(", ")
            },
            "none (it is in the audit trail and the log)",
            blind_in.len(),
        ),
        zero("panics in the backend's log", scan.panic_count),
        zero("ERROR lines in the backend's log", scan.error_lines),
        check(
            "hire.created owed / taken / missing",
            format!(
                "{} / {} / {}",
                webhooks.created_expected,
                webhooks.created_delivered,
                webhooks.created_missing.len()
            ),
            "0 missing",
            webhooks.created_missing.len(),
        ),
        check(
            "status changes made (employments moved) / final statuses delivered / missing",
            format!(
                "{} ({}) / {} / {}",
                webhooks.changes_made,
                webhooks.moved,
                webhooks.moved_delivered,
                webhooks.moved_missing.len()
            ),
            "0 missing",
            webhooks.moved_missing.len(),
        ),
        zero(
            "hires with more than one distinct `hire.created`",
            webhooks.hires_created_twice,
        ),
        zero(
            "webhooks for a hire or employment that does not exist",
            webhooks.orphans.len(),
        ),
        zero(
            "status changes with a status the employment never had",
            webhooks.unreal_statuses.len(),
        ),
        zero(
            "webhook requests that fail verification",
            webhooks.unverifiable.len(),
        ),
        check(
            "webhooks taken (distinct events)",
            webhooks.taken(),
            "more than 0",
            usize::from(webhooks.taken() == 0),
        ),
        zero(
            "status moves the sandbox did not confirm",
            run.moves_refused.len(),
        ),
    ]
}

/// The failures of every check.
pub(crate) fn failures(checks: &[Check]) -> usize {
    checks
        .iter()
        .fold(0usize, |sum, c| sum.saturating_add(c.failures))
}

fn ms(duration: Option<Duration>) -> String {
    duration.map_or_else(|| "n/a".to_owned(), |d| format!("{} ms", d.as_millis()))
}

/// The markdown report (without the final `soak: N passed, M failed` line).
pub(crate) fn render(
    run: &RunContext,
    checks: &[Check],
    records: &[HireRecord],
    verdict: &Verdict,
    webhooks: &WebhookVerdict,
    scan: &Scan,
    observer: &Observer,
) -> String {
    let mut out = String::new();
    let run_secs = run.run_elapsed.as_secs_f64().max(0.001);
    let clear: usize = verdict.clear_errors.values().sum();
    let _ = writeln!(out, "# Soak report\n");
    let companies: Vec<String> = run
        .users_per_company
        .iter()
        .map(|(name, n)| format!("{n} in {name}"))
        .collect();
    let _ = writeln!(
        out,
        "{} s with {} concurrent workers, {} site users ({}), the backend on {}, 5% upstream \
         faults, a job-site webhook endpoint answering 500 to {}% of requests, `kill -9` of the \
         backend after {:.1} s and a restart ({:.1} s down). Wall time {:.1} s (run {:.1} s, \
         reconciliation {:.1} s, webhook drain {:.1} s).\n",
        run.seconds,
        run.concurrency,
        run.users,
        companies.join(", "),
        run.database,
        run.webhook_failure_percent,
        run.kill.killed_after.as_secs_f64(),
        run.kill.downtime.as_secs_f64(),
        run.total_elapsed.as_secs_f64(),
        run_secs,
        run.reconcile_elapsed.as_secs_f64(),
        run.drain_elapsed.as_secs_f64()
    );
    if let Some(seeded) = &run.seeded {
        let _ = writeln!(
            out,
            "**Seeded on purpose (`--seed-duplicate`), so this run must fail:** {seeded}\n"
        );
    }
    let _ = writeln!(out, "| check | value | required |");
    let _ = writeln!(out, "|---|---:|---|");
    for c in checks {
        let verdict = if c.failures == 0 { "ok" } else { "**FAIL**" };
        let _ = writeln!(
            out,
            "| {} | {} | {} — {verdict} |",
            c.name, c.value, c.required
        );
    }

    let _ = writeln!(out, "\n| measure | value |");
    let _ = writeln!(out, "|---|---:|");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "| {name} | {value} |");
    };
    row("hires attempted", verdict.attempted.to_string());
    row("failed with a clear error", clear.to_string());
    row(
        "webhook requests answered 500 by the job site",
        format!("{} of {}", webhooks.answered_500, webhooks.requests),
    );
    row(
        "webhooks taken again (at-least-once allows them)",
        webhooks.duplicates.to_string(),
    );
    row(
        "p50 latency (successful hires, final attempt)",
        ms(verdict.percentile(50.0)),
    );
    row(
        "p99 latency (successful hires, final attempt)",
        ms(verdict.percentile(99.0)),
    );
    row(
        "hire requests per second (run)",
        format!("{:.1}", run.requests_in_run as f64 / run_secs),
    );
    row(
        "hires answered per second (run)",
        format!(
            "{:.1}",
            (verdict.attempted - run.unresolved_at_deadline) as f64 / run_secs
        ),
    );
    row("hires that needed a retry", verdict.retried.to_string());
    row(
        "unresolved at the deadline, answered in reconciliation",
        format!(
            "{} / {}",
            verdict.resolved_after_run, run.unresolved_at_deadline
        ),
    );
    row(
        "employments in the sandbox / POSTs it received",
        format!(
            "{} / {}",
            verdict.employments_in_sandbox, verdict.employment_posts
        ),
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
        "- drain: {:.1} s after the reconciliation, {}",
        run.drain_elapsed.as_secs_f64(),
        if webhooks.complete() {
            "until every webhook owed had arrived"
        } else {
            "**until time ran out**"
        }
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
        "- control values (no secret: a site user id, a request id) found, as they must be, in: {}",
        scan.canary_found_in.join(", ")
    );
    let kinds: Vec<String> = scan
        .audit_kinds
        .iter()
        .map(|(kind, n)| format!("{kind}: {n}"))
        .collect();
    let _ = writeln!(out, "- audit events: {}", kinds.join(", "));
    let _ = writeln!(out, "- log file: {}", run.log_path.display());

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
    evidence(
        "201s whose employment has another external_id or email",
        &verdict.mismatches,
    );
    evidence("Final answers that are not a clear error", &verdict.unclear);
    evidence(
        "Hires answered 201 without a `hire.created` audit event",
        &unaudited_hires(records, scan),
    );
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
    evidence("ERROR lines in the backend's log", &scan.errors);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunContext {
        RunContext {
            seconds: 1,
            concurrency: 1,
            users: 2,
            users_per_company: vec![("A".to_owned(), 1), ("B".to_owned(), 1)],
            database: "SQLite".to_owned(),
            run_elapsed: Duration::from_secs(1),
            reconcile_elapsed: Duration::ZERO,
            total_elapsed: Duration::from_secs(1),
            requests_in_run: 1,
            unresolved_at_deadline: 0,
            kill: KillReport {
                killed_after: Duration::ZERO,
                downtime: Duration::ZERO,
                in_flight: 0,
                exit: String::new(),
            },
            stopped: String::new(),
            fault_log: Vec::new(),
            log_path: PathBuf::from("backend.log"),
            drain_elapsed: Duration::ZERO,
            webhook_failure_percent: 30,
            moves_refused: Vec::new(),
            seeded: None,
        }
    }

    fn created(hire_id: &str) -> HireRecord {
        HireRecord::for_test(
            "a@example.com",
            Outcome::Created {
                hire_id: hire_id.to_owned(),
                employment_id: format!("employment-of-{hire_id}"),
            },
            vec![201],
        )
    }

    /// A run in which everything holds: ten hires created into both companies, audited, their
    /// webhooks taken, the control value seen in the log and the audit trail.
    fn clean() -> (Vec<HireRecord>, Verdict, WebhookVerdict, Scan) {
        let records: Vec<HireRecord> = (0..10).map(|n| created(&format!("h{n}"))).collect();
        let verdict = Verdict {
            attempted: 10,
            succeeded: 10,
            companies_hired_into: ["a".to_owned(), "b".to_owned()].into(),
            ..Verdict::default()
        };
        let webhooks = WebhookVerdict {
            taken_by_type: [("hire.created".to_owned(), 10)].into(),
            ..WebhookVerdict::default()
        };
        let scan = Scan {
            audited_created: (0..10).map(|n| format!("h{n}")).collect(),
            canary_found_in: vec!["log backend.log".to_owned(), "audit trail".to_owned()],
            ..Scan::default()
        };
        (records, verdict, webhooks, scan)
    }

    fn failing(checks: &[Check]) -> Vec<&str> {
        checks
            .iter()
            .filter(|c| c.failures > 0)
            .map(|c| c.name.as_str())
            .collect()
    }

    #[test]
    fn a_clean_run_fails_no_check() {
        let (records, verdict, webhooks, scan) = clean();
        let checks = checks(&run(), &records, &verdict, &webhooks, &scan);
        assert_eq!(failing(&checks), Vec::<&str>::new());
        assert_eq!(failures(&checks), 0);
    }

    #[test]
    fn every_anomaly_the_report_shows_is_a_failed_check() {
        let (records, mut verdict, webhooks, mut scan) = clean();
        verdict
            .mismatches
            .push("a 201 with another external_id".to_owned());
        verdict.succeeded = 8;
        verdict.companies_hired_into.remove("b");
        scan.audited_created.remove("h3");
        scan.error_lines = 2;
        scan.canary_found_in
            .retain(|place| place.starts_with("audit"));
        let mut context = run();
        context
            .moves_refused
            .push("e1 created → invited: 401".to_owned());
        let checks = checks(&context, &records, &verdict, &webhooks, &scan);
        assert_eq!(
            failing(&checks),
            [
                "hires that succeeded (201)",
                "201s whose employment has another external_id or email",
                "companies hired into",
                "hires answered 201 without a `hire.created` audit event",
                "places the leak scan's control value was not found in",
                "ERROR lines in the backend's log",
                "status moves the sandbox did not confirm",
            ]
        );
        assert_eq!(failures(&checks), 1 + 1 + 1 + 1 + 1 + 2 + 1);
        let text = render(
            &context,
            &checks,
            &records,
            &verdict,
            &webhooks,
            &scan,
            &Observer::default(),
        );
        assert_eq!(text.matches("— **FAIL** |").count(), 7, "{text}");
    }

    #[test]
    fn a_run_in_which_no_hire_was_attempted_fails() {
        let (_, _, webhooks, scan) = clean();
        let verdict = Verdict {
            companies_hired_into: ["a".to_owned(), "b".to_owned()].into(),
            ..Verdict::default()
        };
        let checks = checks(&run(), &[], &verdict, &webhooks, &scan);
        assert_eq!(failing(&checks), ["hires that succeeded (201)"]);
    }
}

//! Section 4's open-loop rows: hires at a fixed arrival rate, latency from each request's
//! intended send time (coordinated omission corrected). The bench binary measures them; this
//! renders the rows and their budget.

use std::fmt::Write as _;

use super::measurements::OpenLoopRun;
use super::{fmt_ms, verdict};

/// The added p99 the backend may cost over the direct call.
const ADDED_P99_BUDGET_MS: f64 = 2.0;

/// The section's table.
pub(crate) fn render(runs: &[OpenLoopRun]) -> String {
    let mut md = String::from(
        "Open loop (the bench binary of the harness crate): request *i* is sent at t0 + *i* / \
         rate whether or not earlier ones were answered, and its latency runs from that intended \
         send time to the end of the answer, so a stall shows in every request scheduled during \
         it (coordinated omission corrected; the closed-loop wrk rows above hide it by sending \
         less). A fresh sandbox, one connected user, one second of warm-up first.\n\n\
         | path | rate | requests | p50 | p90 | p99 | max | errors | worst send lag |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for run in runs {
        let _ = writeln!(
            md,
            "| {} | {}/s for {} s | {} | {} ms | {} ms | {} ms | {} ms | {} | {} ms |",
            run.path,
            run.rate_per_second,
            run.seconds,
            run.sent,
            fmt_ms(run.p50_ms),
            fmt_ms(run.p90_ms),
            fmt_ms(run.p99_ms),
            fmt_ms(run.max_ms),
            run.errors,
            fmt_ms(run.worst_send_lag_ms),
        );
    }
    md.push('\n');
    md
}

/// The budget row: the backend's added p99 over the direct call at the same arrival rate.
pub(crate) fn budget_row(runs: &[OpenLoopRun]) -> String {
    let (Some(backend), Some(direct)) = (
        runs.iter().find(|r| r.path.starts_with("backend")),
        runs.iter().find(|r| r.path.starts_with("direct")),
    ) else {
        return String::new();
    };
    let added = backend.p99_ms - direct.p99_ms;
    format!(
        "| added p99 over direct ≤ {} ms, open loop at {} hires/s (SQLite) | {} ms ({} ms vs {} ms direct, {} errors) | {} |\n",
        fmt_ms(ADDED_P99_BUDGET_MS),
        backend.rate_per_second,
        fmt_ms(added),
        fmt_ms(backend.p99_ms),
        fmt_ms(direct.p99_ms),
        backend.errors,
        verdict(
            added <= ADDED_P99_BUDGET_MS && backend.errors == 0,
            &if backend.errors > 0 {
                format!("{} of {} hires failed", backend.errors, backend.sent)
            } else {
                format!("by {} ms", fmt_ms(added - ADDED_P99_BUDGET_MS))
            },
            ""
        )
    )
}

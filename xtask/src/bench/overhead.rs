//! The backend's derived rows: section 4's budget rows (added p99 at 256 concurrency and in the
//! open loop, CPU per hire against the sandbox's, Postgres transactions per hire) and section
//! 7's breakdown of one hire's time, computed from the closed-loop and open-loop measurements.

use std::fmt::Write as _;

use super::measurements;
use super::{fmt_ms, fmt_rate, open_loop, verdict};

/// Each database's label and refresh storm, for the storm's section.
pub(crate) fn storms(runs: &[measurements::StormRun]) -> Vec<(&str, Option<&measurements::Storm>)> {
    runs.iter()
        .map(|run| (run.database.as_str(), run.storm.as_ref()))
        .collect()
}

/// The backend's own work per hire at concurrency 1 (hire p50 − the two upstream calls' p50).
pub(crate) fn own_work_c1(
    loads: &measurements::ClosedLoop,
    backend: &measurements::BackendRun,
) -> Option<f64> {
    let hire = backend.hires.iter().find(|l| l.connections == 1)?;
    let direct = loads.direct.iter().find(|l| l.connections == 1)?;
    let magic = loads.magic_c1.as_ref()?;
    Some(hire.p50_ms - direct.p50_ms - magic.p50_ms)
}

/// Section 4's budget rows: the added p99 (closed loop at 256, and open loop), the backend's CPU
/// per hire against the sandbox's, and Postgres transactions per hire.
pub(crate) fn overhead_budget(
    loads: &measurements::ClosedLoop,
    open: &[measurements::OpenLoopRun],
) -> String {
    let mut md = String::from("| budget | measured | verdict |\n|---|---|---|\n");
    let Some(direct) = loads.direct.iter().find(|l| l.connections == 256) else {
        return String::new();
    };
    for backend in &loads.backends {
        let Some(hire) = backend.hires.iter().find(|l| l.connections == 256) else {
            continue;
        };
        let added = hire.p99_ms - direct.p99_ms;
        let cpu = |l: &measurements::Load, i: usize| {
            l.cpu_per_request_ms.get(i).copied().unwrap_or(f64::NAN)
        };
        let backend_cpu = cpu(hire, 0);
        let sandbox_cpu = cpu(hire, 1);
        let direct_cpu = cpu(direct, 0);
        let why = format!(
            "by {} ms. This is throughput, not a slow step: the backend burns {} ms of CPU per \
             hire (and makes the sandbox burn {} ms for its two calls) against {} ms for one \
             direct employment, so the two cores complete {} hires/s against {} direct; with 256 \
             requests in flight each one waits ~256 / {} s = {} ms (Little's law), which is the \
             median and most of the p99",
            fmt_ms(added - 2.0),
            fmt_ms(backend_cpu),
            fmt_ms(sandbox_cpu),
            fmt_ms(direct_cpu),
            fmt_rate(hire.rate()),
            fmt_rate(direct.rate()),
            fmt_rate(hire.rate()),
            fmt_ms(256_000.0 / hire.rate()),
        );
        let _ = writeln!(
            md,
            "| added p99 over direct ≤ 2 ms at 256 concurrency ({}) | {} ms ({} ms vs {} ms direct) | {} |",
            backend.label,
            fmt_ms(added),
            fmt_ms(hire.p99_ms),
            fmt_ms(direct.p99_ms),
            verdict(added <= 2.0, &why, "")
        );
    }
    md.push_str(&open_loop::budget_row(open));
    md.push_str(&cpu_ratio_rows(loads));
    md.push('\n');
    md
}

/// The most CPU the backend may burn per hire, as a multiple of what the sandbox burns to create
/// the same hire's employment and onboarding link (a ratio: absolute CPU times on a shared
/// machine drift from run to run, the two processes' ratio within one row much less).
const CPU_RATIO_BUDGET: f64 = 4.0;
/// The most Postgres transactions a hire may take.
pub(crate) const PG_TRANSACTIONS_BUDGET: f64 = 3.0;

/// Sequential hires (c=1): backend CPU per hire over the sandbox's, per database, and Postgres
/// transactions per hire.
fn cpu_ratio_rows(loads: &measurements::ClosedLoop) -> String {
    let mut md = String::new();
    for backend in &loads.backends {
        let Some(hire) = backend.hires.iter().find(|l| l.connections == 1) else {
            continue;
        };
        let cpu = |i: usize| hire.cpu_per_request_ms.get(i).copied().unwrap_or(f64::NAN);
        let (ours, sandbox) = (cpu(0), cpu(1));
        let ratio = ours / sandbox;
        let _ = writeln!(
            md,
            "| backend CPU per hire ≤ {CPU_RATIO_BUDGET:.0}× the sandbox's for the same hires, sequential ({}) | {ratio:.1}× ({} ms against {} ms) | {} |",
            backend.label,
            fmt_ms(ours),
            fmt_ms(sandbox),
            verdict(
                ratio <= CPU_RATIO_BUDGET,
                &format!("{ratio:.1}× is over {CPU_RATIO_BUDGET:.0}×"),
                ""
            )
        );
    }
    if let Some(transactions) = loads
        .backends
        .iter()
        .find_map(|b| b.pg_per_hire)
        .map(|p| p.transactions)
    {
        let _ = writeln!(
            md,
            "| Postgres transactions per hire ≤ {PG_TRANSACTIONS_BUDGET:.0} (pg_stat_database, sequential, counters settled, the backend's idle commits subtracted) | {transactions:.2} | {} |",
            verdict(
                transactions <= PG_TRANSACTIONS_BUDGET,
                &format!("{transactions:.2} is over {PG_TRANSACTIONS_BUDGET:.0}"),
                ""
            )
        );
    }
    md
}

/// The c=1 latency breakdown (no queueing): where one hire's time goes.
pub(crate) fn breakdown_c1(loads: &measurements::ClosedLoop) -> String {
    let mut md = String::new();
    let (Some(direct), Some(magic)) = (
        loads.direct.iter().find(|l| l.connections == 1),
        loads.magic_c1.as_ref(),
    ) else {
        return md;
    };
    md.push_str(
        "One hire at a time (concurrency 1, so no queueing), medians. The backend's own share is \
         what is left after its two upstream calls, each measured straight against the sandbox:\n\n\
         | part | SQLite | Postgres |\n|---|---:|---:|\n",
    );
    let cell = |i: usize, f: &dyn Fn(&measurements::BackendRun) -> String| -> String {
        loads.backends.get(i).map_or("—".to_owned(), f)
    };
    let hire_p50 = |b: &measurements::BackendRun| {
        b.hires
            .iter()
            .find(|l| l.connections == 1)
            .map_or("—".to_owned(), |l| format!("{} ms", fmt_ms(l.p50_ms)))
    };
    let own = |b: &measurements::BackendRun| {
        let total = b
            .hires
            .iter()
            .find(|l| l.connections == 1)
            .map_or(f64::NAN, |l| l.p50_ms);
        let own = own_work_c1(loads, b).unwrap_or(f64::NAN);
        format!("**{} ms** ({:.0} %)", fmt_ms(own), 100.0 * own / total)
    };
    let _ = writeln!(
        md,
        "| hire through the backend | {} | {} |",
        cell(0, &hire_p50),
        cell(1, &hire_p50)
    );
    let _ = writeln!(
        md,
        "| · `POST /v1/employments` at the sandbox | {0} ms | {0} ms |",
        fmt_ms(direct.p50_ms)
    );
    let _ = writeln!(
        md,
        "| · `POST /v1/magic-link` at the sandbox | {0} ms | {0} ms |",
        fmt_ms(magic.p50_ms)
    );
    let _ = writeln!(
        md,
        "| · **the backend's own work** (site token, idempotency record, token decrypt, database writes, JSON, logging, thread hand-offs) | {} | {} |",
        cell(0, &own),
        cell(1, &own)
    );
    if let Some(pg) = loads.backends.iter().find_map(|b| b.pg_per_hire) {
        let _ = writeln!(
            md,
            "| Postgres transactions / rows written per hire (pg_stat_database, the backend's idle commits subtracted) | — | {:.1} / {:.1} |",
            pg.transactions, pg.rows
        );
    }
    if let Some(measurements::CommitCost {
        on_ms: on,
        off_ms: off,
    }) = loads.pg_commit
    {
        let _ = writeln!(
            md,
            "| Postgres: one autocommitted INSERT, `synchronous_commit` on / off | — | {} ms / {} ms |",
            fmt_ms(on),
            fmt_ms(off)
        );
    }
    if let Some(sqlite) = loads.backends.first() {
        let _ = writeln!(
            md,
            "\n`POST /v1/employments` calls at the sandbox per successful hire: {:.2} (exactly once).\n",
            sqlite.posts_per_hire
        );
    }
    md
}

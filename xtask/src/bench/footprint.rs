//! Section 6, footprint: start-up time to a ready `/healthz` (median of several starts, on a
//! fresh SQLite file, an existing one, and Postgres), resident memory (idle, and under the loads
//! of section 4) and the binary's size.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::load::{rss_mib, LoadResults};
use super::stack::{self, Database, Stack};
use super::storm::percentile;
use super::{mib, verdict, Settings};

/// Start-up times in milliseconds.
pub(crate) struct Startups {
    pub(crate) sqlite_fresh: Vec<f64>,
    pub(crate) sqlite_existing: Vec<f64>,
    pub(crate) postgres: Vec<f64>,
    /// `VmRSS` one second after a start, KiB (SQLite, existing file).
    pub(crate) idle_rss_kib: Vec<u64>,
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    percentile(&sorted, 50.0)
}

pub(crate) fn measure_startups(stack: &Stack, settings: &Settings) -> Result<Startups> {
    say!("start-up times ({} starts each)", settings.starts);
    let mut sqlite_fresh = Vec::new();
    let mut sqlite_existing = Vec::new();
    let mut idle_rss_kib = Vec::new();
    let existing = stack.dir.join("startup-existing");
    for i in 0..settings.starts {
        let fresh = stack.dir.join(format!("startup-fresh-{i}"));
        let (mut backend, ready) =
            stack.start_backend("startup", &stack.binary, &Database::Sqlite(fresh.clone()))?;
        backend.stop();
        sqlite_fresh.push(ready.as_secs_f64() * 1e3);
        let _ = std::fs::remove_dir_all(&fresh);

        let (mut backend, ready) = stack.start_backend(
            "startup",
            &stack.binary,
            &Database::Sqlite(existing.clone()),
        )?;
        if i > 0 {
            // The first start creates the file; the others open it.
            sqlite_existing.push(ready.as_secs_f64() * 1e3);
        }
        if i < 3 {
            std::thread::sleep(Duration::from_secs(1));
            idle_rss_kib.push(backend.rss_kib().unwrap_or(0));
        }
        backend.stop();
    }
    let mut postgres = Vec::new();
    let db_name = format!("hwr_bench_start_{}", std::process::id());
    if let Ok(url) = stack::create_database(&db_name) {
        for _ in 0..settings.starts {
            match stack.start_backend("startup", &stack.binary, &Database::Postgres(url.clone())) {
                Ok((mut backend, ready)) => {
                    backend.stop();
                    postgres.push(ready.as_secs_f64() * 1e3);
                }
                Err(error) => {
                    say!("a Postgres start failed: {error:#}");
                    break;
                }
            }
        }
        stack::drop_database(&db_name);
    }
    Ok(Startups {
        sqlite_fresh,
        sqlite_existing,
        postgres,
        idle_rss_kib,
    })
}

pub(crate) fn render(binary: &Path, startups: &Startups, loads: &LoadResults) -> String {
    const IDLE_BUDGET_KIB: u64 = 20 * 1024;
    const START_BUDGET_MS: f64 = 100.0;
    let mut md = String::new();
    md.push_str("| measure | value | budget | verdict |\n|---|---:|---:|---|\n");
    let size = std::fs::metadata(binary).map(|m| m.len()).unwrap_or(0);
    let _ = writeln!(
        md,
        "| binary size (`target/release/hire-with-remote`, stripped, widget and sandbox embedded) | {} | — | — |",
        mib(size)
    );
    let start_row = |md: &mut String, name: &str, values: &[f64], budget: Option<f64>| {
        if values.is_empty() {
            let _ = writeln!(md, "| {name} | not measured | — | — |");
            return;
        }
        let m = median(values);
        let max = values.iter().copied().fold(f64::NAN, f64::max);
        let (budget_text, verdict_text) = match budget {
            Some(b) => (
                format!("≤ {b:.0} ms"),
                verdict(m <= b, &format!("{:.1} ms over", m - b), ""),
            ),
            None => ("—".to_owned(), "—".to_owned()),
        };
        let _ = writeln!(
            md,
            "| {name} (median of {}, max {max:.1} ms) | {m:.1} ms | {budget_text} | {verdict_text} |",
            values.len()
        );
    };
    start_row(
        &mut md,
        "start-up to a ready `/healthz`, SQLite, existing database",
        &startups.sqlite_existing,
        Some(START_BUDGET_MS),
    );
    start_row(
        &mut md,
        "start-up to a ready `/healthz`, SQLite, first start (creates and migrates the file)",
        &startups.sqlite_fresh,
        Some(START_BUDGET_MS),
    );
    start_row(
        &mut md,
        "start-up to a ready `/healthz`, Postgres (migrations already applied after the first)",
        &startups.postgres,
        None,
    );
    let idle = startups.idle_rss_kib.iter().copied().max().unwrap_or(0);
    let _ = writeln!(
        md,
        "| RSS idle, 1 s after start (SQLite; max of {} starts) | {} | ≤ 20 MiB | {} |",
        startups.idle_rss_kib.len(),
        rss_mib(idle),
        verdict(
            idle <= IDLE_BUDGET_KIB,
            &format!("{} over", rss_mib(idle.saturating_sub(IDLE_BUDGET_KIB))),
            ""
        )
    );
    for run in &loads.backends {
        let _ = writeln!(
            md,
            "| RSS on {}: idle after start / connected and warmed / peak under load (c ≤ 256) / idle after the loads | {} / {} / {} / {} | idle ≤ 20 MiB | {} |",
            run.label,
            rss_mib(run.rss_idle_kib),
            rss_mib(run.rss_connected_kib),
            rss_mib(run.rss_peak_kib),
            rss_mib(run.rss_after_kib),
            verdict(
                run.rss_idle_kib <= IDLE_BUDGET_KIB,
                &format!("{} over", rss_mib(run.rss_idle_kib.saturating_sub(IDLE_BUDGET_KIB))),
                " (idle after start)"
            )
        );
    }
    if let Some(peak) = loads
        .direct
        .iter()
        .filter_map(|l| l.peak_rss_kib.first())
        .max()
    {
        let _ = writeln!(
            md,
            "| sandbox RSS, peak during the direct runs (for scale) | {} | — | — |",
            rss_mib(*peak)
        );
    }
    md.push('\n');
    md
}

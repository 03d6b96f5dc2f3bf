//! Section 6, footprint: start-up time to a ready `/healthz` (median of several starts, on a
//! fresh SQLite file, an existing one, and Postgres), resident memory (idle, and under the loads
//! of section 4) and the binary's size. The bench binary measures them; this renders them.

use std::fmt::Write as _;
use std::path::Path;

use super::load::rss_mib;
use super::measurements::{ClosedLoop, Startups};
use super::{mib, verdict};

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (0.5 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The section's table; the memory rows under load come with the closed loop, when it ran.
pub(crate) fn render(binary: &Path, startups: &Startups, loads: Option<&ClosedLoop>) -> String {
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
    let (backends, direct) = loads.map_or((&[][..], &[][..]), |l| (&l.backends[..], &l.direct[..]));
    for run in backends {
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
    if let Some(peak) = direct.iter().filter_map(|l| l.peak_rss_kib.first()).max() {
        let _ = writeln!(
            md,
            "| sandbox RSS, peak during the direct runs (for scale) | {} | — | — |",
            rss_mib(*peak)
        );
    }
    md.push('\n');
    md
}

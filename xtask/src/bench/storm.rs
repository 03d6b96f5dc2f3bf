//! Section 5, the refresh storm: N hires at once for one connection whose access token Remote
//! has just expired; the backend must refresh once (single flight) and every hire must still
//! succeed. The bench binary measures it; this renders it.

use super::measurements::Storm;

/// The section's Markdown (and its budget rows), from each database's label and its storm (none
/// when the storm failed).
pub(crate) fn render(runs: &[(&str, Option<&Storm>)], settings: &super::Settings) -> String {
    use std::fmt::Write as _;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "{} `POST /api/v1/hires` at once for one connection (all connections opened first, then \
         released together by a barrier), right after `POST /__sandbox/expire-tokens`: Remote \
         answers 401 to the stored access token, so every hire needs a new one. Refresh calls are \
         `token_requests.refresh_token` from `/__sandbox/state` before and after.\n",
        settings.storm
    );
    md.push_str("| database | hires | answers | refresh calls | p50 | p99 | max | all done in |\n|---|---:|---|---:|---:|---:|---:|---:|\n");
    let mut budget = String::new();
    for &(label, storm) in runs {
        let Some(storm) = storm else {
            let _ = writeln!(
                md,
                "| {label} | failed (see the bench's output) | | | | | | |"
            );
            continue;
        };
        let answers = storm
            .statuses
            .iter()
            .map(|(status, n)| format!("{n} × {status}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            md,
            "| {label} | {} | {answers} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
            storm.hires, storm.refreshes, storm.p50_ms, storm.p99_ms, storm.max_ms, storm.wall_ms
        );
        let all_created = storm.created() == storm.hires;
        let _ = writeln!(
            budget,
            "| one refresh call for {} concurrent hires on an expired token ({label}) | {} refresh call(s), {}/{} hires created, p99 {:.0} ms | {} |",
            storm.hires,
            storm.refreshes,
            storm.created(),
            storm.hires,
            storm.p99_ms,
            super::verdict(
                storm.refreshes == 1 && all_created,
                &if storm.refreshes != 1 {
                    format!("{} refresh calls", storm.refreshes)
                } else {
                    format!("{} hires failed", storm.hires - storm.created())
                },
                ""
            )
        );
    }
    md.push_str("\n| budget | measured | verdict |\n|---|---|---|\n");
    md.push_str(&budget);
    md.push('\n');
    md
}

//! Section 4, backend overhead, closed loop: hires per second and latency at several
//! concurrencies through the backend (SQLite, then Postgres), beside the same
//! `POST /v1/employments` sent straight to the sandbox and through an nginx `proxy_pass`; and
//! `GET /api/v1/connection` per second. The bench binary measures them; this renders them.

use std::fmt::Write as _;

use super::measurements::{ClosedLoop, Load};
use super::{fmt_ms, fmt_rate, mib, Settings};

/// The section's Markdown.
pub(crate) fn render(results: &ClosedLoop, settings: &Settings) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "wrk ({} s per row, 2 threads, unique `Idempotency-Key` and candidate email per request), \
         sandbox with no added latency and its rate limit off, backend rate limits off. Each hire \
         row starts from a reset sandbox (empty employment list). Backend = `POST /api/v1/hires` \
         (site token → idempotency record → `POST /v1/employments` → `POST /v1/magic-link` → \
         answer); direct and nginx = the same `POST /v1/employments` body with an access token \
         from consent. CPU per request is the process's user + system time (all threads) over \
         the row divided by its requests. On this shared 2-core machine, differences of tens of \
         milliseconds at concurrency 64 and 256 (even negative ones) are noise; the \
         concurrency-1 rows are the clean per-request costs.\n",
        settings.seconds
    );
    md.push_str(
        "| path | concurrency | requests/s | p50 | p90 | p99 | max | errors | CPU per request |\n",
    );
    md.push_str("|---|---:|---:|---:|---:|---:|---:|---|---|\n");
    let mut row = |name: &str, load: &Load, cpu_names: &[&str]| {
        let cpu = load
            .cpu_per_request_ms
            .iter()
            .zip(cpu_names)
            .map(|(ms, who)| format!("{who} {} ms", fmt_ms(*ms)))
            .collect::<Vec<_>>()
            .join(" + ");
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} ms | {} ms | {} ms | {} ms | {} | {} |",
            load.connections,
            fmt_rate(load.rate()),
            fmt_ms(load.p50_ms),
            fmt_ms(load.p90_ms),
            fmt_ms(load.p99_ms),
            fmt_ms(load.max_ms),
            load.errors(),
            if cpu.is_empty() {
                "—".to_owned()
            } else {
                cpu
            }
        );
    };
    for backend in &results.backends {
        for load in &backend.hires {
            row(
                &format!("backend hire, {}", backend.label),
                load,
                &["backend", "sandbox"],
            );
        }
    }
    for load in &results.direct {
        row(
            "direct to sandbox `POST /v1/employments`",
            load,
            &["sandbox"],
        );
    }
    for load in &results.nginx {
        row(
            &format!(
                "nginx {} → sandbox `POST /v1/employments`",
                results.nginx_version
            ),
            load,
            &["sandbox"],
        );
    }
    if let Some(magic) = &results.magic_c1 {
        row("direct to sandbox `POST /v1/magic-link`", magic, &[]);
    }
    for backend in &results.backends {
        row(
            &format!("backend `GET /api/v1/connection`, {}", backend.label),
            &backend.connection,
            &["backend"],
        );
    }
    md.push('\n');

    // Added latency over direct.
    md.push_str("Added latency over the direct call, per concurrency (backend − direct; nginx − direct for scale):\n\n");
    md.push_str("| concurrency | SQLite added p50 | SQLite added p99 | Postgres added p50 | Postgres added p99 | nginx added p50 | nginx added p99 |\n");
    md.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (i, direct) in results.direct.iter().enumerate() {
        let added = |loads: Option<&Load>| -> (String, String) {
            loads.map_or(("—".into(), "—".into()), |l| {
                (
                    format!("{} ms", fmt_ms(l.p50_ms - direct.p50_ms)),
                    format!("{} ms", fmt_ms(l.p99_ms - direct.p99_ms)),
                )
            })
        };
        let sqlite = added(results.backends.first().and_then(|b| b.hires.get(i)));
        let postgres = added(results.backends.get(1).and_then(|b| b.hires.get(i)));
        let nginx = added(results.nginx.get(i));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            direct.connections, sqlite.0, sqlite.1, postgres.0, postgres.1, nginx.0, nginx.1
        );
    }
    md.push('\n');
    md
}

/// mib helper re-exported for the footprint section.
pub(crate) fn rss_mib(kib: u64) -> String {
    mib(kib * 1024)
}

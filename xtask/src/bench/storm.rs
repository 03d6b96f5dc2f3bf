//! Section 5, the refresh storm: N hires at once (N connections opened first, then released
//! together) for one connection whose access token Remote has just expired. The backend must
//! refresh once (single flight) and every hire must still succeed.

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use super::http;
use super::stack::Stack;

/// What the storm measured.
#[derive(Debug, Clone)]
pub(crate) struct Storm {
    pub(crate) hires: usize,
    pub(crate) statuses: BTreeMap<String, usize>,
    pub(crate) refreshes: u64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
    pub(crate) wall_ms: f64,
}

impl Storm {
    pub(crate) fn created(&self) -> usize {
        self.statuses.get("201").copied().unwrap_or(0)
    }
}

pub(crate) fn run(stack: &Stack, hires: usize, date: &str, label: &str) -> Result<Storm> {
    say!("refresh storm on {label}: {hires} concurrent hires on an expired token");
    stack.reset_sandbox()?;
    stack.connect_backend()?;
    let warm = stack.one_hire(&format!("storm-{label}-warm"), date)?;
    if warm.status != 201 {
        bail!(
            "a hire before the storm answered {}: {}",
            warm.status,
            warm.body
        );
    }
    stack.expire_tokens()?;
    let before = stack.token_requests("refresh_token")?;

    let url = format!("{}/api/v1/hires", stack.backend_url());
    let barrier = Arc::new(Barrier::new(hires + 1));
    let mut threads = Vec::with_capacity(hires);
    for i in 0..hires {
        let barrier = barrier.clone();
        let url = url.clone();
        let token = stack.site_token.clone();
        let key = format!("storm-{label}-{}-{i}", std::process::id());
        let body = format!(
            r#"{{"full_name":"Storm {i}","job_title":"Engineer","personal_email":"{key}@bench.example","provisional_start_date":"{date}","country_code":"PT"}}"#
        );
        let thread = std::thread::Builder::new().stack_size(128 * 1024).spawn(
            move || -> (String, f64) {
                let stream = http::connect(&url);
                barrier.wait();
                let Ok(stream) = stream else {
                    return ("connect failed".to_owned(), f64::NAN);
                };
                let started = Instant::now();
                let answer = http::exchange(
                    stream,
                    "POST",
                    &url,
                    &[
                        ("Authorization", &format!("Bearer {token}")),
                        ("Idempotency-Key", &key),
                        ("Content-Type", "application/json"),
                    ],
                    Some(body.as_bytes()),
                );
                let elapsed = started.elapsed().as_secs_f64() * 1e3;
                match answer {
                    Ok(r) => (r.status.to_string(), elapsed),
                    Err(_) => ("no answer".to_owned(), elapsed),
                }
            },
        )?;
        threads.push(thread);
    }
    // Let every thread connect, then release them together.
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    barrier.wait();
    let mut statuses = BTreeMap::new();
    let mut latencies = Vec::with_capacity(hires);
    for thread in threads {
        let (status, ms) = thread
            .join()
            .unwrap_or_else(|_| ("panicked".to_owned(), f64::NAN));
        *statuses.entry(status).or_insert(0) += 1;
        if ms.is_finite() {
            latencies.push(ms);
        }
    }
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    let after = stack.token_requests("refresh_token")?;
    latencies.sort_by(f64::total_cmp);
    let storm = Storm {
        hires,
        statuses,
        refreshes: after - before,
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        wall_ms,
    };
    say!(
        "  {} refresh call(s), statuses {:?}, p99 {:.0} ms",
        storm.refreshes,
        storm.statuses,
        storm.p99_ms
    );
    Ok(storm)
}

/// Nearest-rank percentile of sorted values.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

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

//! Section 4's open-loop rows: hires at a fixed arrival rate, latency from each request's
//! intended send time (coordinated omission corrected). The harness crate's `bench` binary
//! measures them through the harness and writes JSON; this module builds and runs it, reads the
//! JSON with serde_json and renders the rows and their budget.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use super::{fmt_ms, verdict, Settings};
use crate::process::{cargo, run, target_dir};

/// The added p99 the backend may cost over the direct call.
const ADDED_P99_BUDGET_MS: f64 = 2.0;

/// One open-loop run as the bench binary wrote it.
pub(crate) struct OpenLoopRun {
    path: String,
    rate: u64,
    seconds: u64,
    sent: u64,
    errors: u64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    worst_send_lag_ms: f64,
}

impl OpenLoopRun {
    fn from_json(run: &Value) -> Result<OpenLoopRun> {
        let count = |name: &str| {
            run[name]
                .as_u64()
                .with_context(|| format!("no {name} in {run}"))
        };
        // serde_json writes NaN (no answer at all) as null.
        let ms = |name: &str| run[name].as_f64().unwrap_or(f64::NAN);
        Ok(OpenLoopRun {
            path: run["path"].as_str().context("no path")?.to_owned(),
            rate: count("rate_per_second")?,
            seconds: count("seconds")?,
            sent: count("sent")?,
            errors: count("errors")?,
            p50_ms: ms("p50_ms"),
            p90_ms: ms("p90_ms"),
            p99_ms: ms("p99_ms"),
            max_ms: ms("max_ms"),
            worst_send_lag_ms: ms("worst_send_lag_ms"),
        })
    }
}

/// Where the bench binary writes its measurements.
pub(crate) fn measurements_path() -> PathBuf {
    target_dir().join("bench/measurements.json")
}

/// Builds the bench binary (release: it is the load generator), runs it against `binary`, and
/// reads the runs it measured.
pub(crate) fn measure(binary: &Path, dir: &Path, settings: &Settings) -> Result<Vec<OpenLoopRun>> {
    say!(
        "open loop: {} hires/s for {} s, then the same rate straight to the sandbox",
        settings.open_loop_rate,
        settings.seconds
    );
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "hwr-integration-tests",
        "--bin",
        "bench",
    ]))?;
    let out = measurements_path();
    run(
        std::process::Command::new(target_dir().join("release/bench"))
            .arg("--binary")
            .arg(binary)
            .arg("--out")
            .arg(&out)
            .arg("--work-dir")
            .arg(dir.join("open-loop"))
            .args(["--rate", &settings.open_loop_rate.to_string()])
            .args(["--seconds", &settings.seconds.to_string()]),
    )
    .context("the bench binary failed")?;
    read(&out)
}

/// The open-loop runs in a measurements file.
pub(crate) fn read(path: &Path) -> Result<Vec<OpenLoopRun>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    json["open_loop"]
        .as_array()
        .context("no open_loop runs in the measurements")?
        .iter()
        .map(OpenLoopRun::from_json)
        .collect()
}

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
            run.rate,
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
        backend.rate,
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

//! Closed-loop load with wrk and `bench/load.lua`: `-c` connections, each sending its next
//! request when the last is answered, every request unique (its own idempotency key and
//! candidate email); the memory peak and CPU time of the watched processes over the run.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use hwr_bench_measurements::Load;

use crate::processes::{cpu_ms, rss_kib};

/// What a wrk run sends (see `bench/load.lua`).
pub(crate) struct Target<'a> {
    pub(crate) url: String,
    /// `hire`, `employment`, `magic` or `get`.
    pub(crate) mode: &'a str,
    /// The bearer token.
    pub(crate) auth: &'a str,
    /// Makes keys and emails unique across runs.
    pub(crate) tag: String,
    pub(crate) date: &'a str,
    /// Remote user id, for magic links.
    pub(crate) user: &'a str,
}

/// `bench/load.lua` in the workspace.
pub(crate) fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/load.lua")
}

/// Runs wrk for `seconds` at `connections`, sampling the RSS of `watch` every 100 ms.
pub(crate) async fn run(
    target: &Target<'_>,
    connections: u32,
    seconds: u32,
    watch: &[u32],
) -> Result<Load> {
    let threads = connections.clamp(1, 2);
    let cpu_before: Vec<f64> = watch
        .iter()
        .map(|pid| cpu_ms(*pid).unwrap_or(f64::NAN))
        .collect();
    let mut child = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "--timeout", "30s", "-s"])
        .arg(script())
        .arg(&target.url)
        .env("BENCH_MODE", target.mode)
        .env("BENCH_AUTH", target.auth)
        .env("BENCH_TAG", &target.tag)
        .env("BENCH_DATE", target.date)
        .env("BENCH_USER", target.user)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("failed to start wrk")?;
    let mut peak = vec![0u64; watch.len()];
    let deadline = Instant::now() + Duration::from_secs(u64::from(seconds) + 60);
    while child.try_wait()?.is_none() {
        for (slot, pid) in peak.iter_mut().zip(watch) {
            *slot = (*slot).max(rss_kib(*pid).unwrap_or(0));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("wrk did not finish");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = child.wait_with_output()?;
    let cpu_used: Vec<f64> = watch
        .iter()
        .zip(&cpu_before)
        .map(|(pid, before)| cpu_ms(*pid).unwrap_or(f64::NAN) - before)
        .collect();
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    let load = parse(&text, connections, peak, &cpu_used);
    if load.requests == 0 {
        bail!("wrk made no requests: {text}");
    }
    eprintln!(
        "bench:   {} c={connections}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, errors {} + {}",
        target.url,
        load.rate(),
        load.p50_ms,
        load.p99_ms,
        load.errors_status,
        load.errors_socket
    );
    Ok(load)
}

/// The `bench <key> <value>` lines `load.lua` prints when done (latencies in microseconds).
fn parse(text: &str, connections: u32, peak_rss_kib: Vec<u64>, cpu_used: &[f64]) -> Load {
    let value = |key: &str| -> f64 {
        text.lines()
            .filter_map(|line| line.strip_prefix("bench\t"))
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('\t'))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };
    let requests = value("requests") as u64;
    Load {
        connections,
        requests,
        seconds: value("duration_us") / 1e6,
        p50_ms: value("p50_us") / 1e3,
        p90_ms: value("p90_us") / 1e3,
        p99_ms: value("p99_us") / 1e3,
        max_ms: value("max_us") / 1e3,
        errors_status: value("errors_status") as u64,
        errors_socket: value("errors_socket") as u64,
        peak_rss_kib,
        cpu_per_request_ms: cpu_used
            .iter()
            .map(|ms| ms / requests.max(1) as f64)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_scripts_summary_lines_become_milliseconds_and_cpu_per_request() {
        let text = "Running 2s test\nbench\trequests\t200\nbench\tduration_us\t2000000\n\
                    bench\tp50_us\t1500\nbench\tp90_us\t2500\nbench\tp99_us\t9000\n\
                    bench\tmax_us\t12000\nbench\terrors_status\t3\nbench\terrors_socket\t0\n";
        let load = parse(text, 64, vec![1024], &[400.0]);
        assert_eq!((load.requests, load.errors_status), (200, 3));
        assert_eq!((load.p50_ms, load.p99_ms), (1.5, 9.0));
        assert_eq!(load.rate(), 100.0);
        assert_eq!(load.cpu_per_request_ms, vec![2.0]);
    }
}

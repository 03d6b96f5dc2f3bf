//! The backend's measurements: the harness crate's `bench` binary takes them (it alone starts
//! the sandbox and the backend) and writes them as JSON; this module builds and runs it, and
//! reads the JSON into the structs the sections render. A number the binary could not take is
//! `null` in the JSON (serde_json's NaN) and NaN here, which renders as "—".

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use serde::{Deserialize, Deserializer};

use super::Settings;
use crate::process::{cargo, run, target_dir};

/// A float, or NaN where the JSON has `null`.
fn nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Floats, each NaN where the JSON has `null`.
fn nans<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(d)?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

/// Everything the bench binary measured (a part it was not asked for is missing).
#[derive(Debug, Deserialize)]
pub(crate) struct Measurements {
    pub(crate) startups: Option<Startups>,
    pub(crate) closed_loop: Option<ClosedLoop>,
    #[serde(default)]
    pub(crate) storms: Vec<StormRun>,
    pub(crate) open_loop: Option<Vec<OpenLoopRun>>,
    pub(crate) webhooks: Option<WebhookLatency>,
    pub(crate) profile: Option<Profile>,
    pub(crate) profile_error: Option<String>,
}

/// One wrk run.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Load {
    pub(crate) connections: u32,
    pub(crate) requests: u64,
    #[serde(deserialize_with = "nan")]
    pub(crate) seconds: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p50_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p90_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p99_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) max_ms: f64,
    pub(crate) errors_status: u64,
    pub(crate) errors_socket: u64,
    /// Highest `VmRSS` of each watched process during the run, KiB.
    pub(crate) peak_rss_kib: Vec<u64>,
    /// CPU time of each watched process per completed request, ms.
    #[serde(deserialize_with = "nans")]
    pub(crate) cpu_per_request_ms: Vec<f64>,
}

impl Load {
    pub(crate) fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub(crate) fn errors(&self) -> String {
        match (self.errors_status, self.errors_socket) {
            (0, 0) => "0".to_owned(),
            (s, 0) => format!("{s} non-2xx"),
            (0, k) => format!("{k} socket"),
            (s, k) => format!("{s} non-2xx, {k} socket"),
        }
    }
}

/// One backend's closed-loop numbers.
#[derive(Debug, Deserialize)]
pub(crate) struct BackendRun {
    pub(crate) label: String,
    pub(crate) hires: Vec<Load>,
    pub(crate) connection: Load,
    pub(crate) rss_idle_kib: u64,
    pub(crate) rss_connected_kib: u64,
    pub(crate) rss_peak_kib: u64,
    pub(crate) rss_after_kib: u64,
    /// Sandbox `employment_posts` per hire over the c=1 run.
    #[serde(deserialize_with = "nan")]
    pub(crate) posts_per_hire: f64,
    /// Postgres: transactions and rows written per hire over the c=1 run.
    pub(crate) pg_per_hire: Option<PerHire>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct PerHire {
    #[serde(deserialize_with = "nan")]
    pub(crate) transactions: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) rows: f64,
}

/// ms per autocommitted INSERT, `synchronous_commit` on and off.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct CommitCost {
    #[serde(deserialize_with = "nan")]
    pub(crate) on_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) off_ms: f64,
}

/// Section 4's closed-loop rows.
#[derive(Debug, Deserialize)]
pub(crate) struct ClosedLoop {
    pub(crate) backends: Vec<BackendRun>,
    pub(crate) direct: Vec<Load>,
    pub(crate) nginx: Vec<Load>,
    /// Direct `POST /v1/magic-link` at c=1 (the second upstream call of a hire).
    pub(crate) magic_c1: Option<Load>,
    pub(crate) nginx_version: String,
    pub(crate) pg_commit: Option<CommitCost>,
}

/// A refresh storm.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Storm {
    pub(crate) hires: usize,
    pub(crate) statuses: std::collections::BTreeMap<String, usize>,
    pub(crate) refreshes: u64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p50_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p99_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) max_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) wall_ms: f64,
}

impl Storm {
    pub(crate) fn created(&self) -> usize {
        self.statuses.get("201").copied().unwrap_or(0)
    }
}

/// One database's storm (none when it failed).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct StormRun {
    pub(crate) database: String,
    pub(crate) storm: Option<Storm>,
}

/// Answers to Remote's webhook deliveries.
#[derive(Debug, Deserialize)]
pub(crate) struct WebhookLatency {
    pub(crate) answered: usize,
    pub(crate) refused: usize,
    #[serde(deserialize_with = "nan")]
    pub(crate) p50_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p99_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) max_ms: f64,
}

/// Start-up times (ms) and memory one second after a start.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Startups {
    #[serde(deserialize_with = "nans")]
    pub(crate) sqlite_fresh: Vec<f64>,
    #[serde(deserialize_with = "nans")]
    pub(crate) sqlite_existing: Vec<f64>,
    #[serde(deserialize_with = "nans")]
    pub(crate) postgres: Vec<f64>,
    pub(crate) idle_rss_kib: Vec<u64>,
}

/// One open-loop run.
#[derive(Debug, Deserialize)]
pub(crate) struct OpenLoopRun {
    pub(crate) path: String,
    #[serde(rename = "rate_per_second")]
    pub(crate) rate: u64,
    pub(crate) seconds: u64,
    pub(crate) sent: u64,
    pub(crate) errors: u64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p50_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p90_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) p99_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) max_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub(crate) worst_send_lag_ms: f64,
}

/// perf and strace on the hire path.
#[derive(Debug, Deserialize)]
pub(crate) struct Profile {
    pub(crate) hires_per_s: f64,
    pub(crate) concurrency: u32,
    pub(crate) samples: usize,
    pub(crate) by_dso: Vec<(f64, String)>,
    pub(crate) by_category: Vec<(f64, String)>,
    pub(crate) by_thread: Vec<(f64, String)>,
    pub(crate) top_symbols: Vec<(f64, String, String)>,
    pub(crate) syscalls: Vec<(f64, String)>,
    pub(crate) syscalls_total: f64,
    pub(crate) strace_hires: u64,
}

/// Builds the bench binary (release: it is the load generator), runs it against `binary` for
/// `only` (`all` or one part), and reads what it measured.
pub(crate) fn measure(
    binary: &Path,
    dir: &Path,
    settings: &Settings,
    only: &str,
    profile_binary: Option<&Path>,
) -> Result<Measurements> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "hwr-integration-tests",
        "--bin",
        "bench",
    ]))?;
    let out = target_dir().join("bench/measurements.json");
    let mut command = Command::new(target_dir().join("release/bench"));
    command
        .arg("--binary")
        .arg(binary)
        .arg("--out")
        .arg(&out)
        .arg("--work-dir")
        .arg(dir.join("backend"))
        .args(["--only", only])
        .args(["--rate", &settings.open_loop_rate.to_string()])
        .args(["--seconds", &settings.seconds.to_string()])
        .args(["--starts", &settings.starts.to_string()])
        .args(["--storm", &settings.storm.to_string()]);
    if let Some(profile_binary) = profile_binary {
        command.arg("--profile-binary").arg(profile_binary);
    }
    run(&mut command).context("the bench binary failed")?;
    read(&out)
}

/// The measurements in a file the bench binary wrote.
pub(crate) fn read(path: &Path) -> Result<Measurements> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not the bench's JSON", path.display()))
}

#[cfg(test)]
mod tests {
    use super::Load;

    #[test]
    fn a_latency_the_binary_could_not_take_reads_as_nan() {
        let load: Load = serde_json::from_str(
            r#"{"connections":1,"requests":0,"seconds":0.0,"p50_ms":null,"p90_ms":1.0,
                "p99_ms":null,"max_ms":2.0,"errors_status":0,"errors_socket":3,
                "peak_rss_kib":[],"cpu_per_request_ms":[null,0.5]}"#,
        )
        .expect("the bench's JSON for one wrk run");
        assert!(load.p50_ms.is_nan() && load.p99_ms.is_nan());
        assert_eq!(load.max_ms, 2.0);
        assert!(load.cpu_per_request_ms[0].is_nan());
        assert_eq!(load.cpu_per_request_ms[1], 0.5);
    }
}

//! The backend bench's measurements, written once for both sides: the harness's `bench` binary
//! (which alone starts the sandbox and the backends) fills these and writes them as JSON, and
//! `cargo xtask bench` reads that JSON back to render BENCHMARKS.md. A number the binary could
//! not take is NaN; serde_json writes it as `null`, and it reads back as NaN (rendered "—").

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

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

/// Everything one run measured (a part not asked for is `None`, or empty).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Measurements {
    /// Start-up times and memory right after a start.
    pub startups: Option<Startups>,
    /// wrk rows: the backend on each database, the direct and nginx baselines.
    pub closed_loop: Option<ClosedLoop>,
    /// The refresh storm per database.
    #[serde(default)]
    pub storms: Vec<StormRun>,
    /// Hires through the backend, then employments straight to the sandbox, at one rate.
    pub open_loop: Option<Vec<OpenLoopRun>>,
    /// Answers to Remote's webhook deliveries.
    pub webhooks: Option<WebhookLatency>,
    /// perf and strace on the hire path.
    pub profile: Option<Profile>,
    /// Why the profile could not be taken.
    pub profile_error: Option<String>,
}

/// Start-up times (ms, until `/healthz` answers) and memory one second after a start.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Startups {
    /// SQLite, a fresh data folder each time.
    #[serde(deserialize_with = "nans")]
    pub sqlite_fresh: Vec<f64>,
    /// SQLite, the same data folder again.
    #[serde(deserialize_with = "nans")]
    pub sqlite_existing: Vec<f64>,
    /// Postgres (empty when it could not be reached).
    #[serde(deserialize_with = "nans")]
    pub postgres: Vec<f64>,
    /// `VmRSS` one second after a start, KiB (SQLite, existing file).
    pub idle_rss_kib: Vec<u64>,
}

/// One wrk run (a closed loop: `connections` connections, each waiting for its answer).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Load {
    /// wrk's `-c`.
    pub connections: u32,
    /// Requests completed.
    pub requests: u64,
    /// How long the run lasted.
    #[serde(deserialize_with = "nan")]
    pub seconds: f64,
    /// Latency percentiles and maximum, ms.
    #[serde(deserialize_with = "nan")]
    pub p50_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub p90_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub p99_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub max_ms: f64,
    /// Answers that were not 2xx.
    pub errors_status: u64,
    /// Connect, read, write and timeout errors.
    pub errors_socket: u64,
    /// Highest `VmRSS` of each watched process during the run, KiB.
    pub peak_rss_kib: Vec<u64>,
    /// CPU time of each watched process per completed request, ms.
    #[serde(deserialize_with = "nans")]
    pub cpu_per_request_ms: Vec<f64>,
}

impl Load {
    /// Completed requests per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// The errors in words: `0`, `3 non-2xx`, `2 socket`, or both.
    pub fn errors(&self) -> String {
        match (self.errors_status, self.errors_socket) {
            (0, 0) => "0".to_owned(),
            (s, 0) => format!("{s} non-2xx"),
            (0, k) => format!("{k} socket"),
            (s, k) => format!("{s} non-2xx, {k} socket"),
        }
    }
}

/// One backend's closed-loop numbers.
#[derive(Debug, Serialize, Deserialize)]
pub struct BackendRun {
    /// `SQLite` or `Postgres`.
    pub label: String,
    /// `POST /api/v1/hires` at each concurrency.
    pub hires: Vec<Load>,
    /// `GET /api/v1/connection` at concurrency 64.
    pub connection: Load,
    /// `VmRSS` at start, after the consent, at the peak of the loads and after them, KiB.
    pub rss_idle_kib: u64,
    pub rss_connected_kib: u64,
    pub rss_peak_kib: u64,
    pub rss_after_kib: u64,
    /// Sandbox `employment_posts` per hire over the c=1 run.
    #[serde(deserialize_with = "nan")]
    pub posts_per_hire: f64,
    /// Postgres: transactions and rows written per hire over the c=1 run.
    pub pg_per_hire: Option<PerHire>,
}

/// Postgres work per hire.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct PerHire {
    /// Transactions committed.
    #[serde(deserialize_with = "nan")]
    pub transactions: f64,
    /// Rows inserted, updated or deleted.
    #[serde(deserialize_with = "nan")]
    pub rows: f64,
}

/// What one single-row autocommitted INSERT costs, in ms.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct CommitCost {
    /// With `synchronous_commit` on: each commit waits for the WAL to reach the disk.
    #[serde(deserialize_with = "nan")]
    pub on_ms: f64,
    /// With it off.
    #[serde(deserialize_with = "nan")]
    pub off_ms: f64,
}

/// The closed-loop rows.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClosedLoop {
    /// The backend on SQLite, then on Postgres.
    pub backends: Vec<BackendRun>,
    /// `POST /v1/employments` straight to the sandbox, at each concurrency.
    pub direct: Vec<Load>,
    /// The same through nginx.
    pub nginx: Vec<Load>,
    /// Direct `POST /v1/magic-link` at c=1 (the second upstream call of a hire).
    pub magic_c1: Option<Load>,
    /// `nginx -v`.
    pub nginx_version: String,
    /// The Postgres commit cost, for reading the Postgres rows.
    pub pg_commit: Option<CommitCost>,
}

/// What a refresh storm measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Storm {
    /// Hires sent at once.
    pub hires: usize,
    /// Answers by status (`"201"`, …), or by what went wrong when there was none.
    pub statuses: BTreeMap<String, usize>,
    /// `refresh_token` grants the sandbox saw during the storm.
    pub refreshes: u64,
    /// Latencies, ms.
    #[serde(deserialize_with = "nan")]
    pub p50_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub p99_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub max_ms: f64,
    /// From the release to the last answer, ms.
    #[serde(deserialize_with = "nan")]
    pub wall_ms: f64,
}

impl Storm {
    /// Hires answered 201.
    pub fn created(&self) -> usize {
        self.statuses.get("201").copied().unwrap_or(0)
    }
}

/// One database's storm: its numbers, or why it failed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StormRun {
    /// `SQLite` or `Postgres`.
    pub database: String,
    /// None when the storm failed.
    pub storm: Option<Storm>,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
}

/// What one open-loop run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenLoopRun {
    /// What was loaded, e.g. `backend hire, SQLite`.
    pub path: String,
    /// The arrival rate asked for, requests per second.
    pub rate_per_second: u32,
    /// How long requests were sent for.
    pub seconds: u32,
    /// Requests sent.
    pub sent: usize,
    /// Of those, answered with a 2xx.
    pub ok: usize,
    /// Answered with another status, or not answered.
    pub errors: usize,
    /// Latencies from the intended send time to the end of the answer's body, in ms.
    #[serde(deserialize_with = "nan")]
    pub p50_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub p90_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub p99_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub max_ms: f64,
    /// How far behind its schedule the sender fell at worst, in ms (large values mean the load
    /// generator itself could not keep the rate).
    #[serde(deserialize_with = "nan")]
    pub worst_send_lag_ms: f64,
}

/// Answers to Remote's webhook deliveries, while Remote is slow and the job site hangs.
#[derive(Debug, Serialize, Deserialize)]
pub struct WebhookLatency {
    /// Deliveries answered 2xx.
    pub answered: usize,
    /// Deliveries answered otherwise.
    pub refused: usize,
    /// Answer latencies, ms.
    #[serde(deserialize_with = "nan")]
    pub p50_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub p99_ms: f64,
    #[serde(deserialize_with = "nan")]
    pub max_ms: f64,
}

/// perf and strace on the hire path.
#[derive(Debug, Serialize, Deserialize)]
pub struct Profile {
    /// Hires per second while perf sampled.
    pub hires_per_s: f64,
    /// wrk's `-c` while sampling.
    pub concurrency: u32,
    /// perf samples taken.
    pub samples: usize,
    /// (share %, shared object of the leaf frame).
    pub by_dso: Vec<(f64, String)>,
    /// (share %, component), each sample counted once, for the component nearest its leaf.
    pub by_category: Vec<(f64, String)>,
    /// (share %, kind of thread).
    pub by_thread: Vec<(f64, String)>,
    /// (share %, shared object, symbol).
    pub top_symbols: Vec<(f64, String, String)>,
    /// (calls per hire, syscall).
    pub syscalls: Vec<(f64, String)>,
    /// Syscalls per hire in all.
    pub syscalls_total: f64,
    /// Hires made while strace watched.
    pub strace_hires: u64,
}

#[cfg(test)]
mod tests {
    use super::{Load, Measurements};

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
        assert_eq!(load.errors(), "3 socket");
    }

    #[test]
    fn a_nan_written_by_the_binary_reads_back_as_nan() {
        let mut load: Load = serde_json::from_str(
            r#"{"connections":1,"requests":10,"seconds":2.0,"p50_ms":1.0,"p90_ms":1.0,
                "p99_ms":1.0,"max_ms":2.0,"errors_status":0,"errors_socket":0,
                "peak_rss_kib":[1],"cpu_per_request_ms":[0.5]}"#,
        )
        .expect("one wrk run");
        load.p99_ms = f64::NAN;
        load.cpu_per_request_ms = vec![f64::NAN];
        let measurements = Measurements {
            profile_error: Some("no perf".to_owned()),
            ..Measurements::default()
        };

        let load: Load =
            serde_json::from_str(&serde_json::to_string(&load).expect("written")).expect("read");
        let text = serde_json::to_string(&measurements).expect("written");
        let measurements: Measurements = serde_json::from_str(&text).expect("read");

        assert!(load.p99_ms.is_nan() && load.cpu_per_request_ms[0].is_nan());
        assert_eq!(load.rate(), 5.0);
        assert_eq!(measurements.profile_error.as_deref(), Some("no perf"));
        assert!(measurements.storms.is_empty() && measurements.startups.is_none());
    }
}

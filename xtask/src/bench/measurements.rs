//! The backend's measurements: the harness crate's `bench` binary takes them (it alone starts
//! the sandbox and the backend) and writes them as JSON in the shape `hwr-bench-measurements`
//! defines for both sides; this module builds and runs it, and reads the JSON back for the
//! sections to render. A number the binary could not take reads as NaN, which renders as "—".

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
pub(crate) use hwr_bench_measurements::{
    BackendRun, ClosedLoop, CommitCost, Load, Measurements, OpenLoopRun, Profile, Startups, Storm,
    StormRun, WebhookLatency,
};

use super::Settings;
use crate::process::{cargo, run, target_dir};

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

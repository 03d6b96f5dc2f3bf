//! `cargo xtask soak`: builds the release backend, then runs the soak binary of the
//! integration-test crate against it (sandbox with injected faults, concurrent hires retried as
//! the widget retries them, a `kill -9` of the backend mid-run and a restart, then a leak scan).
//! The report lands in `<target dir>/soak-report.md`; the soak exits non-zero on any duplicate,
//! lost hire, 5xx of our own or leak, and so does this command.

use anyhow::{bail, Result};

use crate::process::{cargo, run, target_dir};

/// Runs the soak for `seconds` with `concurrency` workers (60 / 200 for the full run; the test
/// command uses a short one, e.g. 15 / 50).
pub(crate) fn run_soak(seconds: u64, concurrency: usize) -> Result<()> {
    if seconds == 0 || concurrency == 0 {
        bail!("the soak needs at least 1 second and 1 worker");
    }
    run(cargo().args(["build", "--release", "-p", "hire-with-remote"]))?;
    let target = target_dir();
    let backend = target.join("release/hire-with-remote");
    if !backend.is_file() {
        bail!(
            "the release backend is not at {} after the build",
            backend.display()
        );
    }
    let report = target.join("soak-report.md");
    let work_dir = target.join("soak");
    run(cargo()
        .args([
            "run",
            "--release",
            "-p",
            "hwr-integration-tests",
            "--bin",
            "soak",
            "--",
        ])
        .arg("--backend")
        .arg(&backend)
        .arg("--seconds")
        .arg(seconds.to_string())
        .arg("--concurrency")
        .arg(concurrency.to_string())
        .arg("--report")
        .arg(&report)
        .arg("--work-dir")
        .arg(&work_dir))?;
    eprintln!("xtask: soak report at {}", report.display());
    Ok(())
}

//! `cargo xtask soak [--seconds 60] [--concurrency 200] [--database sqlite|postgres]`: builds the
//! release backend, then runs the soak binary of the integration-test crate against it (sandbox
//! with injected faults, concurrent hires retried as the widget retries them for users spread
//! over the sandbox's companies, a `kill -9` of the backend mid-run and a restart, then the
//! verdict and a leak scan). The report lands in `<target dir>/soak-report.md` (or
//! `soak-report-postgres.md`); the soak exits non-zero when any of its checks fails (a
//! duplicate, a lost hire, fewer than 90 % successes, a 5xx of our own, a leak, …), and so does
//! this command.

use anyhow::{bail, Context, Result};

use crate::process::{cargo, run, target_dir};

/// The database a soak runs the backend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SoakDatabase {
    Sqlite,
    Postgres,
}

impl SoakDatabase {
    fn as_str(self) -> &'static str {
        match self {
            SoakDatabase::Sqlite => "sqlite",
            SoakDatabase::Postgres => "postgres",
        }
    }
}

/// `cargo xtask soak` with its flags (60 s, 200 workers, SQLite unless told otherwise).
pub(crate) fn run_from_args(flags: &[String]) -> Result<()> {
    let mut seconds = 60;
    let mut concurrency = 200;
    let mut database = SoakDatabase::Sqlite;
    let mut rest = flags.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().with_context(|| {
            format!("{flag} needs a value; expected [--seconds N] [--concurrency N] [--database sqlite|postgres]")
        })?;
        match flag.as_str() {
            "--seconds" => {
                seconds = value
                    .parse()
                    .with_context(|| format!("--seconds takes a number, not {value:?}"))?;
            }
            "--concurrency" => {
                concurrency = value
                    .parse()
                    .with_context(|| format!("--concurrency takes a number, not {value:?}"))?;
            }
            "--database" => {
                database = match value.as_str() {
                    "sqlite" => SoakDatabase::Sqlite,
                    "postgres" => SoakDatabase::Postgres,
                    other => bail!("--database takes sqlite or postgres, not {other:?}"),
                };
            }
            other => bail!(
                "unexpected argument {other:?}; expected [--seconds N] [--concurrency N] [--database sqlite|postgres]"
            ),
        }
    }
    run_soak(seconds, concurrency, database)
}

/// Runs the soak for `seconds` with `concurrency` workers on `database` (60 / 200 for the full
/// run; the test command runs short ones on both databases).
pub(crate) fn run_soak(seconds: u64, concurrency: usize, database: SoakDatabase) -> Result<()> {
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
    let (report, work_dir) = match database {
        SoakDatabase::Sqlite => (target.join("soak-report.md"), target.join("soak")),
        SoakDatabase::Postgres => (
            target.join("soak-report-postgres.md"),
            target.join("soak-postgres"),
        ),
    };
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
        .arg("--database")
        .arg(database.as_str())
        .arg("--report")
        .arg(&report)
        .arg("--work-dir")
        .arg(&work_dir))?;
    eprintln!("xtask: soak report at {}", report.display());
    Ok(())
}

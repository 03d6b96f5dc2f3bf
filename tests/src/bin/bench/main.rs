//! `hwr-bench`: the backend measurements of `cargo xtask bench`, taken through the harness (the
//! sandbox and the backends started as `launch` configures them, a consent walked as a browser
//! does) and written as JSON for xtask to render into BENCHMARKS.md: start-up and memory, the
//! closed-loop rows (wrk against the backend on SQLite and Postgres, straight to the sandbox and
//! through nginx), the refresh storm, the open-loop rows (hires at a fixed arrival rate, read
//! without coordinated omission), webhook answer latency, and a profile of the hire path.
//!
//! `hwr-bench --binary PATH --out FILE [--only PART] [--rate 200] [--seconds 10] [--starts 10]
//! [--storm 1000] [--profile-binary PATH] [--work-dir DIR]`, where PART is `all` (the default),
//! `footprint`, `closed-loop`, `storm`, `open-loop`, `webhooks` or `profile`.

mod closed_loop;
mod footprint;
mod open_loop;
mod postgres;
mod processes;
mod profile;
mod servers;
mod storm;
mod webhooks;
mod wrk;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use hwr_bench_measurements::Measurements;
use hwr_integration_tests::days_from_today;

use crate::servers::Servers;

/// The parts of a run, in the order a full run measures them.
const PARTS: [&str; 6] = [
    "footprint",
    "closed-loop",
    "storm",
    "open-loop",
    "webhooks",
    "profile",
];

/// Command-line options.
struct Options {
    binary: PathBuf,
    out: PathBuf,
    work_dir: PathBuf,
    only: String,
    rate: u32,
    seconds: u32,
    starts: u32,
    storm: usize,
    profile_binary: Option<PathBuf>,
}

impl Options {
    /// True when `part` is measured in this run.
    fn wants(&self, part: &str) -> bool {
        self.only == "all" || self.only == part
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let options = parse(std::env::args().skip(1).collect())?;
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("failed to create {}", options.work_dir.display()))?;
    let measurements = measure_parts(&options).await?;
    if let Some(folder) = options.out.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(&options.out, serde_json::to_vec_pretty(&measurements)?)
        .with_context(|| format!("failed to write {}", options.out.display()))?;
    eprintln!("bench: measurements written to {}", options.out.display());
    Ok(())
}

fn parse(args: Vec<String>) -> Result<Options> {
    let usage = "expected --binary PATH --out FILE [--only PART] [--rate N] [--seconds N] \
                 [--starts N] [--storm N] [--profile-binary PATH] [--work-dir DIR]";
    let (mut binary, mut out, mut work_dir, mut profile_binary) = (None, None, None, None);
    let mut only = "all".to_owned();
    let (mut rate, mut seconds, mut starts, mut storm) = (200, 10, 10, 1000);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .with_context(|| format!("{flag} needs a value; {usage}"))?;
        let number = || -> Result<u32> {
            match value.parse() {
                Ok(n) if n > 0 => Ok(n),
                _ => bail!("{flag} takes a positive number, not {value:?}"),
            }
        };
        match flag.as_str() {
            "--binary" => binary = Some(PathBuf::from(value)),
            "--out" => out = Some(PathBuf::from(value)),
            "--work-dir" => work_dir = Some(PathBuf::from(value)),
            "--profile-binary" => profile_binary = Some(PathBuf::from(value)),
            "--only" if value == "all" || PARTS.contains(&value.as_str()) => {
                only.clone_from(value);
            }
            "--only" => bail!("--only takes all or one of {PARTS:?}, not {value:?}"),
            "--rate" => rate = number()?,
            "--seconds" => seconds = number()?,
            "--starts" => starts = number()?.max(2),
            "--storm" => storm = number()? as usize,
            other => bail!("unexpected argument {other:?}; {usage}"),
        }
    }
    Ok(Options {
        binary: binary.with_context(|| format!("--binary is missing; {usage}"))?,
        out: out.with_context(|| format!("--out is missing; {usage}"))?,
        work_dir: work_dir.unwrap_or_else(|| {
            std::env::temp_dir().join(format!("hwr-bench-{}", std::process::id()))
        }),
        only,
        rate,
        seconds,
        starts,
        storm,
        profile_binary,
    })
}

/// Measures the parts `--only` asks for, all against one sandbox process.
async fn measure_parts(options: &Options) -> Result<Measurements> {
    let date = days_from_today(45);
    let mut measurements = Measurements::default();
    let servers = Servers::start(&options.binary, &options.work_dir.join("closed-loop")).await?;
    if options.wants("footprint") {
        measurements.startups = Some(footprint::measure_startups(&servers, options.starts).await?);
    }
    if options.wants("closed-loop") {
        let plan = closed_loop::Plan {
            seconds: options.seconds,
            concurrency: vec![1, 64, 256],
            storm: options.storm,
        };
        let (closed, storms) = closed_loop::measure(&servers, &plan, &date).await?;
        measurements.closed_loop = Some(closed);
        measurements.storms = storms;
    } else if options.only == "storm" {
        let sqlite = servers::Database::Sqlite(options.work_dir.join("storm-data"));
        let (backend, _) = servers
            .start_backend("backend-storm", &options.binary, &sqlite, &[])
            .await?;
        measurements.storms = vec![storm::run_kept(&servers, options.storm, &date, "SQLite").await];
        drop(backend);
    }
    if options.wants("open-loop") {
        let data_dir = options.work_dir.join("open-loop-data");
        measurements.open_loop = Some(
            open_loop::measure(&servers, &data_dir, options.rate, options.seconds, &date).await?,
        );
    }
    if options.wants("webhooks") {
        measurements.webhooks = Some(webhooks::measure(&servers, &date).await?);
    }
    if options.wants("profile") {
        match &options.profile_binary {
            Some(binary) => {
                match profile::measure(&servers, binary, options.seconds, &date).await {
                    Ok(profile) => measurements.profile = Some(profile),
                    Err(error) => {
                        eprintln!("bench: the profile failed: {error:#}");
                        measurements.profile_error = Some(format!("{error:#}"));
                    }
                }
            }
            None if options.only == "profile" => bail!("--only profile needs --profile-binary"),
            None => {}
        }
    }
    Ok(measurements)
}

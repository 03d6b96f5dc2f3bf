//! `cargo xtask bench`: measures the widget (weight, start-up, layout shift, click → popup),
//! the consent path in a browser, and the backend (overhead against a direct call and an nginx
//! hop, SQLite and Postgres, a refresh storm, memory, start-up, a profile) in one run, and writes
//! BENCHMARKS.md. Installs what it needs when missing (wrk, nginx, Chromium, perf, strace, the
//! bench's npm packages). Everything runs on loopback and every load is bounded in time. The
//! backend's rows are measured by the harness crate's `bench` binary (the one place that starts
//! the sandbox and the backend), which writes JSON that `measurements` reads. What
//! the numbers mean is hand-written in `bench/interpretation.md`, included as it is; the code
//! renders only what is computed from the numbers (rows, ratios, met or missed).
//!
//! For quicker runs while working on the bench itself (not for the committed report):
//! `HWR_BENCH_SECONDS` (per load row, default 10), `HWR_BENCH_LOADS` (cold loads, 25),
//! `HWR_BENCH_FLOWS` (Allow flows per latency, 5), `HWR_BENCH_STARTS` (10), `HWR_BENCH_STORM`
//! (1000), `HWR_BENCH_RATE` (open-loop hires per second, 200), `HWR_BENCH_SKIP_BUILD=1` (use
//! the binary and widget already built), `HWR_BENCH_ONLY=webhooks`, `open-loop`, `storm` (on
//! SQLite alone), `footprint` (start-ups) or `closed-loop` (the wrk rows with their storms):
//! only that part of the backend's rows, printed, BENCHMARKS.md left alone.

/// `eprintln!` with the time since the bench started: `bench [ 12 s]: …`.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::bench::say_line(format_args!($($arg)*))
    };
}

mod browser;
mod footprint;
mod format;
mod load;
mod machine;
mod measurements;
mod open_loop;
mod overhead;
mod profile;
mod report;
mod storm;
mod tools;
mod webhooks;
mod weight;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::process::workspace_root;
pub(crate) use format::{fmt_ms, fmt_rate, kib, mib, verdict};
use machine::Machine;
use overhead::{overhead_budget, storms};

static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

pub(crate) fn say_line(args: std::fmt::Arguments<'_>) {
    let elapsed = STARTED.get_or_init(Instant::now).elapsed().as_secs();
    eprintln!("bench [{elapsed:>4} s]: {args}");
}

/// How much to measure.
pub(crate) struct Settings {
    pub(crate) seconds: u32,
    pub(crate) loads: u32,
    pub(crate) flows: u32,
    pub(crate) starts: u32,
    pub(crate) storm: usize,
    pub(crate) open_loop_rate: u32,
}

impl Settings {
    fn from_env() -> Settings {
        let get = |name: &str, default: u32| -> u32 {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let seconds = get("HWR_BENCH_SECONDS", 10).max(1);
        Settings {
            seconds,
            loads: get("HWR_BENCH_LOADS", 25).max(1),
            flows: get("HWR_BENCH_FLOWS", 5).max(1),
            starts: get("HWR_BENCH_STARTS", 10).max(2),
            storm: get("HWR_BENCH_STORM", 1000).max(1) as usize,
            open_loop_rate: get("HWR_BENCH_RATE", 200).max(1),
        }
    }

    fn is_default(&self) -> bool {
        self.seconds == 10
            && self.loads == 25
            && self.flows == 5
            && self.starts == 10
            && self.storm == 1000
            && self.open_loop_rate == 200
    }
}

/// Entry point of `cargo xtask bench`.
pub(crate) fn run_bench() -> Result<()> {
    let started = *STARTED.get_or_init(Instant::now);
    let settings = Settings::from_env();
    let machine_before = Machine::read();

    let build_started = Instant::now();
    let binary = if std::env::var_os("HWR_BENCH_SKIP_BUILD").is_some() {
        workspace_root().join("target/release/hire-with-remote")
    } else {
        crate::build()?
    };
    let build_seconds = build_started.elapsed().as_secs_f64();
    anyhow::ensure!(binary.is_file(), "{} is missing", binary.display());
    let dir = std::env::temp_dir().join(format!("hwr-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    if let Ok(only) = std::env::var("HWR_BENCH_ONLY") {
        return print_only(&only, &binary, &dir, &settings);
    }

    // Read before the long run, so a missing file fails at once.
    let interpretation = report::interpretation()?;
    tools::ensure_tools()?;
    let result = measure_all(&binary, &dir, &settings);
    // The profile's symbolized build is timed inside measure_all.
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            say!(
                "logs are kept in {} for a look at what failed",
                dir.display()
            );
            return Err(error);
        }
    };
    if std::env::var_os("HWR_BENCH_KEEP_LOGS").is_some() {
        say!("logs are kept in {} (HWR_BENCH_KEEP_LOGS)", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }

    let elapsed = started.elapsed();
    let machine_after = Machine::read();
    let markdown = report::render(
        &report,
        &settings,
        &machine_before,
        &machine_after,
        elapsed.as_secs_f64(),
        build_seconds,
        &interpretation,
    );
    let path = workspace_root().join("BENCHMARKS.md");
    std::fs::write(&path, markdown)
        .with_context(|| format!("failed to write {}", path.display()))?;
    say!("wrote {} in {:.0} s", path.display(), elapsed.as_secs_f64());
    Ok(())
}

/// One part of the backend's measurements, printed as it would be rendered (BENCHMARKS.md is
/// left alone): `webhooks`, `open-loop`, `storm`, `footprint` or `closed-loop`.
fn print_only(only: &str, binary: &Path, dir: &Path, settings: &Settings) -> Result<()> {
    let part = match only {
        "webhooks" | "open-loop" | "storm" | "footprint" | "closed-loop" => only,
        other => anyhow::bail!(
            "HWR_BENCH_ONLY takes webhooks, open-loop, storm, footprint or closed-loop, not {other:?}"
        ),
    };
    say!("only {part}");
    let measured = measurements::measure(binary, dir, settings, part, None)?;
    if let Some(latency) = &measured.webhooks {
        print!("{}", webhooks::budget_row(latency));
    }
    if let Some(runs) = &measured.open_loop {
        print!("{}", open_loop::render(runs));
        print!("{}", open_loop::budget_row(runs));
    }
    if let Some(loads) = &measured.closed_loop {
        print!("{}", load::render(loads, settings));
        print!("{}", overhead_budget(loads, &[]));
    }
    if !measured.storms.is_empty() {
        print!("{}", storm::render(&storms(&measured.storms), settings));
    }
    if let Some(startups) = &measured.startups {
        print!(
            "{}",
            footprint::render(binary, startups, measured.closed_loop.as_ref())
        );
    }
    Ok(())
}

/// Everything measured in one run.
struct Report {
    binary: PathBuf,
    weight: Vec<weight::Row>,
    wasm_breakdown: String,
    browser: browser::Browser,
    startups: measurements::Startups,
    loads: measurements::ClosedLoop,
    storms: Vec<measurements::StormRun>,
    open_loop: Vec<measurements::OpenLoopRun>,
    webhooks: measurements::WebhookLatency,
    profile: Option<measurements::Profile>,
    profile_error: Option<String>,
    /// Seconds spent building the profile's symbolized binary.
    profile_build_seconds: f64,
}

fn measure_all(binary: &Path, dir: &Path, settings: &Settings) -> Result<Report> {
    let weight = weight::measure()?;
    let wasm_breakdown = weight::wasm_breakdown();
    let browser = browser::measure(binary, settings)?;
    say!("building the symbolized backend for the profile");
    let build_started = Instant::now();
    let (profile_binary, build_error) = match profile::symbolized_binary() {
        Ok(path) => (Some(path), None),
        Err(error) => (None, Some(format!("{error:#}"))),
    };
    let profile_build_seconds = build_started.elapsed().as_secs_f64();
    say!("the backend's rows, through the harness's bench binary");
    let measured = measurements::measure(binary, dir, settings, "all", profile_binary.as_deref())?;
    let missing = |part: &str| anyhow::anyhow!("the bench binary measured no {part}");
    Ok(Report {
        binary: binary.to_owned(),
        weight,
        wasm_breakdown,
        browser,
        startups: measured.startups.ok_or_else(|| missing("start-ups"))?,
        loads: measured.closed_loop.ok_or_else(|| missing("closed loop"))?,
        storms: measured.storms,
        open_loop: measured.open_loop.ok_or_else(|| missing("open loop"))?,
        webhooks: measured.webhooks.ok_or_else(|| missing("webhooks"))?,
        profile: measured.profile,
        profile_error: measured.profile_error.or(build_error),
        profile_build_seconds,
    })
}

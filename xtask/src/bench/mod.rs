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
mod load;
mod measurements;
mod open_loop;
mod profile;
mod storm;
mod webhooks;
mod weight;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::process::{output, run, workspace_root};

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
    let interpretation = interpretation()?;
    ensure_tools()?;
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
    let markdown = render(
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
    let wasm_breakdown = wasm_breakdown();
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

/// Code size per crate of the widget's wasm (before wasm-opt), as Markdown; empty if unavailable.
fn wasm_breakdown() -> String {
    let wasm =
        crate::process::target_dir().join("wasm32-unknown-unknown/release-wasm/hwr_widget.wasm");
    let Ok(text) = output(
        Command::new("node")
            .arg(workspace_root().join("bench/wasm-sizes.mjs"))
            .arg(&wasm),
    ) else {
        return String::new();
    };
    let mut md = String::from(
        "\nWhere the wasm's bytes go (code size per crate and the data section, from cargo's \
         output before wasm-bindgen and `wasm-opt -Oz`, which shrink it by about a third; \
         shares of that pre-optimisation size):\n\n| crate | share |\n|---|---:|\n",
    );
    let mut other = 0.0;
    for (i, line) in text
        .lines()
        .filter(|l| !l.starts_with("total\t"))
        .enumerate()
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let share: f64 = cols.get(2).and_then(|s| s.parse().ok()).unwrap_or(0.0);
        if i < 12 {
            let _ = writeln!(md, "| {} | {share:.1} % |", cols[0].replace('|', "\\|"));
        } else {
            other += share;
        }
    }
    let _ = writeln!(md, "| everything else | {other:.1} % |");
    md
}

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

fn on_path(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .any(|dir| dir.join(program).is_file())
}

/// Installs what the bench needs and is missing: wrk, nginx, Chromium, perf, strace (Debian
/// packages), and the bench's npm packages (playwright-core and the competitors' loaders).
fn ensure_tools() -> Result<()> {
    let wanted = [
        ("wrk", "wrk"),
        ("nginx", "nginx"),
        ("chromium", "chromium"),
        ("perf", "linux-perf"),
        ("strace", "strace"),
        ("node", "nodejs"),
        ("npm", "npm"),
        ("psql", "postgresql-client"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    if !missing.is_empty() {
        say!("installing {}", missing.join(", "));
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing))
        .context("failed to install the bench's tools")?;
    }
    let bench = workspace_root().join("bench");
    let lock = std::fs::read(bench.join("package-lock.json")).unwrap_or_default();
    let installed =
        std::fs::read(bench.join("node_modules/.package-lock.json")).unwrap_or_default();
    // npm writes node_modules/.package-lock.json; it differs from package-lock.json only in the
    // root entry, so compare the package versions it lists instead of the whole file.
    if installed.is_empty() || !same_packages(&lock, &installed) {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&bench))
        .context("failed to install the bench's npm packages")?;
    }
    Ok(())
}

/// True when every `"node_modules/…"` entry of the lock file is in the installed tree.
fn same_packages(lock: &[u8], installed: &[u8]) -> bool {
    let lock = String::from_utf8_lossy(lock);
    let installed = String::from_utf8_lossy(installed);
    lock.split("\"node_modules/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .all(|name| installed.contains(&format!("\"node_modules/{name}\"")))
        && lock.contains("\"node_modules/")
}

// ---------------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------------

struct Machine {
    cpus: usize,
    cpu_model: String,
    memory: String,
    load: String,
    date: String,
    commit: String,
    kernel: String,
}

impl Machine {
    fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
            .unwrap_or_default();
        let load = std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let shell = |program: &str, args: &[&str]| {
            output(
                Command::new(program)
                    .args(args)
                    .current_dir(workspace_root()),
            )
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
        };
        // BENCHMARKS.md itself (the previous report) does not count as a change to what is measured.
        let dirty = shell("git", &["status", "--porcelain", "--untracked-files=no"])
            .lines()
            .any(|line| !line.ends_with(" BENCHMARKS.md"));
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory,
            load,
            date: shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            commit: format!(
                "{}{}",
                shell("git", &["rev-parse", "--short", "HEAD"]),
                if dirty {
                    " (with uncommitted changes in the work tree)"
                } else {
                    ""
                }
            ),
            kernel: shell("uname", &["-r"]),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

pub(crate) fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

pub(crate) fn fmt_ms(ms: f64) -> String {
    if !ms.is_finite() {
        "—".to_owned()
    } else if ms.abs() >= 100.0 {
        format!("{ms:.0}")
    } else if ms.abs() >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

pub(crate) fn fmt_rate(rate: f64) -> String {
    if rate >= 100.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.1}")
    }
}

/// "met" / "**missed**: why".
pub(crate) fn verdict(met: bool, missed: &str, met_note: &str) -> String {
    if met {
        format!("met{met_note}")
    } else {
        format!("**missed**: {missed}")
    }
}

fn render(
    report: &Report,
    settings: &Settings,
    before: &Machine,
    after: &Machine,
    seconds: f64,
    build_seconds: f64,
    interpretation: &str,
) -> String {
    let mut md = String::new();
    md.push_str("# Benchmarks\n\n");
    md.push_str(
        "Generated by `cargo xtask bench` in one run (do not edit by hand: run it again). Every \
         number below comes from that run; the sandbox (our fake Remote) stands in for Remote, \
         on loopback, so the backend numbers are our own costs, not Remote's.\n\n",
    );
    md.push_str("| machine | |\n|---|---|\n");
    let _ = writeln!(md, "| CPU | {} × {} |", before.cpus, before.cpu_model);
    let _ = writeln!(md, "| memory | {} |", before.memory);
    let _ = writeln!(md, "| kernel | {} |", before.kernel);
    let _ = writeln!(md, "| date | {} |", before.date);
    let _ = writeln!(md, "| commit | {} |", before.commit);
    let _ = writeln!(
        md,
        "| load average (1, 5, 15 min) | {} at the start, {} at the end |",
        before.load, after.load
    );
    let profile_build = report.profile_build_seconds;
    let _ = writeln!(
        md,
        "| run time | {seconds:.0} s, of which {:.0} s building (widget and release binary {build_seconds:.0} s, the profile's symbolized binary {profile_build:.0} s) and {:.0} s measuring |",
        build_seconds + profile_build,
        seconds - build_seconds - profile_build
    );
    if !settings.is_default() {
        md.push_str("| note | **a shortened run** (HWR_BENCH_* settings): not for comparison |\n");
    }
    md.push('\n');
    md.push_str("## Budgets\n\n");
    md.push_str(&summary(report));
    md.push('\n');
    md.push_str(&findings(report));
    md.push_str(interpretation);

    md.push_str("\n## 1. Widget weight\n\n");
    md.push_str(&weight::render(&report.weight, &report.wasm_breakdown));
    md.push_str("\n## 2. Widget start-up in headless Chromium\n\n");
    md.push_str(&browser::render_startup(&report.browser));
    md.push('\n');
    md.push_str(&browser::render_wire(&report.browser, &report.weight).0);
    md.push_str("\n## 3. Allow → onboarding page\n\n");
    md.push_str(&browser::render_allow(&report.browser, settings));
    md.push_str("\n## 4. Backend overhead\n\n");
    md.push_str(&load::render(&report.loads, settings));
    md.push_str(&open_loop::render(&report.open_loop));
    md.push_str(&overhead_budget(&report.loads, &report.open_loop));
    md.push_str("\n## 5. Refresh storm\n\n");
    md.push_str(&storm::render(&storms(&report.storms), settings));
    md.push_str("\n## 6. Footprint\n\n");
    md.push_str(&footprint::render(
        &report.binary,
        &report.startups,
        Some(&report.loads),
    ));
    md.push_str("\n## 7. Profile of the hire path\n\n");
    md.push_str(&breakdown_c1(&report.loads));
    match (&report.profile, &report.profile_error) {
        (Some(profile), _) => md.push_str(&profile::render(profile)),
        (None, Some(error)) => {
            let _ = writeln!(md, "The profile could not be taken: {error}\n");
        }
        (None, None) => {}
    }
    md
}

/// Each database's label and refresh storm, for the storm's section.
fn storms(runs: &[measurements::StormRun]) -> Vec<(&str, Option<&measurements::Storm>)> {
    runs.iter()
        .map(|run| (run.database.as_str(), run.storm.as_ref()))
        .collect()
}

/// The backend's own work per hire at concurrency 1 (hire p50 − the two upstream calls' p50).
fn own_work_c1(
    loads: &measurements::ClosedLoop,
    backend: &measurements::BackendRun,
) -> Option<f64> {
    let hire = backend.hires.iter().find(|l| l.connections == 1)?;
    let direct = loads.direct.iter().find(|l| l.connections == 1)?;
    let magic = loads.magic_c1.as_ref()?;
    Some(hire.p50_ms - direct.p50_ms - magic.p50_ms)
}

/// Section 4's budget rows: the added p99 (closed loop at 256, and open loop), the backend's CPU
/// per hire against the sandbox's, and Postgres transactions per hire.
fn overhead_budget(loads: &measurements::ClosedLoop, open: &[measurements::OpenLoopRun]) -> String {
    let mut md = String::from("| budget | measured | verdict |\n|---|---|---|\n");
    let Some(direct) = loads.direct.iter().find(|l| l.connections == 256) else {
        return String::new();
    };
    for backend in &loads.backends {
        let Some(hire) = backend.hires.iter().find(|l| l.connections == 256) else {
            continue;
        };
        let added = hire.p99_ms - direct.p99_ms;
        let cpu = |l: &measurements::Load, i: usize| {
            l.cpu_per_request_ms.get(i).copied().unwrap_or(f64::NAN)
        };
        let backend_cpu = cpu(hire, 0);
        let sandbox_cpu = cpu(hire, 1);
        let direct_cpu = cpu(direct, 0);
        let why = format!(
            "by {} ms. This is throughput, not a slow step: the backend burns {} ms of CPU per \
             hire (and makes the sandbox burn {} ms for its two calls) against {} ms for one \
             direct employment, so the two cores complete {} hires/s against {} direct; with 256 \
             requests in flight each one waits ~256 / {} s = {} ms (Little's law), which is the \
             median and most of the p99",
            fmt_ms(added - 2.0),
            fmt_ms(backend_cpu),
            fmt_ms(sandbox_cpu),
            fmt_ms(direct_cpu),
            fmt_rate(hire.rate()),
            fmt_rate(direct.rate()),
            fmt_rate(hire.rate()),
            fmt_ms(256_000.0 / hire.rate()),
        );
        let _ = writeln!(
            md,
            "| added p99 over direct ≤ 2 ms at 256 concurrency ({}) | {} ms ({} ms vs {} ms direct) | {} |",
            backend.label,
            fmt_ms(added),
            fmt_ms(hire.p99_ms),
            fmt_ms(direct.p99_ms),
            verdict(added <= 2.0, &why, "")
        );
    }
    md.push_str(&open_loop::budget_row(open));
    md.push_str(&cpu_ratio_rows(loads));
    md.push('\n');
    md
}

/// The most CPU the backend may burn per hire, as a multiple of what the sandbox burns to create
/// the same hire's employment and onboarding link (a ratio: absolute CPU times on a shared
/// machine drift from run to run, the two processes' ratio within one row much less).
const CPU_RATIO_BUDGET: f64 = 4.0;
/// The most Postgres transactions a hire may take.
const PG_TRANSACTIONS_BUDGET: f64 = 3.0;

/// Sequential hires (c=1): backend CPU per hire over the sandbox's, per database, and Postgres
/// transactions per hire.
fn cpu_ratio_rows(loads: &measurements::ClosedLoop) -> String {
    let mut md = String::new();
    for backend in &loads.backends {
        let Some(hire) = backend.hires.iter().find(|l| l.connections == 1) else {
            continue;
        };
        let cpu = |i: usize| hire.cpu_per_request_ms.get(i).copied().unwrap_or(f64::NAN);
        let (ours, sandbox) = (cpu(0), cpu(1));
        let ratio = ours / sandbox;
        let _ = writeln!(
            md,
            "| backend CPU per hire ≤ {CPU_RATIO_BUDGET:.0}× the sandbox's for the same hires, sequential ({}) | {ratio:.1}× ({} ms against {} ms) | {} |",
            backend.label,
            fmt_ms(ours),
            fmt_ms(sandbox),
            verdict(
                ratio <= CPU_RATIO_BUDGET,
                &format!("{ratio:.1}× is over {CPU_RATIO_BUDGET:.0}×"),
                ""
            )
        );
    }
    if let Some(transactions) = loads
        .backends
        .iter()
        .find_map(|b| b.pg_per_hire)
        .map(|p| p.transactions)
    {
        let _ = writeln!(
            md,
            "| Postgres transactions per hire ≤ {PG_TRANSACTIONS_BUDGET:.0} (pg_stat_database, sequential) | {transactions:.1} | {} |",
            verdict(
                transactions <= PG_TRANSACTIONS_BUDGET,
                &format!("{transactions:.1} is over {PG_TRANSACTIONS_BUDGET:.0}"),
                ""
            )
        );
    }
    md
}

/// The c=1 latency breakdown (no queueing): where one hire's time goes.
fn breakdown_c1(loads: &measurements::ClosedLoop) -> String {
    let mut md = String::new();
    let (Some(direct), Some(magic)) = (
        loads.direct.iter().find(|l| l.connections == 1),
        loads.magic_c1.as_ref(),
    ) else {
        return md;
    };
    md.push_str(
        "One hire at a time (concurrency 1, so no queueing), medians. The backend's own share is \
         what is left after its two upstream calls, each measured straight against the sandbox:\n\n\
         | part | SQLite | Postgres |\n|---|---:|---:|\n",
    );
    let cell = |i: usize, f: &dyn Fn(&measurements::BackendRun) -> String| -> String {
        loads.backends.get(i).map_or("—".to_owned(), f)
    };
    let hire_p50 = |b: &measurements::BackendRun| {
        b.hires
            .iter()
            .find(|l| l.connections == 1)
            .map_or("—".to_owned(), |l| format!("{} ms", fmt_ms(l.p50_ms)))
    };
    let own = |b: &measurements::BackendRun| {
        let total = b
            .hires
            .iter()
            .find(|l| l.connections == 1)
            .map_or(f64::NAN, |l| l.p50_ms);
        let own = own_work_c1(loads, b).unwrap_or(f64::NAN);
        format!("**{} ms** ({:.0} %)", fmt_ms(own), 100.0 * own / total)
    };
    let _ = writeln!(
        md,
        "| hire through the backend | {} | {} |",
        cell(0, &hire_p50),
        cell(1, &hire_p50)
    );
    let _ = writeln!(
        md,
        "| · `POST /v1/employments` at the sandbox | {0} ms | {0} ms |",
        fmt_ms(direct.p50_ms)
    );
    let _ = writeln!(
        md,
        "| · `POST /v1/magic-link` at the sandbox | {0} ms | {0} ms |",
        fmt_ms(magic.p50_ms)
    );
    let _ = writeln!(
        md,
        "| · **the backend's own work** (site token, idempotency record, token decrypt, database writes, JSON, logging, thread hand-offs) | {} | {} |",
        cell(0, &own),
        cell(1, &own)
    );
    if let Some(pg) = loads.backends.iter().find_map(|b| b.pg_per_hire) {
        let _ = writeln!(
            md,
            "| Postgres transactions / rows written per hire (pg_stat_database) | — | {:.1} / {:.1} |",
            pg.transactions, pg.rows
        );
    }
    if let Some(measurements::CommitCost {
        on_ms: on,
        off_ms: off,
    }) = loads.pg_commit
    {
        let _ = writeln!(
            md,
            "| Postgres: one autocommitted INSERT, `synchronous_commit` on / off | — | {} ms / {} ms |",
            fmt_ms(on),
            fmt_ms(off)
        );
    }
    if let Some(sqlite) = loads.backends.first() {
        let _ = writeln!(
            md,
            "\n`POST /v1/employments` calls at the sandbox per successful hire: {:.2} (exactly once).\n",
            sqlite.posts_per_hire
        );
    }
    md
}

fn summary(report: &Report) -> String {
    let mut md = String::from("| budget | measured | verdict |\n|---|---|---|\n");
    if let Some(gzip) = weight::ours_gzip(&report.weight) {
        let budget = 50 * 1024;
        let _ = writeln!(
            md,
            "| widget ≤ 50 KiB gzip before the button is interactive | {} | {} |",
            kib(gzip),
            verdict(
                gzip <= budget,
                &format!("by {} (§1)", kib(gzip.saturating_sub(budget))),
                ""
            )
        );
    }
    md.push_str(&browser::render_wire(&report.browser, &report.weight).1);
    let startup = browser::render_startup(&report.browser);
    for line in startup.lines().filter(|l| {
        l.starts_with("| layout shift caused") || l.starts_with("| click → `window.open`")
    }) {
        md.push_str(line);
        md.push('\n');
    }
    let allow = browser::render_allow(&report.browser, &Settings::from_env());
    for line in allow
        .lines()
        .filter(|l| l.starts_with("| 1 browser → backend"))
    {
        md.push_str(line);
        md.push('\n');
    }
    for line in overhead_budget(&report.loads, &report.open_loop)
        .lines()
        .skip(2)
        .filter(|l| !l.is_empty())
    {
        md.push_str(line);
        md.push('\n');
    }
    md.push_str(&webhooks::budget_row(&report.webhooks));
    for line in storm::render(&storms(&report.storms), &Settings::from_env())
        .lines()
        .filter(|l| l.starts_with("| one refresh"))
    {
        md.push_str(line);
        md.push('\n');
    }
    for line in footprint::render(&report.binary, &report.startups, Some(&report.loads))
        .lines()
        .filter(|l| {
            l.starts_with("| RSS idle, 1 s")
                || l.starts_with("| start-up to a ready `/healthz`, SQLite, existing")
        })
    {
        md.push_str(line);
        md.push('\n');
    }
    md
}

/// What this run's numbers say, one sentence per finding, each computed from the numbers (what
/// they mean and what to do about them is in `bench/interpretation.md`).
fn findings(report: &Report) -> String {
    let mut md = String::from("## What the numbers point to\n\n");
    let loads = &report.loads;
    let browser = &report.browser;

    if let Some(gzip) = weight::ours_gzip(&report.weight) {
        let part = |needle: &str| {
            report
                .weight
                .iter()
                .find(|r| r.kind == "part" && r.name.contains(needle))
                .map_or(0, |r| r.gzip)
        };
        let (glue, wasm) = (part("glue"), part("wasm"));
        let code = weight::kind_gzip(&report.weight, "later").unwrap_or(glue + wasm);
        let _ = writeln!(
            md,
            "1. **Widget weight and start-up.** {} gzip before the button is interactive (loader → \
             first button, median {} ms); the widget code, {} gzip ({} glue + {} wasm), follows. \
             A click before it opens the window in {} ms (median) and the consent page follows \
             {} ms after the click with the wasm answering 300 ms late. Without intent, the wasm \
             request starts {} ms after the load event, {} ms are its download on loopback and \
             {} ms compile, instantiate and mount all three widgets.",
            kib(gzip),
            browser.startup_median("loader evaluated → first button interactive"),
            kib(code),
            kib(glue),
            kib(wasm),
            browser.startup_median(
                "click on the early button (before the widget code; wasm answered 300 ms late) → window.open"
            ),
            browser.startup_median(
                "click on the early button (wasm answered 300 ms late) → consent page requested in the popup (wall clock)"
            ),
            browser.startup_median(
                "· load event → wasm request starts (idle time, nobody touching the page)"
            ),
            browser.startup_median("· wasm download (request start → response end)"),
            browser.startup_median(
                "· wasm response end → all 3 mounted (compile, instantiate, mount)"
            ),
        );
    }

    let after = browser.allow_note("0", "typical requests after the callback");
    let callback = "server: GET /oauth/callback (code exchange, then the hire)";
    let (callback0, callback100) = (
        browser.allow_median("0", callback),
        browser.allow_median("100", callback),
    );
    let serial = (callback100 - callback0) / 100.0;
    let upstream = if !serial.is_finite() {
        "the request log gave no callback times in this run".to_owned()
    } else {
        format!(
            "the callback takes {} ms with 100 ms upstream latency against {} ms without: \
             ~{serial:.1} upstream latencies ({})",
            fmt_ms(callback100),
            fmt_ms(callback0),
            if serial >= 2.5 {
                "more than the two it needs"
            } else {
                "the two it needs"
            }
        )
    };
    let _ = writeln!(
        md,
        "2. **Allow → onboarding.** After the callback the browser makes: {after}. Server-side, \
         {upstream}."
    );

    let own = |i: usize| {
        loads
            .backends
            .get(i)
            .and_then(|b| own_work_c1(loads, b))
            .unwrap_or(f64::NAN)
    };
    let pg_tx = loads
        .backends
        .iter()
        .find_map(|b| b.pg_per_hire)
        .map_or(f64::NAN, |p| p.transactions);
    let (commit_on, commit_off) = loads
        .pg_commit
        .map_or((f64::NAN, f64::NAN), |c| (c.on_ms, c.off_ms));
    let _ = writeln!(
        md,
        "3. **Backend overhead.** Alone (c=1), a hire spends {} ms in the backend on SQLite and \
         {} ms on Postgres; on Postgres that is {pg_tx:.1} transactions per hire (budget \
         {PG_TRANSACTIONS_BUDGET:.0}); one commit costs {} ms with `synchronous_commit` on and \
         {} ms off ({}).",
        fmt_ms(own(0)),
        fmt_ms(own(1)),
        fmt_ms(commit_on),
        fmt_ms(commit_off),
        if commit_on - commit_off > 0.5 {
            "the disk flush dominates"
        } else {
            "the flush is cheap on this run: the round trip dominates"
        }
    );
    if let Some(profile) = &report.profile {
        let sum = |rows: &[(f64, String)], name: &str| -> f64 {
            rows.iter()
                .filter(|(_, n)| n.starts_with(name))
                .map(|(s, _)| *s)
                .sum()
        };
        let share = |name: &str| sum(&profile.by_category, name);
        let calls = |name: &str| -> f64 {
            profile
                .syscalls
                .iter()
                .filter(|(_, n)| n == name)
                .map(|(c, _)| *c)
                .sum()
        };
        let _ = writeln!(
            md,
            "4. **Where the CPU goes (SQLite, c=64).** The database path takes {:.0} % of the \
             backend's CPU ({:.0} % in the SQLite engine, {:.0} % in sqlx; {:.0} % of all samples \
             are on SQLite worker threads), serving HTTP {:.0} %, calling Remote {:.0} %, logging \
             {:.0} %, crypto {:.0} %, JSON {:.0} %, our own handler code {:.0} %. Per hire: {:.0} \
             `futex`, {:.0} `fcntl`, {:.0} `pwrite64` and {:.0} `pread64` calls.",
            share("SQLite engine") + share("sqlx driver"),
            share("SQLite engine"),
            share("sqlx driver"),
            sum(&profile.by_thread, "SQLite worker"),
            share("serving HTTP"),
            share("calls to Remote"),
            share("logging"),
            share("crypto"),
            share("JSON"),
            share("our handlers"),
            calls("futex"),
            calls("fcntl"),
            calls("pwrite64"),
            calls("pread64"),
        );
    }
    let after_load = loads
        .backends
        .iter()
        .map(|b| b.rss_after_kib)
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        md,
        "5. **Memory after traffic.** After the loads the backend stays at {} while idle ({} the \
         20 MiB idle budget, which holds for idle after start).",
        load::rss_mib(after_load),
        if after_load > 20 * 1024 {
            "over"
        } else {
            "within"
        }
    );
    let storms_ok = report.storms.iter().all(|run| {
        run.storm
            .as_ref()
            .is_some_and(|s| s.refreshes == 1 && s.created() == s.hires)
    });
    let _ = writeln!(
        md,
        "6. **Refresh single-flight {}** on {}.",
        if storms_ok {
            "holds"
        } else {
            "**does not hold**"
        },
        report
            .storms
            .iter()
            .map(|run| run.database.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    );
    md.push('\n');
    md
}

/// The hand-written reading guide, included as it is.
fn interpretation() -> Result<String> {
    let path = workspace_root().join("bench/interpretation.md");
    std::fs::read_to_string(&path).with_context(|| format!("failed to read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::{
        footprint, load, measurements, open_loop, overhead_budget, profile, storm, storms,
        webhooks, Settings,
    };

    /// What the harness's bench binary wrote in a shortened run (2 s rows, a 100-hire storm,
    /// stand-ins for wrk and nginx): the contract between the two crates.
    const FIXTURE: &str = "src/bench/fixtures/measurements.json";

    #[test]
    fn the_bench_binarys_json_renders_every_backend_section() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
        let measured = measurements::read(&path).expect("the fixture reads as measurements");
        let settings = Settings {
            seconds: 2,
            loads: 25,
            flows: 5,
            starts: 4,
            storm: 100,
            open_loop_rate: 50,
        };
        let loads = measured.closed_loop.as_ref().expect("closed-loop rows");
        let open = measured.open_loop.as_ref().expect("open-loop rows");

        let rows = load::render(loads, &settings);
        let budget = overhead_budget(loads, open);
        let storm = storm::render(&storms(&measured.storms), &settings);
        let startups = measured.startups.as_ref().expect("start-ups");
        let footprint =
            footprint::render(std::path::Path::new("/nonexistent"), startups, Some(loads));
        let profile = profile::render(measured.profile.as_ref().expect("a profile"));
        let webhooks = webhooks::budget_row(measured.webhooks.as_ref().expect("webhooks"));

        assert!(rows.contains("| backend hire, Postgres | 256 |"), "{rows}");
        assert!(
            rows.contains("| direct to sandbox `POST /v1/magic-link` | 1 |"),
            "{rows}"
        );
        assert!(
            budget.contains("| Postgres transactions per hire ≤ 3"),
            "{budget}"
        );
        assert!(budget.contains("open loop at 50 hires/s"), "{budget}");
        let open_rows = open_loop::render(open);
        assert!(
            open_rows.contains("| backend hire, SQLite | 50/s for 1 s |"),
            "{open_rows}"
        );
        assert!(
            storm.contains("| Postgres | 100 | 100 × 201 | 1 |"),
            "{storm}"
        );
        assert!(
            footprint.contains("| RSS on Postgres: idle after start"),
            "{footprint}"
        );
        assert!(profile.contains("| `futex` |"), "{profile}");
        assert!(
            webhooks.contains("over 240 deliveries, 0 not answered 200 | met |"),
            "{webhooks}"
        );
    }

    #[test]
    fn the_reading_guide_is_a_section_of_its_own() {
        let text = super::interpretation().expect("bench/interpretation.md");
        assert!(
            text.starts_with("## Reading these numbers\n"),
            "{}",
            text.lines().next().unwrap_or_default()
        );
    }
}

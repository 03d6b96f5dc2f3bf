//! Section 7, a short profile of the hire path: `perf record` and `strace -c` on the backend
//! while wrk sends hires, on SQLite. xtask builds the same code with symbols kept; the bench
//! binary profiles it; this renders what it found.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::measurements::Profile;
use crate::process::{cargo, run, target_dir};

/// Builds the backend with symbols (the release profile without `strip`), in its own profile
/// folder so the shipped release build is untouched.
pub(crate) fn symbolized_binary() -> Result<PathBuf> {
    run(cargo().args([
        "build",
        "--quiet",
        "-p",
        "hire-with-remote",
        "--profile",
        "bench-profile",
        "--config",
        "profile.bench-profile.inherits=\"release\"",
        "--config",
        "profile.bench-profile.strip=false",
    ]))
    .context("failed to build the symbolized backend for the profile")?;
    Ok(target_dir().join("bench-profile/hire-with-remote"))
}

pub(crate) fn render(profile: &Profile) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "`perf record -F 199 --call-graph dwarf` on the backend (SQLite; the same code built with \
         symbols: the release profile without `strip`) while wrk sent hires at concurrency {} \
         ({:.0} hires/s under the profiler; {} samples of on-CPU time). Each sample is counted \
         once, for the component nearest the top of its stack, so the system calls and \
         allocations a component makes count as its own:\n",
        profile.concurrency, profile.hires_per_s, profile.samples
    );
    md.push_str("| component | CPU share |\n|---|---:|\n");
    for (share, name) in &profile.by_category {
        let _ = writeln!(md, "| {name} | {share:.1} % |");
    }
    md.push_str("\n| thread | CPU share |\n|---|---:|\n");
    for (share, name) in &profile.by_thread {
        let _ = writeln!(md, "| {name} | {share:.1} % |");
    }
    md.push_str("\n| where the sampled instruction was | CPU share |\n|---|---:|\n");
    for (share, dso) in profile.by_dso.iter().take(6) {
        let _ = writeln!(md, "| `{dso}` | {share:.1} % |");
    }
    md.push_str(
        "\nTop functions by own time (in a VM without a hardware PMU, perf samples on a timer, so \
         kernel time shows up where interrupts are re-enabled: `finish_task_switch` and \
         `_raw_spin_unlock_irqrestore` stand for context switches and wake-ups):\n\n\
         | CPU share | object | function |\n|---:|---|---|\n",
    );
    for (share, dso, symbol) in &profile.top_symbols {
        let short: String = symbol.chars().take(110).collect();
        let _ = writeln!(
            md,
            "| {share:.1} % | `{dso}` | `{}` |",
            short.replace('|', "\\|")
        );
    }
    let _ = writeln!(
        md,
        "\nSystem calls per hire (`strace -c -f` over {} hires at concurrency 8; {:.0} calls per \
         hire in all):\n",
        profile.strace_hires, profile.syscalls_total
    );
    md.push_str("| system call | calls per hire |\n|---|---:|\n");
    for (per, name) in &profile.syscalls {
        let _ = writeln!(md, "| `{name}` | {per:.1} |");
    }
    md.push('\n');
    md
}

//! `cargo xtask fuzz`: every cargo-fuzz target in `fuzz/` for a set time each. cargo-fuzz needs
//! nightly flags, which stable accepts under `RUSTC_BOOTSTRAP=1`; the instrumented build gets its
//! own target folder so it never invalidates the workspace's shared one.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use anyhow::{bail, Context, Result};

use crate::process::{cargo, output, run, target_dir, workspace_root};

/// The newest cargo-fuzz known to build here, for when the newest published one does not.
const KNOWN_GOOD_CARGO_FUZZ: &str = "0.13.2";

/// Installs cargo-fuzz unless `cargo fuzz --version` already runs.
pub(crate) fn ensure_cargo_fuzz() -> Result<()> {
    if output(cargo().args(["fuzz", "--version"])).is_ok() {
        return Ok(());
    }
    if run(cargo().args(["install", "cargo-fuzz"])).is_err() {
        eprintln!("xtask: the newest cargo-fuzz did not install; trying {KNOWN_GOOD_CARGO_FUZZ}");
        run(cargo().args([
            "install",
            "cargo-fuzz",
            "--locked",
            "--version",
            KNOWN_GOOD_CARGO_FUZZ,
        ]))
        .context("cargo-fuzz is needed for the fuzz targets")?;
    }
    Ok(())
}

/// Builds every fuzz target, then runs each for `seconds_per_target`; fails on the first crash,
/// leaving the input under `fuzz/artifacts/<target>/`.
pub(crate) fn run_fuzz(seconds_per_target: u64) -> Result<()> {
    ensure_cargo_fuzz()?;
    let started = Instant::now();
    let fuzz_dir = workspace_root().join("fuzz");
    let build_dir = fuzz_target_dir();
    run(cargo_fuzz(&fuzz_dir)
        .args(["build", "--debug-assertions", "--target-dir"])
        .arg(&build_dir))?;
    let listed = output(cargo_fuzz(&fuzz_dir).arg("list"))?;
    let targets: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    // A step that fuzzes nothing (or less than there is) must not pass as if it had.
    let sources = std::fs::read_dir(fuzz_dir.join("fuzz_targets"))
        .context("failed to read fuzz/fuzz_targets")?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "rs"))
        .count();
    if sources == 0 || targets.len() != sources {
        bail!(
            "cargo fuzz lists {} target(s) ({}) but fuzz/fuzz_targets holds {sources}",
            targets.len(),
            targets.join(", ")
        );
    }
    for target in &targets {
        fuzz_one(&fuzz_dir, &build_dir, target, seconds_per_target)?;
    }
    eprintln!(
        "xtask: {} fuzz targets ran {seconds_per_target} s each without a crash ({:.0?} in all)",
        targets.len(),
        started.elapsed()
    );
    Ok(())
}

/// Runs one target. Its growing corpus lives in the target folder, so fuzzing never dirties the
/// clone; the committed seeds (`fuzz/seeds/<target>`) and dictionary (`fuzz/dicts`) are read only.
fn fuzz_one(fuzz_dir: &Path, build_dir: &Path, target: &str, seconds: u64) -> Result<()> {
    let corpus = build_dir.join("corpus").join(target);
    std::fs::create_dir_all(&corpus)
        .with_context(|| format!("failed to create {}", corpus.display()))?;
    let mut command = cargo_fuzz(fuzz_dir);
    command
        .args(["run", target, "--debug-assertions", "--target-dir"])
        .arg(build_dir)
        .arg(&corpus);
    let seeds = fuzz_dir.join("seeds").join(target);
    if seeds.is_dir() {
        command.arg(&seeds);
    }
    command.args([
        "--".to_owned(),
        format!("-max_total_time={seconds}"),
        "-print_final_stats=1".to_owned(),
    ]);
    let dictionary = fuzz_dir.join("dicts").join(format!("{target}.dict"));
    if dictionary.is_file() {
        command.arg(format!("-dict={}", dictionary.display()));
    }

    eprintln!("xtask: fuzzing {target} for {seconds} s");
    let out = command
        .output()
        .with_context(|| format!("failed to start `cargo fuzz run {target}`"))?;
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        for line in tail.into_iter().rev() {
            eprintln!("{line}");
        }
        bail!(
            "fuzz target {target} failed ({}); the input is under fuzz/artifacts/{target}/",
            out.status
        );
    }
    match final_stat(&log, "number_of_executed_units") {
        Some(runs) => eprintln!("xtask: {target}: {runs} executions, no crash"),
        None => eprintln!("xtask: {target}: no crash"),
    }
    Ok(())
}

/// `cargo fuzz`, from the fuzz crate's folder, with nightly features unlocked.
fn cargo_fuzz(fuzz_dir: &Path) -> Command {
    let mut command = cargo();
    command
        .arg("fuzz")
        .current_dir(fuzz_dir)
        .env("RUSTC_BOOTSTRAP", "1");
    command
}

/// Where instrumented builds and corpora go: beside the workspace's builds, never mixed in.
/// `fuzz/.cargo/config.toml` names the same folder for a `cargo fuzz` run by hand.
fn fuzz_target_dir() -> PathBuf {
    target_dir().join("fuzz")
}

/// A `stat::<name>: <value>` line from libFuzzer's `-print_final_stats=1`.
fn final_stat<'a>(log: &'a str, name: &str) -> Option<&'a str> {
    log.lines().rev().find_map(|line| {
        line.strip_prefix("stat::")?
            .strip_prefix(name)?
            .strip_prefix(':')
            .map(str::trim)
    })
}

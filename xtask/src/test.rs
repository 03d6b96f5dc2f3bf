//! `cargo xtask test`: everything CI checks, in order, failing on the first problem — formatting,
//! the dependencies' licences and bans (`deny.toml`), clippy (native and wasm32), the widget's
//! dependency rule, the production build without the fake Remote (no `demo` feature), unit and
//! integration tests (SQLite and Postgres, property tests, multi-replica processes), the widget's
//! browser tests, the end-to-end suite in headless Chromium, the release artifacts (the static
//! binary, checked, and its container image, started once), the npm package (`npm pack` and a
//! type test of its React and Vue examples), short soaks (SQLite and Postgres) with a leak scan,
//! and a short run of every fuzz target.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{
    container, dist,
    process::{cargo, output, run, workspace_root},
    tools, widget,
};

/// How long `cargo xtask test` runs each fuzz target (`cargo xtask fuzz` runs longer).
const FUZZ_SECONDS_PER_TARGET: u64 = 5;

/// Crates the wasm widget must never depend on.
const SERVER_ONLY: [&str; 5] = ["tokio", "axum", "hyper", "reqwest", "sqlx"];

pub(crate) fn run_all() -> Result<()> {
    let started = std::time::Instant::now();
    widget::ensure_widget_tools()?;
    tools::ensure_browser()?;
    tools::ensure_postgres()?;
    container::ensure_podman()?;
    ensure_cargo_deny()?;

    run(cargo().args(["fmt", "--all", "--check"]))?;
    licenses_and_bans()?;
    widget_dependency_rule()?;
    production_build_leaves_out_the_demo()?;
    // The widget first: the server embeds its bundle.
    widget::build_widget(true)?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--exclude",
        "hwr-widget",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args([
        "clippy",
        "-p",
        "hwr-widget",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args(["test", "--workspace", "--exclude", "hwr-widget"]))?;
    run(cargo()
        .args([
            "test",
            "-p",
            "hwr-widget",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;
    end_to_end()?;
    release_artifacts()?;
    crate::schemathesis::run_against_demo(&crate::build()?)?;
    npm_package()?;
    // Short soaks on both databases: faults, a kill -9, the verdict and a leak scan.
    crate::soak::run_soak(15, 50, crate::soak::SoakDatabase::Sqlite)?;
    crate::soak::run_soak(10, 30, crate::soak::SoakDatabase::Postgres)?;
    // Last: a short run of every fuzz target (the first instrumented build is slow).
    crate::fuzz::run_fuzz(FUZZ_SECONDS_PER_TARGET)?;
    eprintln!("xtask: every check passed in {:.0?}", started.elapsed());
    Ok(())
}

/// cargo-deny, installed from crates.io when missing.
fn ensure_cargo_deny() -> Result<()> {
    if cargo()
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|out| out.status.success())
    {
        return Ok(());
    }
    run(Command::new("cargo").args(["install", "cargo-deny", "--locked"]))
        .context("failed to install cargo-deny")
}

/// `cargo deny check licenses bans` against `deny.toml`: every licence in the tree is one we
/// allow, and no banned crate or `*` version is in it. Offline: both read only the lock file and
/// the crates' manifests, which `cargo fetch` downloads for every platform (once).
fn licenses_and_bans() -> Result<()> {
    run(cargo().arg("fetch"))?;
    run(cargo().args([
        "deny",
        "--offline",
        "check",
        "--hide-inclusion-graph",
        "licenses",
        "bans",
    ]))
}

/// The release artifacts around the widget built above: `dist/` (the static binary, checked,
/// its tarball and SHA256SUMS) and the container image, started once.
fn release_artifacts() -> Result<()> {
    let started = std::time::Instant::now();
    let dist = dist::package()?;
    container::build_and_smoke_test(&dist)?;
    eprintln!(
        "xtask: release artifacts built and checked in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

/// `cargo tree` of the widget for wasm32 must not list a server-only crate.
/// A production build (`--no-default-features`, without the `demo` feature) links no fake
/// Remote: `hwr-sandbox` is not in its dependency tree, and it passes clippy on its own.
fn production_build_leaves_out_the_demo() -> Result<()> {
    let tree = output(cargo().args([
        "tree",
        "-p",
        "hire-with-remote",
        "--no-default-features",
        "-e",
        "normal",
        "--prefix",
        "none",
    ]))?;
    if tree
        .lines()
        .any(|line| line.split_whitespace().next() == Some("hwr-sandbox"))
    {
        bail!("hire-with-remote without the demo feature still depends on hwr-sandbox");
    }
    run(cargo().args([
        "clippy",
        "-p",
        "hire-with-remote",
        "--no-default-features",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    eprintln!("xtask: the build without the demo feature leaves out hwr-sandbox");
    Ok(())
}

fn widget_dependency_rule() -> Result<()> {
    let tree = output(cargo().args([
        "tree",
        "-p",
        "hwr-widget",
        "--target",
        "wasm32-unknown-unknown",
        "-e",
        "normal",
        "--prefix",
        "none",
    ]))?;
    let offending: Vec<&str> = SERVER_ONLY
        .iter()
        .copied()
        .filter(|name| {
            tree.lines()
                .any(|line| line.split_whitespace().next() == Some(*name))
        })
        .collect();
    if !offending.is_empty() {
        bail!(
            "the widget depends on server-only crates: {}",
            offending.join(", ")
        );
    }
    eprintln!(
        "xtask: the widget depends on none of {}",
        SERVER_ONLY.join(", ")
    );
    Ok(())
}

/// The npm package: `npm pack` makes it, and `tsc --noEmit` compiles the React 19 and Vue
/// examples against its declarations (a type that stopped matching the element fails here).
fn npm_package() -> Result<()> {
    let package = workspace_root().join("widget/npm");
    let examples = package.join("examples");
    let packed = crate::process::target_dir().join("npm");
    std::fs::create_dir_all(&packed)?;
    run(Command::new("npm")
        .args(["pack", "--pack-destination"])
        .arg(&packed)
        .current_dir(&package))?;
    if !examples.join("node_modules/typescript").exists() {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&examples))?;
    }
    run(Command::new("npx")
        .args(["--no-install", "tsc", "--noEmit", "-p", "tsconfig.json"])
        .current_dir(&examples))
}

/// The Playwright suite in tests/e2e against the release binary's `demo`.
fn end_to_end() -> Result<()> {
    let dir = workspace_root().join("tests/e2e");
    if !dir.join("package.json").exists() {
        bail!("tests/e2e/package.json is missing");
    }
    tools::ensure_e2e_packages()?;
    let binary = crate::build()?;
    run(Command::new("npm")
        .arg("test")
        .env("HWR_BINARY", binary)
        .env("CHROMIUM", "/usr/bin/chromium")
        .current_dir(&dir))
}

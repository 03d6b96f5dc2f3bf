//! Project automation, so that two commands do everything on a fresh machine:
//! `cargo xtask demo` (install, build, run the demo) and `cargo xtask test` (every check CI runs).
//! Also `cargo xtask build` (the release binary with the widget embedded), `cargo xtask dist` and
//! `cargo xtask image` (the release artifacts: a static binary, its tarball and a container
//! image), `cargo xtask bench` (BENCHMARKS.md), `cargo xtask fuzz [--seconds N]` (every fuzz
//! target for N seconds) and `cargo xtask soak` (200 concurrent hires for 60 s under faults and
//! a kill -9, with a leak scan).

mod bench;
mod compress;
mod container;
mod dist;
mod fuzz;
mod process;
mod schemathesis;
mod soak;
mod test;
mod tools;
mod widget;

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::process::{cargo, run, target_dir, workspace_root};

const USAGE: &str = "\
usage: cargo xtask <verb>

  demo [--port 8080]   install what is missing, build, and run the demo (backend, fake Remote and a
                       demo job site on three ports); open the job-site URL it prints
  test                 every check CI runs: fmt, licences and bans, clippy (native and wasm32),
                       unit and integration tests on SQLite and Postgres, browser tests,
                       end-to-end in headless Chromium, the static binary and its container
                       image, a short soak and a short fuzz run
  build                the release binary with the widget embedded (target/release/hire-with-remote)
  dist                 the release artifacts in dist/: a static x86_64 Linux binary (musl), its
                       tarball with the README, licences, changelog and .env.example, SHA256SUMS
  image                dist, then the container image hire-with-remote:<version> (podman, FROM
                       scratch), started once to check it serves
  widget               build only the widget (loader, glue, wasm) and print its sizes
  bench                run the benchmarks and write BENCHMARKS.md
  fuzz [--seconds 60]  run every fuzz target for N seconds each
  soak [--seconds 60] [--concurrency 200] [--database sqlite|postgres]
                       concurrent hires under faults and a kill -9, users over several
                       companies: fails on a duplicate, a lost hire, <90 % successes, a leak, …
  schemathesis         fuzz every operation of the OpenAPI document against a demo: no 5xx, no
                       answer outside its documented schema
  help                 this text

The build goes to ./target, or to $CARGO_TARGET_DIR when set.";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench::run_bench(),
        Some("build") => build().map(|_| ()),
        Some("dist") => dist::dist().map(|_| ()),
        Some("image") => dist::dist()
            .and_then(|dist| container::build_and_smoke_test(&dist))
            .map(|_| ()),
        Some("fuzz") => seconds(&args[1..], 60).and_then(fuzz::run_fuzz),
        Some("demo") => demo(&args[1..]),
        Some("soak") => soak::run_from_args(&args[1..]),
        Some("schemathesis") => build().and_then(|binary| schemathesis::run_against_demo(&binary)),
        Some("test") => test::run_all(),
        Some("widget") => widget::ensure_widget_tools()
            .and_then(|()| widget::build_widget(true))
            .map(|_| ()),
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(error) = result {
        eprintln!("xtask: error: {error:#}");
        std::process::exit(1);
    }
}

/// Reads `--seconds N` from `flags`, or `default`.
fn seconds(flags: &[String], default: u64) -> Result<u64> {
    match flags {
        [] => Ok(default),
        [flag, value] if flag == "--seconds" => value
            .parse()
            .with_context(|| format!("--seconds takes a number, not {value:?}")),
        _ => bail!("unexpected arguments {flags:?}; expected --seconds N"),
    }
}

/// Builds the widget and the release binary; leaves it at `target/release/hire-with-remote`.
pub(crate) fn build() -> Result<std::path::PathBuf> {
    build_widget_for_embedding()?;
    run(cargo().args(["build", "--release", "-p", "hire-with-remote"]))?;
    let built = target_dir().join("release/hire-with-remote");
    let local = workspace_root().join("target/release/hire-with-remote");
    if built != local {
        std::fs::create_dir_all(local.parent().context("no parent")?)?;
        // Copy beside it, then rename: the old binary may be running (a demo, a benchmark).
        let staged = local.with_extension("new");
        std::fs::copy(&built, &staged).with_context(|| {
            format!("failed to copy {} to {}", built.display(), staged.display())
        })?;
        std::fs::rename(&staged, &local)
            .with_context(|| format!("failed to move the binary into {}", local.display()))?;
    }
    eprintln!("xtask: built {}", local.display());
    Ok(local)
}

/// Builds the release widget into `widget/dist/`, which the server's build script embeds.
pub(crate) fn build_widget_for_embedding() -> Result<()> {
    widget::ensure_widget_tools()?;
    let sizes = widget::build_widget(true)?;
    if !sizes.within_budget() {
        eprintln!("xtask: warning: the widget is over its 50 KB gzip budget");
    }
    Ok(())
}

/// Builds everything, then runs `hire-with-remote demo` with the given flags.
fn demo(flags: &[String]) -> Result<()> {
    let binary = build()?;
    let status = Command::new(&binary)
        .arg("demo")
        .args(flags)
        .current_dir(workspace_root())
        .status()?;
    if !status.success() {
        bail!("the demo exited with {status}");
    }
    Ok(())
}

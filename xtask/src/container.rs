//! `cargo xtask image`: the root `Containerfile` (FROM scratch, the static binary of
//! `cargo xtask dist`) built with podman as `hire-with-remote:<version>`, then started once by
//! the harness crate's `image_smoke` binary (which configures `serve` as every backend the
//! harness starts): the image's `sandbox`, and its `serve` against it, must answer `/readyz`,
//! serve the widget, and stop cleanly on SIGTERM.

use std::{fs, process::Command, time::Instant};

use anyhow::{Context, Result};

use crate::{
    dist::Dist,
    process::{cargo, has, run, target_dir, workspace_root},
    tools,
};

const IMAGE: &str = "hire-with-remote";

/// Builds the image around `dist`'s binary and smoke-tests it; returns the image's tag.
pub(crate) fn build_and_smoke_test(dist: &Dist) -> Result<String> {
    let started = Instant::now();
    let tag = build_image(dist)?;
    smoke_test(&tag)?;
    eprintln!(
        "xtask: image {tag} built and smoke-tested in {:.1?}",
        started.elapsed()
    );
    Ok(tag)
}

/// podman and runc, installed when missing (Debian packages).
pub(crate) fn ensure_podman() -> Result<()> {
    if has("podman") && has("runc") {
        return Ok(());
    }
    tools::apt_install(&["podman", "runc"])
        .context("podman and runc are needed to build and test the container image")
}

/// podman with runc and the cgroupfs manager: they work without systemd (CI containers), where
/// crun and the systemd manager fail. (The harness's `image_smoke` starts its containers the
/// same way.)
fn podman() -> Command {
    let mut command = Command::new("podman");
    command.args(["--runtime", "runc", "--cgroup-manager=cgroupfs"]);
    command
}

/// `podman build` of the root `Containerfile`, from a context holding the binary and the empty
/// `data/` folder it copies.
fn build_image(dist: &Dist) -> Result<String> {
    ensure_podman()?;
    let context = target_dir().join("image-context");
    if context.exists() {
        fs::remove_dir_all(&context)
            .with_context(|| format!("failed to empty {}", context.display()))?;
    }
    fs::create_dir_all(context.join("data"))
        .with_context(|| format!("failed to create {}", context.display()))?;
    fs::copy(&dist.binary, context.join(IMAGE))
        .with_context(|| format!("failed to copy the binary into {}", context.display()))?;
    let tag = format!("{IMAGE}:{}", dist.version);
    // The image this build replaces would stay behind untagged; gone unless a container uses it.
    let _ = podman().args(["image", "rm", &tag]).output();
    run(podman()
        .arg("build")
        // No intermediate image per instruction: nothing here is worth caching.
        .arg("--layers=false")
        .arg("--file")
        .arg(workspace_root().join("Containerfile"))
        .args(["--tag", &tag])
        .arg(&context))?;
    Ok(tag)
}

/// The harness's `image_smoke` binary on `tag` (a debug build: the probes need no speed). It
/// starts the image's containers, probes them, removes them, and fails with serve's log.
fn smoke_test(tag: &str) -> Result<()> {
    run(cargo().args([
        "run",
        "-p",
        "hwr-integration-tests",
        "--bin",
        "image_smoke",
        "--",
        tag,
    ]))
    .with_context(|| format!("the image {tag} failed its smoke test"))
}

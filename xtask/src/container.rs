//! `cargo xtask image`: the root `Containerfile` (FROM scratch, the static binary of
//! `cargo xtask dist`) built with podman as `hire-with-remote:<version>`, then started once: the
//! image's `sandbox`, and its `serve` against it, must answer `/readyz`, serve the widget, and
//! stop cleanly on SIGTERM.

use std::{
    fs,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::Command,
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};

use crate::{
    dist::Dist,
    process::{has, output, run, target_dir, workspace_root},
    tools,
};

const IMAGE: &str = "hire-with-remote";
/// How long the image's `serve` may take to become ready, and to stop.
const READY_WITHIN: Duration = Duration::from_secs(30);
const STOP_WITHIN_SECS: u64 = 10;

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
/// crun and the systemd manager fail.
fn podman() -> Command {
    let mut command = Command::new("podman");
    command.args(["--runtime", "runc", "--cgroup-manager=cgroupfs"]);
    command
}

/// `podman run` with modest limits of its own: podman's defaults (a million open files, the
/// host's process limit) can exceed what the runtime may set inside a CI container, and then no
/// container starts. The smoke test needs far less.
fn podman_run() -> Command {
    let mut command = podman();
    command.args([
        "run",
        "--ulimit",
        "nofile=20000:20000",
        "--ulimit",
        "nproc=4096:4096",
    ]);
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

/// Starts the image's `sandbox` and, against it, its `serve`, both on the host's network;
/// `serve` must become ready, serve the widget, and exit 0 on SIGTERM.
fn smoke_test(tag: &str) -> Result<()> {
    let sandbox_port = free_port()?;
    let backend_port = free_port()?;
    let backend = format!("http://127.0.0.1:{backend_port}");
    let key = output(podman_run().args(["--rm", tag, "keygen"]))?;

    let _sandbox = Container::start(
        &format!("hwr-smoke-sandbox-{}", std::process::id()),
        &[],
        &[
            tag,
            "sandbox",
            "--port",
            &sandbox_port.to_string(),
            "--redirect-uri",
            &format!("{backend}/oauth/callback"),
        ],
    )?;
    let serve = Container::start(
        &format!("hwr-smoke-serve-{}", std::process::id()),
        &[
            ("HWR_LISTEN", format!("127.0.0.1:{backend_port}")),
            ("HWR_PUBLIC_URL", backend.clone()),
            ("HWR_ALLOWED_ORIGINS", backend.clone()),
            (
                "HWR_SITE_SECRET",
                "container-smoke-test-site-secret-not-for-production".to_owned(),
            ),
            ("HWR_ENCRYPTION_KEYS", key.trim().to_owned()),
            (
                "HWR_REMOTE_BASE_URL",
                format!("http://127.0.0.1:{sandbox_port}"),
            ),
            ("HWR_REMOTE_CLIENT_ID", "demo-client".to_owned()),
            ("HWR_REMOTE_CLIENT_SECRET", "demo-secret".to_owned()),
        ],
        // The image's CMD, `serve`, on the image's /data volume: a fresh one, as an operator's
        // first start gets, writable by the image's user.
        &[tag],
    )?;

    let deadline = Instant::now() + READY_WITHIN;
    while status_of(&format!("{backend}/readyz")) != Some(200) {
        if Instant::now() > deadline || !serve.is_running() {
            bail!(
                "the image's serve did not become ready within {READY_WITHIN:?}; its log:\n{}",
                serve.logs()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    for (url, what) in [
        (
            format!("{backend}/widget/v1/hire-with-remote.js"),
            "the widget's loader",
        ),
        (
            format!("http://127.0.0.1:{sandbox_port}/__sandbox/state"),
            "the image's sandbox",
        ),
    ] {
        let status = status_of(&url);
        ensure!(
            status == Some(200),
            "{what} answered {status:?} at {url}, not 200"
        );
    }
    eprintln!("xtask: the image's serve is ready and serves the widget");

    serve.stop_cleanly()
}

/// A detached container on the host's network, removed with its volume however the smoke test
/// ends.
struct Container {
    name: String,
}

impl Container {
    /// `podman run --detach` with `env` and then `args` (image, command).
    fn start(name: &str, env: &[(&str, String)], args: &[&str]) -> Result<Self> {
        let mut command = podman_run();
        command.args(["--detach", "--name", name, "--network=host"]);
        for (key, value) in env {
            command.arg("--env").arg(format!("{key}={value}"));
        }
        // Started before it is known to run, so that a failed start is cleaned up too.
        let container = Self {
            name: name.to_owned(),
        };
        // Not `run`: the command line holds the settings, the site secret among them.
        output(command.args(args))
            .with_context(|| format!("failed to start the container {name}"))?;
        Ok(container)
    }

    fn is_running(&self) -> bool {
        output(podman().args(["inspect", "--format", "{{.State.Running}}", &self.name]))
            .is_ok_and(|running| running.trim() == "true")
    }

    fn logs(&self) -> String {
        podman()
            .args(["logs", &self.name])
            .output()
            .map(|out| {
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .unwrap_or_else(|error| format!("(podman logs failed: {error})"))
    }

    /// `podman stop` (SIGTERM, then SIGKILL after the grace period); fails unless the process
    /// exited 0 within it. The binary runs as PID 1, which gets no default signal handling.
    fn stop_cleanly(&self) -> Result<()> {
        let started = Instant::now();
        output(podman().args(["stop", "--time", &STOP_WITHIN_SECS.to_string(), &self.name]))?;
        let code =
            output(podman().args(["inspect", "--format", "{{.State.ExitCode}}", &self.name]))?;
        ensure!(
            code.trim() == "0",
            "the image's serve exited {} on SIGTERM (137: killed after {STOP_WITHIN_SECS} s); its log:\n{}",
            code.trim(),
            self.logs()
        );
        eprintln!(
            "xtask: the image's serve stopped on SIGTERM in {:.1?}",
            started.elapsed()
        );
        Ok(())
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman()
            .args(["rm", "--force", "--volumes", "--time", "0", &self.name])
            .output();
    }
}

/// A free loopback port (bound and released; another process may take it first, rarely).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("failed to find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// The status of `GET url` (plain HTTP on loopback), or `None` while nothing answers.
fn status_of(url: &str) -> Option<u16> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/')?;
    let mut stream = TcpStream::connect(host).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    // "HTTP/1.1 200"
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

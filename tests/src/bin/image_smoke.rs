//! The container image's smoke test, `image_smoke TAG` (`cargo xtask image` runs it on the image
//! it built): the image's `sandbox`, and its `serve` against it, started as detached containers
//! on the host's network. `serve` gets the `HWR_*` variables [`BackendSettings`] builds for every
//! backend the harness starts, on the image's own `/data` volume; it must answer `/readyz`, serve
//! the widget's loader, and exit 0 on SIGTERM, and the sandbox must answer. Both containers are
//! removed, with their volumes, however the test ends. Exits non-zero with what failed (and
//! `serve`'s log) on the first check that fails.

use std::{
    path::Path,
    process::{Command, ExitCode},
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use hwr_integration_tests::{free_port, sandbox_command, BackendSettings, Secrets};
use reqwest::{Client, StatusCode};

/// How long the image's `serve` may take to become ready, and to stop.
const READY_WITHIN: Duration = Duration::from_secs(30);
const STOP_WITHIN_SECS: u64 = 10;
/// The image's data dir (its `VOLUME`); `serve` finds it through the image's own `HWR_DATA_DIR`.
const IMAGE_DATA_DIR: &str = "/data";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(tag), None) = (args.next(), args.next()) else {
        eprintln!("usage: image_smoke TAG (an image built by `cargo xtask image`, e.g. hire-with-remote:0.1.0)");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("image_smoke: no tokio runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(smoke_test(&tag)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("image_smoke: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the image's `sandbox` and, against it, its `serve`; `serve` must become ready, serve
/// the widget, and exit 0 on SIGTERM.
async fn smoke_test(tag: &str) -> Result<()> {
    let sandbox_port = free_port();
    let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");
    let mut settings = BackendSettings::new(
        free_port(),
        &sandbox_url,
        &Secrets::generate(),
        Path::new(IMAGE_DATA_DIR),
    );
    // serve's log is what a failure shows: the start-up lines too, not only warnings.
    settings.log_filter = "info".to_owned();
    let backend = settings.url();

    // Only its arguments and environment are used: the image's entrypoint is the binary.
    let sandbox = sandbox_command(
        Path::new("hire-with-remote"),
        sandbox_port,
        &settings.redirect_uri(),
    );
    let _sandbox = Container::start(
        &format!("hwr-smoke-sandbox-{}", std::process::id()),
        tag,
        &environment_of(&sandbox),
        &arguments_of(&sandbox),
    )?;
    let serve = Container::start(
        &format!("hwr-smoke-serve-{}", std::process::id()),
        tag,
        &settings.image_variables(),
        // The image's CMD, `serve`, on the image's /data volume: a fresh one, as an operator's
        // first start gets, writable by the image's user.
        &[],
    )?;

    let http = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .context("failed to build an HTTP client")?;
    let deadline = Instant::now() + READY_WITHIN;
    while status_of(&http, &format!("{backend}/readyz")).await != Some(StatusCode::OK) {
        if Instant::now() > deadline || !serve.is_running() {
            bail!(
                "the image's serve did not become ready within {READY_WITHIN:?}; its log:\n{}",
                serve.logs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (url, what) in [
        (
            format!("{backend}/widget/v1/hire-with-remote.js"),
            "the widget's loader",
        ),
        (
            format!("{sandbox_url}/__sandbox/state"),
            "the image's sandbox",
        ),
    ] {
        let status = status_of(&http, &url).await;
        ensure!(
            status == Some(StatusCode::OK),
            "{what} answered {status:?} at {url}, not 200; serve's log:\n{}",
            serve.logs()
        );
    }
    eprintln!("image_smoke: the image's serve is ready and serves the widget");

    serve.stop_cleanly()
}

/// The status of `GET url`, or `None` while nothing answers.
async fn status_of(http: &Client, url: &str) -> Option<StatusCode> {
    http.get(url)
        .send()
        .await
        .ok()
        .map(|answer| answer.status())
}

/// The arguments of a harness command written for the binary, to run in the image instead.
fn arguments_of(command: &Command) -> Vec<String> {
    command
        .get_args()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect()
}

/// The variables a harness command sets (not the ones it removes).
fn environment_of(command: &Command) -> Vec<(String, String)> {
    command
        .get_envs()
        .filter_map(|(name, value)| {
            Some((
                name.to_string_lossy().into_owned(),
                value?.to_string_lossy().into_owned(),
            ))
        })
        .collect()
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

/// Runs `command` quietly and returns its stdout; fails with its stderr when it exits non-zero.
fn output(command: &mut Command) -> Result<String> {
    let out = command
        .output()
        .with_context(|| format!("failed to start {:?}", command.get_program()))?;
    ensure!(
        out.status.success(),
        "`{} {}` failed: {}",
        command.get_program().to_string_lossy(),
        arguments_of(command).join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A detached container on the host's network, removed with its volume however the smoke test
/// ends.
struct Container {
    name: String,
}

impl Container {
    /// `podman run --detach TAG ARGS` with `env` set inside the container. The values go through
    /// podman's own environment (`--env NAME` copies it), so no secret is on a command line.
    fn start(name: &str, tag: &str, env: &[(String, String)], args: &[String]) -> Result<Self> {
        let mut command = podman_run();
        // The host's network: the sandbox and serve reach each other, and the probes reach
        // serve, on loopback ports picked here.
        command.args(["--detach", "--name", name, "--network=host"]);
        for (key, value) in env {
            command.arg("--env").arg(key).env(key, value);
        }
        command.arg(tag).args(args);
        // Made before it is known to run, so that a failed start is cleaned up too.
        let container = Self {
            name: name.to_owned(),
        };
        output(&mut command).with_context(|| format!("failed to start the container {name}"))?;
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
            "image_smoke: the image's serve stopped on SIGTERM in {:.1?}",
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

//! The backend under test as a child process: `hire-with-remote serve` as the harness's
//! `BackendSettings` configure it, stdout and stderr appended to one log file; killed with SIGKILL mid-run and
//! started again on the same port and database; stopped with SIGTERM at the end.

use std::{
    fs::OpenOptions,
    io::Write as _,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use hwr_integration_tests::BackendSettings;
use reqwest::Client;
use tokio::process::{Child, Command};

/// How to start the backend.
pub(crate) struct BackendSpec {
    pub(crate) binary: PathBuf,
    pub(crate) settings: BackendSettings,
    pub(crate) log: PathBuf,
}

/// What the kill and the restart looked like.
#[derive(Debug, Clone)]
pub(crate) struct KillReport {
    /// When SIGKILL was sent (since the backend's first start; the caller may make it relative
    /// to the run).
    pub(crate) killed_after: Duration,
    /// From SIGKILL until `/healthz` answered again.
    pub(crate) downtime: Duration,
    /// Hire requests waiting for an answer when it was sent (the caller fills it in).
    pub(crate) in_flight: usize,
    /// The exit status the killed process reported.
    pub(crate) exit: String,
}

/// The running backend.
pub(crate) struct Backend {
    spec: BackendSpec,
    child: Option<Child>,
    client: Client,
    started: Instant,
}

/// Longest wait for `/healthz` after a start.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for a graceful stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

impl Backend {
    /// Starts the backend and waits until `/healthz` answers 200.
    pub(crate) async fn start(spec: BackendSpec, client: Client) -> Result<Backend> {
        let mut backend = Backend {
            spec,
            child: None,
            client,
            started: Instant::now(),
        };
        backend.spawn("start").await?;
        Ok(backend)
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        self.spec.settings.url()
    }

    /// The log file (both starts append to it).
    pub(crate) fn log_path(&self) -> &Path {
        &self.spec.log
    }

    async fn spawn(&mut self, why: &str) -> Result<()> {
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.spec.log)
            .with_context(|| format!("failed to open {}", self.spec.log.display()))?;
        writeln!(log, "===== soak: backend {why} =====")?;
        let stderr = log.try_clone()?;
        let mut command = Command::from(self.spec.settings.command(&self.spec.binary));
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true);
        let child = command
            .spawn()
            .with_context(|| format!("failed to run {}", self.spec.binary.display()))?;
        self.child = Some(child);
        self.wait_healthy().await
    }

    async fn wait_healthy(&mut self) -> Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        let url = format!("{}/healthz", self.url());
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    bail!(
                        "the backend exited at start ({status}); its log ends:\n{}",
                        self.log_tail(20)
                    );
                }
            }
            let answer = self
                .client
                .get(&url)
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if matches!(&answer, Ok(response) if response.status().is_success()) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "the backend did not answer /healthz within {START_TIMEOUT:?}; its log ends:\n{}",
                    self.log_tail(20)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `kill -9`, wait `pause`, start again on the same port and database.
    pub(crate) async fn kill_and_restart(&mut self, pause: Duration) -> Result<KillReport> {
        let killed_after = self.started.elapsed();
        let killed_at = Instant::now();
        let mut child = self.child.take().context("the backend is not running")?;
        // On Unix, `Child::kill` sends SIGKILL, then reaps the process.
        child
            .kill()
            .await
            .context("failed to SIGKILL the backend")?;
        let exit = child
            .wait()
            .await
            .map_or_else(|e| format!("unknown ({e})"), |s| s.to_string());
        eprintln!("soak: backend killed with SIGKILL ({exit}); restarting in {pause:?}");
        tokio::time::sleep(pause).await;
        let mut last_error = None;
        for attempt in 1..=5 {
            match self.spawn("restart after kill -9").await {
                Ok(()) => {
                    let downtime = killed_at.elapsed();
                    eprintln!("soak: backend back after {:.1} s", downtime.as_secs_f64());
                    return Ok(KillReport {
                        killed_after,
                        in_flight: 0,
                        downtime,
                        exit,
                    });
                }
                Err(error) => {
                    eprintln!("soak: restart {attempt} failed: {error:#}");
                    last_error = Some(error);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("the backend did not restart")))
    }

    /// SIGTERM, and SIGKILL if it has not stopped within [`STOP_TIMEOUT`]; describes what
    /// happened.
    pub(crate) async fn stop(&mut self) -> String {
        let Some(mut child) = self.child.take() else {
            return "was not running".to_owned();
        };
        let Some(pid) = child.id() else {
            return "had already exited".to_owned();
        };
        let stopped_at = Instant::now();
        let signalled = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await
            .is_ok_and(|s| s.success());
        if signalled {
            if let Ok(Ok(status)) = tokio::time::timeout(STOP_TIMEOUT, child.wait()).await {
                return format!(
                    "SIGTERM: exited in {:.1} s ({status})",
                    stopped_at.elapsed().as_secs_f64()
                );
            }
        }
        let _ = child.kill().await;
        format!(
            "SIGTERM {}; SIGKILL after {:.1} s",
            if signalled {
                "did not stop it"
            } else {
                "could not be sent"
            },
            stopped_at.elapsed().as_secs_f64()
        )
    }

    fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read(&self.spec.log)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

//! The processes a bench run starts (sandbox, backend, nginx): spawned with their output in log
//! files, stopped with SIGTERM (then SIGKILL) when dropped, and watched through `/proc`.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::http;

/// A child process that is stopped when dropped.
pub(crate) struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Proc {
    /// Spawns `command` with stdout and stderr appended to `<dir>/<name>.log`.
    pub(crate) fn spawn(name: &str, command: &mut Command, dir: &Path) -> Result<Proc> {
        let log = dir.join(format!("{name}.log"));
        let file = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("failed to open {}", log.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .spawn()
            .with_context(|| format!("failed to start {name}"))?;
        Ok(Proc {
            name: name.to_owned(),
            child,
            log,
        })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails (with the end of its log) when the process has exited.
    pub(crate) fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); the end of its log:\n{}",
                self.name,
                self.log_tail(30)
            );
        }
        Ok(())
    }

    /// The last `lines` lines of the log.
    pub(crate) fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Resident memory in KiB (`VmRSS`), while it runs.
    pub(crate) fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.pid())
    }

    /// Waits until `url` answers 200 (the process must stay up); returns how long that took
    /// from `since`.
    pub(crate) fn wait_ready(&mut self, url: &str, since: Instant) -> Result<Duration> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if answers_200(url) {
                return Ok(since.elapsed());
            }
            self.check_alive()?;
            if Instant::now() > deadline {
                bail!(
                    "{} did not answer {url} within 30 s:\n{}",
                    self.name,
                    self.log_tail(30)
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// SIGTERM, then SIGKILL after five seconds.
    pub(crate) fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// True when a GET of `url` answers 200 right now (a cheap probe: a refused connection returns
/// at once).
fn answers_200(url: &str) -> bool {
    let Some(address) = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .and_then(|authority| authority.parse().ok())
    else {
        return false;
    };
    if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        return false;
    }
    http::get(url, &[]).is_ok_and(|r| r.status == 200)
}

/// `VmRSS` of `pid` in KiB.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
}

/// CPU time (user + system, all threads) `pid` has used so far, in milliseconds.
pub(crate) fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks are 1/100 s on Linux (USER_HZ).
    Some((utime + stime) * 10.0)
}

/// A free loopback port (bound and released; another process may race for it, rarely).
pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("failed to find a free port")?;
    Ok(listener.local_addr()?.port())
}

//! `GET /api/v1/openapi.json` put to the test: schemathesis (PyPI, installed into a virtualenv
//! under the target folder when missing) generates requests for every documented operation of
//! a running `hire-with-remote demo` and fails on any 5xx or any answer outside its documented
//! schema. Authenticated as the demo's user with a site token from the demo's job site.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};

use crate::process::{run, target_dir};

/// The schemathesis release the run is pinned to.
const VERSION: &str = "4.32.5";

/// How long schemathesis may generate requests.
const SECONDS: u64 = 45;

/// The demo's per-user limit is 300 a minute: stay under it, so the answers are the API's.
const RATE: &str = "250/m";

/// `st` from the virtualenv, installed when missing.
fn schemathesis() -> Result<PathBuf> {
    let venv = target_dir().join("tools/schemathesis");
    let st = venv.join("bin/st");
    let version = Command::new(&st).arg("--version").output();
    if version.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(VERSION)) {
        return Ok(st);
    }
    if !Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        bail!("schemathesis needs Python 3 with venv: on Debian `apt-get install -y python3 python3-venv`");
    }
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        &format!("schemathesis=={VERSION}"),
    ]))?;
    Ok(st)
}

fn free_port_block() -> Result<u16> {
    // Three ports in a row (backend, sandbox, job site), all free now.
    for _ in 0..50 {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if port < 60_000 && (1..3).all(|i| TcpListener::bind(("127.0.0.1", port + i)).is_ok()) {
            return Ok(port);
        }
    }
    bail!("no three free ports in a row on 127.0.0.1")
}

/// `GET url` over plain HTTP/1.1: the status and body.
fn get(url: &str) -> Result<(u16, String)> {
    let rest = url.strip_prefix("http://").context("an http URL")?;
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no HTTP status")?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Stops the demo however the run ends.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs schemathesis against a fresh demo of `binary`.
pub(crate) fn run_against_demo(binary: &Path) -> Result<()> {
    let st = schemathesis()?;
    let port = free_port_block()?;
    let data = std::env::temp_dir().join(format!("hwr-schemathesis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let log = std::fs::File::create(target_dir().join("schemathesis-demo.log"))?;
    let mut command = Command::new(binary);
    for (key, _) in std::env::vars() {
        if key.starts_with("HWR_") {
            command.env_remove(key);
        }
    }
    let _demo = Demo(
        command
            .args(["demo", "--port", &port.to_string()])
            .arg("--data-dir")
            .arg(&data)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("failed to start the demo")?,
    );
    let backend = format!("http://127.0.0.1:{port}");
    let site = format!("http://127.0.0.1:{}", port + 2);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !get(&format!("{backend}/readyz")).is_ok_and(|(status, _)| status == 200) {
        if Instant::now() > deadline {
            bail!("the demo did not become ready (see target/schemathesis-demo.log)");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, body) = get(&format!("{site}/demo/token"))?;
    let token = body
        .split("\"token\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no site token from the demo")?
        .to_owned();
    run(Command::new(&st)
        .arg("run")
        .arg(format!("{backend}/api/v1/openapi.json"))
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-time",
            &SECONDS.to_string(),
            "--rate-limit",
            RATE,
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--header",
            &format!("Origin: {site}"),
            "--seed",
            "20261201",
        ])
        .current_dir(target_dir()))?;
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

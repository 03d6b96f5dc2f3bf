//! Installs what the build and the tests need when it is missing: Trunk (cargo install), Chromium
//! and ChromeDriver (Debian packages), the end-to-end suite's npm packages, and a running Postgres
//! on 127.0.0.1:5432.

use std::{net::TcpStream, path::Path, process::Command, time::Duration};

use anyhow::{bail, Context, Result};

use crate::process::{has, run, workspace_root};

/// The Trunk release `Trunk.toml` is written for.
const TRUNK_VERSION: &str = "0.21.14";

/// Trunk at [`TRUNK_VERSION`], which builds the widget; `cargo install` when it is missing or
/// another version (a few minutes, once).
pub(crate) fn ensure_trunk() -> Result<()> {
    let version = Command::new("trunk")
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if version.split_whitespace().any(|word| word == TRUNK_VERSION) {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo).args(["install", "trunk", "--locked", "--version", TRUNK_VERSION]))
        .context("Trunk builds the widget")
}

/// Chromium and ChromeDriver at /usr/bin.
pub(crate) fn ensure_browser() -> Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
        .context("Chromium is needed for the widget and end-to-end tests")
}

/// `apt-get update` then `apt-get install -y`.
pub(crate) fn apt_install(packages: &[&str]) -> Result<()> {
    if !has("apt-get") {
        anyhow::bail!(
            "{} is missing and this is not a Debian-like system: install it by hand (see the README's \"Two commands\")",
            packages.join(" ")
        );
    }
    // Not root: through sudo, which asks for a password if it must.
    let apt = |args: &[&str]| {
        let is_root = std::env::var("USER").is_ok_and(|user| user == "root")
            || Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|out| out.stdout.starts_with(b"0"));
        let mut command = if is_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args);
        command
    };
    run(&mut apt(&["update"]))?;
    run(apt(&["install", "-y"]).args(packages))
}

/// `npm ci` (or `npm install`) in tests/e2e when its node_modules are missing.
pub(crate) fn ensure_e2e_packages() -> Result<()> {
    let dir = workspace_root().join("tests/e2e");
    if dir.join("node_modules/playwright-core").exists() {
        return Ok(());
    }
    if !has("npm") {
        apt_install(&["nodejs", "npm"])?;
    }
    let verb = if dir.join("package-lock.json").exists() {
        "ci"
    } else {
        "install"
    };
    run(Command::new("npm")
        .arg(verb)
        .arg("--no-audit")
        .arg("--no-fund")
        .current_dir(&dir))
}

/// Postgres must answer on 127.0.0.1:5432; start the local cluster if it does not.
pub(crate) fn ensure_postgres() -> Result<()> {
    if postgres_answers() {
        return Ok(());
    }
    eprintln!(
        "xtask: Postgres is not answering on 127.0.0.1:5432; trying to start the local cluster"
    );
    let versions = std::fs::read_dir("/etc/postgresql")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for version in versions {
        let _ = run(Command::new("pg_ctlcluster").args([
            "--skip-systemctl-redirect",
            &version,
            "main",
            "start",
        ]));
    }
    for _ in 0..20 {
        if postgres_answers() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    bail!("Postgres is required for the store tests and is not reachable on 127.0.0.1:5432 (trust auth expected); start it and run again")
}

fn postgres_answers() -> bool {
    let Ok(address) = "127.0.0.1:5432".parse() else {
        return false;
    };
    TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_ok()
}

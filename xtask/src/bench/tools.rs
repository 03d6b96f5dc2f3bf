//! The bench's tools: wrk, nginx, Chromium, perf, strace, node and psql from Debian packages
//! when missing, and the bench's npm packages (playwright-core and the competitors' loaders).

use std::process::Command;

use anyhow::{Context, Result};

use crate::process::{run, workspace_root};

fn on_path(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .any(|dir| dir.join(program).is_file())
}

/// Installs what the bench needs and is missing: wrk, nginx, Chromium, perf, strace (Debian
/// packages), and the bench's npm packages (playwright-core and the competitors' loaders).
pub(crate) fn ensure_tools() -> Result<()> {
    let wanted = [
        ("wrk", "wrk"),
        ("nginx", "nginx"),
        ("chromium", "chromium"),
        ("perf", "linux-perf"),
        ("strace", "strace"),
        ("node", "nodejs"),
        ("npm", "npm"),
        ("psql", "postgresql-client"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    if !missing.is_empty() {
        say!("installing {}", missing.join(", "));
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing))
        .context("failed to install the bench's tools")?;
    }
    let bench = workspace_root().join("bench");
    let lock = std::fs::read(bench.join("package-lock.json")).unwrap_or_default();
    let installed =
        std::fs::read(bench.join("node_modules/.package-lock.json")).unwrap_or_default();
    // npm writes node_modules/.package-lock.json; it differs from package-lock.json only in the
    // root entry, so compare the package versions it lists instead of the whole file.
    if installed.is_empty() || !same_packages(&lock, &installed) {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&bench))
        .context("failed to install the bench's npm packages")?;
    }
    Ok(())
}

/// True when every `"node_modules/…"` entry of the lock file is in the installed tree.
fn same_packages(lock: &[u8], installed: &[u8]) -> bool {
    let lock = String::from_utf8_lossy(lock);
    let installed = String::from_utf8_lossy(installed);
    lock.split("\"node_modules/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .all(|name| installed.contains(&format!("\"node_modules/{name}\"")))
        && lock.contains("\"node_modules/")
}

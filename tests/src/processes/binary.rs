//! The `hire-with-remote` binary the multi-process tests run, never an old one: `$HWR_BINARY`
//! when set (refused when older than the sources it is built from), otherwise the one in this
//! test executable's target folder and profile, built with `cargo build` first whenever any
//! source is newer than it (so `cargo test -p hwr-integration-tests` after an edit in
//! `server/` runs the edited code, not the binary of an earlier build).

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
    time::SystemTime,
};

/// What the binary is built from, relative to the workspace root: its crate and the crates it
/// depends on (their tests excluded), the lock file, and what `server/build.rs` embeds.
const SOURCES: [&str; 14] = [
    "Cargo.toml",
    "Cargo.lock",
    "protocol/Cargo.toml",
    "protocol/src",
    "sandbox/Cargo.toml",
    "sandbox/src",
    "sandbox/fixtures",
    "server/Cargo.toml",
    "server/build.rs",
    "server/src",
    "server/migrations",
    "widget/dist",
    "widget/demo",
    "index.html",
];

/// The binary, built or checked once per test executable.
///
/// # Panics
/// When `$HWR_BINARY` is missing or stale, or `cargo build` fails.
pub fn server_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(locate).clone()
}

fn locate() -> PathBuf {
    let root = workspace_root();
    let newest = newest_source(&root);
    if let Some(path) = std::env::var_os("HWR_BINARY").filter(|path| !path.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "HWR_BINARY={} does not exist: build it first (cargo build -p hire-with-remote), or unset HWR_BINARY",
            path.display()
        );
        let (source, changed) = newest.expect("the workspace has sources");
        assert!(
            modified(&path) >= changed,
            "HWR_BINARY={} is older than {}: rebuild it, or unset HWR_BINARY to let the tests build it",
            path.display(),
            source.display()
        );
        return path;
    }
    let executable = std::env::current_exe().expect("the test executable's path");
    let profile_dir = executable
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let binary = profile_dir.join(format!("hire-with-remote{}", std::env::consts::EXE_SUFFIX));
    let fresh = binary.is_file() && newest.is_some_and(|(_, changed)| modified(&binary) >= changed);
    if !fresh {
        build(&root, profile_dir);
    }
    assert!(
        binary.is_file(),
        "cargo build did not leave {}",
        binary.display()
    );
    binary
}

/// `cargo build -p hire-with-remote` into `profile_dir` (`target/debug` is the `dev` profile).
fn build(root: &Path, profile_dir: &Path) {
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => "dev".to_owned(),
        Some(name) => name.to_owned(),
    };
    let target_dir = profile_dir
        .parent()
        .expect("the profile folder lives in the target folder");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "building hire-with-remote ({profile}) for the multi-process tests: a source is newer than the binary"
    );
    let status = Command::new(cargo)
        .args([
            "build",
            "-p",
            "hire-with-remote",
            "--bin",
            "hire-with-remote",
            "--profile",
        ])
        .arg(&profile)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p hire-with-remote failed");
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .to_path_buf()
}

/// The most recently modified file among [`SOURCES`] (folders searched through), and when.
fn newest_source(root: &Path) -> Option<(PathBuf, SystemTime)> {
    let mut newest: Option<(PathBuf, SystemTime)> = None;
    let mut pending: Vec<PathBuf> = SOURCES.iter().map(|source| root.join(source)).collect();
    while let Some(path) = pending.pop() {
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue;
        };
        if metadata.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                pending.extend(entries.flatten().map(|entry| entry.path()));
            }
            continue;
        }
        let changed = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if newest.as_ref().is_none_or(|(_, at)| changed > *at) {
            newest = Some((path, changed));
        }
    }
    newest
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

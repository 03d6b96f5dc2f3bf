//! `cargo xtask dist`: the release artifacts in `dist/` — the static Linux binary (musl, widget
//! embedded), `hire-with-remote-<version>-x86_64-linux-musl.tar.gz` with the binary, the README,
//! the licences, the changelog and `.env.example`, and `SHA256SUMS` for the binary and the
//! tarball. The binary is checked before anything is written: it runs, and it links nothing.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{ensure, Context, Result};
use sha2::{Digest, Sha256};

use crate::{
    process::{cargo, has, output, run, target_dir, workspace_root},
    tools,
};

/// The Rust target of the static binary. rustls and the bundled SQLite need no system library,
/// so the one binary runs on any x86-64 Linux, and in a `FROM scratch` image.
const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";
/// The platform as the artifacts' names spell it.
const PLATFORM: &str = "x86_64-linux-musl";
const BINARY: &str = "hire-with-remote";
/// What the tarball holds beside the binary, from the workspace root.
const DOCUMENTS: [&str; 5] = [
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "CHANGELOG.md",
    ".env.example",
];

/// What `cargo xtask dist` wrote.
pub(crate) struct Dist {
    /// The version the binary reports (`hire-with-remote --version`).
    pub(crate) version: String,
    /// `dist/hire-with-remote`, the static binary.
    pub(crate) binary: PathBuf,
}

/// `cargo xtask dist`: builds the widget, then [`package`].
pub(crate) fn dist() -> Result<Dist> {
    crate::build_widget_for_embedding()?;
    package()
}

/// Builds the static binary around the widget already in `widget/dist/`, checks it, and
/// replaces `dist/` with the binary, the tarball and `SHA256SUMS`.
pub(crate) fn package() -> Result<Dist> {
    ensure_musl_toolchain()?;
    run(cargo().args(["build", "--release", "-p", BINARY, "--target", MUSL_TARGET]))?;
    let built = target_dir().join(MUSL_TARGET).join("release").join(BINARY);
    let version = check_binary(&built)?;

    let out = workspace_root().join("dist");
    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("failed to empty {}", out.display()))?;
    }
    fs::create_dir_all(&out).with_context(|| format!("failed to create {}", out.display()))?;
    let binary = out.join(BINARY);
    fs::copy(&built, &binary)
        .with_context(|| format!("failed to copy the binary to {}", binary.display()))?;
    let tarball = write_tarball(&built, &version, &out)?;

    let mut sums = String::new();
    for file in [&binary, &tarball] {
        let bytes = fs::read(file).with_context(|| format!("failed to read {}", file.display()))?;
        // `sha256sum -c SHA256SUMS` reads this format: the digest, two spaces, the file name.
        sums.push_str(&format!(
            "{}  {}\n",
            hex(&Sha256::digest(&bytes)),
            file_name(file)
        ));
        eprintln!("xtask: {} ({})", file.display(), megabytes(bytes.len()));
    }
    let sums_path = out.join("SHA256SUMS");
    fs::write(&sums_path, sums)
        .with_context(|| format!("failed to write {}", sums_path.display()))?;
    eprintln!("xtask: {}", sums_path.display());
    Ok(Dist { version, binary })
}

/// The musl target, and `musl-gcc`: ring and the bundled SQLite are C, and cc builds them for
/// musl with it (Debian's `musl-tools`).
fn ensure_musl_toolchain() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("failed to run rustup")?;
    if !installed.lines().any(|line| line.trim() == MUSL_TARGET) {
        run(Command::new("rustup").args(["target", "add", MUSL_TARGET]))
            .context("failed to add the musl target")?;
    }
    if !has("musl-gcc") {
        tools::apt_install(&["musl-tools"])
            .context("musl-gcc is needed to build ring and SQLite for the static binary")?;
    }
    Ok(())
}

/// Fails unless `binary` reports its version, makes a key, and is statically linked; returns
/// the version.
fn check_binary(binary: &Path) -> Result<String> {
    let reported = output(Command::new(binary).arg("--version"))?;
    let version = reported
        .trim()
        .strip_prefix(&format!("{BINARY} "))
        .with_context(|| format!("`{BINARY} --version` printed {reported:?}"))?
        .to_owned();
    let key = output(Command::new(binary).arg("keygen"))?;
    ensure!(
        key.trim()
            .strip_prefix("k1:")
            .is_some_and(|b64| b64.len() == 44),
        "`{BINARY} keygen` printed {key:?}, not k1:<32 bytes in base64>"
    );
    // ldd exits 1 on a static binary, so read what it says rather than its status.
    let ldd = Command::new("ldd")
        .arg(binary)
        .output()
        .context("failed to run ldd")?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&ldd.stdout),
        String::from_utf8_lossy(&ldd.stderr)
    );
    ensure!(
        said.contains("not a dynamic executable") || said.contains("statically linked"),
        "{} is not static; ldd says: {}",
        binary.display(),
        said.trim()
    );
    eprintln!("xtask: {BINARY} {version} runs and is statically linked");
    Ok(version)
}

/// Writes `out/hire-with-remote-<version>-x86_64-linux-musl.tar.gz`: one folder of that name
/// holding the binary and [`DOCUMENTS`], owned by root, in name order.
fn write_tarball(binary: &Path, version: &str, out: &Path) -> Result<PathBuf> {
    let stem = format!("{BINARY}-{version}-{PLATFORM}");
    let staging = target_dir().join("dist-staging");
    if staging.exists() {
        fs::remove_dir_all(&staging)
            .with_context(|| format!("failed to empty {}", staging.display()))?;
    }
    let folder = staging.join(&stem);
    fs::create_dir_all(&folder)
        .with_context(|| format!("failed to create {}", folder.display()))?;
    fs::copy(binary, folder.join(BINARY))
        .with_context(|| format!("failed to copy the binary into {}", folder.display()))?;
    for document in DOCUMENTS {
        let from = workspace_root().join(document);
        fs::copy(&from, folder.join(document))
            .with_context(|| format!("failed to copy {} into the tarball", from.display()))?;
    }
    let tarball = out.join(format!("{stem}.tar.gz"));
    // GNU tar: the builder's user and group do not belong in a release.
    run(Command::new("tar")
        .args([
            "--create",
            "--gzip",
            "--sort=name",
            "--owner=0",
            "--group=0",
        ])
        .arg("--numeric-owner")
        .arg("--file")
        .arg(&tarball)
        .arg("--directory")
        .arg(&staging)
        .arg(&stem))?;
    Ok(tarball)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_spelled_in_lowercase_hex_as_sha256sum_prints_it() {
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

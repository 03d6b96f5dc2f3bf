//! Builds the widget bundle into `widget/dist/` through Trunk (`Trunk.toml`, `index.html`): Trunk
//! runs cargo for wasm32 and, as its post-build hook, `cargo xtask widget`, which packages what
//! cargo built: wasm-opt → wasm-bindgen → content-hashed glue and wasm (each also gzip and
//! brotli), plus the stable-named loader `hire-with-remote.js` that embeds the hashed names (the
//! embed contract: one module name that never moves). So `trunk build --release` alone makes the
//! files the backend embeds. Trunk's own wasm-bindgen output is not used: binaryen 108 (Debian)
//! must optimize the module before wasm-bindgen, and Trunk runs wasm-opt after it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, ensure, Context, Result};

use crate::{compress, tools};

/// Must equal the `=` pin of `wasm-bindgen` in the root `Cargo.toml`: the CLI refuses a wasm
/// built against another version.
const WASM_BINDGEN_VERSION: &str = "0.2.130";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Transfer budget for what a page needs before the button is interactive, gzip: the loader,
/// which draws the idle button itself with the stylesheet inside it.
const BUDGET_BYTES: u64 = 50 * 1024;
/// Where the loader source says which build to load; replaced by the content hash.
const HASH_PLACEHOLDER: &str = "__HWR_HASH__";
/// Where the loader source takes the stylesheet; replaced by a JS string of `style.css`.
const CSS_PLACEHOLDER: &str = "'__HWR_CSS__'";
const LOADER_NAME: &str = "hire-with-remote.js";
const BINDGEN_NAME: &str = "hwr-widget";
/// The features rustc enables by default for wasm32 today; binaryen 108 (Debian) must be told.
const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Sizes of one build, in bytes; each file compressed on its own, as it travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WidgetSizes {
    /// The loader (idle button markup and stylesheet included), gzip: all a page needs before
    /// the button is interactive.
    pub(crate) loader_gzip: u64,
    /// The wasm-bindgen glue, gzip; fetched on intent or when the page is idle.
    pub(crate) glue_gzip: u64,
    /// The wasm, gzip; fetched with the glue.
    pub(crate) wasm_gzip: u64,
}

impl WidgetSizes {
    /// Everything, once the widget's code is loaded.
    pub(crate) fn total_gzip(&self) -> u64 {
        self.loader_gzip + self.glue_gzip + self.wasm_gzip
    }

    /// True when what comes before the button is interactive stays within the 50 KB budget.
    pub(crate) fn within_budget(&self) -> bool {
        self.loader_gzip <= BUDGET_BYTES
    }
}

/// Builds the widget (`release`: the `release-wasm` profile and `wasm-opt`) into `widget/dist/`
/// with `trunk build`, and returns its transfer size. Run by Trunk as its post-build hook
/// (`TRUNK_STAGING_DIR` set), it packages what Trunk's cargo built into Trunk's staging folder
/// instead, which Trunk then moves to `widget/dist/`.
pub(crate) fn build_widget(release: bool) -> Result<WidgetSizes> {
    let root = workspace_root();
    if let Some(staging) = std::env::var_os("TRUNK_STAGING_DIR") {
        let release = std::env::var("TRUNK_PROFILE").is_ok_and(|profile| profile == "release");
        return package(&root, release, Path::new(&staging));
    }
    let mut trunk = Command::new("trunk");
    trunk.current_dir(&root).arg("build");
    if release {
        trunk.arg("--release");
    }
    run(&mut trunk)
        .context("failed to run `trunk build` (`cargo install trunk --version 0.21.14`)")?;
    sizes_in(&root.join("widget/dist"))
}

/// The sizes of the bundle in `dist` (as [`package`] wrote it).
fn sizes_in(dist: &Path) -> Result<WidgetSizes> {
    let gzip_size = |name: &str| -> Result<u64> {
        let path = dist.join(format!("{name}.gz"));
        Ok(fs::metadata(&path)
            .with_context(|| format!("the widget build left no {}", path.display()))?
            .len())
    };
    let mut names = fs::read_dir(dist)
        .with_context(|| format!("failed to read {}", dist.display()))?
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok());
    let glue = names
        .find(|name| name.starts_with(&format!("{BINDGEN_NAME}-")) && name.ends_with(".js"))
        .with_context(|| format!("the widget build left no glue in {}", dist.display()))?;
    let wasm = format!("{}_bg.wasm", glue.trim_end_matches(".js"));
    Ok(WidgetSizes {
        loader_gzip: gzip_size(LOADER_NAME)?,
        glue_gzip: gzip_size(&glue)?,
        wasm_gzip: gzip_size(&wasm)?,
    })
}

/// Packages cargo's wasm32 build of the widget (`release`: the `release-wasm` profile) into
/// `out`, which is emptied first, and prints its transfer size.
fn package(root: &Path, release: bool, out: &Path) -> Result<WidgetSizes> {
    let profile_dir = if release { "release-wasm" } else { "debug" };
    let wasm_in = target_dir(root)?
        .join(WASM_TARGET)
        .join(profile_dir)
        .join("hwr_widget.wasm");
    ensure!(
        wasm_in.is_file(),
        "cargo did not produce {} (build the widget with `trunk build`)",
        wasm_in.display()
    );

    let staging = target_dir(root)?.join("hwr-widget-bindgen");
    recreate_dir(&staging)?;
    // wasm-opt runs before wasm-bindgen: binaryen 108 (Debian 12) rewrites the externref table
    // of wasm-bindgen's output into one the glue cannot fill ("WebAssembly.Table.set(): Argument
    // 1 is invalid"); optimizing cargo's output first works and saves as much.
    let bindgen_input = if release {
        let optimized = staging.join("hwr_widget.opt.wasm");
        optimize(&wasm_in, &optimized)?;
        optimized
    } else {
        wasm_in
    };
    run(Command::new("wasm-bindgen")
        .args([
            "--target",
            "web",
            "--no-typescript",
            // Names are only for stack traces of the glue's own shims; the wasm's are gone.
            "--remove-name-section",
            "--remove-producers-section",
            "--out-name",
            BINDGEN_NAME,
            "--out-dir",
        ])
        .arg(&staging)
        .arg(&bindgen_input))
    .context("failed to run wasm-bindgen (`cargo install wasm-bindgen-cli --version 0.2.130`)")?;

    let wasm_path = staging.join(format!("{BINDGEN_NAME}_bg.wasm"));
    let wasm =
        fs::read(&wasm_path).with_context(|| format!("failed to read {}", wasm_path.display()))?;
    let glue_path = staging.join(format!("{BINDGEN_NAME}.js"));
    let glue = fs::read_to_string(&glue_path)
        .with_context(|| format!("failed to read {}", glue_path.display()))?;

    let hash = content_hash(&[&wasm, glue.as_bytes()]);
    let glue_name = format!("{BINDGEN_NAME}-{hash}.js");
    let wasm_name = format!("{BINDGEN_NAME}-{hash}_bg.wasm");
    // The glue's own default URL (used only when init gets no argument) follows the rename too.
    let glue = glue.replace(&format!("{BINDGEN_NAME}_bg.wasm"), &wasm_name);
    let loader_source_path = root.join("widget/loader").join(LOADER_NAME);
    let loader_source = fs::read_to_string(&loader_source_path)
        .with_context(|| format!("failed to read {}", loader_source_path.display()))?;
    ensure!(
        loader_source.contains(HASH_PLACEHOLDER),
        "{} lost its {HASH_PLACEHOLDER} placeholder",
        loader_source_path.display()
    );
    ensure!(
        loader_source.contains(CSS_PLACEHOLDER),
        "{} lost its {CSS_PLACEHOLDER} placeholder",
        loader_source_path.display()
    );
    let css_path = root.join("widget/src/style.css");
    let css = fs::read_to_string(&css_path)
        .with_context(|| format!("failed to read {}", css_path.display()))?;
    let loader = loader_source
        .replace(HASH_PLACEHOLDER, &hash)
        .replace(CSS_PLACEHOLDER, &js_string(&minify_css(&css)));

    // Trunk's own files (its page, its wasm-bindgen output) go: `out` holds what is embedded.
    recreate_dir(out)?;
    let loader_sizes = write_encoded(out, LOADER_NAME, loader.as_bytes())?;
    let glue_sizes = write_encoded(out, &glue_name, glue.as_bytes())?;
    let wasm_sizes = write_encoded(out, &wasm_name, &wasm)?;
    for (name, sizes) in [
        ("loader", &loader_sizes),
        ("glue", &glue_sizes),
        ("wasm", &wasm_sizes),
    ] {
        println!(
            "widget: {name:<6} {:>9} raw, {:>9} gzip, {:>9} brotli",
            kb(sizes.raw),
            kb(sizes.gzip),
            kb(sizes.brotli)
        );
    }

    let sizes = WidgetSizes {
        loader_gzip: loader_sizes.gzip,
        glue_gzip: glue_sizes.gzip,
        wasm_gzip: wasm_sizes.gzip,
    };
    println!(
        "widget: {} gzip before the button is interactive (loader with the idle button and its CSS; budget {}){}; \
         then, on intent or when the page is idle, {} glue + {} wasm; {} in all{}",
        kb(sizes.loader_gzip),
        kb(BUDGET_BYTES),
        if sizes.within_budget() {
            ""
        } else {
            " — over budget"
        },
        kb(sizes.glue_gzip),
        kb(sizes.wasm_gzip),
        kb(sizes.total_gzip()),
        if release { "" } else { " [debug build]" },
    );
    Ok(sizes)
}

/// The stylesheet without comments and with runs of white space collapsed (the CSS has no
/// strings whose spacing matters).
fn minify_css(css: &str) -> String {
    let mut without_comments = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        without_comments.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    without_comments.push_str(rest);
    without_comments
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A JavaScript string literal (single-quoted) holding `text`.
fn js_string(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('\'');
    for c in text.chars() {
        match c {
            '\\' => literal.push_str("\\\\"),
            '\'' => literal.push_str("\\'"),
            '\n' => literal.push_str("\\n"),
            '\r' => literal.push_str("\\r"),
            '\u{2028}' => literal.push_str("\\u2028"),
            '\u{2029}' => literal.push_str("\\u2029"),
            c => literal.push(c),
        }
    }
    literal.push('\'');
    literal
}

/// Installs what the widget build needs and is missing: the wasm32 target, wasm-bindgen-cli at
/// the pinned version, binaryen's `wasm-opt` (a Debian package) and Trunk.
pub(crate) fn ensure_widget_tools() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("failed to run rustup")?;
    if !installed.lines().any(|line| line.trim() == WASM_TARGET) {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
            .context("failed to add the wasm32 target")?;
    }

    let bindgen = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if !bindgen
        .split_whitespace()
        .any(|word| word == WASM_BINDGEN_VERSION)
    {
        run(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ]))
        .context("failed to install wasm-bindgen-cli")?;
    }

    if output(Command::new("wasm-opt").arg("--version")).is_err() {
        tools::apt_install(&["binaryen"])
            .context("wasm-opt (binaryen) builds the release widget")?;
    }
    tools::ensure_trunk()
}

/// What `wasm-opt` runs: `-Oz` until nothing changes, after flattening and re-looping the control
/// flow, which lets `-Oz` merge more (about 1 KB gzip less than a plain `-Oz`).
const WASM_OPT_PASSES: [&str; 5] = ["--flatten", "--rereloop", "-Oz", "-Oz", "--converge"];

/// `wasm-opt` (see [`WASM_OPT_PASSES`]) from `input` to `output`. Required for a release: the
/// `release-wasm` profile strips cargo's output of its `target_features` section, without which
/// wasm-bindgen emits glue that does not match the module (reference types); wasm-opt, told the
/// features, writes the section back.
fn optimize(input: &Path, optimized: &Path) -> Result<()> {
    run(Command::new("wasm-opt")
        .args(WASM_OPT_PASSES)
        .args(WASM_OPT_FEATURES)
        .args([
            "--emit-target-features",
            "--strip-debug",
            "--strip-producers",
        ])
        .arg(input)
        .arg("-o")
        .arg(optimized))
    .context("failed to run wasm-opt (binaryen: `apt-get install binaryen`)")
}

fn workspace_root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().unwrap_or(xtask_dir).to_path_buf()
}

/// `CARGO_TARGET_DIR`, else what cargo says (it reads `.cargo/config.toml`'s `build.target-dir`).
fn target_dir(root: &Path) -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let metadata = output(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .args(["metadata", "--format-version", "1", "--no-deps"]),
    )
    .context("failed to run cargo metadata")?;
    json_string_field(&metadata, "target_directory")
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// Reads one top-level string field from JSON without a JSON dependency (xtask has none).
fn json_string_field(json: &str, field: &str) -> Option<String> {
    let start = json.find(&format!("\"{field}\":\""))? + field.len() + 4;
    let mut value = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

/// FNV-1a (64-bit) over the parts, first 10 hex digits: enough to bust caches, no dependency.
fn content_hash(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.iter().flat_map(|part| part.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")[..10].to_owned()
}

/// One file's sizes as written, and as served to a browser that takes gzip or brotli.
struct EncodedSizes {
    raw: u64,
    gzip: u64,
    brotli: u64,
}

/// Writes `name`, `name.gz` and `name.br` into `dir` (the backend serves the one the browser
/// accepts).
fn write_encoded(dir: &Path, name: &str, bytes: &[u8]) -> Result<EncodedSizes> {
    let gzipped = compress::gzip(bytes)?;
    let brotli = compress::brotli(bytes)?;
    write(&dir.join(name), bytes)?;
    write(&dir.join(format!("{name}.gz")), &gzipped)?;
    write(&dir.join(format!("{name}.br")), &brotli)?;
    Ok(EncodedSizes {
        raw: bytes.len() as u64,
        gzip: gzipped.len() as u64,
        brotli: brotli.len() as u64,
    })
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

fn recreate_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("failed to clear {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).with_context(|| format!("failed to write {}", path.display()))
}

fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("failed to start {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

fn output(command: &mut Command) -> Result<String> {
    let out = command
        .stderr(Stdio::null())
        .output()
        .with_context(|| format!("failed to start {command:?}"))?;
    if !out.status.success() {
        bail!("{command:?} failed with {}", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_hash_is_ten_hex_digits_and_changes_with_the_content() {
        let a = content_hash(&[b"wasm", b"glue"]);
        let b = content_hash(&[b"wasm", b"glue!"]);
        assert_eq!(a.len(), 10);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_stylesheet_loses_comments_and_spacing_but_no_rule() {
        let css =
            "/* theme */\n.a {\n  color: red; /* note */\n}\n\n.b { font-family: \"Segoe UI\"; }\n";
        assert_eq!(
            minify_css(css),
            ".a { color: red; } .b { font-family: \"Segoe UI\"; }"
        );
    }

    #[test]
    fn the_stylesheet_becomes_a_javascript_string_literal() {
        assert_eq!(js_string(r"a 'b' \ c"), r"'a \'b\' \\ c'");
        assert_eq!(js_string("x\ny"), r"'x\ny'");
    }

    #[test]
    fn the_target_directory_is_read_from_cargo_metadata() {
        let json = r#"{"packages":[],"target_directory":"/var/cache/x\\y/target","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").as_deref(),
            Some("/var/cache/x\\y/target")
        );
    }
}

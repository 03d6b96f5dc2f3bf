//! Section 1, widget weight: what a page downloads before the button is interactive (the loader,
//! which draws the idle button with its CSS), then the widget code it fetches on intent or idle
//! (glue, wasm), gzip and brotli, beside the alternatives' loaders from npm, measured by
//! bench/weight.mjs with the same compressors.

use std::fmt::Write as _;
use std::process::Command;

use anyhow::{bail, Result};

use super::{kib, verdict};
use crate::process::{output, workspace_root};

/// One measured row.
pub(crate) struct Row {
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) files: String,
    pub(crate) raw: u64,
    pub(crate) gzip: u64,
    pub(crate) brotli: u64,
    pub(crate) externals: String,
    pub(crate) runtime: String,
}

pub(crate) fn measure() -> Result<Vec<Row>> {
    say!("widget weight");
    let root = workspace_root();
    let text = output(
        Command::new("node")
            .arg(root.join("bench/weight.mjs"))
            .arg(root.join("widget/dist")),
    )?;
    let rows: Vec<Row> = text
        .lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 8 {
                return None;
            }
            Some(Row {
                kind: cols[0].to_owned(),
                name: cols[1].to_owned(),
                files: cols[2].to_owned(),
                raw: cols[3].parse().ok()?,
                gzip: cols[4].parse().ok()?,
                brotli: cols[5].parse().ok()?,
                externals: cols[6].to_owned(),
                runtime: cols[7].to_owned(),
            })
        })
        .collect();
    if !rows.iter().any(|r| r.kind == "ours") {
        bail!("bench/weight.mjs printed no widget row: {text}");
    }
    Ok(rows)
}

/// What the page needs before the button is interactive, gzip (for the summary).
pub(crate) fn ours_gzip(rows: &[Row]) -> Option<u64> {
    kind_gzip(rows, "ours")
}

/// A row's gzip size by kind: `ours` (before interactive), `later` (the widget code), `all`.
pub(crate) fn kind_gzip(rows: &[Row], kind: &str) -> Option<u64> {
    rows.iter().find(|r| r.kind == kind).map(|r| r.gzip)
}

pub(crate) fn render(rows: &[Row], breakdown: &str) -> String {
    const BUDGET: u64 = 50 * 1024;
    let mut md = String::new();
    md.push_str(
        "Each file compressed on its own, as a CDN serves it: gzip level 9 and brotli quality 11 \
         (node's zlib). Ours, before the button is interactive, is the loader: it draws the idle \
         button with the widget's stylesheet and handles a click; the widget code (glue and \
         wasm) follows when a person shows intent (pointer over, focus, touch) or when the page \
         has loaded and the browser is idle, and is listed apart. The alternatives are their npm packages' ESM entry (`module`) plus the files \
         it imports relatively; bare imports (React) are assumed to be on the page already and \
         are not counted. Most of them then fetch a script or an iframe from the vendor at run \
         time, which is not on npm and cannot be fetched here: that part is **not** in their \
         numbers, so theirs are lower bounds.\n\n",
    );
    md.push_str("| what | files | raw | gzip | brotli | needs from the page | fetched from the vendor at run time (not counted) |\n");
    md.push_str("|---|---:|---:|---:|---:|---|---|\n");
    for row in rows {
        let name = match row.kind.as_str() {
            "ours" => format!("**{}: before the button is interactive**", row.name),
            "part" => format!("  · {}", row.name),
            _ => row.name.clone(),
        };
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            row.files,
            kib(row.raw),
            kib(row.gzip),
            kib(row.brotli),
            if row.externals.is_empty() {
                "—"
            } else {
                &row.externals
            },
            if row.runtime.is_empty() {
                "—"
            } else {
                &row.runtime
            },
        );
    }
    if let Some(ours) = rows.iter().find(|r| r.kind == "ours") {
        let _ = writeln!(
            md,
            "\n| budget | measured | verdict |\n|---|---:|---|\n| ≤ 50 KiB gzip before the button is interactive | {} | {} |",
            kib(ours.gzip),
            verdict(
                ours.gzip <= BUDGET,
                &format!(
                    "{} over ({:.1}× the budget)",
                    kib(ours.gzip.saturating_sub(BUDGET)),
                    ours.gzip as f64 / BUDGET as f64
                ),
                ""
            )
        );
    }
    md.push_str(breakdown);
    md.push('\n');
    md
}

/// Code size per crate of the widget's wasm (before wasm-opt), as Markdown; empty if unavailable.
/// Code size per crate of the widget's wasm (before wasm-opt), as Markdown; empty if unavailable.
pub(crate) fn wasm_breakdown() -> String {
    let wasm =
        crate::process::target_dir().join("wasm32-unknown-unknown/release-wasm/hwr_widget.wasm");
    let Ok(text) = output(
        Command::new("node")
            .arg(workspace_root().join("bench/wasm-sizes.mjs"))
            .arg(&wasm),
    ) else {
        return String::new();
    };
    let mut md = String::from(
        "\nWhere the wasm's bytes go (code size per crate and the data section, from cargo's \
         output before wasm-bindgen and `wasm-opt -Oz`, which shrink it by about a third; \
         shares of that pre-optimisation size):\n\n| crate | share |\n|---|---:|\n",
    );
    let mut other = 0.0;
    for (i, line) in text
        .lines()
        .filter(|l| !l.starts_with("total\t"))
        .enumerate()
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let share: f64 = cols.get(2).and_then(|s| s.parse().ok()).unwrap_or(0.0);
        if i < 12 {
            let _ = writeln!(md, "| {} | {share:.1} % |", cols[0].replace('|', "\\|"));
        } else {
            other += share;
        }
    }
    let _ = writeln!(md, "| everything else | {other:.1} % |");
    md
}

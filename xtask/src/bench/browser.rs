//! Sections 2 and 3, in headless Chromium through bench/browser.mjs (playwright-core) against
//! `hire-with-remote demo`: the widget's start-up, layout shift and click → `window.open` over
//! cold loads, then Allow → onboarding with and without upstream latency and the requests the
//! browser makes to the backend after the consent callback.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

use super::{verdict, Settings};
use crate::process::{output, workspace_root};

/// The script's tab-separated lines, split.
pub(crate) struct Browser {
    lines: Vec<Vec<String>>,
}

impl Browser {
    fn rows<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Vec<String>> + 'a {
        self.lines
            .iter()
            .filter(move |cols| cols.first().map(String::as_str) == Some(kind))
    }

    pub(crate) fn chromium(&self) -> String {
        self.rows("meta")
            .find(|c| c.get(1).map(String::as_str) == Some("chromium"))
            .and_then(|c| c.get(2).cloned())
            .unwrap_or_default()
    }

    fn startup(&self, name: &str) -> Option<&Vec<String>> {
        self.rows("startup")
            .find(|c| c.get(1).map(String::as_str) == Some(name))
    }

    fn note(&self, kind: &str, name: &str) -> String {
        self.rows(kind)
            .find(|c| c.iter().any(|x| x == name))
            .and_then(|c| c.last().cloned())
            .unwrap_or_default()
    }

    /// The median of a start-up row, as printed (ms).
    pub(crate) fn startup_median(&self, name: &str) -> String {
        self.startup(name)
            .and_then(|c| c.get(3).cloned())
            .unwrap_or_else(|| "—".to_owned())
    }

    /// The median of an Allow row.
    pub(crate) fn allow_median(&self, latency: &str, name: &str) -> f64 {
        self.allow(latency, name)
            .and_then(|c| c.get(4)?.parse().ok())
            .unwrap_or(f64::NAN)
    }

    /// An Allow note's text.
    pub(crate) fn allow_note(&self, latency: &str, name: &str) -> String {
        self.rows("allow-note")
            .find(|c| {
                c.get(1).map(String::as_str) == Some(latency)
                    && c.get(2).map(String::as_str) == Some(name)
            })
            .and_then(|c| c.get(3).cloned())
            .unwrap_or_default()
    }

    fn allow(&self, latency: &str, name: &str) -> Option<&Vec<String>> {
        self.rows("allow").find(|c| {
            c.get(1).map(String::as_str) == Some(latency)
                && c.get(2).map(String::as_str) == Some(name)
        })
    }
}

pub(crate) fn measure(binary: &Path, settings: &Settings) -> Result<Browser> {
    say!(
        "browser ({} cold loads, {} Allow flows per latency)",
        settings.loads,
        settings.flows
    );
    let text = output(
        Command::new("node")
            .arg(workspace_root().join("bench/browser.mjs"))
            .arg("--binary")
            .arg(binary)
            .args(["--loads", &settings.loads.to_string()])
            .args(["--flows", &settings.flows.to_string()])
            .args(["--latency", "100"]),
    )?;
    let lines: Vec<Vec<String>> = text
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect();
    if !lines
        .iter()
        .any(|c| c.first().map(String::as_str) == Some("startup"))
    {
        bail!("bench/browser.mjs measured nothing: {text}");
    }
    Ok(Browser { lines })
}

pub(crate) fn render_startup(browser: &Browser) -> String {
    let mut md = String::new();
    let loads = browser
        .startup("click → window.open")
        .and_then(|c| c.get(2).cloned())
        .unwrap_or_default();
    let _ = writeln!(
        md,
        "Headless Chromium {}, {loads} cold loads of the demo job site (3 widgets on the page), each \
         in a fresh browser context with the cache disabled, after one unrecorded load. Measured \
         from outside the widget by an init script: the loader's evaluation is when it defines \
         `<hire-with-remote>`; a button is interactive when it is in the widget's shadow root and \
         not `aria-disabled` (a MutationObserver on each shadow root as it is attached): the \
         loader's own button, which takes clicks before the widget code is there. The widget \
         code is mounted when the wasm's root has replaced the loader's in every widget; nobody \
         touches the page in these loads, so the code comes when the browser is idle after the \
         load event. The click on a mounted widget is measured after that; {} more loads click \
         the first button as soon as it exists, with the wasm's response held back 300 ms (a \
         slow network) so that the click comes before the code. The page and the backend are on loopback, so \
         network time is near zero: these are CPU costs.\n",
        browser.chromium(),
        browser
            .startup("click on the early button (before the widget code; wasm answered 300 ms late) → window.open")
            .and_then(|c| c.get(2).cloned())
            .unwrap_or_default()
    );
    md.push_str("| measure | median | p95 | min | max |\n|---|---:|---:|---:|---:|\n");
    for name in [
        "loader evaluated → first button interactive",
        "loader evaluated → all 3 buttons interactive",
        "navigation start → loader evaluated",
        "navigation start → first button interactive",
        "DOMContentLoaded end → first button interactive (negative: the button came first)",
        "loader evaluated → widget code mounted in all 3",
        "· load event → wasm request starts (idle time, nobody touching the page)",
        "· wasm download (request start → response end)",
        "· wasm response end → all 3 mounted (compile, instantiate, mount)",
        "layout shift (CLS sum per load)",
        "click → window.open",
        "click on the early button (before the widget code; wasm answered 300 ms late) → window.open",
        "click on the early button (wasm answered 300 ms late) → consent page requested in the popup (wall clock)",
    ] {
        if let Some(c) = browser.startup(name) {
            let unit = if c.get(7).map(String::as_str) == Some("ms") {
                " ms"
            } else {
                ""
            };
            let _ = writeln!(
                md,
                "| {name} | {}{unit} | {}{unit} | {}{unit} | {}{unit} |",
                c[3], c[4], c[5], c[6]
            );
        }
    }
    let cls_max: f64 = browser
        .startup("layout shift (CLS sum per load)")
        .and_then(|c| c.get(6)?.parse().ok())
        .unwrap_or(f64::NAN);
    let with_network = browser.note(
        "startup-note",
        "loads with a request between click and window.open",
    );
    let popups = browser.note("startup-note", "popups opened");
    let click_p95: f64 = browser
        .startup("click → window.open")
        .and_then(|c| c.get(4)?.parse().ok())
        .unwrap_or(f64::NAN);
    let network_free = with_network.starts_with("0/");
    md.push_str("\n| budget | measured | verdict |\n|---|---|---|\n");
    let _ = writeln!(
        md,
        "| layout shift caused by the widget = 0 | worst load {cls_max:.4} (sources: {}) | {} |",
        browser.note("startup-note", "shift sources"),
        verdict(cls_max == 0.0, &format!("missed by {cls_max:.4}"), "")
    );
    let same_task = browser.note("startup-note", "window.open inside the click task");
    let all = |text: &str| {
        let mut parts = text.split('/');
        matches!((parts.next(), parts.next()), (Some(a), Some(b)) if a == b && a != "0")
    };
    let _ = writeln!(
        md,
        "| click → `window.open` synchronous, no network before it | on a widget whose code is loaded: called inside the click's task in {same_task} loads; a request between click and `window.open` in {with_network} loads; popup opened (popup blocker on) in {popups} loads; p95 {click_p95:.1} ms from the click event to the call | {} |",
        verdict(
            network_free && all(&popups) && all(&same_task),
            "a request went out first, or the popup was opened after the click's task",
            " (the time is the click handler's own work before the call)"
        )
    );
    let _ = writeln!(
        md,
        "\nA click on the loader's early button, before the widget code is there, opens the \
         blank consent window inside the click (unless a candidate field is missing), shows the \
         busy state, fetches the code at once and is replayed on the widget's button when it \
         arrives, which takes the window over: in {} loads the click came before the code, in {} \
         `window.open` ran inside the click's task, and {} opened the consent popup (popup \
         blocker on).",
        browser.note("startup-note", "early clicks before the widget code"),
        browser.note(
            "startup-note",
            "early clicks with window.open inside the click task"
        ),
        browser.note("startup-note", "early clicks that opened the popup"),
    );
    md.push('\n');
    md
}

pub(crate) fn render_allow(browser: &Browser, settings: &Settings) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "The first candidate's button on the demo page, a user who is not connected: click, the \
         consent popup, then **Allow** is clicked. Measured in wall-clock time inside the browser \
         (the Allow click in the popup → the `load` event of the sandbox's onboarding page in the \
         main window), {} flows per row, each after `DELETE /api/v1/connection` and a sandbox \
         reset. With latency, every upstream route the backend calls on this path (`POST \
         /auth/oauth2/token`, `GET /v1/countries`, `POST /v1/employments`, `POST /v1/magic-link`) \
         waits 100 ms first. The widget sends the candidate and its idempotency key with `POST \
         /api/v1/connect`, so the callback hires and the flow's status carries the hire; a `POST \
         /api/v1/hires` row appears only if the widget had to post it. Server-side times come \
         from the backend's request log (`tower_http` at debug).\n",
        settings.flows
    );
    md.push_str("| measure | 0 ms upstream: median | max | 100 ms upstream: median | max |\n|---|---:|---:|---:|---:|\n");
    for name in [
        "Allow → onboarding loaded",
        "Allow → job-site page starts leaving",
        "server: GET /oauth/callback (code exchange, then the hire)",
        "server: POST /api/v1/hires",
        "requests to the backend after the callback",
    ] {
        let cell = |latency: &str| -> (String, String) {
            browser
                .allow(latency, name)
                .map_or(("—".into(), "—".into()), |c| {
                    let unit = if name.starts_with("requests") {
                        ""
                    } else {
                        " ms"
                    };
                    (format!("{}{unit}", c[4]), format!("{}{unit}", c[5]))
                })
        };
        let (a, b) = cell("0");
        let (c, d) = cell("100");
        let _ = writeln!(md, "| {name} | {a} | {b} | {c} | {d} |");
    }
    let typical = browser.note("allow-note", "typical requests after the callback");
    let typical = browser
        .rows("allow-note")
        .find(|c| c.get(2).map(String::as_str) == Some("typical requests after the callback"))
        .and_then(|c| c.get(3).cloned())
        .unwrap_or(typical);
    let count: f64 = browser
        .allow("0", "requests to the backend after the callback")
        .and_then(|c| c.get(4)?.parse().ok())
        .unwrap_or(f64::NAN);
    let _ = writeln!(
        md,
        "\nRequests from the browser to the backend after the callback page (the popup's last \
         request), in order: {typical}.\n"
    );
    md.push_str("| budget | measured | verdict |\n|---|---|---|\n");
    let _ = writeln!(
        md,
        "| 1 browser → backend round trip after the flow completes | {count} request{} ({typical}) | {} |",
        if count == 1.0 { "" } else { "s" },
        verdict(
            count <= 1.0,
            &format!(
                "by {}: more requests than the one flow poll that brings the hire (see What the numbers point to)",
                count - 1.0
            ),
            ""
        )
    );
    md.push('\n');
    md
}

/// One widget file on the wire: median bytes over the cold loads, and the encodings seen.
fn wire(browser: &Browser, kind: &str) -> Option<(u64, String)> {
    let row = browser
        .rows("wire")
        .find(|c| c.get(1).map(String::as_str) == Some(kind))?;
    let bytes = row.get(3)?.parse::<f64>().ok()? as u64;
    Some((bytes, row.get(4).cloned().unwrap_or_default()))
}

/// The bytes Chromium received for the loader and the widget code (headers included) against
/// their gzip and brotli sizes: the table for §2 and the two budget rows.
pub(crate) fn render_wire(browser: &Browser, weight: &[super::weight::Row]) -> (String, String) {
    let ours = weight.iter().find(|r| r.kind == "ours");
    let later = weight.iter().find(|r| r.kind == "later");
    let (Some(loader), Some(glue), Some(wasm), Some(ours), Some(later)) = (
        wire(browser, "loader"),
        wire(browser, "glue"),
        wire(browser, "wasm"),
        ours,
        later,
    ) else {
        return (String::new(), String::new());
    };
    let mut table = String::from(
        "Bytes on the wire in the same cold loads (Chromium's `encodedDataLength` for each \
         response: compressed body and headers), median, against each file's sizes from §1:\n\n\
         | file | on the wire | encoding | gzip | brotli |\n|---|---:|---|---:|---:|\n",
    );
    let _ = writeln!(
        table,
        "| loader | {} | {} | {} | {} |",
        super::kib(loader.0),
        loader.1,
        super::kib(ours.gzip),
        super::kib(ours.brotli)
    );
    let code = glue.0 + wasm.0;
    let _ = writeln!(
        table,
        "| widget code (glue + wasm) | {} | {} / {} | {} | {} |",
        super::kib(code),
        glue.1,
        wasm.1,
        super::kib(later.gzip),
        super::kib(later.brotli)
    );
    let within = |bytes: u64, size: u64| (bytes as f64) <= (size as f64) * 1.10;
    let brotli = glue.1 == "br" && wasm.1 == "br";
    let code_target = if brotli { later.brotli } else { later.gzip };
    let mut budgets = String::new();
    let _ = writeln!(
        budgets,
        "| loader on the wire within 10 % of its gzip size | {} ({} on the wire, {} gzip) | {} |",
        loader.1,
        super::kib(loader.0),
        super::kib(ours.gzip),
        verdict(within(loader.0, ours.gzip), "its headers and encoding", "")
    );
    let _ = writeln!(
        budgets,
        "| widget code on the wire within 10 % of its brotli size | {} ({} on the wire, {} brotli, {} gzip) | {} |",
        if brotli { "br" } else { "gzip: Chromium offers brotli only over https, and the demo is plain http on loopback, so it is held to its gzip size" },
        super::kib(code),
        super::kib(later.brotli),
        super::kib(later.gzip),
        verdict(within(code, code_target), "the encoding", "")
    );
    (table, budgets)
}

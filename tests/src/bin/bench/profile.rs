//! Section 7, a short profile of the hire path: `perf record` (CPU samples by shared object, by
//! component and by symbol, on a build of the same code with symbols kept, which xtask builds)
//! and `strace -c` (system calls per hire) on the backend while wrk sends hires, on SQLite.

use std::{
    collections::BTreeMap,
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{bail, Context, Result};
use hwr_bench_measurements::Profile;

use crate::{
    servers::{Database, Servers},
    wrk::{self, Target},
};

/// Profiles `binary` (the symbolized build) for `seconds` at concurrency 64.
pub(crate) async fn measure(
    servers: &Servers,
    binary: &Path,
    seconds: u32,
    date: &str,
) -> Result<Profile> {
    eprintln!("bench: profile of the hire path");
    let data_dir = servers.dir.join("profile-data");
    let (mut backend, _) = servers
        .start_backend("backend-profile", binary, &Database::Sqlite(data_dir), &[])
        .await?;
    servers.reset_sandbox().await?;
    servers.connect_backend().await;
    servers
        .hire_created(&format!("profile-first-{}", std::process::id()), date)
        .await?;
    let token = servers.site_token();
    let url = format!("{}/api/v1/hires", servers.backend_url());
    let target = |tag: &str| Target {
        url: url.clone(),
        mode: "hire",
        auth: &token,
        tag: format!("{tag}-{}", std::process::id()),
        date,
        user: "",
    };
    wrk::run(&target("profile-warm"), 16, 2, &[]).await?;

    // perf record (with DWARF call stacks) for the length of one load.
    let perf_data = servers.dir.join("perf.data");
    let concurrency = 64;
    let mut perf = Command::new("perf")
        .args(["record", "-F", "199", "--call-graph", "dwarf,16384", "-p"])
        .arg(backend.pid().to_string())
        .arg("-o")
        .arg(&perf_data)
        .args(["--", "sleep", &seconds.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("failed to start perf")?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let profiled = wrk::run(&target("profile"), concurrency, seconds, &[]).await?;
    perf.wait()?;
    // --no-inline: resolving inlined frames runs addr2line per frame and takes minutes.
    let script = Command::new("perf")
        .args(["script", "--no-inline", "-F", "comm,ip,sym,dso", "-i"])
        .arg(&perf_data)
        .stderr(Stdio::null())
        .output()
        .context("failed to run perf script")?;
    let samples = parse_samples(&String::from_utf8_lossy(&script.stdout));
    let _ = std::fs::remove_file(&perf_data);
    if samples.is_empty() {
        bail!("perf recorded no samples");
    }
    let total = samples.len() as f64;
    let share = |counts: BTreeMap<String, usize>| -> Vec<(f64, String)> {
        let mut rows: Vec<(f64, String)> = counts
            .into_iter()
            .map(|(name, n)| (100.0 * n as f64 / total, name))
            .collect();
        rows.sort_by(|a, b| b.0.total_cmp(&a.0));
        rows
    };
    let mut by_component = BTreeMap::new();
    let mut by_thread = BTreeMap::new();
    let mut by_dso = BTreeMap::new();
    let mut by_leaf = BTreeMap::new();
    for sample in &samples {
        *by_component
            .entry(component(sample).to_owned())
            .or_default() += 1;
        *by_thread.entry(thread_kind(sample).to_owned()).or_default() += 1;
        if let Some(leaf) = sample.frames.first() {
            *by_dso.entry(leaf.dso.clone()).or_default() += 1;
            *by_leaf
                .entry(format!("{}\t{}", leaf.dso, leaf.symbol))
                .or_default() += 1;
        }
    }
    let top_symbols = share(by_leaf)
        .into_iter()
        .take(15)
        .map(|(pct, key)| {
            let (dso, symbol) = key.split_once('\t').unwrap_or(("", &key));
            (pct, dso.to_owned(), symbol.to_owned())
        })
        .collect();

    // System calls per hire, over a short, lighter load.
    let strace_out = servers.dir.join("strace.txt");
    let mut strace = Command::new("strace")
        .args(["-c", "-f", "-p", &backend.pid().to_string(), "-o"])
        .arg(&strace_out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("failed to start strace")?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let traced = wrk::run(&target("strace"), 8, 3, &[]).await?;
    let _ = Command::new("kill")
        .args(["-INT", &strace.id().to_string()])
        .status();
    strace.wait()?;
    let hires = traced.requests.saturating_sub(traced.errors_status).max(1);
    let (syscalls, syscalls_total) = parse_strace(
        &std::fs::read_to_string(&strace_out).unwrap_or_default(),
        hires as f64,
    );
    backend.stop();
    Ok(Profile {
        hires_per_s: profiled.rate(),
        concurrency,
        samples: samples.len(),
        by_dso: share(by_dso),
        by_category: share(by_component),
        by_thread: share(by_thread),
        top_symbols,
        syscalls,
        syscalls_total,
        strace_hires: hires,
    })
}

/// One perf sample: the thread's name and its frames, leaf first.
struct Sample {
    comm: String,
    frames: Vec<Frame>,
}

struct Frame {
    symbol: String,
    dso: String,
}

/// `perf script -F comm,ip,sym,dso` output: a header line per sample, then its frames.
fn parse_samples(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for block in text.split("\n\n") {
        let mut lines = block.lines().filter(|l| !l.trim().is_empty());
        let Some(header) = lines.next() else { continue };
        let comm = header.split_whitespace().next().unwrap_or("").to_owned();
        let frames = lines
            .filter_map(|line| {
                let line = line.trim();
                let (_, rest) = line.split_once(char::is_whitespace)?;
                let (symbol, dso) = match rest.rfind(" (") {
                    Some(i) => (&rest[..i], rest[i + 2..].trim_end_matches(')')),
                    None => (rest, ""),
                };
                let symbol = symbol.rsplit_once("+0x").map_or(symbol, |(s, _)| s);
                let dso = dso.rsplit('/').next().unwrap_or(dso);
                Some(Frame {
                    symbol: symbol.trim().to_owned(),
                    dso: dso.to_owned(),
                })
            })
            .collect();
        samples.push(Sample { comm, frames });
    }
    samples
}

/// What a sample's time is spent on: the frame nearest the leaf that names a component decides,
/// so a system call or an allocation counts for the component that made it.
fn component(sample: &Sample) -> &'static str {
    const RULES: &[(&[&str], &str)] = &[
        (&["sqlite3"], "SQLite engine"),
        (
            &[
                "flume::",
                "sqlx_core",
                "sqlx_sqlite",
                "sqlx_postgres",
                "sqlx::",
            ],
            "sqlx driver (pool, hand-off to the database worker thread, protocol)",
        ),
        (&["tracing_subscriber", "tracing_core"], "logging (tracing)"),
        (
            &[
                "jsonwebtoken",
                "aes_gcm",
                "aes::",
                "ghash",
                "ring::",
                "sha2::",
                "hmac::",
                "hire_with_remote::crypto",
                "hire_with_remote::site_token",
            ],
            "crypto (site-token JWT, token sealing, hashes)",
        ),
        (&["serde_json", "serde::", "hwr_protocol"], "JSON (serde)"),
        (
            &[
                "reqwest",
                "hyper_util::client",
                "hyper::client",
                "role::Client",
                "hyper_rustls",
                "oauth2::",
                "hire_with_remote::remote",
            ],
            "calls to Remote (reqwest / hyper client)",
        ),
        (
            &[
                "axum::serve",
                "hyper::server",
                "role::Server",
                "hyper_util::server",
                "tower_http",
                "axum::",
                "tower::",
            ],
            "serving HTTP (hyper server, axum, tower-http layers)",
        ),
        (&["hire_with_remote"], "our handlers and store code"),
    ];
    for frame in &sample.frames {
        for (patterns, name) in RULES {
            if patterns.iter().any(|p| frame.symbol.contains(p)) {
                return name;
            }
        }
    }
    if sample
        .frames
        .iter()
        .any(|f| f.symbol.contains("tokio::") || f.symbol.contains("mio::"))
    {
        return "tokio runtime (scheduler, I/O driver, timers, wake-ups)";
    }
    if sample.frames.iter().all(|f| f.dso.contains("kernel")) {
        return "kernel only (interrupts, network softirq)";
    }
    "other"
}

fn thread_kind(sample: &Sample) -> &'static str {
    let comm = sample.comm.as_str();
    let on_sqlite_worker = sample.frames.iter().any(|f| {
        f.symbol.contains("sqlx_sqlite::connection::worker") || f.symbol.starts_with("sqlite3")
    });
    if comm.starts_with("sqlx-sqlite") || (on_sqlite_worker && !comm.starts_with("tokio")) {
        "SQLite worker threads (sqlx)"
    } else if comm.starts_with("tokio") {
        "tokio worker threads"
    } else {
        "other threads"
    }
}

/// `strace -c` table: (calls per hire, name), biggest first, and total calls per hire.
fn parse_strace(text: &str, hires: f64) -> (Vec<(f64, String)>, f64) {
    let mut rows = Vec::new();
    let mut total = 0.0;
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // % time, seconds, usecs/call, calls, [errors], syscall
        if cols.len() < 5 || cols[0].parse::<f64>().is_err() {
            continue;
        }
        let name = cols[cols.len() - 1];
        let Ok(calls) = cols[3].parse::<f64>() else {
            continue;
        };
        if name == "total" {
            total = calls / hires;
            continue;
        }
        rows.push((calls / hires, name.to_owned()));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    rows.truncate(12);
    (rows, total)
}

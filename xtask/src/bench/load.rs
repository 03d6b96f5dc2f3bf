//! Section 4, backend overhead: hires per second and latency at several concurrencies through
//! the backend (SQLite, then Postgres), beside the same `POST /v1/employments` sent straight to
//! the sandbox and through an nginx `proxy_pass`; and `GET /api/v1/connection` per second.
//! Also collects the memory numbers for section 6 and runs the refresh storm of section 5.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::procs::{cpu_ms, free_port, rss_kib, Proc};
use super::stack::{self, Database, Stack};
use super::storm::{self, Storm};
use super::{fmt_ms, fmt_rate, mib, Settings};

/// One wrk run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Load {
    pub(crate) connections: u32,
    pub(crate) requests: u64,
    pub(crate) seconds: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p90_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
    pub(crate) errors_status: u64,
    pub(crate) errors_socket: u64,
    /// Highest `VmRSS` of each watched process during the run, KiB.
    pub(crate) peak_rss_kib: Vec<u64>,
    /// CPU time of each watched process per completed request, ms.
    pub(crate) cpu_per_request_ms: Vec<f64>,
}

impl Load {
    pub(crate) fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests as f64 / self.seconds
        } else {
            0.0
        }
    }

    fn errors(&self) -> String {
        match (self.errors_status, self.errors_socket) {
            (0, 0) => "0".to_owned(),
            (s, 0) => format!("{s} non-2xx"),
            (0, k) => format!("{k} socket"),
            (s, k) => format!("{s} non-2xx, {k} socket"),
        }
    }
}

/// What a wrk run sends (see bench/load.lua).
pub(crate) struct Target<'a> {
    pub(crate) url: String,
    pub(crate) mode: &'a str,
    pub(crate) auth: &'a str,
    pub(crate) tag: String,
    pub(crate) date: &'a str,
    pub(crate) user: &'a str,
}

/// Runs wrk for `seconds` at `connections`, sampling the RSS of `watch` every 100 ms.
pub(crate) fn wrk(
    script: &Path,
    target: &Target<'_>,
    connections: u32,
    seconds: u32,
    watch: &[u32],
) -> Result<Load> {
    let threads = connections.clamp(1, 2);
    let cpu_before: Vec<f64> = watch
        .iter()
        .map(|pid| cpu_ms(*pid).unwrap_or(f64::NAN))
        .collect();
    let mut child = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "--timeout", "30s", "-s"])
        .arg(script)
        .arg(&target.url)
        .env("BENCH_MODE", target.mode)
        .env("BENCH_AUTH", target.auth)
        .env("BENCH_TAG", &target.tag)
        .env("BENCH_DATE", target.date)
        .env("BENCH_USER", target.user)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("failed to start wrk")?;
    let mut peak = vec![0u64; watch.len()];
    let deadline = Instant::now() + Duration::from_secs(u64::from(seconds) + 60);
    while child.try_wait()?.is_none() {
        for (slot, pid) in peak.iter_mut().zip(watch) {
            *slot = (*slot).max(rss_kib(*pid).unwrap_or(0));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("wrk did not finish");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output()?;
    let cpu_used: Vec<f64> = watch
        .iter()
        .zip(&cpu_before)
        .map(|(pid, before)| cpu_ms(*pid).unwrap_or(f64::NAN) - before)
        .collect();
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let value = |key: &str| -> f64 {
        text.lines()
            .filter_map(|line| line.strip_prefix("bench\t"))
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('\t'))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };
    let load = Load {
        connections,
        requests: value("requests") as u64,
        seconds: value("duration_us") / 1e6,
        p50_ms: value("p50_us") / 1e3,
        p90_ms: value("p90_us") / 1e3,
        p99_ms: value("p99_us") / 1e3,
        max_ms: value("max_us") / 1e3,
        errors_status: value("errors_status") as u64,
        errors_socket: value("errors_socket") as u64,
        peak_rss_kib: peak,
        cpu_per_request_ms: Vec::new(),
    };
    let load = Load {
        cpu_per_request_ms: cpu_used
            .iter()
            .map(|ms| ms / load.requests.max(1) as f64)
            .collect(),
        ..load
    };
    if load.requests == 0 {
        bail!("wrk made no requests: {text}");
    }
    say!(
        "  {} c={connections}: {} req/s, p50 {} ms, p99 {} ms, errors {}",
        target.url,
        fmt_rate(load.rate()),
        fmt_ms(load.p50_ms),
        fmt_ms(load.p99_ms),
        load.errors()
    );
    Ok(load)
}

/// One backend's numbers.
pub(crate) struct BackendRun {
    pub(crate) label: &'static str,
    pub(crate) hires: Vec<Load>,
    pub(crate) connection: Load,
    pub(crate) rss_idle_kib: u64,
    pub(crate) rss_connected_kib: u64,
    pub(crate) rss_peak_kib: u64,
    pub(crate) rss_after_kib: u64,
    pub(crate) storm: Option<Storm>,
    /// Sandbox `employment_posts` per hire over the c=1 run.
    pub(crate) posts_per_hire: f64,
    /// Postgres: (transactions, rows written) per hire over the c=1 run.
    pub(crate) pg_per_hire: Option<(f64, f64)>,
}

/// Everything section 4 measured.
pub(crate) struct LoadResults {
    pub(crate) backends: Vec<BackendRun>,
    pub(crate) direct: Vec<Load>,
    pub(crate) nginx: Vec<Load>,
    /// Direct `POST /v1/magic-link` at c=1 (the second upstream call of a hire).
    pub(crate) magic_c1: Option<Load>,
    pub(crate) nginx_version: String,
    /// Postgres: ms per autocommitted INSERT with synchronous_commit on and off.
    pub(crate) pg_commit_ms: Option<(f64, f64)>,
}

pub(crate) fn script() -> PathBuf {
    crate::process::workspace_root().join("bench/load.lua")
}

/// Runs the hire loads on one backend, then its `GET /api/v1/connection` load and the storm.
pub(crate) fn backend_run(
    stack: &Stack,
    settings: &Settings,
    label: &'static str,
    database: &Database,
    date: &str,
) -> Result<BackendRun> {
    say!("backend on {label}");
    let (mut backend, _) =
        stack.start_backend(&format!("backend-{label}"), &stack.binary, database)?;
    std::thread::sleep(Duration::from_secs(1));
    let rss_idle_kib = backend.rss_kib().unwrap_or(0);
    stack.connect_backend()?;
    let first = stack.one_hire(&format!("{label}-first"), date)?;
    if first.status != 201 {
        bail!(
            "the first hire on {label} answered {}: {}",
            first.status,
            first.body
        );
    }
    let script = script();
    let pid = backend.pid();
    let sandbox_pid = stack.sandbox.pid();
    let hire = |tag: String| Target {
        url: format!("{}/api/v1/hires", stack.backend_url()),
        mode: "hire",
        auth: &stack.site_token,
        tag,
        date,
        user: "",
    };
    // Warm-up (not recorded): pools, page cache, prepared statements.
    wrk(&script, &hire(format!("{label}-warm")), 16, 2, &[])?;
    std::thread::sleep(Duration::from_secs(1));
    let rss_connected_kib = backend.rss_kib().unwrap_or(0);

    let pg_name = match database {
        Database::Postgres(url) => url.rsplit('/').next().map(str::to_owned),
        Database::Sqlite(_) => None,
    };
    let mut hires = Vec::new();
    let mut posts_per_hire = f64::NAN;
    let mut pg_per_hire = None;
    for &c in &settings.concurrency {
        // A fresh sandbox per series, so each starts with an empty employment list.
        stack.reset_sandbox()?;
        stack.connect_backend()?;
        let first = c == settings.concurrency[0];
        let before = match (&pg_name, first) {
            (Some(name), true) => stack::pg_counters(name).ok(),
            _ => None,
        };
        let load = wrk(
            &script,
            &hire(format!("{label}-c{c}")),
            c,
            settings.seconds,
            &[pid, sandbox_pid],
        )?;
        if first {
            let state = stack.sandbox_state()?;
            let posts = super::http::json_num(&state, "employment_posts").unwrap_or(f64::NAN);
            let ok = load.requests.saturating_sub(load.errors_status) as f64;
            posts_per_hire = posts / ok;
            if let (Some(name), Some(before)) = (&pg_name, before) {
                // Postgres publishes a backend's counters within a second of its last commit.
                std::thread::sleep(Duration::from_millis(1500));
                if let Ok(after) = stack::pg_counters(name) {
                    pg_per_hire = Some((
                        (after.0 - before.0) as f64 / ok,
                        (after.1 - before.1) as f64 / ok,
                    ));
                }
            }
        }
        hires.push(load);
        backend.check_alive()?;
    }
    let connection = wrk(
        &script,
        &Target {
            url: format!("{}/api/v1/connection", stack.backend_url()),
            mode: "get",
            auth: &stack.site_token,
            tag: String::new(),
            date,
            user: "",
        },
        64,
        settings.seconds,
        &[pid],
    )?;
    let rss_peak_kib = hires
        .iter()
        .chain(std::iter::once(&connection))
        .filter_map(|l| l.peak_rss_kib.first().copied())
        .max()
        .unwrap_or(0);
    std::thread::sleep(Duration::from_secs(2));
    let rss_after_kib = backend.rss_kib().unwrap_or(0);
    let storm = match storm::run(stack, settings.storm, date, label) {
        Ok(storm) => Some(storm),
        Err(error) => {
            say!("the refresh storm on {label} failed: {error:#}");
            None
        }
    };
    backend.check_alive()?;
    backend.stop();
    Ok(BackendRun {
        label,
        hires,
        connection,
        rss_idle_kib,
        rss_connected_kib,
        rss_peak_kib,
        rss_after_kib,
        storm,
        posts_per_hire,
        pg_per_hire,
    })
}

/// The baselines' loads.
pub(crate) struct Baselines {
    direct: Vec<Load>,
    nginx: Vec<Load>,
    magic_c1: Option<Load>,
    nginx_version: String,
}

/// The baselines: `POST /v1/employments` straight to the sandbox and through nginx.
pub(crate) fn baselines(stack: &Stack, settings: &Settings, date: &str) -> Result<Baselines> {
    let script = script();
    let sandbox_pid = stack.sandbox.pid();
    let mut direct = Vec::new();
    let mut magic = None;
    say!("straight to the sandbox");
    for &c in &settings.concurrency {
        stack.reset_sandbox()?;
        let (token, user) = stack.direct_token()?;
        direct.push(wrk(
            &script,
            &Target {
                url: format!("{}/v1/employments", stack.sandbox_url),
                mode: "employment",
                auth: &token,
                tag: format!("direct-c{c}"),
                date,
                user: "",
            },
            c,
            settings.seconds,
            &[sandbox_pid],
        )?);
        if magic.is_none() {
            magic = Some(wrk(
                &script,
                &Target {
                    url: format!("{}/v1/magic-link", stack.sandbox_url),
                    mode: "magic",
                    auth: &token,
                    tag: String::new(),
                    date,
                    user: &user,
                },
                1,
                settings.seconds.min(5),
                &[],
            )?);
        }
    }

    say!("through nginx");
    let (mut nginx, nginx_url, version) = start_nginx(stack)?;
    let mut proxied = Vec::new();
    for &c in &settings.concurrency {
        stack.reset_sandbox()?;
        let (token, _) = stack.direct_token()?;
        proxied.push(wrk(
            &script,
            &Target {
                url: format!("{nginx_url}/v1/employments"),
                mode: "employment",
                auth: &token,
                tag: format!("nginx-c{c}"),
                date,
                user: "",
            },
            c,
            settings.seconds,
            &[sandbox_pid],
        )?);
        nginx.check_alive()?;
    }
    nginx.stop();
    Ok(Baselines {
        direct,
        nginx: proxied,
        magic_c1: magic,
        nginx_version: version,
    })
}

/// nginx in the foreground with a config written into the run's folder: one `proxy_pass` to the
/// sandbox with upstream keep-alive (as the backend's HTTP client keeps its connections).
fn start_nginx(stack: &Stack) -> Result<(Proc, String, String)> {
    let prefix = stack.dir.join("nginx");
    std::fs::create_dir_all(prefix.join("logs"))?;
    let port = free_port()?;
    let upstream = stack
        .sandbox_url
        .strip_prefix("http://")
        .context("sandbox URL")?;
    let conf = format!(
        r#"daemon off;
master_process on;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/client_body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  upstream sandbox {{ server {upstream}; keepalive 256; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://sandbox;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }}
  }}
}}
"#,
        prefix = prefix.display()
    );
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, conf)?;
    let version = Command::new("nginx")
        .arg("-v")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stderr)
                .trim()
                .replace("nginx version: ", "")
        })
        .unwrap_or_default();
    let mut nginx = Proc::spawn(
        "nginx",
        Command::new("nginx")
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf_path),
        &stack.dir,
    )?;
    let url = format!("http://127.0.0.1:{port}");
    nginx.wait_ready(&format!("{url}/__sandbox/faults"), Instant::now())?;
    Ok((nginx, url, version))
}

/// Runs section 4 (and 5, and the memory part of 6).
pub(crate) fn measure(stack: &Stack, settings: &Settings, date: &str) -> Result<LoadResults> {
    let mut backends = Vec::new();
    let sqlite_dir = stack.dir.join("sqlite-load");
    backends.push(backend_run(
        stack,
        settings,
        "SQLite",
        &Database::Sqlite(sqlite_dir),
        date,
    )?);
    let db_name = format!("hwr_bench_{}", std::process::id());
    let mut pg_commit_ms = None;
    match stack::create_database(&db_name) {
        Ok(url) => {
            let run = backend_run(stack, settings, "Postgres", &Database::Postgres(url), date);
            pg_commit_ms = stack::pg_commit_latency(&db_name).ok();
            stack::drop_database(&db_name);
            backends.push(run?);
        }
        Err(error) => say!("skipping Postgres: {error:#}"),
    }
    let Baselines {
        direct,
        nginx,
        magic_c1,
        nginx_version,
    } = baselines(stack, settings, date)?;
    Ok(LoadResults {
        backends,
        direct,
        nginx,
        magic_c1,
        nginx_version,
        pg_commit_ms,
    })
}

/// The section's Markdown.
pub(crate) fn render(results: &LoadResults, settings: &Settings) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "wrk ({} s per row, 2 threads, unique `Idempotency-Key` and candidate email per request), \
         sandbox with no added latency and its rate limit off, backend rate limits off. Each hire \
         row starts from a reset sandbox (empty employment list). Backend = `POST /api/v1/hires` \
         (site token → idempotency record → `POST /v1/employments` → `POST /v1/magic-link` → \
         answer); direct and nginx = the same `POST /v1/employments` body with an access token \
         from consent. CPU per request is the process's user + system time (all threads) over \
         the row divided by its requests. On this shared 2-core machine, differences of tens of \
         milliseconds at concurrency 64 and 256 (even negative ones) are noise; the \
         concurrency-1 rows are the clean per-request costs.\n",
        settings.seconds
    );
    md.push_str(
        "| path | concurrency | requests/s | p50 | p90 | p99 | max | errors | CPU per request |\n",
    );
    md.push_str("|---|---:|---:|---:|---:|---:|---:|---|---|\n");
    let mut row = |name: &str, load: &Load, cpu_names: &[&str]| {
        let cpu = load
            .cpu_per_request_ms
            .iter()
            .zip(cpu_names)
            .map(|(ms, who)| format!("{who} {} ms", fmt_ms(*ms)))
            .collect::<Vec<_>>()
            .join(" + ");
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} ms | {} ms | {} ms | {} ms | {} | {} |",
            load.connections,
            fmt_rate(load.rate()),
            fmt_ms(load.p50_ms),
            fmt_ms(load.p90_ms),
            fmt_ms(load.p99_ms),
            fmt_ms(load.max_ms),
            load.errors(),
            if cpu.is_empty() {
                "—".to_owned()
            } else {
                cpu
            }
        );
    };
    for backend in &results.backends {
        for load in &backend.hires {
            row(
                &format!("backend hire, {}", backend.label),
                load,
                &["backend", "sandbox"],
            );
        }
    }
    for load in &results.direct {
        row(
            "direct to sandbox `POST /v1/employments`",
            load,
            &["sandbox"],
        );
    }
    for load in &results.nginx {
        row(
            &format!(
                "nginx {} → sandbox `POST /v1/employments`",
                results.nginx_version
            ),
            load,
            &["sandbox"],
        );
    }
    if let Some(magic) = &results.magic_c1 {
        row("direct to sandbox `POST /v1/magic-link`", magic, &[]);
    }
    for backend in &results.backends {
        row(
            &format!("backend `GET /api/v1/connection`, {}", backend.label),
            &backend.connection,
            &["backend"],
        );
    }
    md.push('\n');

    // Added latency over direct.
    md.push_str("Added latency over the direct call, per concurrency (backend − direct; nginx − direct for scale):\n\n");
    md.push_str("| concurrency | SQLite added p50 | SQLite added p99 | Postgres added p50 | Postgres added p99 | nginx added p50 | nginx added p99 |\n");
    md.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (i, direct) in results.direct.iter().enumerate() {
        let added = |loads: Option<&Load>| -> (String, String) {
            loads.map_or(("—".into(), "—".into()), |l| {
                (
                    format!("{} ms", fmt_ms(l.p50_ms - direct.p50_ms)),
                    format!("{} ms", fmt_ms(l.p99_ms - direct.p99_ms)),
                )
            })
        };
        let sqlite = added(results.backends.first().and_then(|b| b.hires.get(i)));
        let postgres = added(results.backends.get(1).and_then(|b| b.hires.get(i)));
        let nginx = added(results.nginx.get(i));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            direct.connections, sqlite.0, sqlite.1, postgres.0, postgres.1, nginx.0, nginx.1
        );
    }
    md.push('\n');
    md
}

/// mib helper re-exported for the footprint section.
pub(crate) fn rss_mib(kib: u64) -> String {
    mib(kib * 1024)
}

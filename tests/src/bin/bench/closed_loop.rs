//! Section 4's closed-loop rows: hires per second and latency at several concurrencies through
//! the backend (SQLite, then Postgres), beside the same `POST /v1/employments` sent straight to
//! the sandbox and through an nginx `proxy_pass`, and `GET /api/v1/connection` per second. Each
//! backend's memory along the way (section 6) and its refresh storm (section 5) come with it.

use std::{path::Path, process::Command, time::Duration};

use anyhow::{Context, Result};
use hwr_bench_measurements::{BackendRun, ClosedLoop, Load, StormRun};

use crate::{
    postgres::{self, RowStart},
    processes::Running,
    servers::{Database, Servers},
    storm,
    wrk::{self, Target},
};

/// How much the closed loop measures.
pub(crate) struct Plan {
    pub(crate) seconds: u32,
    pub(crate) concurrency: Vec<u32>,
    pub(crate) storm: usize,
}

/// Runs the loads on SQLite, then Postgres (each followed by its storm), then the baselines.
pub(crate) async fn measure(
    servers: &Servers,
    plan: &Plan,
    date: &str,
) -> Result<(ClosedLoop, Vec<StormRun>)> {
    let mut backends = Vec::new();
    let mut storms = Vec::new();
    let sqlite = Database::Sqlite(servers.dir.join("sqlite-load"));
    let (run, storm) = backend_run(servers, plan, "SQLite", &sqlite, None, date).await?;
    backends.push(run);
    storms.push(storm);
    let database = postgres::create().await?;
    let url = Database::Postgres(database.url());
    let (run, storm) = backend_run(servers, plan, "Postgres", &url, Some(&database), date).await?;
    backends.push(run);
    storms.push(storm);
    let pg_commit = postgres::commit_cost(&database).await.ok();
    drop(database);
    let baselines = baselines(servers, plan, date).await?;
    let closed_loop = ClosedLoop {
        backends,
        direct: baselines.direct,
        nginx: baselines.nginx,
        magic_c1: baselines.magic_c1,
        nginx_version: baselines.nginx_version,
        pg_commit,
    };
    Ok((closed_loop, storms))
}

/// The hire loads on one backend, its `GET /api/v1/connection` load and its storm.
async fn backend_run(
    servers: &Servers,
    plan: &Plan,
    label: &str,
    database: &Database,
    postgres: Option<&hwr_integration_tests::TestDatabase>,
    date: &str,
) -> Result<(BackendRun, StormRun)> {
    eprintln!("bench: backend on {label}");
    let (mut backend, _) = servers
        .start_backend(&format!("backend-{label}"), &servers.binary, database, &[])
        .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle_kib = backend.rss_kib().unwrap_or(0);
    servers.connect_backend().await;
    let run_id = std::process::id();
    servers
        .hire_created(&format!("{label}-first-{run_id}"), date)
        .await?;
    let token = servers.site_token();
    let url = format!("{}/api/v1/hires", servers.backend_url());
    let hire = |tag: String| Target {
        url: url.clone(),
        mode: "hire",
        auth: &token,
        tag,
        date,
        user: "",
    };
    let (pid, sandbox_pid) = (backend.pid(), servers.sandbox.pid());
    // Warm-up (not recorded): pools, page cache, prepared statements.
    wrk::run(&hire(format!("{label}-warm-{run_id}")), 16, 2, &[]).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_connected_kib = backend.rss_kib().unwrap_or(0);

    let mut hires = Vec::new();
    let mut posts_per_hire = f64::NAN;
    let mut pg_per_hire = None;
    for &c in &plan.concurrency {
        // A fresh sandbox per series, so each starts with an empty employment list.
        servers.reset_sandbox().await?;
        servers.connect_backend().await;
        let first = c == plan.concurrency[0];
        let row_start = match (postgres, first) {
            (Some(database), true) => Some(RowStart::measure(database, plan.seconds).await?),
            _ => None,
        };
        let load = wrk::run(
            &hire(format!("{label}-c{c}-{run_id}")),
            c,
            plan.seconds,
            &[pid, sandbox_pid],
        )
        .await?;
        if first {
            let state = servers.sandbox_state().await?;
            let posts = state["employment_posts"].as_f64().unwrap_or(f64::NAN);
            let ok = load.requests.saturating_sub(load.errors_status) as f64;
            posts_per_hire = posts / ok;
            if let (Some(database), Some(row_start)) = (postgres, row_start) {
                pg_per_hire = Some(row_start.per_hire(database, ok).await?);
            }
        }
        hires.push(load);
        backend.check_alive()?;
    }
    let connection = wrk::run(
        &Target {
            url: format!("{}/api/v1/connection", servers.backend_url()),
            mode: "get",
            auth: &token,
            tag: String::new(),
            date,
            user: "",
        },
        64,
        plan.seconds,
        &[pid],
    )
    .await?;
    let rss_peak_kib = hires
        .iter()
        .chain(std::iter::once(&connection))
        .filter_map(|l| l.peak_rss_kib.first().copied())
        .max()
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after_kib = backend.rss_kib().unwrap_or(0);
    let storm = storm::run_kept(servers, plan.storm, date, label).await;
    backend.check_alive()?;
    backend.stop();
    let run = BackendRun {
        label: label.to_owned(),
        hires,
        connection,
        rss_idle_kib,
        rss_connected_kib,
        rss_peak_kib,
        rss_after_kib,
        posts_per_hire,
        pg_per_hire,
    };
    Ok((run, storm))
}

/// The baselines' loads.
struct Baselines {
    direct: Vec<Load>,
    nginx: Vec<Load>,
    magic_c1: Option<Load>,
    nginx_version: String,
}

/// `POST /v1/employments` straight to the sandbox and through nginx, at each concurrency.
async fn baselines(servers: &Servers, plan: &Plan, date: &str) -> Result<Baselines> {
    let sandbox_pid = servers.sandbox.pid();
    let run_id = std::process::id();
    let mut direct = Vec::new();
    let mut magic_c1 = None;
    eprintln!("bench: straight to the sandbox");
    for &c in &plan.concurrency {
        servers.reset_sandbox().await?;
        let (token, user) = servers.direct_token().await?;
        let target = Target {
            url: format!("{}/v1/employments", servers.sandbox_url),
            mode: "employment",
            auth: &token,
            tag: format!("direct-c{c}-{run_id}"),
            date,
            user: "",
        };
        direct.push(wrk::run(&target, c, plan.seconds, &[sandbox_pid]).await?);
        if magic_c1.is_none() {
            let magic = Target {
                url: format!("{}/v1/magic-link", servers.sandbox_url),
                mode: "magic",
                auth: &token,
                tag: String::new(),
                date,
                user: &user,
            };
            magic_c1 = Some(wrk::run(&magic, 1, plan.seconds.min(5), &[]).await?);
        }
    }

    eprintln!("bench: through nginx");
    let (mut nginx, nginx_url, nginx_version) = start_nginx(servers).await?;
    let mut proxied = Vec::new();
    for &c in &plan.concurrency {
        servers.reset_sandbox().await?;
        let (token, _) = servers.direct_token().await?;
        let target = Target {
            url: format!("{nginx_url}/v1/employments"),
            mode: "employment",
            auth: &token,
            tag: format!("nginx-c{c}-{run_id}"),
            date,
            user: "",
        };
        proxied.push(wrk::run(&target, c, plan.seconds, &[sandbox_pid]).await?);
        nginx.check_alive()?;
    }
    nginx.stop();
    Ok(Baselines {
        direct,
        nginx: proxied,
        magic_c1,
        nginx_version,
    })
}

/// nginx in the foreground with a config written into the run's folder: one `proxy_pass` to the
/// sandbox with upstream keep-alive (as the backend's HTTP client keeps its connections).
async fn start_nginx(servers: &Servers) -> Result<(Running, String, String)> {
    let prefix = servers.dir.join("nginx");
    std::fs::create_dir_all(prefix.join("logs"))?;
    let port = hwr_integration_tests::free_port();
    let upstream = servers
        .sandbox_url
        .strip_prefix("http://")
        .context("the sandbox's URL")?;
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, nginx_conf(&prefix, upstream, port))?;
    let version = Command::new("nginx")
        .arg("-v")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stderr)
                .trim()
                .replace("nginx version: ", "")
        })
        .unwrap_or_default();
    let mut command = Command::new("nginx");
    command.arg("-p").arg(&prefix).arg("-c").arg(&conf_path);
    let mut nginx = Running::spawn("nginx", command, &servers.dir)?;
    let url = format!("http://127.0.0.1:{port}");
    nginx
        .wait_ready(
            &servers.http,
            &format!("{url}/__sandbox/faults"),
            std::time::Instant::now(),
        )
        .await?;
    Ok((nginx, url, version))
}

fn nginx_conf(prefix: &Path, upstream: &str, port: u16) -> String {
    format!(
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
    )
}

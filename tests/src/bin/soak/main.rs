//! The soak: the release backend as a child process (on SQLite, or on Postgres with
//! `--database postgres`) against the in-process sandbox with 5% injected faults,
//! `--concurrency` workers hiring for `--seconds` with the widget's retries for site users
//! spread over the sandbox's companies, a status mover moving employments along at the sandbox,
//! a job-site webhook endpoint that fails 30% of the time, a `kill -9` of the backend halfway and
//! a restart on the same port and database; then every unresolved hire is retried to an outcome,
//! every `hire.created` and status change owed to the job site is waited for, the sandbox's
//! employments are compared with what the clients were told, and every secret the run produced
//! is searched for in the backend's log, its database, its audit trail and every HTML page it
//! served.
//!
//! ```text
//! soak --backend target/release/hire-with-remote [--seconds 60] [--concurrency 200]
//!      [--users 20] [--database sqlite|postgres] [--report target/soak-report.md]
//!      [--work-dir target/soak]
//! ```
//!
//! Prints a markdown report (also written to `--report`) ending in `soak: N passed, M failed`;
//! exits non-zero when any of its checks fails (`report::checks`: duplicates, lost hires, fewer
//! than 90 % successes, 5xx of our own, mismatched or unaudited 201s, missing, orphan or
//! unverifiable webhooks, leaks, a blind scan, panics, …).

mod backend;
mod consent;
mod database;
mod deliveries;
mod duplicate;
mod faults;
mod hires;
mod leaks;
mod observe;
mod report;
mod status_mover;
mod verdict;
mod webhook_site;

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use hire_with_remote::webhooks::OutboundWebhooks;
use hwr_integration_tests::{
    free_port, load_sandbox_config, random_hex_64, BackendSettings, Secrets as HarnessSecrets,
    DEMO_CLIENT_SECRET, JOB_SITE_ORIGIN,
};
use hwr_sandbox::Sandbox;
use reqwest::Client;

use crate::{
    backend::{Backend, BackendSpec},
    database::{Database, DatabaseKind},
    hires::{HireRecord, Shared},
    observe::Observer,
    webhook_site::JobSite,
};

/// The OAuth client's secret (the sandbox's default client, which the harness configures).
const CLIENT_SECRET: &str = DEMO_CLIENT_SECRET;
/// The job site's origin the backend allows; every API call carries it, like the widget's.
const ORIGIN: &str = JOB_SITE_ORIGIN;
/// The share of the backend's webhook requests the job site answers 500, in percent.
const WEBHOOK_FAILURE_PERCENT: u8 = 30;
/// Seconds between a webhook's attempts: short, so that a receiver failing 30% of the time has
/// everything within the drain, and many, so that none is given up (21 attempts within 37 s:
/// that all of one event's fail is a chance of 1 in 10^11).
const WEBHOOK_RETRY_SCHEDULE: &str = "1,1,1,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2";
/// How long the drain waits at least for the webhooks owed after the run.
const DRAIN: Duration = Duration::from_secs(45);
/// An event the killed backend had claimed stays claimed this long (the backend's delivery
/// lease) before the restarted one takes it; the drain waits past it, and a little more.
const KILLED_CLAIM: Duration = Duration::from_secs(30 + 15);

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    backend: PathBuf,
    seconds: u64,
    concurrency: usize,
    users: usize,
    database: DatabaseKind,
    report: PathBuf,
    work_dir: PathBuf,
    /// Adds a duplicate employment at the sandbox after the run (see `duplicate`); for the
    /// soak's own test, so not in the usage line.
    seed_duplicate: bool,
}

fn usage() -> &'static str {
    "usage: soak --backend <path to hire-with-remote> [--seconds 60] [--concurrency 200] \
     [--users 20] [--database sqlite|postgres] [--report <file.md>] [--work-dir <folder>]"
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut backend = None;
        let mut seconds = 60u64;
        let mut concurrency = 200usize;
        let mut users = 20usize;
        let mut database = DatabaseKind::Sqlite;
        let mut report = None;
        let mut work_dir = None;
        let mut seed_duplicate = false;
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            if flag == "--help" || flag == "-h" {
                bail!("{}", usage());
            }
            if flag == "--seed-duplicate" {
                seed_duplicate = true;
                continue;
            }
            let value = rest
                .next()
                .with_context(|| format!("{flag} needs a value; {}", usage()))?;
            match flag.as_str() {
                "--backend" => backend = Some(PathBuf::from(value)),
                "--seconds" => seconds = value.parse().context("--seconds takes a number")?,
                "--concurrency" => {
                    concurrency = value.parse().context("--concurrency takes a number")?;
                }
                "--users" => users = value.parse().context("--users takes a number")?,
                "--database" => database = DatabaseKind::parse(value)?,
                "--report" => report = Some(PathBuf::from(value)),
                "--work-dir" => work_dir = Some(PathBuf::from(value)),
                other => bail!("unknown flag {other}; {}", usage()),
            }
        }
        let backend = backend.with_context(|| format!("--backend is required; {}", usage()))?;
        if !backend.is_file() {
            bail!("--backend {} is not a file", backend.display());
        }
        if !(1..=2400).contains(&seconds) {
            bail!("--seconds must be between 1 and 2400 (the site tokens live 50 minutes)");
        }
        if !(1..=2000).contains(&concurrency) {
            bail!("--concurrency must be between 1 and 2000");
        }
        if !(1..=500).contains(&users) {
            bail!("--users must be between 1 and 500");
        }
        // Default: beside the backend's build folder (target/release/x -> target/).
        let target = backend
            .parent()
            .and_then(Path::parent)
            .map_or_else(std::env::temp_dir, Path::to_path_buf);
        Ok(Options {
            report: report.unwrap_or_else(|| target.join("soak-report.md")),
            work_dir: work_dir.unwrap_or_else(|| target.join("soak")),
            backend,
            seconds,
            concurrency,
            users,
            database,
            seed_duplicate,
        })
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match Options::parse(&args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("soak: {error:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("soak: no tokio runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(soak(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("soak: error: {error:#}");
            println!("soak: 0 passed, 1 failed");
            ExitCode::from(1)
        }
    }
}

/// The secrets the backend is configured with.
struct Secrets {
    site_secret: String,
    encryption_keys: String,
    /// `HWR_WEBHOOK_SECRET`, shared with the job site's endpoint.
    webhook_secret: String,
}

/// Runs everything; true when every check of the report holds.
async fn soak(options: Options) -> Result<bool> {
    let started = Instant::now();
    if options.work_dir.exists() {
        // Only ever clear a folder an earlier soak left (or an empty one).
        let ours = options.work_dir.join("backend.log").exists()
            || options.work_dir.join("data").exists()
            || std::fs::read_dir(&options.work_dir)
                .map(|mut entries| entries.next().is_none())
                .unwrap_or(false);
        if !ours {
            bail!(
                "--work-dir {} exists and is not an earlier soak's folder; pick another",
                options.work_dir.display()
            );
        }
        std::fs::remove_dir_all(&options.work_dir).with_context(|| {
            format!(
                "failed to clear the work folder {}",
                options.work_dir.display()
            )
        })?;
    }
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("failed to create {}", options.work_dir.display()))?;
    let secrets = Secrets {
        site_secret: random_hex_64(),
        encryption_keys: encryption_keys(&options.backend).await?,
        webhook_secret: OutboundWebhooks::generate_secret(),
    };
    // A cookie jar, as in a browser: the consent's binding cookie must reach the callback.
    let client = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(20))
        .build()
        .context("failed to build the HTTP client")?;
    let observer = Arc::new(Observer::default());

    let job_site = JobSite::start(&secrets.webhook_secret, WEBHOOK_FAILURE_PERCENT).await?;
    let database = Database::create(options.database, &options.work_dir.join("data")).await?;
    let (sandbox, mut backend) =
        start_both(&options, &secrets, &database, job_site.url(), &client).await?;
    let backend_url = backend.url();
    eprintln!(
        "soak: sandbox at {}, backend at {backend_url} on {} (log {}), job site's webhooks at {}, {} s with {} workers",
        sandbox.base_url(),
        database.describe(),
        backend.log_path().display(),
        job_site.url(),
        options.seconds,
        options.concurrency
    );

    // Consent for every site user, before any fault is on.
    let tokens = consent::site_tokens(&secrets.site_secret, options.users);
    let evidence = consent::connect_all(&client, &backend_url, &tokens, &observer).await?;
    eprintln!("soak: {} site users connected", tokens.len());

    // The run: faults, workers, the kill and the restart.
    let shared = Arc::new(Shared::new(
        client.clone(),
        backend_url.clone(),
        tokens.clone(),
        Arc::clone(&observer),
    ));
    let run_started = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(options.seconds);
    let fault_task = tokio::spawn(faults::cycle(client.clone(), sandbox.base_url(), deadline));
    let mover_task = tokio::spawn(status_mover::run(
        client.clone(),
        sandbox.base_url(),
        Arc::clone(&shared),
        deadline,
    ));
    let kill_at = Duration::from_millis(options.seconds * 500);
    let watched = Arc::clone(&shared);
    let kill_task = tokio::spawn(async move {
        tokio::time::sleep(kill_at).await;
        let offset = run_started.elapsed();
        let in_flight = watched.in_flight();
        let outcome = backend
            .kill_and_restart(Duration::from_secs(1))
            .await
            .map(|kill| backend::KillReport {
                killed_after: offset,
                in_flight,
                ..kill
            });
        (backend, outcome)
    });
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..options.concurrency {
        let shared = Arc::clone(&shared);
        workers.spawn(async move { hires::worker(shared, worker, deadline).await });
    }
    let mut records: Vec<HireRecord> = Vec::new();
    while let Some(done) = workers.join_next().await {
        records.extend(done.context("a worker panicked")?);
    }
    let run_elapsed = run_started.elapsed();
    let fault_log = fault_task.await.context("the fault task panicked")??;
    let moves = mover_task.await.context("the status mover panicked")?;
    let (mut backend, kill) = kill_task.await.context("the kill task panicked")?;
    let kill = kill?;
    let requests_in_run = shared.requests();
    eprintln!(
        "soak: run over: {} hires in {:.1} s; reconciling",
        records.len(),
        run_elapsed.as_secs_f64()
    );

    // Reconciliation: no faults, every unresolved hire retried with its key.
    faults::clear(&client, &sandbox.base_url()).await?;
    let unresolved_at_deadline = records.iter().filter(|r| !r.outcome.is_final()).count();
    let reconcile_started = Instant::now();
    let records = hires::resolve(Arc::clone(&shared), records).await;
    let reconcile_elapsed = reconcile_started.elapsed();
    let state = faults::sandbox_state(&client, &sandbox.base_url()).await?;

    // The drain: every webhook owed, through the endpoint's failures and the kill's claims.
    let until = (Instant::now() + DRAIN).max(run_started + kill.killed_after + KILLED_CLAIM);
    eprintln!(
        "soak: {} status changes made; waiting up to {:.0} s for the webhooks owed",
        moves.changes.len(),
        until
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
    );
    let (webhooks, drain_elapsed) =
        deliveries::drain(&job_site, &state, &moves.changes, until).await;

    // The hire verdict, on the sandbox's employments as they are now.
    let seeded = if options.seed_duplicate {
        let seeded = duplicate::seed(&client, &sandbox.base_url(), &state, &records).await?;
        eprintln!("soak: seeded a duplicate: {}", seeded.describe());
        Some(seeded.describe())
    } else {
        None
    };
    let state = faults::sandbox_state(&client, &sandbox.base_url()).await?;
    let verdict = verdict::judge(&records, &state, &observer)?;

    // Stop the backend (gracefully: SIGTERM) before reading its files.
    let stopped = backend.stop().await;
    let needles = leaks::needles(&state, &evidence, &secrets, &records, &tokens);
    let scan = leaks::scan(&needles, backend.log_path(), &database, &evidence).await?;
    sandbox.stop().await;

    let context = report::RunContext {
        seconds: options.seconds,
        concurrency: options.concurrency,
        users: tokens.len(),
        users_per_company: evidence
            .users_per_company
            .iter()
            .map(|(name, n)| (name.clone(), *n))
            .collect(),
        database: database.describe(),
        run_elapsed,
        reconcile_elapsed,
        total_elapsed: started.elapsed(),
        requests_in_run,
        unresolved_at_deadline,
        kill,
        stopped,
        fault_log,
        log_path: backend.log_path().to_path_buf(),
        drain_elapsed,
        webhook_failure_percent: WEBHOOK_FAILURE_PERCENT,
        moves_refused: moves.refused,
        seeded,
    };
    let checks = report::checks(&context, &records, &verdict, &webhooks, &scan);
    let failed = report::failures(&checks);
    let passed = verdict.passed() + webhooks.created_delivered + webhooks.moved_delivered;
    let summary = format!("soak: {passed} passed, {failed} failed");
    let text = report::render(
        &context, &checks, &records, &verdict, &webhooks, &scan, &observer,
    );
    if let Some(folder) = options.report.parent() {
        let _ = std::fs::create_dir_all(folder);
    }
    let written = std::fs::write(&options.report, format!("{text}\n{summary}\n"));
    println!("{text}");
    match written {
        Ok(()) => eprintln!("soak: report written to {}", options.report.display()),
        Err(error) => eprintln!(
            "soak: failed to write the report to {}: {error}",
            options.report.display()
        ),
    }
    println!("{summary}");
    // The Postgres database is dropped here, after everything has read it.
    drop(database);
    Ok(failed == 0)
}

/// Starts the sandbox (registering the backend's redirect URI on a port picked up front) and the
/// backend; another process may take the port in between, so this tries a few ports.
async fn start_both(
    options: &Options,
    secrets: &Secrets,
    database: &Database,
    webhook_url: &str,
    client: &Client,
) -> Result<(Sandbox, Backend)> {
    let mut last_error = None;
    for attempt in 1..=4 {
        let port = free_port();
        let sandbox = Sandbox::start(load_sandbox_config(&format!(
            "http://127.0.0.1:{port}/oauth/callback"
        )))
        .await
        .context("the sandbox did not start")?;
        let mut settings = BackendSettings::new(
            port,
            &sandbox.base_url(),
            &HarnessSecrets {
                site_secret: secrets.site_secret.clone(),
                encryption_keys: secrets.encryption_keys.clone(),
            },
            &options.work_dir.join("data"),
        )
        .with("HWR_UPSTREAM_TIMEOUT_SECS", "2")
        .with("HWR_WEBHOOK_URL", webhook_url)
        .with("HWR_WEBHOOK_SECRET", &secrets.webhook_secret)
        .with("HWR_WEBHOOK_RETRY_SCHEDULE", WEBHOOK_RETRY_SCHEDULE);
        settings.log_filter = "info".to_owned();
        settings.database_url = Some(database.url());
        let spec = BackendSpec {
            binary: options.backend.clone(),
            settings,
            log: options.work_dir.join("backend.log"),
        };
        match Backend::start(spec, client.clone()).await {
            Ok(backend) => return Ok((sandbox, backend)),
            Err(error) => {
                eprintln!(
                    "soak: the backend did not start on port {port} (try {attempt}): {error:#}"
                );
                last_error = Some(error);
                sandbox.stop().await;
            }
        }
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("the backend did not start")))
}

/// `hire-with-remote keygen`'s output: the binary under test makes its own key, and a keygen
/// that fails fails the soak (the command is part of what ships).
async fn encryption_keys(binary: &Path) -> Result<String> {
    let output = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::process::Command::new(binary)
            .args(["keygen", "--id", "k1"])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .context("`hire-with-remote keygen --id k1` did not finish within 20 s")?
    .context("failed to run `hire-with-remote keygen --id k1`")?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() {
        bail!(
            "`hire-with-remote keygen --id k1` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    if !text.starts_with("k1:") || text.contains(char::is_whitespace) {
        bail!(
            "`hire-with-remote keygen --id k1` printed no key entry `k1:…` (it printed {} bytes)",
            text.len()
        );
    }
    Ok(text)
}

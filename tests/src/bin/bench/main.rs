//! `hwr-bench`: the backend measurements of `cargo xtask bench`, taken through the harness (the
//! sandbox and the backends started as `launch` configures them, a consent walked as a browser
//! does) and written as JSON for xtask to render into BENCHMARKS.md: start-up and memory, the
//! closed-loop rows (wrk against the backend on SQLite and Postgres, straight to the sandbox and
//! through nginx), the refresh storm, the open-loop rows (hires at a fixed arrival rate, read
//! without coordinated omission), webhook answer latency, and a profile of the hire path.
//!
//! `hwr-bench --binary PATH --out FILE [--only PART] [--rate 200] [--seconds 10] [--starts 10]
//! [--storm 1000] [--profile-binary PATH] [--work-dir DIR]`, where PART is `all` (the default),
//! `footprint`, `closed-loop`, `storm`, `open-loop`, `webhooks` or `profile`.

mod closed_loop;
mod footprint;
mod open_loop;
mod postgres;
mod processes;
mod profile;
mod servers;
mod storm;
mod webhooks;
mod wrk;

use std::{path::PathBuf, time::Duration};

use anyhow::{bail, Context, Result};
use hwr_integration_tests::{days_from_today, ClusterClient, JOB_SITE_ORIGIN};
use hwr_protocol::IDEMPOTENCY_KEY_HEADER;
use reqwest::{header, Client};
use serde::Serialize;
use serde_json::json;

use crate::{
    closed_loop::ClosedLoop, footprint::Startups, open_loop::OpenLoopRun, processes::Stack,
    profile::Profile, servers::Servers, storm::StormRun, webhooks::WebhookLatency,
};

/// The site user every hire runs as (one Remote connection).
const SITE_USER: &str = "bench-employer";

/// The parts of a run, in the order a full run measures them.
const PARTS: [&str; 6] = [
    "footprint",
    "closed-loop",
    "storm",
    "open-loop",
    "webhooks",
    "profile",
];

/// Command-line options.
struct Options {
    binary: PathBuf,
    out: PathBuf,
    work_dir: PathBuf,
    only: String,
    rate: u32,
    seconds: u32,
    starts: u32,
    storm: usize,
    profile_binary: Option<PathBuf>,
}

impl Options {
    /// True when `part` is measured in this run.
    fn wants(&self, part: &str) -> bool {
        self.only == "all" || self.only == part
    }
}

/// Everything this binary measured, as written to the JSON file (a part not measured is null).
#[derive(Serialize, Default)]
struct Measurements {
    /// Start-up times and memory right after a start.
    startups: Option<Startups>,
    /// wrk rows: the backend on each database, the direct and nginx baselines.
    closed_loop: Option<ClosedLoop>,
    /// The refresh storm per database.
    storms: Vec<StormRun>,
    /// Hires through the backend, then employments straight to the sandbox, at one rate.
    open_loop: Option<Vec<OpenLoopRun>>,
    /// Answers to Remote's webhook deliveries.
    webhooks: Option<WebhookLatency>,
    /// perf and strace on the hire path.
    profile: Option<Profile>,
    /// Why the profile could not be taken.
    profile_error: Option<String>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let options = parse(std::env::args().skip(1).collect())?;
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("failed to create {}", options.work_dir.display()))?;
    let measurements = measure_parts(&options).await?;
    if let Some(folder) = options.out.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(&options.out, serde_json::to_vec_pretty(&measurements)?)
        .with_context(|| format!("failed to write {}", options.out.display()))?;
    eprintln!("bench: measurements written to {}", options.out.display());
    Ok(())
}

fn parse(args: Vec<String>) -> Result<Options> {
    let usage = "expected --binary PATH --out FILE [--only PART] [--rate N] [--seconds N] \
                 [--starts N] [--storm N] [--profile-binary PATH] [--work-dir DIR]";
    let (mut binary, mut out, mut work_dir, mut profile_binary) = (None, None, None, None);
    let mut only = "all".to_owned();
    let (mut rate, mut seconds, mut starts, mut storm) = (200, 10, 10, 1000);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .with_context(|| format!("{flag} needs a value; {usage}"))?;
        let number = || -> Result<u32> {
            match value.parse() {
                Ok(n) if n > 0 => Ok(n),
                _ => bail!("{flag} takes a positive number, not {value:?}"),
            }
        };
        match flag.as_str() {
            "--binary" => binary = Some(PathBuf::from(value)),
            "--out" => out = Some(PathBuf::from(value)),
            "--work-dir" => work_dir = Some(PathBuf::from(value)),
            "--profile-binary" => profile_binary = Some(PathBuf::from(value)),
            "--only" if value == "all" || PARTS.contains(&value.as_str()) => {
                only.clone_from(value);
            }
            "--only" => bail!("--only takes all or one of {PARTS:?}, not {value:?}"),
            "--rate" => rate = number()?,
            "--seconds" => seconds = number()?,
            "--starts" => starts = number()?.max(2),
            "--storm" => storm = number()? as usize,
            other => bail!("unexpected argument {other:?}; {usage}"),
        }
    }
    Ok(Options {
        binary: binary.with_context(|| format!("--binary is missing; {usage}"))?,
        out: out.with_context(|| format!("--out is missing; {usage}"))?,
        work_dir: work_dir.unwrap_or_else(|| {
            std::env::temp_dir().join(format!("hwr-bench-{}", std::process::id()))
        }),
        only,
        rate,
        seconds,
        starts,
        storm,
        profile_binary,
    })
}

/// Measures the parts `--only` asks for, one sandbox process for all but the open loop (which
/// starts its own stack).
async fn measure_parts(options: &Options) -> Result<Measurements> {
    let date = days_from_today(45);
    let mut measurements = Measurements::default();
    let servers = Servers::start(&options.binary, &options.work_dir.join("closed-loop")).await?;
    if options.wants("footprint") {
        measurements.startups = Some(footprint::measure_startups(&servers, options.starts).await?);
    }
    if options.wants("closed-loop") {
        let plan = closed_loop::Plan {
            seconds: options.seconds,
            concurrency: vec![1, 64, 256],
            storm: options.storm,
        };
        let (closed, storms) = closed_loop::measure(&servers, &plan, &date).await?;
        measurements.closed_loop = Some(closed);
        measurements.storms = storms;
    } else if options.only == "storm" {
        let sqlite = servers::Database::Sqlite(options.work_dir.join("storm-data"));
        let (backend, _) = servers
            .start_backend("backend-storm", &options.binary, &sqlite, &[])
            .await?;
        measurements.storms = vec![storm::run_kept(&servers, options.storm, &date, "SQLite").await];
        drop(backend);
    }
    if options.wants("open-loop") {
        measurements.open_loop = Some(measure_open_loop(options).await?);
    }
    if options.wants("webhooks") {
        measurements.webhooks = Some(webhooks::measure(&servers, &date).await?);
    }
    if options.wants("profile") {
        match &options.profile_binary {
            Some(binary) => {
                match profile::measure(&servers, binary, options.seconds, &date).await {
                    Ok(profile) => measurements.profile = Some(profile),
                    Err(error) => {
                        eprintln!("bench: the profile failed: {error:#}");
                        measurements.profile_error = Some(format!("{error:#}"));
                    }
                }
            }
            None if options.only == "profile" => bail!("--only profile needs --profile-binary"),
            None => {}
        }
    }
    Ok(measurements)
}

async fn measure_open_loop(options: &Options) -> Result<Vec<OpenLoopRun>> {
    let probe = Client::new();
    let stack = Stack::start(&options.binary, &options.work_dir.join("open-loop"), &probe).await?;
    let backend = stack.settings.url();
    let browser = ClusterClient::for_backends(
        std::slice::from_ref(&backend),
        &stack.sandbox_url,
        &stack.settings.site_secret,
    );
    // The load's own client: no cookies, a connection per request in flight.
    let load = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let date = days_from_today(45);
    let (rate, seconds) = (options.rate, options.seconds);

    reset_sandbox(&load, &stack.sandbox_url).await?;
    browser.connect_and_consent_at(&backend, SITE_USER).await;
    let token = browser.token(SITE_USER);
    let hire = |tag: &'static str| {
        let (load, url, token, date) = (
            load.clone(),
            format!("{backend}/api/v1/hires"),
            token.clone(),
            date.clone(),
        );
        move |i: usize| {
            let key = format!("{tag}-{}-{i}", std::process::id());
            load.post(&url)
                .bearer_auth(&token)
                .header(header::ORIGIN, JOB_SITE_ORIGIN)
                .header(IDEMPOTENCY_KEY_HEADER, &key)
                .json(&json!({
                    "full_name": format!("Bench {key}"),
                    "job_title": "Engineer",
                    "personal_email": format!("{key}@bench.example"),
                    "provisional_start_date": date,
                    "country_code": "PT",
                }))
        }
    };
    // Warm-up, not recorded: pools, page cache, prepared statements.
    open_loop::run("warm-up", rate, 1, hire("warm")).await;
    let backend_run = open_loop::run("backend hire, SQLite", rate, seconds, hire("open")).await;

    reset_sandbox(&load, &stack.sandbox_url).await?;
    let access_token = direct_token(&browser, &load, &stack).await?;
    let employment = |tag: &'static str| {
        let (load, url, access_token, date) = (
            load.clone(),
            format!("{}/v1/employments", stack.sandbox_url),
            access_token.clone(),
            date.clone(),
        );
        move |i: usize| {
            let key = format!("{tag}-{}-{i}", std::process::id());
            load.post(&url).bearer_auth(&access_token).json(&json!({
                "country_code": "PRT",
                "type": "employee",
                "external_id": key,
                "basic_information": {
                    "name": format!("Bench {key}"),
                    "email": format!("{key}@bench.example"),
                    "job_title": "Engineer",
                    "provisional_start_date": date,
                    "has_seniority_date": "no",
                },
            }))
        }
    };
    open_loop::run("warm-up", rate, 1, employment("direct-warm")).await;
    let direct_run = open_loop::run(
        "direct to sandbox `POST /v1/employments`",
        rate,
        seconds,
        employment("direct"),
    )
    .await;
    Ok(vec![backend_run, direct_run])
}

/// `POST /__sandbox/reset`: an empty employment list (and no tokens: consent again after it).
async fn reset_sandbox(http: &Client, sandbox_url: &str) -> Result<()> {
    let answer = http
        .post(format!("{sandbox_url}/__sandbox/reset"))
        .send()
        .await?;
    if !answer.status().is_success() {
        bail!("POST /__sandbox/reset answered {}", answer.status());
    }
    Ok(())
}

/// An access token for the sandbox from a consent and a code exchange made by this process (no
/// PKCE): the baseline calls Remote as the backend would, minus the backend.
async fn direct_token(browser: &ClusterClient, http: &Client, stack: &Stack) -> Result<String> {
    let answer = servers::direct_token_answer(
        browser,
        http,
        &stack.sandbox_url,
        &stack.settings.redirect_uri(),
    )
    .await?;
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("no access_token in the token answer")
}

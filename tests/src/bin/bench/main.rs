//! `hwr-bench`: the backend measurements of `cargo xtask bench`, taken through the harness (the
//! sandbox and the backend started as `launch` configures them, a consent walked as a browser
//! does) and written as JSON for xtask to render into BENCHMARKS.md. It measures the open-loop
//! rows: hires through the backend at a fixed arrival rate, and the same rate of
//! `POST /v1/employments` straight to the sandbox, so the backend's added p99 is read without
//! coordinated omission.
//!
//! `hwr-bench --binary PATH --out FILE [--rate 200] [--seconds 10] [--work-dir DIR]`

mod open_loop;
mod processes;

use std::{path::PathBuf, time::Duration};

use anyhow::{bail, Context, Result};
use hwr_integration_tests::{
    days_from_today, ClusterClient, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, JOB_SITE_ORIGIN,
};
use hwr_protocol::IDEMPOTENCY_KEY_HEADER;
use reqwest::{header, Client};
use serde::Serialize;
use serde_json::{json, Value};
use url::Url;

use crate::{open_loop::OpenLoopRun, processes::Stack};

/// The site user every hire runs as (one Remote connection).
const SITE_USER: &str = "bench-employer";

/// Command-line options.
struct Options {
    binary: PathBuf,
    out: PathBuf,
    work_dir: PathBuf,
    rate: u32,
    seconds: u32,
}

/// Everything this binary measured, as written to the JSON file.
#[derive(Serialize)]
struct Measurements {
    /// Hires through the backend, then employments straight to the sandbox, at one rate.
    open_loop: Vec<OpenLoopRun>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let options = parse(std::env::args().skip(1).collect())?;
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("failed to create {}", options.work_dir.display()))?;
    let measurements = measure(&options).await?;
    if let Some(folder) = options.out.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(&options.out, serde_json::to_vec_pretty(&measurements)?)
        .with_context(|| format!("failed to write {}", options.out.display()))?;
    eprintln!("bench: measurements written to {}", options.out.display());
    Ok(())
}

fn parse(args: Vec<String>) -> Result<Options> {
    let usage = "expected --binary PATH --out FILE [--rate N] [--seconds N] [--work-dir DIR]";
    let (mut binary, mut out, mut work_dir) = (None, None, None);
    let (mut rate, mut seconds) = (200, 10);
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
            "--rate" => rate = number()?,
            "--seconds" => seconds = number()?,
            other => bail!("unexpected argument {other:?}; {usage}"),
        }
    }
    Ok(Options {
        binary: binary.with_context(|| format!("--binary is missing; {usage}"))?,
        out: out.with_context(|| format!("--out is missing; {usage}"))?,
        work_dir: work_dir.unwrap_or_else(|| {
            std::env::temp_dir().join(format!("hwr-bench-{}", std::process::id()))
        }),
        rate,
        seconds,
    })
}

async fn measure(options: &Options) -> Result<Measurements> {
    let probe = Client::new();
    let stack = Stack::start(&options.binary, &options.work_dir, &probe).await?;
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
    Ok(Measurements {
        open_loop: vec![backend_run, direct_run],
    })
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
    let redirect_uri = stack.settings.redirect_uri();
    let authorize = Url::parse_with_params(
        &format!("{}/auth/oauth2/authorize", stack.sandbox_url),
        [
            ("client_id", DEMO_CLIENT_ID),
            ("redirect_uri", &redirect_uri),
            ("response_type", "code"),
            ("state", "bench"),
        ],
    )?;
    let callback = browser.answer_consent(&authorize, "allow").await;
    let code = callback
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, value)| value.into_owned())
        .context("no code in the consent's redirect")?;
    let answer: Value = http
        .post(format!("{}/auth/oauth2/token", stack.sandbox_url))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("no access_token in the token answer")
}

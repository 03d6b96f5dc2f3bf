//! Remote's webhooks → the backend: how fast `POST /webhooks/remote` is answered while Remote is
//! slow to answer the employment re-read (a 300 ms fault on `GET /v1/employments/{id}`) and the
//! job site's webhook endpoint hangs for 2 s and then fails. The sandbox delivers, as Remote
//! would, after status changes made through `PATCH /v1/sandbox/employments/{id}` from eight
//! threads at once, and records how long each answer took; the budget is p99 ≤ 50 ms.

use std::{
    io::{Read, Write},
    net::TcpListener,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::{
    http,
    stack::{Database, Stack},
};

/// The budget: p99 of the backend's answer to a delivery.
pub(crate) const BUDGET_P99_MS: f64 = 50.0;

/// Hires whose status is moved along (each move delivers two or three webhooks).
const HIRES: usize = 40;

/// What was measured.
pub(crate) struct WebhookLatency {
    /// Deliveries answered 200.
    pub(crate) answered: usize,
    /// Deliveries answered otherwise (or not at all).
    pub(crate) refused: usize,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
}

/// A job-site endpoint that holds each request for 2 s, then answers 500.
fn hanging_job_site() -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/hooks", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buffer = [0u8; 16 * 1024];
                let _ = stream.read(&mut buffer);
                std::thread::sleep(Duration::from_secs(2));
                let _ = stream.write_all(
                    b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            });
        }
    });
    Ok(url)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs the measurement on a SQLite backend of its own.
pub(crate) fn measure(stack: &Stack, date: &str) -> Result<WebhookLatency> {
    say!("webhooks from Remote");
    stack.reset_sandbox()?;
    let data_dir = stack.dir.join("webhooks-data");
    let job_site = hanging_job_site()?;
    let mut command = stack.backend_command(&stack.binary, &Database::Sqlite(data_dir));
    command.env("HWR_WEBHOOK_URL", &job_site).env(
        "HWR_WEBHOOK_SECRET",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    );
    let mut backend = super::procs::Proc::spawn("backend-webhooks", &mut command, &stack.dir)?;
    backend.wait_ready(&format!("{}/healthz", stack.backend_url()), Instant::now())?;
    stack.connect_backend()?;
    let mut employments = Vec::new();
    for n in 0..HIRES {
        let hired = stack
            .one_hire(&format!("webhook-bench-{n}"), date)?
            .expect(201, "POST /api/v1/hires")?;
        let body: Value = serde_json::from_str(&hired.body)?;
        employments.push(
            body["employment_id"]
                .as_str()
                .context("no employment_id")?
                .to_owned(),
        );
    }
    // The registration follows consent in the background: wait for it.
    let (token, _) = stack.direct_token()?;
    let bearer = format!("Bearer {token}");
    let callbacks = format!("{}/v1/webhook-callbacks", stack.sandbox_url);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !http::get(&callbacks, &[("Authorization", &bearer)])?
        .body
        .contains("/webhooks/remote")
    {
        if Instant::now() > deadline {
            bail!("the backend registered no webhook callback at the sandbox");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let fault = http::post_json(
        &format!("{}/__sandbox/faults", stack.sandbox_url),
        &[],
        r#"{"route":"GET /v1/employments/{id}","latency_ms":300}"#,
    )?;
    if !(200..300).contains(&fault.status) {
        bail!(
            "POST /__sandbox/faults answered {}: {}",
            fault.status,
            fault.body
        );
    }

    // Eight threads move every hire to invited, then active.
    std::thread::scope(|scope| -> Result<()> {
        let mut workers = Vec::new();
        for chunk in employments.chunks(HIRES.div_ceil(8)) {
            let (sandbox, bearer) = (&stack.sandbox_url, &bearer);
            workers.push(scope.spawn(move || -> Result<()> {
                for status in ["invited", "active"] {
                    for id in chunk {
                        http::request(
                            "PATCH",
                            &format!("{sandbox}/v1/sandbox/employments/{id}"),
                            &[
                                ("Authorization", bearer),
                                ("Content-Type", "application/json"),
                            ],
                            Some(format!(r#"{{"status":"{status}"}}"#).as_bytes()),
                        )?
                        .expect(200, "PATCH /v1/sandbox/employments/{id}")?;
                    }
                }
                Ok(())
            }));
        }
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a PATCH thread panicked"))??;
        }
        Ok(())
    })?;

    // Wait for the deliveries to settle, then read how long each answer took.
    let log = format!("{}/__sandbox/webhooks", stack.sandbox_url);
    let mut last = 0;
    let mut attempts: Vec<Value> = Vec::new();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(200));
        attempts = serde_json::from_str(&http::get(&log, &[])?.body)?;
        if attempts.len() == last && last > 0 {
            break;
        }
        last = attempts.len();
    }
    drop(backend);
    let mut answered: Vec<f64> = attempts
        .iter()
        .filter(|a| a["status"] == 200)
        .filter_map(|a| a["answered_in_ms"].as_f64())
        .collect();
    answered.sort_by(f64::total_cmp);
    let refused = attempts.len() - answered.len();
    if answered.is_empty() {
        bail!("no webhook delivery was answered 200: {attempts:?}");
    }
    let latency = WebhookLatency {
        answered: answered.len(),
        refused,
        p50_ms: percentile(&answered, 50.0),
        p99_ms: percentile(&answered, 99.0),
        max_ms: answered.last().copied().unwrap_or(f64::NAN),
    };
    say!(
        "  {} deliveries answered 200 (p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms), {} otherwise",
        latency.answered,
        latency.p50_ms,
        latency.p99_ms,
        latency.max_ms,
        latency.refused
    );
    Ok(latency)
}

/// The budget row.
pub(crate) fn budget_row(latency: &WebhookLatency) -> String {
    let met = latency.p99_ms <= BUDGET_P99_MS && latency.refused == 0;
    format!(
        "| a webhook from Remote answered ≤ {BUDGET_P99_MS:.0} ms p99, with Remote 300 ms slow and the job site hanging 2 s | p99 {:.1} ms (p50 {:.1}, max {:.1}) over {} deliveries, {} not answered 200 | {} |\n",
        latency.p99_ms,
        latency.p50_ms,
        latency.max_ms,
        latency.answered,
        latency.refused,
        if met { "met" } else { "**missed**" }
    )
}

//! Remote's webhooks → the backend: how fast `POST /webhooks/remote` is answered while Remote is
//! slow to answer the employment re-read (a 300 ms fault on `GET /v1/employments/{id}`) and the
//! job site's webhook endpoint hangs for 2 s and then fails. The sandbox delivers, as Remote
//! would, after status changes made through `PATCH /v1/sandbox/employments/{id}` from eight
//! tasks at once, and records how long each answer took.

use std::{
    io::{Read, Write},
    net::TcpListener,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use hwr_bench_measurements::WebhookLatency;
use serde_json::{json, Value};

use crate::{
    open_loop::percentile,
    servers::{Database, Servers},
};

/// Hires whose status is moved along (each move delivers two or three webhooks).
const HIRES: usize = 40;

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

/// Runs the measurement on a SQLite backend of its own.
pub(crate) async fn measure(servers: &Servers, date: &str) -> Result<WebhookLatency> {
    eprintln!("bench: webhooks from Remote");
    servers.reset_sandbox().await?;
    let job_site = hanging_job_site()?;
    let (backend, _) = servers
        .start_backend(
            "backend-webhooks",
            &servers.binary,
            &Database::Sqlite(servers.dir.join("webhooks-data")),
            &[
                ("HWR_WEBHOOK_URL", &job_site),
                (
                    "HWR_WEBHOOK_SECRET",
                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                ),
            ],
        )
        .await?;
    servers.connect_backend().await;
    let mut employments = Vec::new();
    for n in 0..HIRES {
        let hired = servers
            .hire_created(&format!("webhook-bench-{}-{n}", std::process::id()), date)
            .await?;
        employments.push(
            hired["employment_id"]
                .as_str()
                .context("no employment_id in the hire's answer")?
                .to_owned(),
        );
    }
    // The registration follows consent in the background: wait for it.
    let (token, _) = servers.direct_token().await?;
    let http = &servers.http;
    let callbacks = format!("{}/v1/webhook-callbacks", servers.sandbox_url);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !http
        .get(&callbacks)
        .bearer_auth(&token)
        .send()
        .await?
        .text()
        .await?
        .contains("/webhooks/remote")
    {
        if Instant::now() > deadline {
            bail!("the backend registered no webhook callback at the sandbox");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    servers
        .fault(json!({"route": "GET /v1/employments/{id}", "latency_ms": 300}))
        .await?;

    // Eight tasks move every hire to invited, then active.
    let mut workers = Vec::new();
    for chunk in employments.chunks(HIRES.div_ceil(8)) {
        let (http, token, sandbox) = (http.clone(), token.clone(), servers.sandbox_url.clone());
        let chunk = chunk.to_vec();
        workers.push(tokio::spawn(async move {
            for status in ["invited", "active"] {
                for id in &chunk {
                    let answer = http
                        .patch(format!("{sandbox}/v1/sandbox/employments/{id}"))
                        .bearer_auth(&token)
                        .json(&json!({"status": status}))
                        .send()
                        .await?;
                    if answer.status() != reqwest::StatusCode::OK {
                        bail!(
                            "PATCH /v1/sandbox/employments/{{id}} answered {}",
                            answer.status()
                        );
                    }
                }
            }
            Ok(())
        }));
    }
    for worker in workers {
        worker.await??;
    }

    // Wait for the deliveries to settle, then read how long each answer took.
    let log = format!("{}/__sandbox/webhooks", servers.sandbox_url);
    let mut last = 0;
    let mut attempts: Vec<Value> = Vec::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        attempts = http.get(&log).send().await?.json().await?;
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
    eprintln!(
        "bench:   {} deliveries answered 200 (p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms), {} otherwise",
        latency.answered, latency.p50_ms, latency.p99_ms, latency.max_ms, latency.refused
    );
    Ok(latency)
}

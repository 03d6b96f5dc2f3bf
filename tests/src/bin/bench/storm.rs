//! The refresh storm: N hires at once (N connections opened first, then released together) for
//! one connection whose access token Remote has just expired. The backend must refresh once
//! (single flight) and every hire must still succeed.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use anyhow::Result;
use hwr_bench_measurements::{Storm, StormRun};
use hwr_integration_tests::JOB_SITE_ORIGIN;
use hwr_protocol::IDEMPOTENCY_KEY_HEADER;
use reqwest::{header, Client};
use serde_json::json;
use tokio::{sync::Barrier, time::Instant};

use crate::{open_loop::percentile, servers::Servers};

/// Runs the storm against the running backend.
pub(crate) async fn run(servers: &Servers, hires: usize, date: &str, label: &str) -> Result<Storm> {
    eprintln!("bench: refresh storm on {label}: {hires} concurrent hires on an expired token");
    servers.reset_sandbox().await?;
    servers.connect_backend().await;
    servers
        .hire_created(&format!("storm-{label}-warm-{}", std::process::id()), date)
        .await?;
    servers.expire_tokens().await?;
    let before = servers.token_requests("refresh_token").await?;

    let url = format!("{}/api/v1/hires", servers.backend_url());
    let healthz = format!("{}/healthz", servers.backend_url());
    let token = servers.site_token();
    let barrier = Arc::new(Barrier::new(hires + 1));
    let mut tasks = Vec::with_capacity(hires);
    for i in 0..hires {
        let (barrier, url, healthz, token) =
            (barrier.clone(), url.clone(), healthz.clone(), token.clone());
        let key = format!("storm-{label}-{}-{i}", std::process::id());
        let date = date.to_owned();
        tasks.push(tokio::spawn(async move {
            // A client of its own, its connection opened before the release.
            let client = Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(120))
                .build();
            let opened = match &client {
                Ok(client) => client.get(&healthz).send().await.is_ok(),
                Err(_) => false,
            };
            barrier.wait().await;
            let (Ok(client), true) = (client, opened) else {
                return ("connect failed".to_owned(), f64::NAN);
            };
            let started = Instant::now();
            let answer = client
                .post(&url)
                .bearer_auth(&token)
                .header(header::ORIGIN, JOB_SITE_ORIGIN)
                .header(IDEMPOTENCY_KEY_HEADER, &key)
                .json(&json!({
                    "full_name": format!("Storm {i}"),
                    "job_title": "Engineer",
                    "personal_email": format!("{key}@bench.example"),
                    "provisional_start_date": date,
                    "country_code": "PT",
                }))
                .send()
                .await;
            let status = match answer {
                Ok(answer) => {
                    let status = answer.status().as_u16().to_string();
                    let _ = answer.bytes().await;
                    status
                }
                Err(_) => "no answer".to_owned(),
            };
            (status, started.elapsed().as_secs_f64() * 1e3)
        }));
    }
    // Let every task connect, then release them together.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    barrier.wait().await;
    let mut statuses = BTreeMap::new();
    let mut latencies = Vec::with_capacity(hires);
    for task in tasks {
        let (status, ms) = task
            .await
            .unwrap_or_else(|_| ("panicked".to_owned(), f64::NAN));
        *statuses.entry(status).or_insert(0) += 1;
        if ms.is_finite() {
            latencies.push(ms);
        }
    }
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    let after = servers.token_requests("refresh_token").await?;
    latencies.sort_by(f64::total_cmp);
    let storm = Storm {
        hires,
        statuses,
        refreshes: after - before,
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        wall_ms,
    };
    eprintln!(
        "bench:   {} refresh call(s), statuses {:?}, p99 {:.0} ms",
        storm.refreshes, storm.statuses, storm.p99_ms
    );
    Ok(storm)
}

/// Runs the storm and keeps its failure as a row instead of ending the run.
pub(crate) async fn run_kept(servers: &Servers, hires: usize, date: &str, label: &str) -> StormRun {
    match run(servers, hires, date, label).await {
        Ok(storm) => StormRun {
            database: label.to_owned(),
            storm: Some(storm),
            error: None,
        },
        Err(error) => {
            eprintln!("bench: the refresh storm on {label} failed: {error:#}");
            StormRun {
                database: label.to_owned(),
                storm: None,
                error: Some(format!("{error:#}")),
            }
        }
    }
}

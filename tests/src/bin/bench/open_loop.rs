//! Open-loop load: request `i` is sent at `t0 + i / rate` whether or not the earlier ones have
//! been answered, and its latency is measured from that intended send time. A stall then shows
//! in the latency of every request scheduled during it (coordinated omission corrected), where a
//! closed loop (wrk's `-c` connections, each waiting for its answer) would simply send less.
//! Two rows at one rate: hires through a backend on SQLite, then the same candidates' employments
//! straight to the sandbox.

use std::{path::Path, time::Duration};

use anyhow::Result;
use hwr_bench_measurements::OpenLoopRun;
use reqwest::{Client, RequestBuilder};
use tokio::time::Instant;

use crate::servers::{Database, Servers};

/// Hires through a backend on SQLite in `data_dir`, then employments straight to the sandbox,
/// each at `rate` per second for `seconds` after a one-second warm-up that is not recorded
/// (pools, page cache, prepared statements).
pub(crate) async fn measure(
    servers: &Servers,
    data_dir: &Path,
    rate: u32,
    seconds: u32,
    date: &str,
) -> Result<Vec<OpenLoopRun>> {
    let sqlite = Database::Sqlite(data_dir.to_owned());
    let (backend, _) = servers
        .start_backend("backend-open-loop", &servers.binary, &sqlite, &[])
        .await?;
    // The load's own client: no cookies, a connection per request in flight.
    let load = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let tagged = |tag: &str, i: usize| format!("{tag}-{}-{i}", std::process::id());

    servers.reset_sandbox().await?;
    servers.connect_backend().await;
    let site_token = servers.site_token();
    let hire = |tag: &'static str| {
        let (load, site_token) = (&load, &site_token);
        move |i: usize| servers.hire_request(load, site_token, &tagged(tag, i), date)
    };
    run("warm-up", rate, 1, hire("warm")).await;
    let backend_run = run("backend hire, SQLite", rate, seconds, hire("open")).await;

    servers.reset_sandbox().await?;
    let (access_token, _) = servers.direct_token().await?;
    let employment = |tag: &'static str| {
        let (load, access_token) = (&load, &access_token);
        move |i: usize| servers.employment_request(load, access_token, &tagged(tag, i), date)
    };
    run("warm-up", rate, 1, employment("direct-warm")).await;
    let direct_run = run(
        "direct to sandbox `POST /v1/employments`",
        rate,
        seconds,
        employment("direct"),
    )
    .await;
    drop(backend);
    Ok(vec![backend_run, direct_run])
}

/// Sends `request(i)` at `rate` per second for `seconds`, and waits for every answer.
pub(crate) async fn run(
    path: &str,
    rate: u32,
    seconds: u32,
    request: impl Fn(usize) -> RequestBuilder,
) -> OpenLoopRun {
    let total = rate as usize * seconds as usize;
    let period = Duration::from_secs(1) / rate.max(1);
    let t0 = Instant::now() + Duration::from_millis(50);
    let mut answers = Vec::with_capacity(total);
    let mut worst_lag = Duration::ZERO;
    for i in 0..total {
        let intended = t0 + period * i as u32;
        tokio::time::sleep_until(intended).await;
        worst_lag = worst_lag.max(intended.elapsed());
        let request = request(i);
        answers.push(tokio::spawn(async move {
            let ok = match request.send().await {
                Ok(answer) => {
                    let success = answer.status().is_success();
                    answer.bytes().await.is_ok() && success
                }
                Err(_) => false,
            };
            (ok, intended.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut ok = 0;
    for answer in answers {
        let (success, latency) = answer.await.unwrap_or((false, Duration::MAX));
        if success {
            ok += 1;
        }
        if latency != Duration::MAX {
            latencies.push(latency.as_secs_f64() * 1e3);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let run = OpenLoopRun {
        path: path.to_owned(),
        rate_per_second: rate,
        seconds,
        sent: total,
        ok,
        errors: total - ok,
        p50_ms: percentile(&latencies, 50.0),
        p90_ms: percentile(&latencies, 90.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        worst_send_lag_ms: worst_lag.as_secs_f64() * 1e3,
    };
    eprintln!(
        "bench: open loop {path} at {rate}/s: p50 {:.2} ms, p99 {:.2} ms, {} errors",
        run.p50_ms, run.p99_ms, run.errors
    );
    run
}

/// Nearest-rank percentile of sorted values (NaN when there are none).
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{percentile, run};

    #[test]
    fn the_99th_percentile_of_a_hundred_values_is_the_99th() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 99.0), 99.0);
        assert_eq!(percentile(&values, 50.0), 50.0);
    }

    #[tokio::test]
    async fn requests_go_out_at_the_rate_even_when_each_answer_takes_longer_than_the_interval() {
        // Arrange: a server that answers every request after 200 ms.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let slow = axum::Router::new().route(
            "/",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                "ok"
            }),
        );
        tokio::spawn(async move { axum::serve(listener, slow).await });
        let client = reqwest::Client::new();

        // Act: 50 requests a second for one second.
        let started = std::time::Instant::now();
        let measured = run("slow", 50, 1, |_| client.get(&url)).await;

        // Assert: all 50 sent and answered in about a second plus one answer, not 50 answers
        // one after the other (10 s), and each latency includes the 200 ms.
        assert_eq!((measured.sent, measured.ok), (50, 50));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the sender waited for answers: {:?}",
            started.elapsed()
        );
        assert!(measured.p50_ms >= 200.0, "p50 {} ms", measured.p50_ms);
    }
}

//! Faults at the sandbox during the run: steady 5% 503s on `GET /v1/employments` (the
//! reconciliation look-up) and `POST /v1/magic-link`, and on `POST /v1/employments` a 5% fault
//! that changes every ~10 s among 503, 429, a hang and "create, then fail" (a new fault on a
//! route replaces the old one). Also the sandbox's state, read after the run.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use reqwest::Client;
use serde_json::{json, Value};
use tokio::time::Instant;

/// The chance each fault fires on a matching call.
const PROBABILITY: f64 = 0.05;
/// How long each `POST /v1/employments` fault stays before the next replaces it (shorter runs
/// shorten it, so that every kind of fault gets a turn).
const PERIOD: Duration = Duration::from_secs(10);

/// The cycle on `POST /v1/employments`, with a short name for the report.
fn employment_faults() -> [(&'static str, Value); 4] {
    let route = "POST /v1/employments";
    [
        (
            "503",
            json!({"route": route, "status": 503, "probability": PROBABILITY}),
        ),
        (
            "429",
            json!({"route": route, "status": 429, "probability": PROBABILITY}),
        ),
        (
            "hang",
            json!({"route": route, "hang": true, "probability": PROBABILITY}),
        ),
        (
            "create_then_fail",
            json!({"route": route, "create_then_fail": true, "probability": PROBABILITY}),
        ),
    ]
}

/// Registers the steady faults, then cycles the employment fault until `deadline`. Returns what
/// was switched on, when.
pub(crate) async fn cycle(
    client: Client,
    sandbox: String,
    deadline: Instant,
) -> Result<Vec<String>> {
    let started = Instant::now();
    let period = PERIOD.min(deadline.saturating_duration_since(started) / 4);
    let period = period.max(Duration::from_secs(1));
    let mut log = Vec::new();
    for route in ["GET /v1/employments", "POST /v1/magic-link"] {
        add(
            &client,
            &sandbox,
            &json!({"route": route, "status": 503, "probability": PROBABILITY}),
        )
        .await?;
        log.push(format!("0 s: {route} 503 at 5% (whole run)"));
    }
    let cycle = employment_faults();
    for (turn, (name, fault)) in cycle.iter().cycle().enumerate() {
        let now = Instant::now();
        if now >= deadline || turn > 10_000 {
            break;
        }
        add(&client, &sandbox, fault).await?;
        log.push(format!(
            "{:.1} s: POST /v1/employments {name} at 5%",
            (now - started).as_secs_f64()
        ));
        tokio::time::sleep_until((now + period).min(deadline)).await;
    }
    Ok(log)
}

async fn add(client: &Client, sandbox: &str, fault: &Value) -> Result<()> {
    let answer = client
        .post(format!("{sandbox}/__sandbox/faults"))
        .json(fault)
        .send()
        .await
        .context("the sandbox did not take a fault")?;
    if answer.status() != 201 {
        bail!(
            "the sandbox refused the fault {fault}: {} {}",
            answer.status(),
            answer.text().await.unwrap_or_default()
        );
    }
    Ok(())
}

/// `DELETE /__sandbox/faults`.
pub(crate) async fn clear(client: &Client, sandbox: &str) -> Result<()> {
    let answer = client
        .delete(format!("{sandbox}/__sandbox/faults"))
        .send()
        .await
        .context("the sandbox did not clear its faults")?;
    if !answer.status().is_success() {
        bail!("clearing the faults answered {}", answer.status());
    }
    Ok(())
}

/// `GET /__sandbox/state`.
pub(crate) async fn sandbox_state(client: &Client, sandbox: &str) -> Result<Value> {
    let answer = client
        .get(format!("{sandbox}/__sandbox/state"))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .context("the sandbox's state did not come")?;
    if answer.status() != 200 {
        bail!("GET /__sandbox/state answered {}", answer.status());
    }
    answer
        .json()
        .await
        .context("the sandbox's state is not JSON")
}

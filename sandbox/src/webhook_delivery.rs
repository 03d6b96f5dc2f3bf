//! Delivering webhook events as Remote does. When an employment event happens, each of the
//! company's callbacks subscribed to its type gets one recorded event (`GET /v1/webhook-events`)
//! and a background series of attempts, so the request that caused it never waits.
//!
//! An attempt is `POST url` with the flat body `{"event_type","company_id","employment_id"}`
//! (the same bytes every time), `Content-Type: application/json`, `X-Remote-Timestamp` (Unix
//! milliseconds of the series' first attempt, unchanged on retries) and `X-Remote-Signature`
//! (see `webhook_signature`). A 2xx answer delivers it; any other status, a timeout
//! (`webhook_timeout`, 5 s) or a connection error is retried after 1 s, 2 s, 4 s, 8 s and 16 s
//! (`webhook_retry_delays`): six attempts at most. Redirects are not followed. Every attempt is
//! traced and kept for `GET /__sandbox/webhooks`. A replay starts a new series with a new
//! timestamp. A reset, a stopped sandbox or a deleted callback ends a series.

use std::time::Duration;

use axum::http::header;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use crate::state::AppState;
use crate::webhook_event_type::EventType;
use crate::webhook_events::WebhookEvent;
use crate::webhook_signature::sign;

/// One attempt to deliver an event, as `GET /__sandbox/webhooks` lists it.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryAttempt {
    event_id: String,
    callback_id: String,
    company_id: String,
    employment_id: String,
    event_type: EventType,
    url: String,
    /// The receiver's HTTP status; `None` when the connection failed or timed out.
    status: Option<u16>,
    /// Counts from 1 within a series.
    attempt: u32,
    /// The `X-Remote-Timestamp` sent.
    timestamp_ms: u64,
    attempted_at: DateTime<Utc>,
    /// Milliseconds from sending the request to the receiver's answer (its status and headers),
    /// or to the failure.
    answered_in_ms: f64,
}

impl DeliveryAttempt {
    /// The control surface's entry.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "url": self.url,
            "event_type": self.event_type.as_str(),
            "employment_id": self.employment_id,
            "company_id": self.company_id,
            "status": self.status,
            "attempt": self.attempt,
            "event_id": self.event_id,
            "callback_id": self.callback_id,
            "timestamp": self.timestamp_ms,
            "attempted_at": self.attempted_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "answered_in_ms": self.answered_in_ms,
        })
    }
}

/// The delivery body; field order as in Remote's examples.
#[derive(Serialize)]
struct Payload<'a> {
    event_type: &'a str,
    company_id: &'a str,
    employment_id: &'a str,
}

/// A series of attempts for one recorded event.
struct Series {
    event_id: String,
    /// The store generation it belongs to; a reset ends it.
    generation: u64,
    timestamp_ms: u64,
}

/// What one attempt needs, read fresh from the store (a PATCHed URL applies to retries).
struct Target {
    callback_id: String,
    company_id: String,
    employment_id: String,
    event_type: EventType,
    url: String,
    signing_key: String,
    body: Vec<u8>,
}

/// Records and starts delivering `events` about one employment to the company's callbacks.
/// Call it without holding the store lock.
pub(crate) fn trigger(
    state: &AppState,
    company_id: &str,
    employment_id: &str,
    events: &[EventType],
) {
    let now = Utc::now();
    let series: Vec<Series> = {
        let mut store = state.store();
        let generation = store.generation;
        let mut recorded = Vec::new();
        for &event_type in events {
            let body = payload(event_type, company_id, employment_id);
            let callback_ids: Vec<String> = store
                .webhook_callbacks
                .iter()
                .filter(|c| c.company_id == company_id && c.subscribed_events.contains(&event_type))
                .map(|c| c.id.clone())
                .collect();
            for callback_id in callback_ids {
                let event = WebhookEvent {
                    id: uuid::Uuid::new_v4().to_string(),
                    company_id: company_id.to_owned(),
                    callback_id,
                    employment_id: employment_id.to_owned(),
                    event_type,
                    body: body.clone(),
                    first_triggered_at: now,
                    last_triggered_at: now,
                    successfully_delivered: false,
                };
                recorded.push(Series {
                    event_id: event.id.clone(),
                    generation,
                    timestamp_ms: unix_millis(now),
                });
                store.webhook_events.push(event);
            }
        }
        recorded
    };
    spawn_all(state, series);
}

/// Delivers the recorded events `event_ids` again, each in a new series with the same body.
/// Unknown ids are skipped; the caller checks them.
pub(crate) fn replay(state: &AppState, event_ids: &[String]) {
    let timestamp_ms = unix_millis(Utc::now());
    let series: Vec<Series> = {
        let store = state.store();
        event_ids
            .iter()
            .filter(|id| store.webhook_events.iter().any(|event| event.id == **id))
            .map(|id| Series {
                event_id: id.clone(),
                generation: store.generation,
                timestamp_ms,
            })
            .collect()
    };
    spawn_all(state, series);
}

fn spawn_all(state: &AppState, series: Vec<Series>) {
    for one in series {
        tokio::spawn(run(state.clone(), one));
    }
}

fn payload(event_type: EventType, company_id: &str, employment_id: &str) -> Vec<u8> {
    let payload = Payload {
        event_type: event_type.as_str(),
        company_id,
        employment_id,
    };
    // Serialising three string fields cannot fail.
    serde_json::to_vec(&payload).unwrap_or_default()
}

async fn run(state: AppState, series: Series) {
    let delays = state.config.webhook_retry_delays.clone();
    let mut attempt: u32 = 1;
    loop {
        let Some(target) = target_for(&state, &series) else {
            return;
        };
        let (status, answered_in_ms) = send(&state, &target, series.timestamp_ms).await;
        let delivered = status.is_some_and(|status| (200..300).contains(&status));
        tracing::info!(
            url = %target.url,
            event_type = target.event_type.as_str(),
            event_id = %series.event_id,
            attempt,
            status = ?status,
            delivered,
            "webhook delivery attempt"
        );
        if !record(
            &state,
            &series,
            target,
            attempt,
            (status, answered_in_ms),
            delivered,
        ) || delivered
        {
            return;
        }
        let Some(&delay) = delays.get(attempt as usize - 1) else {
            tracing::warn!(event_id = %series.event_id, attempt, "webhook delivery gave up");
            return;
        };
        if !sleep_unless_stopped(&state, delay).await {
            return;
        }
        attempt += 1;
    }
}

/// `None` ends the series: the sandbox stopped or was reset, or the callback is gone.
fn target_for(state: &AppState, series: &Series) -> Option<Target> {
    if *state.shutdown.borrow() {
        return None;
    }
    let store = state.store();
    if store.generation != series.generation {
        return None;
    }
    let event = store
        .webhook_events
        .iter()
        .find(|e| e.id == series.event_id)?;
    let callback = store
        .webhook_callbacks
        .iter()
        .find(|c| c.id == event.callback_id)?;
    Some(Target {
        callback_id: callback.id.clone(),
        company_id: event.company_id.clone(),
        employment_id: event.employment_id.clone(),
        event_type: event.event_type,
        url: callback.url.clone(),
        signing_key: callback.signing_key.clone(),
        body: event.body.clone(),
    })
}

/// The receiver's status, or `None` for a connection error or timeout; and how long it took.
async fn send(state: &AppState, target: &Target, timestamp_ms: u64) -> (Option<u16>, f64) {
    let signature = sign(&target.signing_key, &target.body, timestamp_ms);
    let sent = std::time::Instant::now();
    let response = state
        .http
        .post(&target.url)
        .timeout(state.config.webhook_timeout)
        .header(header::CONTENT_TYPE, "application/json")
        .header("X-Remote-Timestamp", timestamp_ms.to_string())
        .header("X-Remote-Signature", signature)
        .body(target.body.clone())
        .send()
        .await;
    let took = sent.elapsed().as_secs_f64() * 1000.0;
    match response {
        Ok(response) => (Some(response.status().as_u16()), took),
        Err(error) => {
            tracing::debug!(%error, url = %target.url, "webhook receiver unreachable");
            (None, took)
        }
    }
}

/// Keeps the attempt and updates its event; `false` when a reset made the series stale.
fn record(
    state: &AppState,
    series: &Series,
    target: Target,
    attempt: u32,
    (status, answered_in_ms): (Option<u16>, f64),
    delivered: bool,
) -> bool {
    let now = Utc::now();
    let mut store = state.store();
    if store.generation != series.generation {
        return false;
    }
    if let Some(event) = store
        .webhook_events
        .iter_mut()
        .find(|e| e.id == series.event_id)
    {
        event.last_triggered_at = now;
        event.successfully_delivered |= delivered;
    }
    store.webhook_attempts.push(DeliveryAttempt {
        event_id: series.event_id.clone(),
        callback_id: target.callback_id,
        company_id: target.company_id,
        employment_id: target.employment_id,
        event_type: target.event_type,
        url: target.url,
        status,
        attempt,
        timestamp_ms: series.timestamp_ms,
        attempted_at: now,
        answered_in_ms,
    });
    true
}

/// Sleeps `delay`; `false` when the sandbox stopped meanwhile. An embedded router has no
/// stop signal (its sender is gone), so there it just sleeps.
async fn sleep_unless_stopped(state: &AppState, delay: Duration) -> bool {
    let mut shutdown = state.shutdown.clone();
    let stopped = async move {
        if shutdown.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = tokio::time::sleep(delay) => true,
        () = stopped => false,
    }
}

fn unix_millis(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

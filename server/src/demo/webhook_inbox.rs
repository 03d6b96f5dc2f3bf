//! The demo job site's webhook endpoint, doing what a job site's server should: `POST
//! /demo/webhooks` checks the Standard Webhooks signature over the raw body (constant time, a
//! `webhook-timestamp` within five minutes) and answers 204, or 401 when it does not hold.
//! `GET /demo/webhooks[?after=SEQ]` lists the last [`KEPT`] deliveries, oldest first, for the
//! page's event log and the tests. For tests of the backend's retries, `POST
//! /demo/webhooks/fail?count=N` makes the next N deliveries answer 500, whatever they carry.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
};

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::{store::now, webhooks::signature::standard_signature};

/// Deliveries kept in memory; older ones are dropped.
const KEPT: usize = 200;

/// How far a delivery's `webhook-timestamp` may be from our clock (Standard Webhooks' default).
const TOLERANCE_SECS: i64 = 300;

/// Largest body read; our events are a few hundred bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Most failures one `fail` call may ask for.
const MAX_FAILURES: u32 = 100;

/// The deliveries received, and the secret they must be signed with.
#[derive(Clone)]
pub(super) struct WebhookInbox {
    key: Arc<Vec<u8>>,
    inner: Arc<Mutex<Received>>,
}

#[derive(Default)]
struct Received {
    deliveries: VecDeque<Delivery>,
    last_seq: u64,
    fail_next: u32,
}

/// One delivery as the job site saw it.
#[derive(Debug, Clone, Serialize)]
struct Delivery {
    /// Increases by one per delivery, for `?after=`.
    seq: u64,
    /// When it arrived (RFC 3339, UTC).
    received_at: String,
    /// What we answered: 204, 401, or 500 from the failure switch.
    answered: u16,
    /// The `webhook-id` header.
    webhook_id: Option<String>,
    /// The body's `type`.
    #[serde(rename = "type")]
    event_type: Option<String>,
    /// The body's `timestamp`.
    timestamp: Option<String>,
    /// Whether the signature held.
    verified: bool,
    /// Why it did not, in a few words.
    refused_because: Option<&'static str>,
    /// The body's `data`.
    data: Value,
    /// The body exactly as received (what a verifier must be given).
    raw_body: String,
    /// The three Standard Webhooks headers.
    headers: DeliveryHeaders,
}

#[derive(Debug, Clone, Serialize)]
struct DeliveryHeaders {
    #[serde(rename = "webhook-id")]
    id: Option<String>,
    #[serde(rename = "webhook-timestamp")]
    timestamp: Option<String>,
    #[serde(rename = "webhook-signature")]
    signature: Option<String>,
}

/// Why a delivery is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    MissingHeaders,
    BadTimestamp,
    StaleTimestamp,
    BadSignature,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::MissingHeaders => {
                "a webhook-id, webhook-timestamp or webhook-signature header is missing"
            }
            Refusal::BadTimestamp => "webhook-timestamp is not Unix seconds",
            Refusal::StaleTimestamp => "webhook-timestamp is more than five minutes off",
            Refusal::BadSignature => "no v1 signature matches",
        }
    }
}

/// Checks a delivery against the decoded `whsec_` key at `now` (Unix seconds).
fn verify(key: &[u8], headers: &DeliveryHeaders, body: &[u8], now: i64) -> Result<(), Refusal> {
    let (Some(id), Some(timestamp), Some(signatures)) =
        (&headers.id, &headers.timestamp, &headers.signature)
    else {
        return Err(Refusal::MissingHeaders);
    };
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Refusal::BadTimestamp)?;
    if now.abs_diff(timestamp) > TOLERANCE_SECS.unsigned_abs() {
        return Err(Refusal::StaleTimestamp);
    }
    // The signature is over the body as text; a body that is not UTF-8 was not ours.
    let body = std::str::from_utf8(body).map_err(|_| Refusal::BadSignature)?;
    let expected = standard_signature(key, id, timestamp, body);
    // The header may carry several space-separated signatures (a sender rotating its secret):
    // one match is enough; each is compared in constant time.
    let mut matched = false;
    for given in signatures.split(' ').filter(|s| !s.is_empty()) {
        matched |= given.len() == expected.len()
            && bool::from(given.as_bytes().ct_eq(expected.as_bytes()));
    }
    if matched {
        Ok(())
    } else {
        Err(Refusal::BadSignature)
    }
}

impl WebhookInbox {
    /// An empty inbox for deliveries signed with `key` (the decoded `whsec_` secret).
    pub(super) fn new(key: Vec<u8>) -> WebhookInbox {
        WebhookInbox {
            key: Arc::new(key),
            inner: Arc::default(),
        }
    }

    fn received(&self) -> std::sync::MutexGuard<'_, Received> {
        // Nothing is left half-done under the lock, so a panic elsewhere cannot spoil it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks and keeps one delivery; the status to answer.
    fn receive(&self, headers: &HeaderMap, body: &[u8], now: i64) -> StatusCode {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let headers = DeliveryHeaders {
            id: text("webhook-id"),
            timestamp: text("webhook-timestamp"),
            signature: text("webhook-signature"),
        };
        let checked = verify(&self.key, &headers, body, now);
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let field = |name: &str| parsed.get(name).and_then(Value::as_str).map(str::to_owned);
        let mut received = self.received();
        let answer = if received.fail_next > 0 {
            received.fail_next -= 1;
            StatusCode::INTERNAL_SERVER_ERROR
        } else if checked.is_ok() {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::UNAUTHORIZED
        };
        received.last_seq += 1;
        let delivery = Delivery {
            seq: received.last_seq,
            received_at: crate::hires::view::rfc3339(now),
            answered: answer.as_u16(),
            webhook_id: headers.id.clone(),
            event_type: field("type"),
            timestamp: field("timestamp"),
            verified: checked.is_ok(),
            refused_because: checked.err().map(Refusal::as_str),
            data: parsed.get("data").cloned().unwrap_or(Value::Null),
            raw_body: String::from_utf8_lossy(body).into_owned(),
            headers,
        };
        if received.deliveries.len() == KEPT {
            received.deliveries.pop_front();
        }
        received.deliveries.push_back(delivery);
        answer
    }

    /// The kept deliveries after `after` (a `seq`), oldest first.
    fn list(&self, after: u64) -> Vec<Delivery> {
        self.received()
            .deliveries
            .iter()
            .filter(|d| d.seq > after)
            .cloned()
            .collect()
    }

    /// Makes the next `count` deliveries answer 500.
    fn fail_next(&self, count: u32) {
        self.received().fail_next = count;
    }
}

/// `POST` and `GET /demo/webhooks`, `POST /demo/webhooks/fail`.
pub(super) fn router(inbox: WebhookInbox) -> Router {
    Router::new()
        .route("/demo/webhooks", get(list).post(receive))
        .route("/demo/webhooks/fail", post(fail))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(inbox)
}

async fn receive(State(inbox): State<WebhookInbox>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let answer = inbox.receive(&headers, &body, now());
    if answer == StatusCode::UNAUTHORIZED {
        tracing::warn!("the demo job site refused a webhook whose signature did not hold");
    }
    answer
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    after: u64,
}

async fn list(State(inbox): State<WebhookInbox>, Query(query): Query<ListQuery>) -> Response {
    let mut response =
        Json(serde_json::json!({ "webhooks": inbox.list(query.after) })).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Deserialize)]
struct FailQuery {
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

async fn fail(State(inbox): State<WebhookInbox>, Query(query): Query<FailQuery>) -> Response {
    let count = query.count.min(MAX_FAILURES);
    inbox.fail_next(count);
    Json(serde_json::json!({ "failing_next": count })).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderName;

    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const BODY: &str = r#"{"type":"hire.created","timestamp":"2026-12-01T10:00:00Z","data":{"hire_id":"h1","status":"created"}}"#;
    const NOW: i64 = 1_800_000_000;

    fn signed(key: &[u8], id: &str, timestamp: i64, body: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let mut set = |name: &'static str, value: String| {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_str(&value).expect("header value"),
            );
        };
        set("webhook-id", id.to_owned());
        set("webhook-timestamp", timestamp.to_string());
        set(
            "webhook-signature",
            standard_signature(key, id, timestamp, body),
        );
        headers
    }

    #[test]
    fn a_correctly_signed_delivery_is_answered_204_and_kept_with_its_data() {
        let inbox = WebhookInbox::new(KEY.to_vec());

        let answer = inbox.receive(&signed(KEY, "msg_1", NOW, BODY), BODY.as_bytes(), NOW);

        assert_eq!(answer, StatusCode::NO_CONTENT);
        let kept = inbox.list(0);
        assert_eq!(kept.len(), 1);
        let json = serde_json::to_value(&kept[0]).expect("json");
        assert_eq!(json["verified"], true);
        assert_eq!(json["webhook_id"], "msg_1");
        assert_eq!(json["type"], "hire.created");
        assert_eq!(json["timestamp"], "2026-12-01T10:00:00Z");
        assert_eq!(json["data"]["hire_id"], "h1");
        assert_eq!(json["raw_body"], BODY);
        assert_eq!(json["headers"]["webhook-id"], "msg_1");
        assert_eq!(json["headers"]["webhook-timestamp"], NOW.to_string());
    }

    #[test]
    fn a_changed_body_another_secret_or_missing_headers_are_answered_401_and_marked_unverified() {
        let inbox = WebhookInbox::new(KEY.to_vec());
        let tampered = BODY.replace("created", "active");
        let other_key = b"another secret, another sender!!";

        let answers = [
            inbox.receive(&signed(KEY, "msg_1", NOW, BODY), tampered.as_bytes(), NOW),
            inbox.receive(&signed(other_key, "msg_2", NOW, BODY), BODY.as_bytes(), NOW),
            inbox.receive(&HeaderMap::new(), BODY.as_bytes(), NOW),
        ];

        assert_eq!(answers, [StatusCode::UNAUTHORIZED; 3]);
        let kept = inbox.list(0);
        assert!(kept.iter().all(|d| !d.verified));
        assert_eq!(
            kept[2].refused_because,
            Some(Refusal::MissingHeaders.as_str())
        );
    }

    #[test]
    fn a_timestamp_more_than_five_minutes_off_is_refused_either_way() {
        let headers = |at: i64| DeliveryHeaders {
            id: Some("msg_1".into()),
            timestamp: Some(at.to_string()),
            signature: Some(standard_signature(KEY, "msg_1", at, BODY)),
        };

        assert_eq!(
            verify(KEY, &headers(NOW - 300), BODY.as_bytes(), NOW),
            Ok(())
        );
        assert_eq!(
            verify(KEY, &headers(NOW - 301), BODY.as_bytes(), NOW),
            Err(Refusal::StaleTimestamp)
        );
        assert_eq!(
            verify(KEY, &headers(NOW + 301), BODY.as_bytes(), NOW),
            Err(Refusal::StaleTimestamp)
        );
    }

    #[test]
    fn one_matching_signature_among_several_is_enough() {
        let good = standard_signature(KEY, "msg_1", NOW, BODY);
        let headers = DeliveryHeaders {
            id: Some("msg_1".into()),
            timestamp: Some(NOW.to_string()),
            signature: Some(format!("v1,bm90IGl0 {good}")),
        };

        assert_eq!(verify(KEY, &headers, BODY.as_bytes(), NOW), Ok(()));
    }

    #[test]
    fn the_failure_switch_answers_500_for_the_next_deliveries_only() {
        let inbox = WebhookInbox::new(KEY.to_vec());
        inbox.fail_next(2);

        let answers: Vec<_> = (0..3)
            .map(|_| inbox.receive(&signed(KEY, "msg_1", NOW, BODY), BODY.as_bytes(), NOW))
            .collect();

        assert_eq!(
            answers,
            [
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::NO_CONTENT
            ]
        );
        assert!(inbox.list(0).iter().all(|d| d.verified));
    }

    #[test]
    fn only_the_last_deliveries_are_kept_and_after_skips_those_seen() {
        let inbox = WebhookInbox::new(KEY.to_vec());
        for _ in 0..KEPT + 5 {
            inbox.receive(&HeaderMap::new(), b"{}", NOW);
        }

        let kept = inbox.list(0);
        let newer = inbox.list(kept[kept.len() - 2].seq);

        assert_eq!(kept.len(), KEPT);
        assert_eq!(kept[0].seq, 6, "the oldest five were dropped");
        assert_eq!(newer.len(), 1);
        assert_eq!(newer[0].seq, (KEPT + 5) as u64);
    }
}

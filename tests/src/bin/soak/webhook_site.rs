//! The job site's webhook endpoint during the soak: a real HTTP server on 127.0.0.1 that checks
//! every request with the Standard Webhooks library (not our code), answers 500 to a share of
//! the good ones at random, as a flaky job-site server would, and keeps what it took.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use anyhow::{Context, Result};
use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use serde_json::Value;
use standardwebhooks::Webhook;

/// One verified request, as the endpoint saw it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// `webhook-id` (stable across the backend's retries of one event).
    pub(crate) webhook_id: String,
    /// The body's `type`.
    pub(crate) event_type: String,
    /// The body's `data`.
    pub(crate) data: Value,
    /// What the endpoint answered: 204 took it, 500 asked for a retry.
    pub(crate) answered: u16,
}

impl Received {
    /// True when the endpoint took it (the backend counts it delivered).
    pub(crate) fn taken(&self) -> bool {
        (200..300).contains(&self.answered)
    }
}

/// Everything the endpoint saw so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inbox {
    /// Every verified request, oldest first (answered 204 or 500).
    pub(crate) received: Vec<Received>,
    /// Requests the library refused, or whose body is not an event: what was wrong with each.
    pub(crate) unverifiable: Vec<String>,
}

struct Endpoint {
    webhook: Webhook,
    /// Chance, in percent, that a verified request is answered 500.
    failure_percent: u128,
    inbox: Mutex<Inbox>,
}

/// The running endpoint; stops when dropped.
pub(crate) struct JobSite {
    url: String,
    endpoint: Arc<Endpoint>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for JobSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The path the backend posts to.
const PATH: &str = "/hooks/hire-with-remote";

impl JobSite {
    /// Listens on a free port, verifying with `secret` (`whsec_…`) and answering 500 to
    /// `failure_percent` % of the requests it verifies.
    pub(crate) async fn start(secret: &str, failure_percent: u8) -> Result<JobSite> {
        let webhook = Webhook::new(secret)
            .map_err(|error| anyhow::anyhow!("not a Standard Webhooks secret: {error:?}"))?;
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .context("failed to bind the job site's webhook endpoint")?;
        let url = format!("http://{}{PATH}", listener.local_addr()?);
        let endpoint = Arc::new(Endpoint {
            webhook,
            failure_percent: u128::from(failure_percent.min(100)),
            inbox: Mutex::new(Inbox::default()),
        });
        let app = Router::new()
            .route(PATH, post(receive))
            .with_state(Arc::clone(&endpoint));
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("soak: the job site's webhook endpoint stopped: {error}");
            }
        });
        Ok(JobSite {
            url,
            endpoint,
            task,
        })
    }

    /// The URL for `HWR_WEBHOOK_URL`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// A copy of what was received so far.
    pub(crate) fn inbox(&self) -> Inbox {
        self.endpoint
            .inbox
            .lock()
            .map(|inbox| inbox.clone())
            .unwrap_or_default()
    }
}

async fn receive(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let webhook_id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let checked = endpoint
        .webhook
        .verify(&body, &headers)
        .map_err(|error| format!("the library refused it: {error:?}"))
        .and_then(|()| event(&body));
    let (answer, entry) = match checked {
        Ok((event_type, data)) => {
            let fail = uuid::Uuid::new_v4().as_u128() % 100 < endpoint.failure_percent;
            let answer = if fail {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::NO_CONTENT
            };
            (
                answer,
                Ok(Received {
                    webhook_id,
                    event_type,
                    data,
                    answered: answer.as_u16(),
                }),
            )
        }
        Err(why) => (
            StatusCode::UNAUTHORIZED,
            Err(format!("webhook-id {webhook_id:?}: {why}")),
        ),
    };
    if let Ok(mut inbox) = endpoint.inbox.lock() {
        match entry {
            Ok(received) => inbox.received.push(received),
            Err(why) => inbox.unverifiable.push(why),
        }
    }
    answer
}

/// `type` and `data` of a verified body.
fn event(body: &[u8]) -> Result<(String, Value), String> {
    let mut json: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let event_type = json["type"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or("the body has no type")?
        .to_owned();
    match json.get_mut("data").map(Value::take) {
        Some(data) if data.is_object() => Ok((event_type, data)),
        _ => Err(format!("the {event_type} body has no data object")),
    }
}

#[cfg(test)]
mod tests {
    use hire_with_remote::webhooks::OutboundWebhooks;

    use super::*;

    /// Posts `body` to `site` signed with `secret` (as the backend signs, by the library here).
    async fn post(site: &JobSite, secret: &str, id: &str, body: &str, sign: &str) -> u16 {
        let timestamp = chrono::Utc::now().timestamp();
        let signature = Webhook::new(secret)
            .expect("a secret")
            .sign(id, timestamp, sign.as_bytes())
            .expect("a signature");
        reqwest::Client::new()
            .post(site.url())
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_owned())
            .send()
            .await
            .expect("an answer")
            .status()
            .as_u16()
    }

    const BODY: &str =
        r#"{"type":"hire.created","timestamp":"2026-12-01T10:00:00Z","data":{"hire_id":"h1"}}"#;

    #[tokio::test]
    async fn a_signed_event_is_taken_and_a_forged_one_is_refused_and_counted() {
        // Arrange
        let secret = OutboundWebhooks::generate_secret();
        let site = JobSite::start(&secret, 0).await.expect("the endpoint");

        // Act
        let good = post(&site, &secret, "msg_1", BODY, BODY).await;
        let forged = post(&site, &secret, "msg_2", BODY, "{}").await;
        let other = OutboundWebhooks::generate_secret();
        let wrong_key = post(&site, &other, "msg_3", BODY, BODY).await;
        let not_an_event = post(&site, &secret, "msg_4", "[1]", "[1]").await;

        // Assert
        assert_eq!(
            (good, forged, wrong_key, not_an_event),
            (204, 401, 401, 401)
        );
        let inbox = site.inbox();
        assert_eq!(inbox.received.len(), 1);
        let taken = &inbox.received[0];
        assert!(taken.taken());
        assert_eq!(taken.webhook_id, "msg_1");
        assert_eq!(taken.event_type, "hire.created");
        assert_eq!(taken.data["hire_id"], "h1");
        assert_eq!(inbox.unverifiable.len(), 3, "{:?}", inbox.unverifiable);
    }

    #[tokio::test]
    async fn a_failing_endpoint_answers_500_and_keeps_the_event_as_not_taken() {
        let secret = OutboundWebhooks::generate_secret();
        let site = JobSite::start(&secret, 100).await.expect("the endpoint");

        assert_eq!(post(&site, &secret, "msg_1", BODY, BODY).await, 500);

        let inbox = site.inbox();
        assert_eq!(inbox.received.len(), 1);
        assert!(!inbox.received[0].taken());
        assert!(inbox.unverifiable.is_empty());
    }
}

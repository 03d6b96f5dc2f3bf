//! Delivering the outbox to the job site: claim what is due (one replica per event), POST it
//! signed (Standard Webhooks headers, a fresh `webhook-timestamp` per attempt, the same
//! `webhook-id`), and on a non-2xx or a timeout try again on `HWR_WEBHOOK_RETRY_SCHEDULE`
//! (by default [`RETRY_DELAYS`]: 5 s, then exponential backoff past 24 hours) before giving up
//! (`hire-with-remote webhooks redeliver` queues it again).

use std::{ops::Deref, sync::Arc, time::Duration};

use reqwest::header::{CONTENT_TYPE, USER_AGENT};

use super::{events, settings::OutboundWebhooks, signature::standard_signature};
use crate::{
    config::WebhooksConfig,
    crypto::KeyRing,
    metrics::Metrics,
    store::{now, OutboxRow, Store},
};

/// The delivery's own state, a sub-state of the app's: the outbox, the client for the job
/// site's endpoint, the keys that open the stored payloads, and the retry schedule. Cheap to
/// clone.
#[derive(Clone)]
pub struct Deliveries {
    inner: Arc<DeliveryParts>,
}

/// What [`Deliveries`] points to.
pub struct DeliveryParts {
    store: Store,
    client: reqwest::Client,
    keys: KeyRing,
    metrics: Metrics,
    retry_schedule: Vec<i64>,
}

impl Deref for Deliveries {
    type Target = DeliveryParts;

    fn deref(&self) -> &DeliveryParts {
        &self.inner
    }
}

impl Deliveries {
    /// Deliveries from `store`'s outbox, retried on `webhooks`' schedule.
    pub fn new(
        store: Store,
        keys: KeyRing,
        metrics: Metrics,
        webhooks: &WebhooksConfig,
    ) -> anyhow::Result<Deliveries> {
        Ok(Deliveries {
            inner: Arc::new(DeliveryParts {
                store,
                client: client()?,
                keys,
                metrics,
                retry_schedule: webhooks.retry_schedule.clone(),
            }),
        })
    }
}

/// The default seconds to wait after each failed attempt; after the last, the event is given
/// up (5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 10 h ≈ 27.6 h after the first attempt). The
/// default of `HWR_WEBHOOK_RETRY_SCHEDULE` is the same list (a test checks).
pub const RETRY_DELAYS: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a claim keeps other replicas off an event: an attempt (at most 10 s) and room to
/// store its result. Only a replica that died holding a claim makes others wait it out.
const CLAIM_SECS: i64 = 30;

/// Events claimed per pass.
const BATCH: i64 = 16;

/// When to try again after `attempts` failed attempts on `schedule`; `None`: give up.
pub fn next_attempt(schedule: &[i64], attempts: i64, now: i64) -> Option<i64> {
    let index = usize::try_from(attempts.saturating_sub(1)).ok()?;
    schedule.get(index).map(|delay| now.saturating_add(*delay))
}

/// The client for the job site's endpoint: no redirects, a short timeout.
fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(ATTEMPT_TIMEOUT)
        .build()?)
}

/// Delivers every due event once; how many were claimed (the caller loops while it is full).
pub async fn deliver_due(
    deliveries: &Deliveries,
    target: &OutboundWebhooks,
) -> Result<usize, sqlx::Error> {
    let due = deliveries
        .store
        .claim_due_events(now(), CLAIM_SECS, BATCH)
        .await?;
    let claimed = due.len();
    let attempts = due.into_iter().map(|row| attempt(deliveries, target, row));
    for result in futures::future::join_all(attempts).await {
        result?;
    }
    Ok(claimed)
}

/// One attempt at one event, and its result stored.
async fn attempt(
    deliveries: &Deliveries,
    target: &OutboundWebhooks,
    row: OutboxRow,
) -> Result<(), sqlx::Error> {
    let attempts = row.attempts + 1;
    let Some(body) = events::body(&deliveries.keys, &row) else {
        tracing::warn!(event = %row.id, "an outbox event cannot be opened (its key left HWR_ENCRYPTION_KEYS); giving up on it");
        return deliveries
            .store
            .event_attempt_failed(
                &row.id,
                None,
                "the payload's key is not configured",
                None,
                now(),
            )
            .await;
    };
    let sent_at = now();
    let response = deliveries
        .client
        .post(target.url.clone())
        .header(CONTENT_TYPE, "application/json")
        .header(
            USER_AGENT,
            concat!("hire-with-remote/", env!("CARGO_PKG_VERSION")),
        )
        .header("webhook-id", &row.id)
        .header("webhook-timestamp", sent_at.to_string())
        .header(
            "webhook-signature",
            standard_signature(&target.key, &row.id, sent_at, &body),
        )
        .body(body)
        .send()
        .await;
    let failure = match response {
        Ok(response) if response.status().is_success() => {
            deliveries.metrics.webhook("out", "delivered");
            return deliveries
                .store
                .event_delivered(&row.id, response.status().as_u16(), now())
                .await;
        }
        Ok(response) => (
            Some(response.status().as_u16()),
            format!("the endpoint answered {}", response.status()),
        ),
        Err(error) if error.is_timeout() => (None, "the endpoint timed out".to_owned()),
        Err(_) => (None, "the endpoint could not be reached".to_owned()),
    };
    let next = next_attempt(&deliveries.retry_schedule, attempts, now());
    deliveries
        .metrics
        .webhook("out", if next.is_some() { "failed" } else { "refused" });
    if next.is_none() {
        tracing::warn!(event = %row.id, kind = %row.event_type, attempts, "gave up delivering a webhook; `hire-with-remote webhooks redeliver` queues it again");
    } else {
        tracing::info!(event = %row.id, kind = %row.event_type, attempts, error = %failure.1, "a webhook delivery failed; retrying later");
    }
    deliveries
        .store
        .event_attempt_failed(&row.id, failure.0, &failure.1, next, now())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_retry_is_within_ten_seconds_and_retries_span_a_day() {
        let schedule = crate::config::Settings::default()
            .webhook_retry_schedule
            .split(',')
            .map(|d| d.parse::<i64>().expect("a number"))
            .collect::<Vec<_>>();
        assert_eq!(
            schedule, RETRY_DELAYS,
            "the setting's default is the documented schedule"
        );
        assert_eq!(next_attempt(&schedule, 1, 1_000), Some(1_005));
        assert!(RETRY_DELAYS.windows(2).all(|pair| pair[0] <= pair[1]));
        let span: i64 = RETRY_DELAYS.iter().sum();
        assert!(span >= 24 * 3600, "retries stop after {span} s");
        assert_eq!(
            next_attempt(&schedule, RETRY_DELAYS.len() as i64, 0),
            Some(36_000)
        );
        assert_eq!(
            next_attempt(&schedule, RETRY_DELAYS.len() as i64 + 1, 0),
            None
        );
    }
}

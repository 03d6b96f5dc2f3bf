//! `POST /webhooks/remote`: Remote's delivery, verified before it is read. Only the
//! `company_id` is picked out first, to choose that company's signing key; the signature
//! (`X-Remote-Signature` over the raw bytes and `X-Remote-Timestamp`) must match before anything
//! else is read or changed. A good delivery only marks the employment's status for a re-read
//! and wakes the worker, so it is answered at once — the signing key comes from memory when it
//! can, and the mark is waited for only briefly; duplicates and replays re-read the same truth
//! and change nothing.

use std::time::Duration;

use axum::http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::{
    crypto::Sealed,
    error::ApiResult,
    state::AppState,
    webhooks::{registration::signing_key_context, signature::remote_signature_is_valid},
};

/// Why a delivery was refused (answered 401, nothing changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `X-Remote-Signature` or `X-Remote-Timestamp`.
    Unsigned,
    /// No company we registered a callback for.
    UnknownCompany,
    /// The signature does not match.
    BadSignature,
}

impl Refusal {
    /// The sentence in the 401.
    pub fn sentence(self) -> &'static str {
        match self {
            Refusal::Unsigned => {
                "The webhook is not signed: X-Remote-Signature and X-Remote-Timestamp are required."
            }
            Refusal::UnknownCompany => {
                "The webhook names no company this backend registered a callback for."
            }
            Refusal::BadSignature => "The webhook's signature does not match.",
        }
    }
}

#[derive(Deserialize)]
struct Company {
    company_id: String,
}

#[derive(Deserialize)]
struct Delivery {
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    employment_id: Option<String>,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// How long an answer waits for the re-read mark to be written. Past it the answer goes out
/// and the write finishes on its own (a busy database must not make Remote wait); a write
/// that then fails is caught by the reconcile.
const MARK_WAIT: Duration = Duration::from_millis(20);

/// Checks and records one delivery; `Err(Refusal)` inside means 401.
pub async fn receive(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Result<(), Refusal>> {
    let (Some(signature), Some(timestamp)) = (
        header(headers, "x-remote-signature"),
        header(headers, "x-remote-timestamp"),
    ) else {
        return Ok(Err(Refusal::Unsigned));
    };
    if timestamp.len() > 20 || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Err(Refusal::BadSignature));
    }
    let Ok(Company { company_id }) = serde_json::from_slice::<Company>(body) else {
        return Ok(Err(Refusal::UnknownCompany));
    };
    if let Err(refusal) = verify(state, &company_id, body, timestamp, signature).await? {
        return Ok(Err(refusal));
    }
    // Verified: now it may be read.
    let delivery: Delivery = match serde_json::from_slice(body) {
        Ok(delivery) => delivery,
        Err(_) => return Ok(Ok(())),
    };
    let Some(employment_id) = delivery.employment_id.filter(|id| !id.is_empty()) else {
        return Ok(Ok(()));
    };
    // Spawned: it is written even when the answer does not wait for it, or Remote hangs up.
    let marking = state.tasks.spawn(mark(
        state.clone(),
        company_id,
        employment_id,
        delivery.event_type,
    ));
    match tokio::time::timeout(MARK_WAIT, marking).await {
        Ok(Ok(written)) => written?,
        Ok(Err(panicked)) => tracing::error!(%panicked, "marking a webhook's re-read failed"),
        Err(_) => tracing::debug!("a webhook answered before its re-read mark was written"),
    }
    Ok(Ok(()))
}

/// `Ok` when `signature` is `company_id`'s: with the key kept in memory, else (or when that
/// no longer verifies) with the one in our table.
async fn verify(
    state: &AppState,
    company_id: &str,
    body: &[u8],
    timestamp: &str,
    signature: &str,
) -> ApiResult<Result<(), Refusal>> {
    if let Some(key) = state.signing_keys.get(company_id) {
        if remote_signature_is_valid(key.expose_secret(), body, timestamp, signature) {
            return Ok(Ok(()));
        }
    }
    let environment = state.config.remote.base_url.as_str();
    let Some(registered) = state.store.remote_webhook(environment, company_id).await? else {
        state.signing_keys.forget(company_id);
        return Ok(Err(Refusal::UnknownCompany));
    };
    let sealed = Sealed {
        key_id: registered.key_id,
        data: registered.signing_key,
    };
    let Ok(signing_key) = state
        .config
        .keys
        .open(&sealed, &signing_key_context(environment, company_id))
    else {
        tracing::warn!(company = %company_id, "a webhook signing key cannot be opened; re-registering");
        return Ok(Err(Refusal::BadSignature));
    };
    let signing_key = SecretString::from(signing_key);
    state.signing_keys.keep(company_id, &signing_key);
    if !remote_signature_is_valid(signing_key.expose_secret(), body, timestamp, signature) {
        return Ok(Err(Refusal::BadSignature));
    }
    Ok(Ok(()))
}

/// Marks the employment's status for a re-read and wakes the worker when it is one of ours.
async fn mark(
    state: AppState,
    company_id: String,
    employment_id: String,
    event_type: String,
) -> ApiResult<()> {
    let ours = state
        .store
        .mark_status_stale(&company_id, &employment_id)
        .await
        .inspect_err(|error| tracing::warn!(%error, employment = %employment_id, "could not mark a webhook's re-read; the reconcile reads it later"))?;
    tracing::info!(event = %event_type, employment = %employment_id, ours, "webhook from Remote");
    if ours {
        state.wake_worker();
    }
    Ok(())
}

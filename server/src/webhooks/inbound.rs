//! `POST /webhooks/remote`: Remote's delivery, verified before it is read. Only the
//! `company_id` is picked out first, to choose that company's signing key; the signature
//! (`X-Remote-Signature` over the raw bytes and `X-Remote-Timestamp`) must match before anything
//! else is read or changed. A good delivery only marks the employment's status for a re-read
//! and wakes the worker, so it is answered at once; duplicates and replays re-read the same
//! truth and change nothing.

use axum::http::HeaderMap;
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
    let environment = state.config.remote_base_url.as_str();
    let Some(registered) = state.store.remote_webhook(environment, &company_id).await? else {
        return Ok(Err(Refusal::UnknownCompany));
    };
    let sealed = Sealed {
        key_id: registered.key_id,
        data: registered.signing_key,
    };
    let Ok(signing_key) = state
        .config
        .keys
        .open(&sealed, &signing_key_context(environment, &company_id))
    else {
        tracing::warn!(company = %company_id, "a webhook signing key cannot be opened; re-registering");
        return Ok(Err(Refusal::BadSignature));
    };
    if !remote_signature_is_valid(&signing_key, body, timestamp, signature) {
        return Ok(Err(Refusal::BadSignature));
    }
    // Verified: now it may be read.
    let delivery: Delivery = match serde_json::from_slice(body) {
        Ok(delivery) => delivery,
        Err(_) => return Ok(Ok(())),
    };
    if let Some(employment_id) = delivery.employment_id.filter(|id| !id.is_empty()) {
        let ours = state
            .store
            .mark_status_stale(&company_id, &employment_id)
            .await?;
        tracing::info!(event = %delivery.event_type, employment = %employment_id, ours, "webhook from Remote");
        if ours {
            state.wake_worker();
        }
    }
    Ok(Ok(()))
}

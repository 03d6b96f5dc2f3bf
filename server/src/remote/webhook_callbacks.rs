//! Remote's webhook callbacks for a company: register one (its `signing_key` is shown only in
//! that answer), list them, delete one.

use reqwest::Method;
use secrecy::SecretString;
use serde_json::{json, Value};

use super::{api::UpstreamError, RemoteApi};

/// The employment events the backend subscribes to.
pub const EMPLOYMENT_EVENTS: [&str; 6] = [
    "employment.status.updated",
    "employment.onboarding.started",
    "employment.onboarding.completed",
    "employment.onboarding.cancelled",
    "employment.user_status.invited",
    "employment.user_status.activated",
];

/// A callback as registered.
#[derive(Debug, Clone)]
pub struct RegisteredCallback {
    /// Remote's id.
    pub id: String,
    /// The signing key, shown once.
    pub signing_key: SecretString,
}

/// A callback as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCallback {
    /// Remote's id.
    pub id: String,
    /// Where Remote delivers.
    pub url: String,
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl RemoteApi {
    /// `POST /v1/webhook-callbacks` for the token's company.
    pub async fn register_webhook(
        &self,
        token: &SecretString,
        url: &str,
    ) -> Result<RegisteredCallback, UpstreamError> {
        let body = json!({"url": url, "subscribed_events": EMPLOYMENT_EVENTS});
        let answer = self
            .call(
                Method::POST,
                "/v1/webhook-callbacks",
                token,
                &[],
                Some(&body),
            )
            .await?;
        let callback = answer
            .pointer("/data/webhook_callback")
            .or_else(|| answer.get("webhook_callback"))
            .unwrap_or(&answer);
        match (text(callback, "id"), text(callback, "signing_key")) {
            (Some(id), Some(key)) if !key.is_empty() => Ok(RegisteredCallback {
                id,
                signing_key: SecretString::from(key),
            }),
            _ => Err(UpstreamError::Unexpected(
                "the registered webhook callback has no id or signing key".into(),
            )),
        }
    }

    /// `GET /v1/webhook-callbacks`: the company's callbacks.
    pub async fn webhook_callbacks(
        &self,
        token: &SecretString,
    ) -> Result<Vec<ListedCallback>, UpstreamError> {
        let answer = self
            .call(Method::GET, "/v1/webhook-callbacks", token, &[], None)
            .await?;
        let list = [
            "/data/webhook_callbacks",
            "/data/callbacks",
            "/data",
            "/webhook_callbacks",
        ]
        .iter()
        .find_map(|pointer| answer.pointer(pointer).and_then(Value::as_array))
        .ok_or_else(|| {
            UpstreamError::Unexpected("the webhook callback list has an unexpected shape".into())
        })?;
        Ok(list
            .iter()
            .filter_map(|item| {
                Some(ListedCallback {
                    id: text(item, "id")?,
                    url: text(item, "url").unwrap_or_default(),
                })
            })
            .collect())
    }

    /// `DELETE /v1/webhook-callbacks/{id}`.
    pub async fn delete_webhook(
        &self,
        token: &SecretString,
        callback_id: &str,
    ) -> Result<(), UpstreamError> {
        let path = format!("/v1/webhook-callbacks/{callback_id}");
        self.call(Method::DELETE, &path, token, &[], None).await?;
        Ok(())
    }
}

//! Remote's REST API as the backend uses it: create and find employments, list countries, and get
//! an onboarding link. Answers are read liberally (any 2xx, unknown fields ignored); failures are
//! sorted into what the caller must do next.

use std::{collections::BTreeMap, sync::Arc};

use hwr_protocol::FieldErrors;
use reqwest::{header, Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::breaker::CircuitBreaker;
use crate::metrics::Metrics;

/// A failed call to Remote.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// 401: the token is expired or revoked.
    #[error("Remote refused the access token")]
    Unauthorized,
    /// 429.
    #[error("Remote is rate limiting us")]
    RateLimited {
        /// Seconds to wait, when Remote says.
        retry_after: Option<u64>,
    },
    /// 4xx with a reason (validation, unsupported country, disabled feature).
    #[error("Remote rejected the request: {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Remote's message.
        message: String,
        /// Remote's field errors, keys flattened (`basic_information.email`).
        errors: FieldErrors,
        /// Remote said it cannot do this in the candidate's country.
        unsupported_country: bool,
    },
    /// 5xx, a timeout or a network failure.
    #[error("Remote is unavailable: {detail}")]
    Unavailable {
        /// HTTP status, when one came back.
        status: Option<u16>,
        /// What happened, without secrets.
        detail: String,
        /// True when the request may have been processed (sent, then no clear answer).
        ambiguous: bool,
        /// True for a timeout.
        timed_out: bool,
    },
    /// Remote failed repeatedly just now; calls fail fast until the cool-down ends.
    #[error("Remote is failing; calls are paused for {retry_after} s")]
    CircuitOpen {
        /// Seconds until a call is tried again.
        retry_after: u64,
    },
    /// A 2xx we could not read.
    #[error("Remote answered unexpectedly: {0}")]
    Unexpected(String),
}

/// One country as Remote lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct RemoteCountry {
    /// Alpha-3.
    pub code: String,
    /// Alpha-2.
    #[serde(default)]
    pub alpha_2_code: String,
    /// English name.
    pub name: String,
    /// Whether Remote can hire there.
    #[serde(default)]
    pub eor_onboarding: bool,
}

/// A created (or found) employment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedEmployment {
    /// Remote's id.
    pub id: String,
}

/// `METHOD /path` with an employment's id as `{id}`, for the metrics' `endpoint` label.
fn endpoint_label(method: &Method, path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let path = match path.strip_prefix("/v1/employments/") {
        Some(rest) if !rest.is_empty() => match rest.split_once('/') {
            Some((_, tail)) => format!("/v1/employments/{{id}}/{tail}"),
            None => "/v1/employments/{id}".to_owned(),
        },
        _ if path.starts_with("/v1/countries/")
            && path.ends_with("/employment_basic_information") =>
        {
            "/v1/countries/{code}/employment_basic_information".to_owned()
        }
        _ => match path.strip_prefix("/v1/webhook-callbacks/") {
            Some(rest) if !rest.is_empty() => "/v1/webhook-callbacks/{id}".to_owned(),
            _ => path.to_owned(),
        },
    };
    format!("{method} {path}")
}

/// The REST client for one Remote environment.
#[derive(Debug, Clone)]
pub struct RemoteApi {
    http: reqwest::Client,
    base: Url,
    breaker: Arc<CircuitBreaker>,
    metrics: Metrics,
}

impl RemoteApi {
    /// A client for `base` (e.g. `https://gateway.remote.com`), sharing `breaker` with the
    /// OAuth client of the same environment.
    pub fn new(
        base: Url,
        http: reqwest::Client,
        breaker: Arc<CircuitBreaker>,
        metrics: Metrics,
    ) -> Self {
        RemoteApi {
            http,
            base,
            breaker,
            metrics,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// One call through the circuit breaker.
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        token: &SecretString,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, UpstreamError> {
        self.breaker
            .admit()
            .map_err(|retry_after| UpstreamError::CircuitOpen { retry_after })?;
        let endpoint = endpoint_label(&method, path);
        let started = std::time::Instant::now();
        let result = self.send(method, path, token, query, body).await;
        self.metrics.upstream(&endpoint, started.elapsed());
        match &result {
            Err(UpstreamError::Unavailable { .. }) => self.breaker.failure(),
            _ => self.breaker.success(),
        }
        result
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &SecretString,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, UpstreamError> {
        let mut request = self
            .http
            .request(method.clone(), self.url(path))
            .bearer_auth(token.expose_secret())
            .header(header::ACCEPT, "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let sends_effects = method != Method::GET;
        let response = request
            .send()
            .await
            .map_err(|e| UpstreamError::Unavailable {
                status: None,
                detail: if e.is_timeout() {
                    "timed out".into()
                } else {
                    format!("network failure calling {path}")
                },
                ambiguous: sends_effects && !e.is_connect(),
                timed_out: e.is_timeout(),
            })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let text = response
            .text()
            .await
            .map_err(|e| UpstreamError::Unavailable {
                status: Some(status.as_u16()),
                detail: if e.is_timeout() {
                    "timed out reading the answer".into()
                } else {
                    "the answer was cut off".into()
                },
                ambiguous: sends_effects,
                timed_out: e.is_timeout(),
            })?;
        if status.is_success() {
            if text.trim().is_empty() {
                // 204 (a DELETE) and other empty answers.
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|_| {
                UpstreamError::Unexpected(format!(
                    "{path} answered {status} with a body that is not JSON"
                ))
            });
        }
        Err(match status {
            StatusCode::UNAUTHORIZED => UpstreamError::Unauthorized,
            StatusCode::TOO_MANY_REQUESTS => UpstreamError::RateLimited { retry_after },
            s if s.is_server_error() => UpstreamError::Unavailable {
                status: Some(s.as_u16()),
                detail: format!("{path} answered {s}"),
                ambiguous: sends_effects,
                timed_out: s == StatusCode::GATEWAY_TIMEOUT,
            },
            s => rejected(s, &text),
        })
    }

    /// `POST /v1/employments?json_schema_version=N`.
    pub async fn create_employment(
        &self,
        token: &SecretString,
        body: &Value,
        json_schema_version: u32,
    ) -> Result<CreatedEmployment, UpstreamError> {
        let query = [("json_schema_version", json_schema_version.to_string())];
        let answer = self
            .call(Method::POST, "/v1/employments", token, &query, Some(body))
            .await?;
        let id = answer
            .pointer("/data/employment/id")
            .and_then(Value::as_str)
            .ok_or_else(|| UpstreamError::Unexpected("the created employment has no id".into()))?;
        Ok(CreatedEmployment { id: id.to_owned() })
    }

    /// Looks for the employment we may have created: Remote's list filtered by the candidate's
    /// email, matched on `external_id` (Remote has no `external_id` filter).
    pub async fn find_employment(
        &self,
        token: &SecretString,
        email: &str,
        external_id: &str,
    ) -> Result<Option<CreatedEmployment>, UpstreamError> {
        let mut page = 1u64;
        loop {
            let query = [
                ("email", email.to_owned()),
                ("page", page.to_string()),
                ("page_size", "100".to_owned()),
            ];
            let answer = self
                .call(Method::GET, "/v1/employments", token, &query, None)
                .await?;
            let items = answer
                .pointer("/data/employments")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Some(found) = items
                .iter()
                .find(|e| e.get("external_id").and_then(Value::as_str) == Some(external_id))
            {
                let id = found.get("id").and_then(Value::as_str).unwrap_or_default();
                return Ok(Some(CreatedEmployment { id: id.to_owned() }));
            }
            let total_pages = answer
                .pointer("/data/total_pages")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            if page >= total_pages || items.is_empty() || page >= 50 {
                return Ok(None);
            }
            page += 1;
        }
    }

    /// `GET /v1/countries`.
    pub async fn countries(
        &self,
        token: &SecretString,
    ) -> Result<Vec<RemoteCountry>, UpstreamError> {
        let answer = self
            .call(Method::GET, "/v1/countries", token, &[], None)
            .await?;
        let list = answer.get("data").cloned().unwrap_or(Value::Null);
        serde_json::from_value(list).map_err(|_| {
            UpstreamError::Unexpected("the country list has an unexpected shape".into())
        })
    }

    /// `POST /v1/magic-link` for the manager who consented.
    pub async fn magic_link(
        &self,
        token: &SecretString,
        user_id: &str,
        path: &str,
    ) -> Result<String, UpstreamError> {
        let body = serde_json::json!({"user_id": user_id, "path": path});
        let answer = self
            .call(Method::POST, "/v1/magic-link", token, &[], Some(&body))
            .await?;
        link_in(&answer)
    }

    /// `GET /v1/sso-url` (the original guide's onboarding link).
    pub async fn sso_url(
        &self,
        token: &SecretString,
        user_id: &str,
    ) -> Result<String, UpstreamError> {
        let query = [
            ("user_id", user_id.to_owned()),
            ("action", "redirect_to_onboarding".to_owned()),
        ];
        let answer = self
            .call(Method::GET, "/v1/sso-url", token, &query, None)
            .await?;
        link_in(&answer)
    }
}

/// Only absolute http(s) links are followed: an onboarding link is where we send a person.
fn link_in(answer: &Value) -> Result<String, UpstreamError> {
    let url = answer
        .pointer("/data/url")
        .or_else(|| answer.get("url"))
        .and_then(Value::as_str)
        .ok_or_else(|| UpstreamError::Unexpected("the onboarding link answer has no url".into()))?;
    match Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "https" | "http") => Ok(url.to_owned()),
        _ => Err(UpstreamError::Unexpected(
            "the onboarding link is not an http(s) URL".into(),
        )),
    }
}

/// Reads Remote's 4xx bodies: `{"message":"…","errors":{field:[…] or {sub:[…]}}}` or
/// `{"message":{"code":"resource_not_supported_for_country",…}}`.
fn rejected(status: StatusCode, text: &str) -> UpstreamError {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let (message, code) = match body.get("message") {
        Some(Value::String(m)) => (m.clone(), String::new()),
        Some(Value::Object(o)) => (
            o.get("message")
                .and_then(Value::as_str)
                .unwrap_or("Remote rejected the request")
                .to_owned(),
            o.get("code")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
        _ => (format!("Remote answered {status}"), String::new()),
    };
    let mut errors = BTreeMap::new();
    if let Some(Value::Object(fields)) = body.get("errors") {
        flatten_errors("", fields, &mut errors);
    }
    let unsupported_country = code == "resource_not_supported_for_country"
        || errors.iter().any(|(k, v)| {
            k.ends_with("country_code")
                && v.iter()
                    .any(|m| m.contains("not supported") || m.contains("unsupported"))
        });
    UpstreamError::Rejected {
        status: status.as_u16(),
        message,
        errors,
        unsupported_country,
    }
}

fn flatten_errors(prefix: &str, fields: &serde_json::Map<String, Value>, out: &mut FieldErrors) {
    for (key, value) in fields {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Array(items) => {
                let messages = items.iter().map(|m| {
                    m.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| m.to_string())
                });
                out.entry(name).or_default().extend(messages);
            }
            Value::String(message) => out.entry(name).or_default().push(message.clone()),
            Value::Object(inner) if prefix.is_empty() => flatten_errors(&name, inner, out),
            other => out.entry(name).or_default().push(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_validation_errors_are_flattened() {
        let error = rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"message":"Validation failed","errors":{"basic_information":{"email":["has already been taken"]},"country_code":["is not supported"]}}"#,
        );
        let UpstreamError::Rejected {
            errors,
            unsupported_country,
            ..
        } = error
        else {
            panic!("expected a rejection");
        };
        assert_eq!(
            errors["basic_information.email"],
            vec!["has already been taken".to_owned()]
        );
        assert!(unsupported_country);
    }

    /// The sandbox's own refusal bodies, the files it sends them from.
    const OBJECT_REFUSAL: &str = include_str!("../../../sandbox/src/country_refusal/object.json");
    const VALIDATION_REFUSAL: &str =
        include_str!("../../../sandbox/src/country_refusal/validation.json");

    #[test]
    fn the_object_shaped_country_refusal_the_sandbox_sends_is_an_unsupported_country() {
        let error = rejected(StatusCode::UNPROCESSABLE_ENTITY, OBJECT_REFUSAL);
        let UpstreamError::Rejected {
            status,
            message,
            unsupported_country,
            ..
        } = error
        else {
            panic!("expected a rejection");
        };
        assert_eq!(status, 422);
        assert!(unsupported_country);
        assert_eq!(message, "Employment is not supported in this country");
    }

    #[test]
    fn the_validation_shaped_country_refusal_the_sandbox_sends_is_an_unsupported_country() {
        let error = rejected(StatusCode::UNPROCESSABLE_ENTITY, VALIDATION_REFUSAL);
        let UpstreamError::Rejected {
            errors,
            unsupported_country,
            ..
        } = error
        else {
            panic!("expected a rejection");
        };
        assert!(unsupported_country);
        assert_eq!(errors["country_code"], vec!["is not supported".to_owned()]);
    }

    #[test]
    fn another_object_shaped_refusal_is_not_an_unsupported_country() {
        let other = OBJECT_REFUSAL.replace("resource_not_supported_for_country", "forbidden");
        assert!(matches!(
            rejected(StatusCode::UNPROCESSABLE_ENTITY, &other),
            UpstreamError::Rejected {
                unsupported_country: false,
                ..
            }
        ));
    }
}

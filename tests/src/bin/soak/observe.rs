//! Every answer the backend gives passes through here (the consent walk's too: the harness reads
//! those and they are recorded afterwards): counted by status, checked for our error shape, and
//! kept as evidence when it is a 5xx of our own making (a 500, the `internal` code, or a 5xx that
//! is not `upstream_unavailable`).

use std::{collections::BTreeMap, sync::Mutex};

use hwr_integration_tests::BackendAnswer;
use reqwest::header::{self, HeaderMap};
use serde_json::Value;

/// One answer, read.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// HTTP status.
    pub(crate) status: u16,
    /// `Retry-After`, in seconds, when present and numeric.
    pub(crate) retry_after: Option<u64>,
    /// The body as text.
    pub(crate) body: String,
    /// The body as JSON, when it is JSON.
    pub(crate) json: Option<Value>,
}

impl Answer {
    fn new(status: u16, retry_after: Option<u64>, body: String) -> Self {
        let json = serde_json::from_str(&body).ok();
        Answer {
            status,
            retry_after,
            body,
            json,
        }
    }

    /// `error.code`, when the body has our error shape (`{"error":{"code","message"}}`, both
    /// non-empty strings).
    pub(crate) fn error_code(&self) -> Option<&str> {
        let error = self.json.as_ref()?.get("error")?;
        let code = error.get("code")?.as_str().filter(|c| !c.is_empty())?;
        error
            .get("message")?
            .as_str()
            .filter(|m| !m.trim().is_empty())?;
        Some(code)
    }
}

/// `Retry-After`, in seconds, when present and numeric.
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// A 5xx that our own code produced.
#[derive(Debug, Clone)]
pub(crate) struct OwnError {
    pub(crate) context: String,
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// Counts and evidence, shared by every task.
#[derive(Debug, Default)]
pub(crate) struct Observer {
    statuses: Mutex<BTreeMap<u16, u64>>,
    network_errors: Mutex<BTreeMap<String, u64>>,
    own: Mutex<Vec<OwnError>>,
    own_count: Mutex<u64>,
}

/// Evidence kept per kind of own error (the count covers them all).
const KEEP_EVIDENCE: usize = 20;

impl Observer {
    /// Reads a response and records it.
    pub(crate) async fn read(&self, context: &str, response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = match response.text().await {
            Ok(body) => body,
            Err(error) => format!("<the body could not be read: {error}>"),
        };
        let answer = Answer::new(status, retry_after, body);
        self.record(context, &answer);
        answer
    }

    /// Records an answer the harness's consent walk read (its hop names the context).
    pub(crate) fn record_walked(&self, walked: &BackendAnswer) {
        let answer = Answer::new(
            walked.status.as_u16(),
            retry_after(&walked.headers),
            walked.body.clone(),
        );
        self.record(walked.hop.as_str(), &answer);
    }

    fn record(&self, context: &str, answer: &Answer) {
        if let Ok(mut statuses) = self.statuses.lock() {
            *statuses.entry(answer.status).or_default() += 1;
        }
        let code = answer.error_code();
        let own = answer.status == 500
            || code == Some("internal")
            || (answer.status >= 500 && code != Some("upstream_unavailable"));
        if own {
            if let Ok(mut count) = self.own_count.lock() {
                *count += 1;
            }
            if let Ok(mut own) = self.own.lock() {
                if own.len() < KEEP_EVIDENCE {
                    own.push(OwnError {
                        context: context.to_owned(),
                        status: answer.status,
                        body: answer.body.chars().take(300).collect(),
                    });
                }
            }
        }
    }

    /// Records a request that got no HTTP answer.
    pub(crate) fn network_error(&self, error: &reqwest::Error) {
        let kind = if error.is_timeout() {
            "timeout"
        } else if error.is_connect() {
            "connect"
        } else if error.is_body() || error.is_decode() {
            "body"
        } else {
            "other (connection closed)"
        };
        if let Ok(mut errors) = self.network_errors.lock() {
            *errors.entry(kind.to_owned()).or_default() += 1;
        }
    }

    /// Answers by status.
    pub(crate) fn statuses(&self) -> BTreeMap<u16, u64> {
        self.statuses.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Requests without an answer, by kind.
    pub(crate) fn network_errors(&self) -> BTreeMap<String, u64> {
        self.network_errors
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// How many answers were 5xx of our own.
    pub(crate) fn own_count(&self) -> u64 {
        self.own_count.lock().map(|c| *c).unwrap_or_default()
    }

    /// The first few of them.
    pub(crate) fn own_evidence(&self) -> Vec<OwnError> {
        self.own.lock().map(|o| o.clone()).unwrap_or_default()
    }
}

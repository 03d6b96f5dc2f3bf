//! Fault injection: a middleware around every Remote route that, when a fault registered
//! through `POST /__sandbox/faults` matches `"METHOD /route/pattern"`, delays, fails, hangs,
//! refuses the way Remote refuses an unsupported country (`refusal`), or lets the request
//! through and then fails (`create_then_fail`). Every request it sees is counted, with whether a
//! fault fired on it.

use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::country_refusal::Refusal;
use crate::error::ApiError;
use crate::state::AppState;

/// Every route a fault can target, as `"METHOD /pattern"`.
pub(crate) const ROUTES: &[&str] = &[
    "GET /auth/oauth2/authorize",
    "POST /auth/oauth2/authorize",
    "POST /auth/oauth2/token",
    "POST /v1/employments",
    "GET /v1/employments",
    "GET /v1/employments/{id}",
    "PATCH /v1/sandbox/employments/{id}",
    "GET /v1/countries",
    "GET /v1/countries/{alpha3}/employment_basic_information",
    "GET /v1/identity/current",
    "GET /v1/company-managers",
    "POST /v1/magic-link",
    "GET /v1/sso-url",
    "POST /v1/webhook-callbacks",
    "GET /v1/webhook-callbacks",
    "PATCH /v1/webhook-callbacks/{id}",
    "DELETE /v1/webhook-callbacks/{id}",
    "GET /v1/companies/{company_id}/webhook-callbacks",
    "GET /v1/webhook-events",
    "POST /v1/webhook-events/replay",
    "GET /onboarding/magic/{token}",
    "GET /onboarding/sso/{token}",
    "GET /onboarding",
    "POST /onboarding/employments/{id}/status",
];

/// Long enough to outlast any client timeout; ends early when the sandbox stops.
const HANG: Duration = Duration::from_secs(24 * 60 * 60);

/// A registered fault, as `POST /__sandbox/faults` takes it and `GET` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fault {
    route: String,
    #[serde(default)]
    latency_ms: u64,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default = "always")]
    probability: f64,
    #[serde(default)]
    hang: bool,
    #[serde(default)]
    create_then_fail: bool,
    /// Answers 422 with Remote's refusal of the candidate's country (`POST /v1/employments`).
    #[serde(default)]
    refusal: Option<Refusal>,
    /// Remaining number of times it fires; `None` until cleared.
    #[serde(default)]
    count: Option<u32>,
}

fn always() -> f64 {
    1.0
}

impl Fault {
    /// Checks a fault as sent and fills in the default status: a fault that neither delays,
    /// hangs, refuses nor creates-then-fails answers 503.
    pub(crate) fn validated(mut self) -> Result<Self, ApiError> {
        let route = match self.route.split_once(' ') {
            Some((method, path)) => {
                format!("{} {}", method.trim().to_ascii_uppercase(), path.trim())
            }
            None => self.route.clone(),
        };
        if !ROUTES.contains(&route.as_str()) {
            return Err(ApiError::field(
                "route",
                &format!("must be one of: {}", ROUTES.join(", ")),
            ));
        }
        self.route = route;
        if self.refusal.is_some() {
            if self.route != "POST /v1/employments" {
                return Err(ApiError::field(
                    "refusal",
                    "only applies to POST /v1/employments",
                ));
            }
            if self.status.is_some() || self.hang || self.create_then_fail {
                return Err(ApiError::field(
                    "refusal",
                    "cannot be combined with status, hang or create_then_fail",
                ));
            }
        }
        if let Some(status) = self.status {
            if !(400..=599).contains(&status) {
                return Err(ApiError::field("status", "must be between 400 and 599"));
            }
        } else if self.latency_ms == 0
            && !self.hang
            && !self.create_then_fail
            && self.refusal.is_none()
        {
            self.status = Some(503);
        }
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(ApiError::field("probability", "must be between 0 and 1"));
        }
        if self.count == Some(0) {
            return Err(ApiError::field("count", "must be at least 1, or null"));
        }
        if self.latency_ms > 600_000 {
            return Err(ApiError::field("latency_ms", "must be at most 600000"));
        }
        Ok(self)
    }

    /// The route pattern this fault targets.
    pub(crate) fn route(&self) -> &str {
        &self.route
    }
}

/// The middleware.
pub(crate) async fn inject(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| format!("{} {}", request.method(), path.as_str()))
    else {
        return next.run(request).await;
    };
    let Some(fault) = fire(&state, &route) else {
        return next.run(request).await;
    };
    if fault.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
    }
    if fault.hang {
        let mut shutdown = state.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(HANG) => {}
            _ = shutdown.wait_for(|stopped| *stopped) => {}
        }
        return failure(StatusCode::GATEWAY_TIMEOUT);
    }
    if fault.create_then_fail {
        let _discarded = next.run(request).await;
        return failure(StatusCode::GATEWAY_TIMEOUT);
    }
    if let Some(refusal) = fault.refusal {
        return refusal.response();
    }
    match fault
        .status
        .and_then(|status| StatusCode::from_u16(status).ok())
    {
        Some(status) => failure(status),
        None => next.run(request).await,
    }
}

/// Counts the request, and whether the fault for this route fired on it.
fn fire(state: &AppState, route: &str) -> Option<Fault> {
    let mut store = state.store();
    let fired = take(&mut store.faults, route);
    store.counters.requests.record(route, fired.is_some());
    fired
}

/// Finds the fault for this route, rolls its probability and uses up one of its `count`.
fn take(faults: &mut Vec<Fault>, route: &str) -> Option<Fault> {
    let index = faults.iter().position(|fault| fault.route == route)?;
    let fault = &mut faults[index];
    if fault.probability < 1.0 && rand::random::<f64>() >= fault.probability {
        return None;
    }
    let fired = fault.clone();
    if let Some(count) = &mut fault.count {
        *count -= 1;
        if *count == 0 {
            faults.remove(index);
        }
    }
    Some(fired)
}

fn failure(status: StatusCode) -> Response {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return ApiError::RateLimited {
            retry_after_secs: 1,
        }
        .into_response();
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    ApiError::Status(status, format!("{reason} (sandbox fault)")).into_response()
}

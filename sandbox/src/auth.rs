//! Bearer-token authentication and the per-minute rate limit for every `/v1` route.
//! The middleware checks the token, counts the request against the company's (or, for
//! client-credentials tokens, the client's) window, and stamps Remote's `x-ratelimit-*` headers.

use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::error::ApiError;
use crate::state::{AppState, Grantee, RateWindow};

const WINDOW: Duration = Duration::from_secs(60);

/// The authenticated caller of a `/v1` route.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) client_id: String,
    /// `None` for client-credentials tokens.
    pub(crate) grantee: Option<Grantee>,
}

/// A caller acting for a company (authorization-code or refreshed token).
#[derive(Debug, Clone)]
pub(crate) struct CompanyCaller {
    pub(crate) company_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::Unauthorized("Unauthorized".to_owned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CompanyCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        match caller.grantee {
            Some(grantee) => Ok(CompanyCaller {
                company_id: grantee.company_id,
            }),
            None => Err(ApiError::Unauthorized(
                "This endpoint needs an access token issued for a company.".to_owned(),
            )),
        }
    }
}

/// Middleware for `/v1` routes: 401 without a live token, 429 past the limit.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match caller_for(&state, request.headers()) {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let bucket = match &caller.grantee {
        Some(grantee) => format!("company:{}", grantee.company_id),
        None => format!("client:{}", caller.client_id),
    };
    request.extensions_mut().insert(caller);
    let Some(usage) = count_request(&state, &bucket) else {
        return next.run(request).await;
    };
    let mut response = if usage.count > usage.limit {
        let retry_after_secs = usage.reset.as_millis().div_ceil(1000).max(1) as u64;
        ApiError::RateLimited { retry_after_secs }.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-count", HeaderValue::from(usage.count));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(usage.limit.saturating_sub(usage.count)),
    );
    headers.insert(
        "x-ratelimit-reset",
        HeaderValue::from(usage.reset.as_millis() as u64),
    );
    response
}

fn caller_for(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = bearer_token(headers)
        .ok_or_else(|| ApiError::Unauthorized("Missing bearer access token".to_owned()))?;
    let store = state.store();
    let rejected = || ApiError::Unauthorized("Invalid or expired access token".to_owned());
    let access = store.access_tokens.get(token).ok_or_else(rejected)?;
    if access.revoked || access.expires_at <= Utc::now() {
        return Err(rejected());
    }
    Ok(Caller {
        client_id: access.client_id.clone(),
        grantee: access.grantee.clone(),
    })
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

struct Usage {
    count: u32,
    limit: u32,
    reset: Duration,
}

/// Counts one request in the bucket's fixed one-minute window; `None` when limits are off.
fn count_request(state: &AppState, bucket: &str) -> Option<Usage> {
    let limit = state.config.rate_limit_per_minute;
    if limit == 0 {
        return None;
    }
    let now = Instant::now();
    let mut store = state.store();
    let window = store
        .rate_windows
        .entry(bucket.to_owned())
        .or_insert(RateWindow {
            started: now,
            count: 0,
        });
    if now.duration_since(window.started) >= WINDOW {
        *window = RateWindow {
            started: now,
            count: 0,
        };
    }
    window.count = window.count.saturating_add(1);
    let reset = WINDOW.saturating_sub(now.duration_since(window.started));
    Some(Usage {
        count: window.count,
        limit,
        reset,
    })
}

//! Rate limits per site user and per origin: token buckets that refill at N per minute with a
//! burst of N/4 (at least 10), so the widget's once-a-second polling fits while a burst of
//! hundreds of requests in a few seconds is stopped with 429 and `Retry-After`. Limits are per
//! replica (in memory). Requests without an `Origin` are limited per client IP; `X-Forwarded-For`
//! is believed only from a proxy listed in `HWR_TRUSTED_PROXIES`.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::Instant,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use hwr_protocol::ErrorCode;

use crate::{error::ApiError, site_token::SiteUser, state::AppState};

/// Buckets beyond this many trigger a sweep of full (idle) ones.
const SWEEP_AT: usize = 10_000;

/// One limiter: buckets keyed by user or origin.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_minute` 0 turns the limiter off.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn capacity(&self) -> f64 {
        f64::from((self.per_minute / 4).max(10).min(self.per_minute.max(1)))
    }

    /// Takes one token for `key`; `Err(seconds)` says how long until one is available.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let capacity = self.capacity();
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= SWEEP_AT {
            buckets
                .retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < capacity);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            // Whole seconds, rounded up, until one token has refilled.
            let wait = ((1.0 - bucket.tokens) / rate).ceil();
            Err(if wait.is_finite() && wait >= 1.0 {
                wait as u64
            } else {
                1
            })
        }
    }
}

/// The two limiters.
pub struct RateLimits {
    /// Per site user.
    pub user: RateLimiter,
    /// Per origin (or client IP without one).
    pub origin: RateLimiter,
}

/// Applies both limits to `/api/v1`; a verified site user is kept in the request's extensions so
/// the handler does not verify the token twice.
pub async fn limit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let origin_key = match request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        Some(origin) => format!("origin:{origin}"),
        None => format!("ip:{}", client_ip(&state, &request)),
    };
    if let Err(wait) = state.rate_limits.origin.check(&origin_key) {
        return limited(wait);
    }
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(Ok(user)) = bearer.map(|token| state.site_tokens.verify(token)) {
        if let Err(wait) = state.rate_limits.user.check(&format!("user:{}", user.0)) {
            return limited(wait);
        }
        request.extensions_mut().insert::<SiteUser>(user);
    }
    next.run(request).await
}

fn limited(wait: u64) -> Response {
    ApiError::new(
        ErrorCode::RateLimited,
        "Too many requests. Wait a moment and try again.",
    )
    .with_retry_after(wait)
    .into_response()
}

/// The peer address, or the first `X-Forwarded-For` hop when the peer is a trusted proxy.
fn client_ip(state: &AppState, request: &Request) -> String {
    let peer: Option<IpAddr> = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = peer.is_some_and(|ip| state.config.trusted_proxies.contains(&ip));
    if trusted {
        if let Some(forwarded) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        {
            if let Some(first) = forwarded
                .split(',')
                .next()
                .map(str::trim)
                .filter(|s| s.parse::<IpAddr>().is_ok())
            {
                return first.to_owned();
            }
        }
    }
    peer.map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_capacity_is_refused_with_a_wait() {
        let limiter = RateLimiter::new(120);
        let allowed = (0..100).filter(|_| limiter.check("user:a").is_ok()).count();
        assert_eq!(allowed, 30);
        assert_eq!(limiter.check("user:a"), Err(1));
    }

    #[test]
    fn buckets_are_separate_per_key_and_zero_turns_limits_off() {
        let limiter = RateLimiter::new(120);
        for _ in 0..30 {
            let _ = limiter.check("user:a");
        }
        assert!(limiter.check("user:b").is_ok());
        let off = RateLimiter::new(0);
        assert!((0..1000).all(|_| off.check("user:a").is_ok()));
    }
}

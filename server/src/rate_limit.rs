//! Rate limits per site user and per client IP: token buckets that refill at N per minute with a
//! burst of N/4 (at least 10), so the widget's once-a-second polling fits while a burst of
//! hundreds of requests in a few seconds is stopped with 429 and `Retry-After`. Limits are per
//! replica (in memory, bounded: see [`MAX_KEYS`]). Requests with a valid site token count against
//! their user, all others against the client IP; `X-Forwarded-For` is believed only from a proxy
//! listed in `HWR_TRUSTED_PROXIES`.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    ops::Deref,
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use hwr_protocol::ErrorCode;

use crate::{
    config::LimitsConfig,
    error::ApiError,
    site_token::{SiteTokens, VerifiedToken},
};

/// Buckets beyond this many trigger a sweep of full (idle) ones.
const SWEEP_AT: usize = 10_000;
/// The most buckets one limiter keeps: past it (a flood of distinct keys that are all busy),
/// new keys share one overflow bucket, so memory stays bounded and old keys keep their limits.
pub const MAX_KEYS: usize = 50_000;
const OVERFLOW_KEY: &str = "overflow";

/// One limiter: buckets keyed by user or origin.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<Buckets>,
}

struct Buckets {
    by_key: HashMap<String, Bucket>,
    /// Sweeps cost a pass over every bucket: at most one a second.
    swept_at: Instant,
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
            buckets: Mutex::new(Buckets {
                by_key: HashMap::new(),
                swept_at: Instant::now(),
            }),
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
        let mut guard = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Buckets { by_key, swept_at } = &mut *guard;
        if by_key.len() >= SWEEP_AT && now.duration_since(*swept_at).as_secs() >= 1 {
            *swept_at = now;
            by_key
                .retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < capacity);
        }
        let buckets = by_key;
        let key = if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            OVERFLOW_KEY
        } else {
            key
        };
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

/// The limiter middleware's own state, a sub-state of the app's (`FromRef`): the two limiters,
/// the site-token verifier that decides which one a request counts against, and the proxies
/// whose `X-Forwarded-For` is believed. Cheap to clone.
#[derive(Clone)]
pub struct RateLimits {
    inner: Arc<Limiters>,
}

/// What [`RateLimits`] points to.
pub struct Limiters {
    /// Per site user, for requests with a valid site token.
    pub user: RateLimiter,
    /// Per client IP, for requests without one (preflights, bad or missing tokens).
    pub ip: RateLimiter,
    site_tokens: SiteTokens,
    trusted_proxies: Vec<IpAddr>,
}

impl Deref for RateLimits {
    type Target = Limiters;

    fn deref(&self) -> &Limiters {
        &self.inner
    }
}

impl RateLimits {
    /// The limits `HWR_RATE_LIMIT_*` and `HWR_TRUSTED_PROXIES` set, checking tokens with
    /// `site_tokens`.
    pub fn new(config: &LimitsConfig, site_tokens: SiteTokens) -> RateLimits {
        RateLimits {
            inner: Arc::new(Limiters {
                user: RateLimiter::new(config.user_per_min),
                ip: RateLimiter::new(config.ip_per_min),
                site_tokens,
                trusted_proxies: config.trusted_proxies.clone(),
            }),
        }
    }
}

/// Applies the limits to `/api/v1` and `/oauth/*`. The site token is verified first, once (the result is kept
/// in the request's extensions for the handler): a valid one counts against its user alone, so
/// nothing a client without one sends can spend a real user's allowance.
pub async fn limit(State(limits): State<RateLimits>, mut request: Request, next: Next) -> Response {
    let verified = limits.site_tokens.check(request.headers());
    let checked = match &verified {
        Ok(user) => limits.user.check(&format!("user:{}", user.0)),
        Err(_) => limits
            .ip
            .check(&format!("ip:{}", client_ip(&limits, &request))),
    };
    if let Err(wait) = checked {
        return limited(wait);
    }
    request.extensions_mut().insert(VerifiedToken(verified));
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

/// The client's address: the peer, or behind trusted proxies the rightmost `X-Forwarded-For`
/// hop that is not one of them (hops to its left are written by the client and prove nothing).
fn client_ip(limits: &Limiters, request: &Request) -> String {
    let peer: Option<IpAddr> = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = |ip: &IpAddr| limits.trusted_proxies.contains(ip);
    let Some(mut client) = peer else {
        return "unknown".into();
    };
    if trusted(&client) {
        let hops = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !trusted(&ip) {
                break;
            }
        }
    }
    client.to_string()
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
    fn a_flood_of_distinct_keys_keeps_memory_bounded() {
        let limiter = RateLimiter::new(120);
        for n in 0..(MAX_KEYS + 5_000) {
            let _ = limiter.check(&format!("ip:{n}"));
        }
        let kept = limiter
            .buckets
            .lock()
            .map(|b| b.by_key.len())
            .unwrap_or(usize::MAX);
        assert!(kept <= MAX_KEYS + 1, "{kept} buckets");
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

//! Everything the sandbox remembers, behind one mutex: grants, tokens, employments, links,
//! onboarding sessions, webhook callbacks, events and delivery attempts, faults, rate-limit
//! windows and counters. `Store::default()` is the seeded start.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore as _;
use tokio::sync::watch;

use crate::config::SandboxConfig;
use crate::employment::Employment;
use crate::faults::Fault;
use crate::onboarding_session::OnboardingSession;
use crate::request_counts::RequestCounts;
use crate::webhook_callbacks::WebhookCallback;
use crate::webhook_delivery::DeliveryAttempt;
use crate::webhook_events::WebhookEvent;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) config: Arc<SandboxConfig>,
    /// Base URL for links the sandbox hands out (magic links, SSO URLs).
    pub(crate) public_url: Arc<str>,
    store: Arc<Mutex<Store>>,
    /// Flips to `true` when the sandbox stops, so hung requests (the `hang` fault) end.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Sends webhook deliveries: no redirects followed, no proxy (receivers are often local).
    pub(crate) http: reqwest::Client,
}

impl AppState {
    pub(crate) fn new(
        config: SandboxConfig,
        public_url: String,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Self {
            config: Arc::new(config),
            public_url: public_url.trim_end_matches('/').into(),
            store: Arc::new(Mutex::new(Store::default())),
            shutdown,
            // Building fails only if the TLS backend cannot start, and then no client can;
            // falling back to `Client::new` keeps `router()` infallible.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
        }
    }

    /// Locks the store. A panic elsewhere cannot poison the sandbox for good: the data is
    /// still consistent enough for a fake, so the poison is ignored.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The mutable world.
#[derive(Default)]
pub(crate) struct Store {
    pub(crate) codes: HashMap<String, AuthorizationCode>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    pub(crate) refresh_tokens: HashMap<String, RefreshToken>,
    pub(crate) employments: Vec<Employment>,
    pub(crate) links: HashMap<String, OnboardingLink>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) rate_windows: HashMap<String, RateWindow>,
    pub(crate) counters: Counters,
    pub(crate) onboarding_sessions: HashMap<String, OnboardingSession>,
    pub(crate) webhook_callbacks: Vec<WebhookCallback>,
    /// One per (event, callback), in trigger order.
    pub(crate) webhook_events: Vec<WebhookEvent>,
    /// Every delivery attempt, oldest first (`GET /__sandbox/webhooks`).
    pub(crate) webhook_attempts: Vec<DeliveryAttempt>,
    /// Bumped by every reset, so deliveries still retrying from before it stop instead of
    /// writing into the fresh state.
    pub(crate) generation: u64,
}

impl Store {
    /// Back to the seeded start, in a new generation.
    pub(crate) fn reset(&mut self) {
        let generation = self.generation.wrapping_add(1);
        *self = Store {
            generation,
            ..Store::default()
        };
    }

    /// Issues an access token; `grantee` is `None` for client-credentials tokens.
    pub(crate) fn issue_access_token(
        &mut self,
        client_id: &str,
        grantee: Option<Grantee>,
        from_code: Option<String>,
        ttl: Duration,
    ) -> String {
        let token = random_token("sbx_at_");
        let issued_at = Utc::now();
        let expires_at = expires_after(issued_at, ttl);
        let access = AccessToken {
            client_id: client_id.to_owned(),
            grantee,
            from_code,
            issued_at,
            expires_at,
            revoked: false,
        };
        self.access_tokens.insert(token.clone(), access);
        token
    }

    /// Issues a refresh token for a company grant.
    pub(crate) fn issue_refresh_token(
        &mut self,
        client_id: &str,
        grantee: Grantee,
        from_code: Option<String>,
    ) -> String {
        let token = random_token("sbx_rt_");
        let refresh = RefreshToken {
            client_id: client_id.to_owned(),
            grantee,
            from_code,
            issued_at: Utc::now(),
            revoked: false,
        };
        self.refresh_tokens.insert(token.clone(), refresh);
        token
    }
}

/// Counts since the last reset, reported by `GET /__sandbox/state`.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) authorization_code: u64,
    pub(crate) refresh_token: u64,
    pub(crate) client_credentials: u64,
    /// `POST /v1/employments` requests that reached the handler: authenticated, and not
    /// answered by a fault first (`create_then_fail` ones included).
    pub(crate) employment_posts: u64,
    /// Every request to a Remote route, and which of them a fault fired on.
    pub(crate) requests: RequestCounts,
}

/// Who a company grant acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grantee {
    pub(crate) company_id: String,
    pub(crate) user_id: String,
}

/// An authorization code issued by the consent page.
pub(crate) struct AuthorizationCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) grantee: Grantee,
    pub(crate) code_challenge: Option<String>,
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) used: bool,
}

/// An access token; `grantee` is `None` for client-credentials tokens.
pub(crate) struct AccessToken {
    pub(crate) client_id: String,
    pub(crate) grantee: Option<Grantee>,
    /// The code this token descends from, so a replayed code can revoke it.
    pub(crate) from_code: Option<String>,
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) revoked: bool,
}

/// A refresh token (company grants only).
pub(crate) struct RefreshToken {
    pub(crate) client_id: String,
    pub(crate) grantee: Grantee,
    pub(crate) from_code: Option<String>,
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) revoked: bool,
}

/// A one-time magic link or SSO URL into the onboarding page.
pub(crate) struct OnboardingLink {
    pub(crate) grantee: Grantee,
    pub(crate) path: Option<String>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) used: bool,
}

/// A fixed one-minute rate-limit window for one company (or client).
pub(crate) struct RateWindow {
    pub(crate) started: Instant,
    pub(crate) count: u32,
}

/// `start + ttl`, saturating instead of panicking on an absurd configured lifetime.
pub(crate) fn expires_after(start: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(ttl)
        .ok()
        .and_then(|ttl| start.checked_add_signed(ttl))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A fresh unguessable token: 32 random bytes, base64url, with a readable prefix.
pub(crate) fn random_token(prefix: &str) -> String {
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

//! How a sandbox is set up: port, client credentials, redirect URIs, lifetimes, limits and the
//! webhook retry schedule. Every field has a default so `SandboxConfig::default()` runs the demo
//! without any setup.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// Settings for one sandbox instance.
///
/// Build it with struct-update syntax so new fields never break callers:
/// `SandboxConfig { port: 8081, ..SandboxConfig::default() }`.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// TCP port to listen on; `0` picks a random free port (tests).
    pub port: u16,
    /// Address to bind; `127.0.0.1` by default.
    pub bind: IpAddr,
    /// The one registered OAuth client id.
    pub client_id: String,
    /// That client's secret (checked with HTTP Basic on the token endpoint).
    pub client_secret: String,
    /// Redirect URIs registered for the client; `redirect_uri` must equal one of them exactly.
    pub redirect_uris: Vec<String>,
    /// Lifetime of access tokens (`expires_in` in token responses).
    pub access_token_ttl: Duration,
    /// Lifetime of authorization codes; Remote's is five minutes.
    pub code_ttl: Duration,
    /// Requests per minute per company (per client for client-credentials tokens); `0` = no limit.
    pub rate_limit_per_minute: u32,
    /// When true, every refresh returns a new refresh token and retires the old one.
    pub rotate_refresh_tokens: bool,
    /// Base URL put into magic links and SSO URLs; `http://<bind>:<port>` when `None`.
    pub public_url: Option<String>,
    /// Waits between webhook delivery attempts; one more attempt than there are delays.
    /// Default 1 s, 2 s, 4 s, 8 s, 16 s (six attempts). Tests shorten it.
    pub webhook_retry_delays: Vec<Duration>,
    /// How long one webhook delivery attempt may take before it counts as failed.
    pub webhook_timeout: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            client_id: "demo-client".to_owned(),
            client_secret: "demo-secret".to_owned(),
            redirect_uris: vec!["http://127.0.0.1:8080/oauth/callback".to_owned()],
            access_token_ttl: Duration::from_secs(3600),
            code_ttl: Duration::from_secs(300),
            rate_limit_per_minute: 250,
            rotate_refresh_tokens: false,
            public_url: None,
            webhook_retry_delays: [1, 2, 4, 8, 16].map(Duration::from_secs).to_vec(),
            webhook_timeout: Duration::from_secs(5),
        }
    }
}

//! Everything that talks to Remote: the OAuth client and the REST API client. Both share one
//! HTTP client that follows no redirects (an upstream redirect is never trusted) and has explicit
//! connect and overall timeouts.

mod api;
mod breaker;
mod employment_reads;
pub mod employments;
mod forms;
mod webhook_callbacks;

pub use breaker::CircuitBreaker;
mod oauth;

use std::time::Duration;

pub use api::{RemoteApi, RemoteCountry, UpstreamError};
pub use employment_reads::EmploymentState;
pub use oauth::{
    CodeGrant, ConsentStart, Refreshed, RemoteOAuth, RemoteTokenFields, TokenError, REMOTE_SCOPE,
};
pub use webhook_callbacks::{ListedCallback, RegisteredCallback, EMPLOYMENT_EVENTS};

/// The HTTP client for every call to Remote.
pub fn http_client(
    connect_timeout: Duration,
    timeout: Duration,
) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("hire-with-remote/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

//! A faithful local fake of Remote's API: OAuth consent and tokens, employments and their
//! status, countries and their basic-information form schemas, identity, company managers,
//! magic links / SSO URLs and an onboarding page, webhook callbacks with signed, retried
//! deliveries, plus a `/__sandbox` control surface for inspection and fault injection. Used by
//! the demo and by every test.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sandbox = hwr_sandbox::Sandbox::start(hwr_sandbox::SandboxConfig::default()).await?;
//! println!("Remote sandbox at {}", sandbox.base_url());
//! sandbox.stop().await;
//! # Ok(())
//! # }
//! ```

mod auth;
mod basic_information_check;
mod basic_information_form;
mod config;
mod consent;
mod control;
mod countries;
mod country_refusal;
mod employment;
mod employment_change;
mod employment_input;
mod employment_status;
mod employments;
mod error;
mod faults;
mod forms;
mod identity;
mod json_schema_version;
mod onboarding;
mod onboarding_session;
mod pages;
mod paging;
mod request_body;
mod request_counts;
mod sandbox_employments;
pub mod seed;
mod state;
mod text_format;
mod token;
mod webhook_callbacks;
mod webhook_delivery;
mod webhook_event_type;
mod webhook_events;
mod webhook_signature;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::response::IntoResponse;
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::SandboxConfig;
pub use countries::{countries, Country};
pub use seed::{SeedCompany, SeedManager, SCOPE};

use error::ApiError;
use state::AppState;

/// How long `stop` waits for in-flight requests before cutting them off.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running sandbox. Dropping it stops the server too (abruptly); `stop` is graceful.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds `config.bind:config.port` (port 0: a random free port), spawns the server on the
    /// current tokio runtime and returns as soon as it accepts connections.
    pub async fn start(config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let listener = TcpListener::bind((config.bind, config.port))
            .await
            .with_context(|| {
                format!(
                    "failed to bind the sandbox to {}:{}",
                    config.bind, config.port
                )
            })?;
        let addr = listener
            .local_addr()
            .context("failed to read the sandbox's local address")?;
        let base_url = base_url_for(addr);
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| base_url.clone());
        let (shutdown, stopped) = watch::channel(false);
        let app = build_router(AppState::new(config, public_url, stopped.clone()));
        let task = tokio::spawn(async move {
            let mut stopped = stopped;
            let server = axum::serve(listener, app).with_graceful_shutdown(async move {
                // An error means the sender is gone, which also means "stop".
                let _ = stopped.wait_for(|stopped| *stopped).await;
            });
            if let Err(error) = server.await {
                tracing::error!(%error, "the sandbox server stopped with an error");
            }
        });
        Ok(Sandbox {
            addr,
            base_url,
            shutdown,
            task: Some(task),
        })
    }

    /// The URL clients should use, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The port the sandbox listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address the sandbox listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, lets in-flight requests finish (hung ones are released),
    /// and waits up to five seconds for that.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The sandbox as a router, for embedding in another server. Links it hands out point at
/// `config.public_url`, or `http://<bind>:<port>` when that is unset.
pub fn router(config: SandboxConfig) -> Router {
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| base_url_for(SocketAddr::new(config.bind, config.port)));
    // The sender is dropped at once; hung requests then end as soon as they start, which is
    // the best an embedded router without its own lifecycle can do.
    let (_, stopped) = watch::channel(false);
    build_router(AppState::new(config, public_url, stopped))
}

/// Runs a sandbox until Ctrl-C (the `hire-with-remote sandbox` subcommand).
pub async fn run_until_ctrl_c(config: SandboxConfig) -> anyhow::Result<()> {
    let client_id = config.client_id.clone();
    let redirect_uris = config.redirect_uris.join(", ");
    let sandbox = Sandbox::start(config).await?;
    println!("Remote sandbox listening on {}", sandbox.base_url());
    println!("  client_id: {client_id}");
    println!("  redirect URIs: {redirect_uris}");
    println!("  authorize: {}/auth/oauth2/authorize", sandbox.base_url());
    println!("  control:   {}/__sandbox/state", sandbox.base_url());
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .context("failed to listen for Ctrl-C")?;
    sandbox.stop().await;
    Ok(())
}

fn base_url_for(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        // 0.0.0.0 / :: is where to listen, not where to connect.
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}

fn build_router(state: AppState) -> Router {
    let v1 = Router::new()
        .merge(employments::router())
        .merge(sandbox_employments::router())
        .merge(webhook_callbacks::router())
        .merge(webhook_events::router())
        .merge(countries::router())
        .merge(forms::router())
        .merge(identity::router())
        .merge(onboarding::api_router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ));
    Router::new()
        .merge(consent::router())
        .merge(token::router())
        .merge(v1)
        .merge(onboarding::page_router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        ))
        // Added after the fault layer on purpose: the control surface is never faulted.
        .merge(control::router())
        .fallback(|| async { ApiError::NotFound("Not found".to_owned()).into_response() })
        .with_state(state)
}

//! The hire-with-remote backend: a small axum service a job site runs so that its employers can
//! hire through Remote. It keeps the OAuth client secret, runs the consent flow, stores tokens
//! encrypted, proxies `POST /v1/employments` exactly once per hire, and returns the onboarding URL.

pub mod assets;
pub mod caller;
pub mod config;
pub mod connections;
pub mod consent;
pub mod countries;
pub mod crypto;
#[cfg(feature = "demo")]
pub mod demo;
pub mod detached;
pub mod error;
pub mod extract;
pub mod forms;
pub mod hires;
pub mod housekeeping;
pub mod metrics;
pub mod origin;
pub mod rate_limit;
pub mod remote;
pub mod routes;
pub mod server_key;
pub mod site_token;
pub mod state;
pub mod store;
pub mod tokens;
pub mod webhooks;

use std::{future::Future, net::SocketAddr};

use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::{config::Config, state::AppState, store::Store};

/// How long a shutdown waits, once requests are answered, for work that outlived its request
/// and for the worker's current step (a token refresh, a webhook attempt of at most 10 s).
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(15);

/// A bound, ready-to-run backend.
pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    state: AppState,
}

impl Application {
    /// Opens the database (migrating it), builds the clients and binds the listener
    /// (`127.0.0.1:0` binds a free port: see [`Application::port`]).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let store = Store::connect(
            config.database.url.expose_secret(),
            config.database.max_connections,
        )
        .await?;
        let listener = TcpListener::bind(config.server.listen)
            .await
            .with_context(|| format!("failed to listen on {}", config.server.listen))?;
        let metrics_listener = match config.server.metrics_listen {
            Some(address) => Some(TcpListener::bind(address).await.with_context(|| {
                format!("failed to listen on {address} for metrics (HWR_METRICS_LISTEN)")
            })?),
            None => None,
        };
        let state = AppState::new(config, store)?;
        Ok(Application {
            listener,
            metrics_listener,
            state,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The metrics listener's address, when `HWR_METRICS_LISTEN` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// The shared state (tests inspect the store through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests (hires) finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        let limits = self.state.config.server.connection_limits;
        let sweeping = tokio::spawn(housekeeping::run(self.state.clone()));
        let mut working = tokio::spawn(webhooks::worker::run(self.state.clone()));
        let scraping = self.metrics_listener.map(|listener| {
            let metrics = metrics::router(self.state.metrics.clone());
            tokio::spawn(async move {
                if let Err(error) = axum::serve(listener, metrics).await {
                    tracing::error!(%error, "the metrics listener failed");
                }
            })
        });
        let state = self.state.clone();
        let app = routes::router(self.state);
        connections::serve(self.listener, app, limits, shutdown).await;
        sweeping.abort();
        // Work whose client went away, and the worker's current step, finish first.
        state.stopping.cancel();
        state.tasks.close();
        let finishing = async {
            let _ = (&mut working).await;
            state.tasks.wait().await;
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, finishing)
            .await
            .is_err()
        {
            tracing::warn!(
                "background work did not finish within {} s of the shutdown; stopping it",
                SHUTDOWN_GRACE.as_secs()
            );
        }
        working.abort();
        if let Some(scraping) = scraping {
            scraping.abort();
        }
        store.close().await;
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

//! The state every route shares: configuration, the store, the Remote clients, and the
//! process-local coordination (the worker's wake-up, the tasks a shutdown waits for). The parts
//! that own their state (the token service, the country list, the forms, the webhook
//! deliveries, the rate limiter, the site-token verifier, the origin allow-list, the store, the
//! metrics) are sub-states: a handler, middleware, extractor or service that needs only one of
//! them takes it through axum's `FromRef` (or as that one part), not the whole `AppState`.

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;

use crate::{
    config::Config,
    countries::Countries,
    forms::Forms,
    metrics::Metrics,
    origin::AllowedOrigins,
    rate_limit::RateLimits,
    remote::{http_client, CircuitBreaker, RemoteApi, RemoteOAuth},
    site_token::SiteTokens,
    store::Store,
    tokens::Tokens,
    webhooks::delivery::Deliveries,
};

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

/// What [`AppState`] points to.
pub struct Shared {
    /// Validated configuration.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// Site-token verifier.
    pub site_tokens: SiteTokens,
    /// Remote's OAuth endpoints.
    pub oauth: RemoteOAuth,
    /// Remote's REST API.
    pub api: RemoteApi,
    /// Usable Remote access tokens: opened, refreshed, re-sealed.
    pub tokens: Tokens,
    /// Remote's country list, cached.
    pub countries: Countries,
    /// Remote's country forms, cached per country and schema version.
    pub forms: Forms,
    /// Per-user and per-IP request limits (this replica's).
    pub rate_limits: RateLimits,
    /// This replica's metrics.
    pub metrics: Metrics,
    /// Our webhooks' deliveries to the job site.
    pub deliveries: Deliveries,
    /// Wakes the background worker (an outbox event or a status re-read is waiting).
    pub worker_wake: tokio::sync::Notify,
    /// The companies' webhook signing keys, opened (kept a minute).
    pub signing_keys: crate::webhooks::signing_keys::SigningKeys,
    /// Work that outlives its request (see `detached`): a shutdown waits for it.
    pub tasks: tokio_util::task::TaskTracker,
    /// Cancelled when the process shuts down: the worker stops after its current step.
    pub stopping: tokio_util::sync::CancellationToken,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}

impl AppState {
    /// Builds the clients and wraps everything.
    pub fn new(config: Config, store: Store) -> anyhow::Result<AppState> {
        let http = http_client(config.remote.connect_timeout, config.remote.timeout)?;
        let metrics = Metrics::new();
        // One breaker per environment: a Remote that fails its token endpoint fails its API too.
        let breaker = Arc::new(CircuitBreaker::new(metrics.breaker_open.clone()));
        let oauth = RemoteOAuth::new(&config, http.clone(), breaker.clone(), metrics.clone())?;
        let api = RemoteApi::new(
            config.remote.base_url.clone(),
            http,
            breaker,
            metrics.clone(),
        );
        let site_tokens = SiteTokens::with_leeway(
            &config.site.secret,
            config.site.token_max_ttl,
            config.site.token_leeway,
        );
        let tokens = Tokens::new(
            store.clone(),
            oauth.clone(),
            config.keys.clone(),
            metrics.clone(),
            &config.remote,
        );
        let countries = Countries::new(config.remote.countries_ttl, oauth.clone(), api.clone());
        let forms = Forms::new(
            config.remote.countries_ttl,
            api.clone(),
            config.remote.json_schema_version,
        );
        let deliveries = Deliveries::new(
            store.clone(),
            config.keys.clone(),
            metrics.clone(),
            &config.webhooks,
        )?;
        Ok(AppState {
            inner: Arc::new(Shared {
                store,
                rate_limits: RateLimits::new(&config.limits, site_tokens.clone()),
                site_tokens,
                oauth,
                api,
                tokens,
                countries,
                forms,
                metrics,
                deliveries,
                worker_wake: tokio::sync::Notify::new(),
                signing_keys: Default::default(),
                tasks: tokio_util::task::TaskTracker::new(),
                stopping: tokio_util::sync::CancellationToken::new(),
                config,
            }),
        })
    }

    /// Tells the background worker there is work now, rather than at its next tick.
    pub fn wake_worker(&self) {
        self.worker_wake.notify_one();
    }
}

/// One `FromRef` per sub-state: a clone of the part (each is cheap to clone).
macro_rules! sub_states {
    ($($part:ty => $($field:ident).+),+ $(,)?) => {
        $(impl FromRef<AppState> for $part {
            fn from_ref(state: &AppState) -> $part {
                state.$($field).+.clone()
            }
        })+
    };
}

sub_states! {
    Store => store,
    Tokens => tokens,
    Countries => countries,
    Forms => forms,
    Deliveries => deliveries,
    RateLimits => rate_limits,
    SiteTokens => site_tokens,
    AllowedOrigins => config.site.allowed_origins,
    Metrics => metrics,
}

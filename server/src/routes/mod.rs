//! The HTTP surface: the v1 API (site token, origin allow-list, CORS), the OAuth callback,
//! Remote's webhooks, the widget's files, and `/healthz`; plus the layers every response passes
//! through.

mod access_log;
mod api;
mod callback;
mod headers;
mod hires;
mod openapi;
mod page;
mod remote_webhook;
mod start;
mod widget;

use std::time::Duration;

use axum::{
    extract::DefaultBodyLimit,
    http::{header, HeaderName, HeaderValue, Method},
    routing::get,
    Router,
};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    timeout::TimeoutLayer,
};

use crate::{error::ApiError, state::AppState};

pub use headers::REQUEST_ID;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let origins: Vec<HeaderValue> = state
        .config
        .site
        .allowed_origins
        .as_slice()
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::RETRY_AFTER, HeaderName::from_static(REQUEST_ID)])
        .max_age(Duration::from_secs(600));
    let max_body = state.config.server.max_body_bytes;
    let request_timeout = state.config.server.request_timeout;
    let metrics = state.metrics.clone();
    let api = api::router()
        .merge(hires::router())
        .merge(openapi::router())
        .layer(cors)
        // Inside the origin check: foreign origins are refused before they spend a token.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::rate_limit::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::check_origin,
        ))
        .layer(axum::middleware::from_fn(headers::api_headers));

    // The consent start and the callback carry no site token: limited per client IP, like
    // every other request without one.
    let oauth =
        start::router()
            .merge(callback::router())
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::rate_limit::limit,
            ));

    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest(hwr_protocol::API_PREFIX, api)
        .merge(oauth)
        .merge(remote_webhook::router())
        .merge(widget::router())
        .route_layer(axum::middleware::from_fn(access_log::remember_route))
        .fallback(|| async { ApiError::not_found("route") })
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        // Outside the timeout, so its 408 gets our shape and the security headers too.
        .layer(axum::middleware::from_fn(
            headers::plain_errors_in_our_shape,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
            REQUEST_ID,
        )))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            access_log::log_access,
        ))
        .layer(SetRequestIdLayer::new(
            HeaderName::from_static(REQUEST_ID),
            MakeRequestUuid,
        ))
        .layer(axum::middleware::from_fn(headers::drop_unusable_request_id))
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and its migrations are current; otherwise 503 (a load balancer sends
/// this replica nothing until it is ready).
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "The database answers and its migrations are current", content_type = "text/plain"),
        (status = 503, description = "Not ready", body = hwr_protocol::ErrorBody),
    ))]
async fn readyz(
    axum::extract::State(store): axum::extract::State<crate::store::Store>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    match store.is_ready().await {
        Ok(()) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(error = format!("{error:#}"), "not ready");
            ApiError::new(
                hwr_protocol::ErrorCode::UpstreamUnavailable,
                "Not ready: the database does not answer or its migrations are behind.",
            )
            .with_status(axum::http::StatusCode::SERVICE_UNAVAILABLE)
            .with_retry_after(5)
            .into_response()
        }
    }
}

//! One access line per request at INFO (and the request counted in the metrics): method, matched route (the template, never the path
//! with its ids, and never the query, which carries `code` and `state`), status, duration and
//! request id. Nothing else from the request is logged: no header, no body, no token.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};

use super::headers::REQUEST_ID;
use crate::metrics::Metrics;

/// The route template a request matched, carried on its response to [`log_access`].
#[derive(Debug, Clone)]
struct RouteTemplate(String);

/// Runs after routing (a route layer): keeps the matched template for the access line.
pub(super) async fn remember_route(request: Request, next: Next) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| RouteTemplate(path.as_str().to_owned()));
    let mut response = next.run(request).await;
    if let Some(template) = template {
        response.extensions_mut().insert(template);
    }
    response
}

/// Writes the access line, and counts the request, once the response is ready.
pub(super) async fn log_access(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteTemplate>()
        .map_or("unmatched", |template| template.0.as_str());
    let took = started.elapsed();
    metrics.http_request(route, response.status().as_u16(), took);
    tracing::info!(
        target: "hwr::access",
        method = %method,
        route,
        status = response.status().as_u16(),
        duration_ms = took.as_secs_f64() * 1000.0,
        request_id,
        "request"
    );
    response
}

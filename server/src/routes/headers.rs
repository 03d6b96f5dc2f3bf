//! Cross-cutting middleware: the origin allow-list (403 and no CORS headers for others), security
//! headers on every response, and body-limit rejections in our error shape.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use hwr_protocol::ErrorCode;

use crate::{error::ApiError, state::AppState};

/// The request-id header.
pub const REQUEST_ID: &str = "x-request-id";

/// Refuses requests (preflights included) whose `Origin` is not allowed, before CORS runs, so
/// they get neither an answer nor CORS headers. Requests without `Origin` (servers, curl) pass.
pub(super) async fn check_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .map(|o| state.config.allowed_origins.allows(o))
            .unwrap_or(false);
        if !allowed {
            return ApiError::new(ErrorCode::ForbiddenOrigin, "This page's origin is not allowed to use this backend. Add it to HWR_ALLOWED_ORIGINS.").into_response();
        }
    }
    next.run(request).await
}

/// API answers are never cached, sniffed or framed.
pub(super) async fn api_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    response
}

/// Defaults for every response; routes that need their own (the callback page) set them first.
pub(super) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    response
}

/// Layers below our handlers answer some errors with a plain body (413 from the body limit,
/// 405 from method routing); give them our shape.
pub(super) async fn plain_errors_in_our_shape(request: Request<Body>, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
                .into_response()
        }
        StatusCode::METHOD_NOT_ALLOWED => {
            let mut ours = ApiError::new(
                ErrorCode::NotFound,
                "This route does not accept that method.",
            )
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
            .into_response();
            if let Some(allow) = response.headers().get(header::ALLOW) {
                ours.headers_mut().insert(header::ALLOW, allow.clone());
            }
            ours
        }
        _ => response,
    }
}

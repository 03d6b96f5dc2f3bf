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

use crate::{error::ApiError, origin::AllowedOrigins};

/// The request-id header.
pub const REQUEST_ID: &str = "x-request-id";

/// Refuses requests (preflights included) whose `Origin` is not allowed, before CORS runs, so
/// they get neither an answer nor CORS headers. Requests without `Origin` (servers, curl) pass.
pub(super) async fn check_origin(
    State(allowed_origins): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .map(|o| allowed_origins.allows(o))
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
        StatusCode::REQUEST_TIMEOUT => ApiError::new(
            ErrorCode::UpstreamUnavailable,
            "The request took too long and was stopped. Try again in a moment.",
        )
        .with_status(StatusCode::REQUEST_TIMEOUT)
        .into_response(),
        _ => response,
    }
}

/// The longest request id we keep from a client.
const MAX_REQUEST_ID_LEN: usize = 64;

/// True for `^[A-Za-z0-9._:-]{1,64}$`.
fn is_usable_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// An incoming `X-Request-Id` is kept only when it is one short, plain value; otherwise it is
/// dropped here and a fresh one is made, so a client cannot make us echo, log or store what it
/// likes (a 390 KB id once went into every audit row).
pub(super) async fn drop_unusable_request_id(mut request: Request, next: Next) -> Response {
    let ids = request.headers().get_all(REQUEST_ID);
    let mut values = ids.iter();
    let usable = matches!(
        (values.next(), values.next()),
        (Some(id), None) if is_usable_request_id(id.as_bytes())
    );
    if !usable {
        request.headers_mut().remove(REQUEST_ID);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::is_usable_request_id;

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        for good in ["a", "req-1", "trace:span.2_x", &"x".repeat(64)] {
            assert!(is_usable_request_id(good.as_bytes()), "{good}");
        }
        for bad in ["", &"x".repeat(65), "a b", "a/b", "<script>", "é"] {
            assert!(!is_usable_request_id(bad.as_bytes()), "{bad}");
        }
    }
}

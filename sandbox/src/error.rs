//! Remote's error bodies for the REST API: `{"message": …}`, plus `errors` on 422.
//! (The OAuth endpoints answer RFC 6749 bodies instead; see `token.rs`.)

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Field name → messages, as in Remote's 422 bodies.
pub(crate) type FieldErrors = BTreeMap<String, Vec<String>>;

/// An error answered in Remote's shape.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 400: the request could not be read (malformed JSON, wrong content type, bad query).
    BadRequest(String),
    /// 401: missing, unknown, expired, revoked or wrong-kind access token.
    Unauthorized(String),
    /// 404: nothing with that id visible to the caller.
    NotFound(String),
    /// 422 `{"message":"Validation failed","errors":{…}}`.
    Validation(FieldErrors),
    /// 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// Any other status with a `{"message"}` body (fault injection).
    Status(StatusCode, String),
}

impl ApiError {
    /// A 422 with a single field error.
    pub(crate) fn field(field: &str, message: &str) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), vec![message.to_owned()]);
        Self::Validation(errors)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::BadRequest(message) => message_response(StatusCode::BAD_REQUEST, &message),
            Self::Unauthorized(message) => {
                let mut response = message_response(StatusCode::UNAUTHORIZED, &message);
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            Self::NotFound(message) => message_response(StatusCode::NOT_FOUND, &message),
            Self::Validation(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "message": "Validation failed", "errors": errors })),
            )
                .into_response(),
            Self::RateLimited { retry_after_secs } => {
                let mut response =
                    message_response(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            Self::Status(status, message) => message_response(status, &message),
        }
    }
}

fn message_response(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

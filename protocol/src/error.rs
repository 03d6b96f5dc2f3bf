//! The one error shape every backend route answers with, and its stable codes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::wire_name::wire_names;

/// Stable, documented error codes. Clients switch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Missing, forged, expired or wrong-audience site token.
    Unauthorized,
    /// The request's `Origin` is not allowed.
    ForbiddenOrigin,
    /// No such route or resource (or not yours).
    NotFound,
    /// No Remote connection for this user yet.
    NotConnected,
    /// Remote refused the stored grant; consent must be given again.
    ReconsentRequired,
    /// `POST /api/v1/hires` without an `Idempotency-Key`.
    IdempotencyKeyRequired,
    /// The same idempotency key was used with a different body.
    IdempotencyKeyReused,
    /// Another request with this idempotency key is still running; retry shortly.
    HireInProgress,
    /// The request body failed validation; see `fields`.
    ValidationFailed,
    /// Remote cannot hire in that country.
    UnsupportedCountry,
    /// Remote rejected the candidate; see `fields`.
    UpstreamRejected,
    /// The request body is too large.
    PayloadTooLarge,
    /// Too many requests; see `Retry-After`.
    RateLimited,
    /// Remote is down, slow or unreachable.
    UpstreamUnavailable,
    /// Something failed on our side; the message is deliberately opaque.
    Internal,
}

wire_names!(ErrorCode, 15, {
    Unauthorized => "unauthorized",
    ForbiddenOrigin => "forbidden_origin",
    NotFound => "not_found",
    NotConnected => "not_connected",
    ReconsentRequired => "reconsent_required",
    IdempotencyKeyRequired => "idempotency_key_required",
    IdempotencyKeyReused => "idempotency_key_reused",
    HireInProgress => "hire_in_progress",
    ValidationFailed => "validation_failed",
    UnsupportedCountry => "unsupported_country",
    UpstreamRejected => "upstream_rejected",
    PayloadTooLarge => "payload_too_large",
    RateLimited => "rate_limited",
    UpstreamUnavailable => "upstream_unavailable",
    Internal => "internal",
});

impl ErrorCode {
    /// The HTTP status that goes with the code (`upstream_unavailable` may also be 502/504).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::ForbiddenOrigin => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::NotConnected | ErrorCode::ReconsentRequired | ErrorCode::HireInProgress => {
                409
            }
            ErrorCode::IdempotencyKeyRequired => 400,
            ErrorCode::IdempotencyKeyReused
            | ErrorCode::ValidationFailed
            | ErrorCode::UnsupportedCountry
            | ErrorCode::UpstreamRejected => 422,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::UpstreamUnavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable code.
    pub code: ErrorCode,
    /// A human-readable sentence that says what to do next.
    pub message: String,
    /// Per-field messages, keyed by our field names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Vec<String>>,
}

impl ErrorBody {
    /// An error without field details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                fields: BTreeMap::new(),
            },
        }
    }

    /// Adds field details.
    pub fn with_fields(mut self, fields: BTreeMap<String, Vec<String>>) -> Self {
        self.error.fields = fields;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_serializes_to_the_documented_shape() {
        let mut fields = BTreeMap::new();
        fields.insert(
            "personal_email".to_owned(),
            vec!["must be a valid email address".to_owned()],
        );
        let body =
            ErrorBody::new(ErrorCode::ValidationFailed, "Check the fields.").with_fields(fields);

        let json = serde_json::to_value(&body).expect("serializes");

        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "validation_failed", "message": "Check the fields.",
                "fields": {"personal_email": ["must be a valid email address"]}}})
        );
    }

    #[test]
    fn every_code_serializes_as_its_wire_name() {
        for code in [
            ErrorCode::Unauthorized,
            ErrorCode::IdempotencyKeyReused,
            ErrorCode::RateLimited,
        ] {
            let json = serde_json::to_value(code).expect("serializes");
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
        }
    }
}

//! The API's one error type. Every handler returns it; it renders as the contract's
//! `{"error":{"code","message","fields"?}}` body. Our own failures (5xx) are logged in full and the
//! client gets an opaque message.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use hwr_protocol::{ErrorBody, ErrorCode, FieldErrors};

use crate::remote::{employments::our_field_names, UpstreamError};

/// An error on its way to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A client-facing error with a stable code.
    #[error("{message}")]
    Client {
        /// Stable code.
        code: ErrorCode,
        /// A sentence saying what to do next.
        message: String,
        /// Per-field messages.
        fields: FieldErrors,
        /// Seconds for `Retry-After`.
        retry_after: Option<u64>,
        /// Overrides the code's usual status (e.g. 502/504 for `upstream_unavailable`).
        status: Option<StatusCode>,
    },
    /// Our own failure; details go to the log, never to the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A client error with the code's usual status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Client {
            code,
            message: message.into(),
            fields: FieldErrors::new(),
            retry_after: None,
            status: None,
        }
    }

    /// `validation_failed` with per-field messages.
    pub fn validation(fields: FieldErrors) -> Self {
        Self::new(
            ErrorCode::ValidationFailed,
            "Some candidate details are missing or invalid.",
        )
        .with_fields(fields)
    }

    /// `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// `not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("No such {what}."))
    }

    /// Adds field messages.
    pub fn with_fields(mut self, new_fields: FieldErrors) -> Self {
        if let ApiError::Client { fields, .. } = &mut self {
            *fields = new_fields;
        }
        self
    }

    /// Adds a `Retry-After`.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        if let ApiError::Client { retry_after, .. } = &mut self {
            *retry_after = Some(seconds.max(1));
        }
        self
    }

    /// Overrides the HTTP status.
    pub fn with_status(mut self, new_status: StatusCode) -> Self {
        if let ApiError::Client { status, .. } = &mut self {
            *status = Some(new_status);
        }
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Client { code, .. } => *code,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The contract body.
    pub fn body(&self) -> ErrorBody {
        match self {
            ApiError::Client {
                code,
                message,
                fields,
                ..
            } => ErrorBody::new(*code, message.clone()).with_fields(fields.clone()),
            ApiError::Internal(_) => ErrorBody::new(
                ErrorCode::Internal,
                "Something went wrong on our side. Try again in a moment.",
            ),
        }
    }

    /// Maps a failed call to Remote onto our codes (Remote's field names onto ours).
    pub fn from_upstream(error: UpstreamError) -> Self {
        match error {
            UpstreamError::Unauthorized => Self::new(
                ErrorCode::ReconsentRequired,
                "Remote needs you to approve the connection again.",
            ),
            UpstreamError::RateLimited { retry_after } => Self::new(
                ErrorCode::RateLimited,
                "Remote is receiving too many requests. Try again shortly.",
            )
            .with_retry_after(retry_after.unwrap_or(10)),
            UpstreamError::Rejected {
                unsupported_country: true,
                ..
            } => Self::new(
                ErrorCode::UnsupportedCountry,
                "Remote cannot hire in this country.",
            )
            .with_fields(FieldErrors::from([(
                "country_code".to_owned(),
                vec!["is not a country Remote can hire in".to_owned()],
            )])),
            UpstreamError::Rejected {
                errors, message, ..
            } => {
                let fields = our_field_names(errors);
                let text = if fields.is_empty() {
                    format!("Remote rejected the hire: {message}")
                } else {
                    "Remote rejected some candidate details.".to_owned()
                };
                Self::new(ErrorCode::UpstreamRejected, text).with_fields(fields)
            }
            UpstreamError::Unavailable {
                timed_out, status, ..
            } => {
                let http = if timed_out {
                    504
                } else if status == Some(503) {
                    503
                } else {
                    502
                };
                Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "Remote is not answering right now. Nothing was lost: try again in a moment.",
                )
                .with_status(StatusCode::from_u16(http).unwrap_or(StatusCode::BAD_GATEWAY))
                .with_retry_after(5)
            }
            UpstreamError::CircuitOpen { retry_after } => Self::new(
                ErrorCode::UpstreamUnavailable,
                "Remote has been failing for a moment. Nothing was sent: try again shortly.",
            )
            .with_retry_after(retry_after),
            UpstreamError::Unexpected(detail) => {
                tracing::warn!(detail, "Remote answered unexpectedly");
                Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "Remote answered in a way we did not expect. Try again in a moment.",
                )
                .with_status(StatusCode::BAD_GATEWAY)
            }
        }
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Client {
                status: Some(status),
                ..
            } => *status,
            other => StatusCode::from_u16(other.code().http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "request failed on our side");
        }
        let status = self.status_code();
        let retry_after = match &self {
            ApiError::Client { retry_after, .. } => *retry_after,
            ApiError::Internal(_) => None,
        };
        let mut response = (status, Json(self.body())).into_response();
        if let Some(seconds) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::Internal(anyhow::Error::new(error).context("database call failed"))
    }
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

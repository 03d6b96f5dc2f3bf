//! Request extractors whose rejections are our own error body: JSON that is malformed, of the
//! wrong shape, too large or not UTF-8 answers in the contract's shape, never axum's plain text.

use axum::{
    extract::{rejection::JsonRejection, FromRequest, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use hwr_protocol::ErrorCode;
use serde::{de::DeserializeOwned, Serialize};

use crate::error::ApiError;

/// `axum::Json`, with [`ApiError`] as its rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::ValidationFailed,
            "Send the body as JSON with Content-Type: application/json.",
        )
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            ErrorCode::ValidationFailed,
            "The request body is not valid JSON.",
        )
        .with_status(StatusCode::BAD_REQUEST),
        JsonRejection::JsonDataError(error) => ApiError::new(
            ErrorCode::ValidationFailed,
            format!(
                "The request body has the wrong shape: {}",
                error.body_text().trim_start_matches(
                    "Failed to deserialize the JSON body into the target type: "
                )
            ),
        ),
        JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
        }
        other => ApiError::new(
            ErrorCode::ValidationFailed,
            "The request body could not be read.",
        )
        .with_status(if other.status().is_client_error() {
            other.status()
        } else {
            StatusCode::BAD_REQUEST
        }),
    }
}

//! Remote's refusal of a country it cannot hire in. Remote's body for it is unconfirmed and two
//! shapes are documented, so the sandbox can send either: the validation shape is what it answers
//! for the countries it lists as unhireable, and the `refusal` fault sends either shape for any
//! country. Both bodies live in files next to this module so a client's tests can read exactly
//! what the sandbox sends.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// `{"message":{"code":"resource_not_supported_for_country",…}}`, as the sandbox sends it.
pub(crate) const OBJECT_BODY: &str = include_str!("country_refusal/object.json");

/// A refusal the `refusal` fault sends instead of letting the request through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Refusal {
    /// 422 with [`OBJECT_BODY`].
    UnsupportedCountry,
    /// 422 `{"message":"Validation failed","errors":{"country_code":["is not supported"]}}`,
    /// the answer for an unhireable country (`country_refusal/validation.json`).
    UnsupportedCountryValidation,
}

impl Refusal {
    /// The answer.
    pub(crate) fn response(self) -> Response {
        match self {
            Self::UnsupportedCountry => {
                let mut response =
                    (StatusCode::UNPROCESSABLE_ENTITY, OBJECT_BODY.trim_end()).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                response
            }
            Self::UnsupportedCountryValidation => {
                ApiError::field("country_code", "is not supported").into_response()
            }
        }
    }
}

//! `GET /v1/countries/{alpha3}/employment_basic_information?json_schema_version=N`: Remote's
//! JSON Schema of the basic-information form, for a company token. The envelope is the one
//! remote-flows' fixtures have and its SDK reads (`createHeadlessForm(data.data)`):
//! `{"data": <the JSON Schema>}`, without a version field.

use axum::extract::{Path, RawQuery};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use crate::auth::CompanyCaller;
use crate::basic_information_form;
use crate::countries;
use crate::error::ApiError;
use crate::json_schema_version::{JsonSchemaVersion, VersionRefused};
use crate::state::AppState;

/// The form routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/v1/countries/{alpha3}/employment_basic_information",
        get(show_basic_information),
    )
}

async fn show_basic_information(
    caller: CompanyCaller,
    Path(alpha3): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let version =
        JsonSchemaVersion::from_query(query.as_deref()).map_err(|refused| match refused {
            VersionRefused::Unknown(number) => ApiError::NotFound(format!(
                "employment_basic_information has no json_schema_version {number}"
            )),
            VersionRefused::Malformed => ApiError::field("json_schema_version", "is invalid"),
        })?;
    let country = countries::by_alpha_3(&alpha3)
        .ok_or_else(|| ApiError::NotFound("Country not found".to_owned()))?;
    if !country.eor_onboarding {
        return Err(ApiError::field("country_code", "is not supported"));
    }
    let schema = basic_information_form::presented(
        basic_information_form::form(country, version),
        &caller.company_id,
        Utc::now().date_naive(),
    );
    Ok(Json(json!({ "data": schema })))
}

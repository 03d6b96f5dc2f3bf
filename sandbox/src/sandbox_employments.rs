//! Remote's sandbox-only `PATCH /v1/sandbox/employments/{id}` `{"status"?,"provisional_start_date"?}`:
//! moves one of the token's company's employments along (see `employment_change` for the events
//! it delivers) and answers Remote's `{"data":{"employment":…}}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::patch;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::auth::CompanyCaller;
use crate::employment_change::{self, EmploymentChange};
use crate::error::ApiError;
use crate::request_body::json_object;
use crate::state::AppState;

/// The sandbox employment route (under `/v1`, behind the bearer middleware).
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/sandbox/employments/{id}", patch(update_employment))
}

async fn update_employment(
    State(state): State<AppState>,
    caller: CompanyCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let change = EmploymentChange::from_json(&json_object(&body)?)?;
    let employment = employment_change::commit(&state, &caller.company_id, &id, &change)?;
    Ok(Json(
        json!({ "data": { "employment": employment.to_json() } }),
    ))
}

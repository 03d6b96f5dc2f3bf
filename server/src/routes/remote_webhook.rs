//! `POST /webhooks/remote`: Remote's webhook deliveries. Verified before anything is read (see
//! `webhooks::inbound`), answered at once; 401 without a valid signature.

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use serde_json::{json, Value};

use crate::{
    error::{ApiError, ApiResult},
    extract::Json,
    state::AppState,
    webhooks::inbound,
};

/// The route.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/webhooks/remote", post(receive))
}

#[utoipa::path(post, path = "/webhooks/remote", tag = "webhooks",
    request_body(content = String, content_type = "application/json", description = "Remote's delivery `{\"event_type\",\"company_id\",\"employment_id\"}`, signed with `X-Remote-Signature` and `X-Remote-Timestamp`"),
    responses(
        (status = 200, description = "Received"),
        (status = 401, description = "Unsigned, a bad signature or an unknown company: nothing changed", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    match inbound::receive(&state, &headers, &body).await? {
        Ok(()) => {
            state.metrics.webhook("in", "delivered");
            Ok(Json(json!({"received": true})))
        }
        Err(refusal) => {
            state.metrics.webhook("in", "refused");
            tracing::info!(?refusal, "refused a webhook");
            Err(ApiError::unauthorized(refusal.sentence()))
        }
    }
}

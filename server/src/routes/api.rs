//! The v1 JSON API the widget calls. Every route needs a site token; handlers stay thin and call
//! the service modules.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use hwr_protocol::{ConnectRequest, ConnectionResponse, ConnectionStatus, Countries, FlowResponse};

use super::headers::REQUEST_ID;
use crate::{
    consent::{self, Caller},
    countries,
    error::ApiResult,
    extract::Json,
    site_token::SiteUser,
    state::AppState,
    store::{AuditEvent, AuditKind, ConnectionState},
};

/// Routes under `/api/v1`.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/connection", get(get_connection).delete(delete_connection))
        .route("/connect", post(connect))
        .route("/flows/{flow_id}", get(flow))
        .route("/countries", get(list_countries))
        .merge(super::hires::router())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn caller(user: SiteUser, headers: &HeaderMap) -> Caller {
    Caller {
        site_user: user.0,
        origin: header_text(headers, header::ORIGIN.as_str()),
        request_id: header_text(headers, REQUEST_ID),
    }
}

async fn get_connection(
    State(state): State<AppState>,
    SiteUser(user): SiteUser,
) -> ApiResult<Json<ConnectionResponse>> {
    let row = state.store.connection(&user).await?;
    let response = match row {
        None => ConnectionResponse {
            status: ConnectionStatus::NotConnected,
            company_id: None,
        },
        Some(row) => {
            let usable = row.state == ConnectionState::Connected
                && row.environment == state.config.remote_base_url.as_str();
            ConnectionResponse {
                status: if usable {
                    ConnectionStatus::Connected
                } else {
                    ConnectionStatus::ReconsentRequired
                },
                company_id: Some(row.company_id),
            }
        }
    };
    Ok(Json(response))
}

async fn delete_connection(
    State(state): State<AppState>,
    user: SiteUser,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let caller = caller(user, &headers);
    // Remote publishes no token-revocation endpoint; deleting our copy ends our access.
    if state.store.delete_connection(&caller.site_user).await? {
        let event = AuditEvent {
            site_user: Some(caller.site_user),
            origin: caller.origin,
            request_id: caller.request_id,
            ..AuditEvent::default()
        };
        state.store.audit(AuditKind::Disconnected, event).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn connect(
    State(state): State<AppState>,
    user: SiteUser,
    headers: HeaderMap,
    Json(request): Json<ConnectRequest>,
) -> ApiResult<impl IntoResponse> {
    let started = consent::start(&state, &caller(user, &headers), request).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

async fn flow(
    State(state): State<AppState>,
    SiteUser(user): SiteUser,
    Path(flow_id): Path<String>,
) -> ApiResult<Json<FlowResponse>> {
    Ok(Json(consent::status(&state, &user, &flow_id).await?))
}

async fn list_countries(
    State(state): State<AppState>,
    SiteUser(_user): SiteUser,
) -> ApiResult<Json<Countries>> {
    let list = countries::all(&state, None).await?;
    Ok(Json(Countries {
        countries: countries::hireable(&list),
    }))
}

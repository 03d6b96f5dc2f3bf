//! The v1 JSON API the widget calls. Every route needs a site token; handlers stay thin and call
//! the service modules.

use axum::{
    extract::{FromRef, FromRequestParts, Path, State},
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use hwr_protocol::{ConnectRequest, ConnectionResponse, ConnectionStatus, Countries, FlowResponse};

use super::headers::REQUEST_ID;
use crate::{
    caller::Caller,
    consent, countries,
    detached::run_to_completion,
    error::{ApiError, ApiResult},
    extract::Json,
    site_token::{SiteTokens, SiteUser},
    state::AppState,
    store::AuditKind,
};

/// The connection, consent and country routes under `/api/v1` (`routes::hires` and
/// `routes::openapi` add theirs beside them).
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/connection", get(get_connection).delete(delete_connection))
        .route("/connect", post(connect))
        .route("/flows/{flow_id}", get(flow))
        .route("/countries", get(list_countries))
        .route("/countries/{code}/form", get(country_form))
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A site token's user, with the request's origin and id.
impl<S> FromRequestParts<S> for Caller
where
    SiteTokens: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SiteUser(site_user) = SiteUser::from_request_parts(parts, state).await?;
        Ok(Caller {
            site_user,
            origin: header_text(&parts.headers, header::ORIGIN.as_str()),
            request_id: header_text(&parts.headers, REQUEST_ID),
        })
    }
}

#[utoipa::path(get, path = "/api/v1/connection", tag = "connection", security(("site_token" = [])),
    responses(
        (status = 200, description = "The site user's connection to Remote", body = ConnectionResponse),
        (status = 401, description = "Missing or invalid site token", body = hwr_protocol::ErrorBody),
        (status = 403, description = "An origin not in HWR_ALLOWED_ORIGINS", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn get_connection(
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
            let usable = row.is_usable(state.config.remote.base_url.as_str());
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

#[utoipa::path(delete, path = "/api/v1/connection", tag = "connection", security(("site_token" = [])),
    responses(
        (status = 204, description = "The tokens are deleted"),
        (status = 401, description = "Missing or invalid site token", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn delete_connection(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<StatusCode> {
    // Remote publishes no token-revocation endpoint; deleting our copy ends our access. The
    // deletion and its audit row are written even if the page goes away in between.
    run_to_completion(state.tasks.clone(), async move {
        if state.store.delete_connection(&caller.site_user).await? {
            let event = caller.audit(None, None);
            state.store.audit(AuditKind::Disconnected, event).await;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/connect", tag = "connection", security(("site_token" = [])),
    request_body = ConnectRequest,
    responses(
        (status = 201, description = "A consent flow, to start with `POST /oauth/start`", body = hwr_protocol::ConnectResponse),
        (status = 401, description = "Missing or invalid site token", body = hwr_protocol::ErrorBody),
        (status = 422, description = "An invalid `return_to` or candidate", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn connect(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<ConnectRequest>,
) -> ApiResult<impl IntoResponse> {
    // The flow and its audit row are written together even if the page goes away in between.
    let started = run_to_completion(state.tasks.clone(), async move {
        consent::start(&state, &caller, request).await
    })
    .await?;
    Ok((StatusCode::CREATED, Json(started)))
}

#[utoipa::path(get, path = "/api/v1/flows/{flow_id}", tag = "connection", security(("site_token" = [])),
    params(("flow_id" = String, Path, description = "The flow's id")),
    responses(
        (status = 200, description = "Where the consent flow stands (and the hire the callback made)", body = FlowResponse),
        (status = 404, description = "No such flow for this user", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn flow(
    State(state): State<AppState>,
    SiteUser(user): SiteUser,
    Path(flow_id): Path<String>,
) -> ApiResult<Json<FlowResponse>> {
    Ok(Json(consent::status(&state, &user, &flow_id).await?))
}

#[utoipa::path(get, path = "/api/v1/countries", tag = "hires", security(("site_token" = [])),
    responses(
        (status = 200, description = "The countries Remote can hire in", body = Countries),
        (status = 502, description = "Remote is not answering and no list is cached", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn list_countries(
    State(state): State<AppState>,
    SiteUser(_user): SiteUser,
) -> ApiResult<Json<Countries>> {
    let list = countries::all(&state.countries, None).await?;
    Ok(Json(Countries {
        countries: countries::hireable(&list),
    }))
}

#[utoipa::path(get, path = "/api/v1/countries/{code}/form", tag = "hires", security(("site_token" = [])),
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2 or alpha-3, any case")),
    responses(
        (status = 200, description = "The fields Remote needs in that country beyond the five candidate fields, at HWR_REMOTE_JSON_SCHEMA_VERSION", body = hwr_protocol::CountryForm),
        (status = 409, description = "`not_connected` or `reconsent_required`: the form is read with the company's token", body = hwr_protocol::ErrorBody),
        (status = 422, description = "`unsupported_country` or an unknown code", body = hwr_protocol::ErrorBody),
        (status = 502, description = "Remote is not answering and no form is cached", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn country_form(
    State(state): State<AppState>,
    SiteUser(user): SiteUser,
    Path(code): Path<String>,
) -> ApiResult<Json<hwr_protocol::CountryForm>> {
    // The token may need a refresh, and Remote rotates the refresh token it is given: a refresh
    // cut off when the page goes away would lose the new one (and, on SQLite, keep its lease).
    let tokens = state.tokens.clone();
    let token = run_to_completion(state.tasks.clone(), async move {
        crate::tokens::access_token(&tokens, &user, None).await
    })
    .await?;
    let list = countries::all(&state.countries, Some(&token.access_token)).await?;
    let country = countries::resolve(&list, &code)?;
    let mut form =
        crate::forms::for_country(&state.forms, &token.access_token, &country.code).await?;
    // What Remote requires; optional fields are accepted in `extra` but not asked for.
    form.fields.retain(|field| field.required);
    Ok(Json(form))
}

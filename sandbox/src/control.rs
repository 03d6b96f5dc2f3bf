//! The control surface under `/__sandbox`: inspect state and webhook deliveries, inject faults,
//! expire or revoke tokens, reset. Tests and integrators script against these shapes (see
//! README.md).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::faults::Fault;
use crate::seed;
use crate::state::{AppState, Grantee, Store};

/// The control routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/__sandbox/state", get(show_state))
        .route(
            "/__sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__sandbox/expire-tokens", post(expire_tokens))
        .route("/__sandbox/revoke", post(revoke))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/webhooks", get(list_webhook_attempts))
}

async fn show_state(State(state): State<AppState>) -> Json<Value> {
    let store = state.store();
    let now = Utc::now();
    let mut codes: Vec<_> = store.codes.iter().collect();
    codes.sort_by_key(|(_, code)| code.issued_at);
    let mut access: Vec<_> = store.access_tokens.iter().collect();
    access.sort_by_key(|(_, token)| token.issued_at);
    let mut refresh: Vec<_> = store.refresh_tokens.iter().collect();
    refresh.sort_by_key(|(_, token)| token.issued_at);
    let counters = &store.counters;
    Json(json!({
        "token_requests": {
            "authorization_code": counters.authorization_code,
            "refresh_token": counters.refresh_token,
            "client_credentials": counters.client_credentials,
        },
        "employment_posts": counters.employment_posts,
        "requests": counters.requests.to_json(),
        "employments": store.employments.iter().map(|e| e.to_json()).collect::<Vec<_>>(),
        "issued": {
            "codes": codes.iter().map(|(value, code)| json!({
                "value": value,
                "client_id": code.client_id,
                "company_id": code.grantee.company_id,
                "user_id": code.grantee.user_id,
                "redirect_uri": code.redirect_uri,
                "pkce": code.code_challenge.is_some(),
                "expires_at": timestamp(code.expires_at),
                "used": code.used,
            })).collect::<Vec<_>>(),
            "access_tokens": access.iter().map(|(value, token)| json!({
                "value": value,
                "client_id": token.client_id,
                "company_id": token.grantee.as_ref().map(|g| &g.company_id),
                "user_id": token.grantee.as_ref().map(|g| &g.user_id),
                "expires_at": timestamp(token.expires_at),
                "expired": token.expires_at <= now,
                "revoked": token.revoked,
            })).collect::<Vec<_>>(),
            "refresh_tokens": refresh.iter().map(|(value, token)| json!({
                "value": value,
                "client_id": token.client_id,
                "company_id": token.grantee.company_id,
                "user_id": token.grantee.user_id,
                "revoked": token.revoked,
            })).collect::<Vec<_>>(),
        },
    }))
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn list_faults(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "faults": state.store().faults }))
}

/// Adds a fault, replacing any earlier fault on the same route.
async fn add_fault(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let fault: Fault = serde_json::from_slice(&body)
        .map_err(|error| ApiError::BadRequest(format!("Invalid fault: {error}")))?;
    let fault = fault.validated()?;
    let mut store = state.store();
    store
        .faults
        .retain(|existing| existing.route() != fault.route());
    store.faults.push(fault);
    Ok((StatusCode::CREATED, Json(json!({ "faults": store.faults }))))
}

async fn clear_faults(State(state): State<AppState>) -> StatusCode {
    state.store().faults.clear();
    StatusCode::NO_CONTENT
}

/// Every access token issued so far stops working; refresh tokens still do.
async fn expire_tokens(State(state): State<AppState>) -> Json<Value> {
    let now = Utc::now();
    let mut store = state.store();
    let mut expired = 0;
    for token in store
        .access_tokens
        .values_mut()
        .filter(|token| token.expires_at > now)
    {
        token.expires_at = now;
        expired += 1;
    }
    Json(json!({ "expired_access_tokens": expired }))
}

/// The company admin disabled the integration: its access tokens get 401 and its refresh
/// tokens `invalid_grant`. A new consent issues working tokens again.
async fn revoke(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let company_id = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let body: Value = serde_json::from_slice(&body)
            .map_err(|error| ApiError::BadRequest(format!("Malformed JSON body: {error}")))?;
        match body.get("company_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) if seed::company(id).is_some() => Some(id.clone()),
            Some(_) => return Err(ApiError::NotFound("No such company".to_owned())),
        }
    };
    let mut store = state.store();
    let (access, refresh) = revoke_company(&mut store, company_id.as_deref());
    Ok(Json(
        json!({ "revoked_access_tokens": access, "revoked_refresh_tokens": refresh }),
    ))
}

fn revoke_company(store: &mut Store, company_id: Option<&str>) -> (usize, usize) {
    let hit = |grantee: &Grantee| company_id.is_none_or(|id| grantee.company_id == id);
    let mut access = 0;
    for token in store.access_tokens.values_mut() {
        if !token.revoked && token.grantee.as_ref().is_some_and(hit) {
            token.revoked = true;
            access += 1;
        }
    }
    let mut refresh = 0;
    for token in store.refresh_tokens.values_mut() {
        if !token.revoked && hit(&token.grantee) {
            token.revoked = true;
            refresh += 1;
        }
    }
    (access, refresh)
}

/// Back to the seeded start; deliveries still retrying stop instead of logging into it.
async fn reset(State(state): State<AppState>) -> StatusCode {
    state.store().reset();
    StatusCode::NO_CONTENT
}

/// Every webhook delivery attempt since the last reset, oldest first, as a bare array.
async fn list_webhook_attempts(State(state): State<AppState>) -> Json<Value> {
    let store = state.store();
    Json(Value::Array(
        store
            .webhook_attempts
            .iter()
            .map(|attempt| attempt.to_json())
            .collect(),
    ))
}

//! A company's webhook callbacks: `POST`/`GET /v1/webhook-callbacks`,
//! `GET /v1/companies/{company_id}/webhook-callbacks` and `PATCH`/`DELETE
//! /v1/webhook-callbacks/{id}`. The `signing_key` is a fresh random secret that only the create
//! answer shows, as at Remote; a company never sees another company's callbacks.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use rand::RngCore as _;
use serde_json::{json, Map, Value};

use crate::auth::CompanyCaller;
use crate::error::{ApiError, FieldErrors};
use crate::request_body::json_object;
use crate::state::AppState;
use crate::webhook_event_type::EventType;

const BLANK: &str = "can't be blank";
const INVALID: &str = "is invalid";

/// A registered callback.
#[derive(Debug, Clone)]
pub(crate) struct WebhookCallback {
    pub(crate) id: String,
    pub(crate) company_id: String,
    pub(crate) url: String,
    pub(crate) subscribed_events: Vec<EventType>,
    pub(crate) signing_key: String,
}

impl WebhookCallback {
    /// Remote's `WebhookCallback` without the `signing_key` (which is shown once, on create).
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "url": self.url,
            "subscribed_events": self
                .subscribed_events
                .iter()
                .map(|kind| kind.as_str())
                .collect::<Vec<_>>(),
        })
    }
}

/// The callback routes (under `/v1`, behind the bearer middleware).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/webhook-callbacks",
            get(list_callbacks).post(create_callback),
        )
        .route(
            "/v1/webhook-callbacks/{id}",
            patch(update_callback).delete(delete_callback),
        )
        .route(
            "/v1/companies/{company_id}/webhook-callbacks",
            get(list_company_callbacks),
        )
}

async fn create_callback(
    State(state): State<AppState>,
    caller: CompanyCaller,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = json_object(&body)?;
    let mut errors = FieldErrors::new();
    let url = read_url(&body, &mut errors).unwrap_or_else(|| {
        add(&mut errors, "url", BLANK);
        None
    });
    let events = read_events(&body, &mut errors).unwrap_or_else(|| {
        add(&mut errors, "subscribed_events", BLANK);
        None
    });
    let (Some(url), Some(subscribed_events)) = (url, events) else {
        return Err(ApiError::Validation(errors));
    };
    let callback = WebhookCallback {
        id: uuid::Uuid::new_v4().to_string(),
        company_id: caller.company_id,
        url,
        subscribed_events,
        signing_key: new_signing_key(),
    };
    let mut answer = callback.to_json();
    answer["signing_key"] = json!(callback.signing_key);
    state.store().webhook_callbacks.push(callback);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": { "webhook_callback": answer } })),
    ))
}

async fn list_callbacks(State(state): State<AppState>, caller: CompanyCaller) -> Json<Value> {
    Json(callbacks_of(&state, &caller.company_id))
}

/// The same list, addressed by company; another company's id is 404, like an unknown one.
async fn list_company_callbacks(
    State(state): State<AppState>,
    caller: CompanyCaller,
    Path(company_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if company_id != caller.company_id {
        return Err(ApiError::NotFound("Company not found".to_owned()));
    }
    Ok(Json(callbacks_of(&state, &caller.company_id)))
}

/// The published types give no list shape, so this follows Remote's other envelopes.
fn callbacks_of(state: &AppState, company_id: &str) -> Value {
    let store = state.store();
    let callbacks: Vec<Value> = store
        .webhook_callbacks
        .iter()
        .filter(|callback| callback.company_id == company_id)
        .map(WebhookCallback::to_json)
        .collect();
    json!({ "data": { "webhook_callbacks": callbacks } })
}

/// A flat `{"url"?,"subscribed_events"?}`, or `{"subscribe_to_all_events":true}`.
async fn update_callback(
    State(state): State<AppState>,
    caller: CompanyCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_object(&body)?;
    let mut errors = FieldErrors::new();
    let url = read_url(&body, &mut errors).flatten();
    let mut events = read_events(&body, &mut errors).flatten();
    match body.get("subscribe_to_all_events") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => events = Some(EventType::ALL.to_vec()),
        Some(_) => add(&mut errors, "subscribe_to_all_events", INVALID),
    }
    if errors.is_empty() && url.is_none() && events.is_none() {
        add(&mut errors, "subscribed_events", BLANK);
    }
    let mut store = state.store();
    let callback = store
        .webhook_callbacks
        .iter_mut()
        .find(|callback| callback.id == id && callback.company_id == caller.company_id)
        .ok_or_else(not_found)?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(url) = url {
        callback.url = url;
    }
    if let Some(events) = events {
        callback.subscribed_events = events;
    }
    Ok(Json(
        json!({ "data": { "webhook_callback": callback.to_json() } }),
    ))
}

/// Answers Remote's published `SuccessResponse`. Events already recorded stay listed.
async fn delete_callback(
    State(state): State<AppState>,
    caller: CompanyCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut store = state.store();
    let index = store
        .webhook_callbacks
        .iter()
        .position(|callback| callback.id == id && callback.company_id == caller.company_id)
        .ok_or_else(not_found)?;
    store.webhook_callbacks.remove(index);
    Ok(Json(json!({ "data": { "status": "ok" } })))
}

fn not_found() -> ApiError {
    ApiError::NotFound("Webhook callback not found".to_owned())
}

/// `None` when the field is absent or null; `Some(None)` when it is present but wrong (the
/// error is added).
fn read_url(body: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Option<String>> {
    let value = body.get("url").filter(|value| !value.is_null())?;
    let Some(text) = value.as_str().map(str::trim) else {
        add(errors, "url", INVALID);
        return Some(None);
    };
    if text.is_empty() {
        add(errors, "url", BLANK);
        return Some(None);
    }
    let absolute_http = url::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    });
    if !absolute_http {
        add(errors, "url", "must be an absolute http or https URL");
        return Some(None);
    }
    Some(Some(text.to_owned()))
}

/// Like `read_url`: each entry must be one of the known event types; duplicates collapse.
fn read_events(
    body: &Map<String, Value>,
    errors: &mut FieldErrors,
) -> Option<Option<Vec<EventType>>> {
    let value = body
        .get("subscribed_events")
        .filter(|value| !value.is_null())?;
    let Some(names) = value.as_array() else {
        add(errors, "subscribed_events", INVALID);
        return Some(None);
    };
    if names.is_empty() {
        add(errors, "subscribed_events", BLANK);
        return Some(None);
    }
    let mut events = Vec::new();
    let mut valid = true;
    for name in names {
        match name.as_str().and_then(EventType::parse) {
            Some(kind) if events.contains(&kind) => {}
            Some(kind) => events.push(kind),
            None => {
                valid = false;
                let shown = name
                    .as_str()
                    .map_or_else(|| name.to_string(), str::to_owned);
                add(
                    errors,
                    "subscribed_events",
                    &format!("has an unknown event type: {shown}"),
                );
            }
        }
    }
    Some(valid.then_some(events))
}

fn add(errors: &mut FieldErrors, field: &str, message: &str) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.to_owned());
}

/// 32 random bytes, lowercase hex.
fn new_signing_key() -> String {
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

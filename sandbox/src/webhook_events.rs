//! Recovering missed webhooks, as Remote: `GET /v1/webhook-events` lists the company's recorded
//! events (one per event and callback) in Remote's `ListWebhookEventsResponse`, and
//! `POST /v1/webhook-events/replay` delivers chosen ones again (`{"ids"}` or an `after`/`before`
//! window), answering the published `SuccessResponse` `{"data":{"status":"ok"}}`.
//!
//! Time windows are half-open on `first_triggered_at`: `after` inclusive, `before` exclusive.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::auth::CompanyCaller;
use crate::error::{ApiError, FieldErrors};
use crate::paging::Page;
use crate::request_body::json_object;
use crate::state::AppState;
use crate::webhook_delivery;
use crate::webhook_event_type::EventType;

/// A recorded event for one callback.
#[derive(Debug, Clone)]
pub(crate) struct WebhookEvent {
    pub(crate) id: String,
    pub(crate) company_id: String,
    pub(crate) callback_id: String,
    pub(crate) employment_id: String,
    pub(crate) event_type: EventType,
    /// The exact bytes every attempt sends.
    pub(crate) body: Vec<u8>,
    pub(crate) first_triggered_at: DateTime<Utc>,
    pub(crate) last_triggered_at: DateTime<Utc>,
    /// Whether any attempt got a 2xx.
    pub(crate) successfully_delivered: bool,
}

impl WebhookEvent {
    /// Remote's `WebhookEvent`.
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "event_type": self.event_type.as_str(),
            "company_id": self.company_id,
            "first_triggered_at": iso(self.first_triggered_at),
            "last_triggered_at": iso(self.last_triggered_at),
            "successfully_delivered": self.successfully_delivered,
        })
    }
}

/// The event routes (under `/v1`, behind the bearer middleware).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/webhook-events", get(list_events))
        .route("/v1/webhook-events/replay", post(replay_events))
}

/// Which events a list or a windowed replay covers.
#[derive(Default)]
struct Filter {
    event_type: Option<String>,
    successfully_delivered: Option<bool>,
    company_id: Option<String>,
    after: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
}

impl Filter {
    fn matches(&self, caller: &CompanyCaller, event: &WebhookEvent) -> bool {
        event.company_id == caller.company_id
            && self
                .company_id
                .as_ref()
                .is_none_or(|id| *id == event.company_id)
            && self
                .event_type
                .as_ref()
                .is_none_or(|kind| kind == event.event_type.as_str())
            && self
                .successfully_delivered
                .is_none_or(|wanted| wanted == event.successfully_delivered)
            && self
                .after
                .is_none_or(|after| event.first_triggered_at >= after)
            && self
                .before
                .is_none_or(|before| event.first_triggered_at < before)
    }
}

/// Query `event_type`, `successfully_delivered`, `company_id`, `before`, `after`,
/// `order` (`asc` by default, or `desc`), `sort_by=first_triggered_at`, `page`, `page_size`.
async fn list_events(
    State(state): State<AppState>,
    caller: CompanyCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params: HashMap<String, String> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let given = |key: &str| params.get(key).filter(|value| !value.is_empty());
    let bad = |key: &str, what: &str| ApiError::BadRequest(format!("{key} must be {what}"));
    let filter = Filter {
        event_type: given("event_type").cloned(),
        successfully_delivered: query_value(&params, "successfully_delivered", parse_bool)?,
        company_id: given("company_id").cloned(),
        after: query_value(&params, "after", parse_instant)?,
        before: query_value(&params, "before", parse_instant)?,
    };
    let descending = match given("order").map(String::as_str) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(bad("order", "asc or desc")),
    };
    if given("sort_by").is_some_and(|field| field != "first_triggered_at") {
        return Err(bad("sort_by", "first_triggered_at"));
    }
    let page = Page::from_params(&params)?;
    let store = state.store();
    let mut matching: Vec<&WebhookEvent> = store
        .webhook_events
        .iter()
        .filter(|event| filter.matches(&caller, event))
        .collect();
    matching.sort_by_key(|event| event.first_triggered_at);
    if descending {
        matching.reverse();
    }
    let (items, paging) = page.slice(&matching);
    let webhook_events: Vec<Value> = items.iter().map(|event| event.to_json()).collect();
    Ok(Json(json!({
        "data": {
            "webhook_events": webhook_events,
            "current_page": paging.current_page,
            "total_count": paging.total_count,
            "total_pages": paging.total_pages,
        }
    })))
}

/// `{"ids":[…]}` (each must be the company's, else 404 and nothing is replayed), or
/// `{"after","before","company_id"?,"event_type"?,"successfully_delivered"?}`.
async fn replay_events(
    State(state): State<AppState>,
    caller: CompanyCaller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_object(&body)?;
    let ids = match body.get("ids") {
        None | Some(Value::Null) => chosen_by_window(&state, &caller, &body)?,
        Some(ids) => chosen_by_id(&state, &caller, ids)?,
    };
    webhook_delivery::replay(&state, &ids);
    Ok(Json(json!({ "data": { "status": "ok" } })))
}

fn chosen_by_id(
    state: &AppState,
    caller: &CompanyCaller,
    ids: &Value,
) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = ids
        .as_array()
        .filter(|ids| !ids.is_empty())
        .and_then(|ids| {
            ids.iter()
                .map(|id| id.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| ApiError::field("ids", "must be a non-empty list of event ids"))?;
    let store = state.store();
    let known = |id: &String| {
        store
            .webhook_events
            .iter()
            .any(|event| event.id == *id && event.company_id == caller.company_id)
    };
    if !ids.iter().all(known) {
        return Err(ApiError::NotFound("Webhook event not found".to_owned()));
    }
    Ok(ids)
}

fn chosen_by_window(
    state: &AppState,
    caller: &CompanyCaller,
    body: &Map<String, Value>,
) -> Result<Vec<String>, ApiError> {
    let mut errors = FieldErrors::new();
    let mut instant = |field: &str| match body.get(field) {
        None | Some(Value::Null) => {
            add(&mut errors, field, "can't be blank");
            None
        }
        Some(value) => {
            let parsed = value.as_str().and_then(parse_instant);
            if parsed.is_none() {
                add(&mut errors, field, "must be an ISO 8601 date or time");
            }
            parsed
        }
    };
    let after = instant("after");
    let before = instant("before");
    let mut text = |field: &str| match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            add(&mut errors, field, "is invalid");
            None
        }
    };
    let company_id = text("company_id");
    let event_type = text("event_type");
    let successfully_delivered = match body.get("successfully_delivered") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(wanted)) => Some(*wanted),
        Some(_) => {
            add(&mut errors, "successfully_delivered", "is invalid");
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if company_id
        .as_ref()
        .is_some_and(|id| *id != caller.company_id)
    {
        return Err(ApiError::NotFound("Company not found".to_owned()));
    }
    let filter = Filter {
        event_type,
        successfully_delivered,
        company_id,
        after,
        before,
    };
    let store = state.store();
    Ok(store
        .webhook_events
        .iter()
        .filter(|event| filter.matches(caller, event))
        .map(|event| event.id.clone())
        .collect())
}

fn add(errors: &mut FieldErrors, field: &str, message: &str) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.to_owned());
}

/// A query parameter read with `parse`; absent or empty is `None`, unreadable is a 400.
fn query_value<T>(
    params: &HashMap<String, String>,
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match params.get(key).filter(|value| !value.is_empty()) {
        None => Ok(None),
        Some(text) => parse(text)
            .map(Some)
            .ok_or_else(|| ApiError::BadRequest(format!("{key} has an invalid value: {text}"))),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// RFC 3339 (`2027-01-11T09:30:00Z`), Remote's zone-less `2027-01-11T09:30:00` (UTC), or a
/// date (its midnight, UTC).
fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(at.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::parse_instant;

    #[test]
    fn instants_read_rfc_3339_remotes_zone_less_form_and_plain_dates() {
        let rfc = parse_instant("2027-01-11T09:30:00+01:00").unwrap();
        assert_eq!(rfc.to_rfc3339(), "2027-01-11T08:30:00+00:00");
        assert_eq!(
            parse_instant("2027-01-11T09:30:00").unwrap().to_rfc3339(),
            "2027-01-11T09:30:00+00:00"
        );
        assert_eq!(
            parse_instant("2027-01-11").unwrap().to_rfc3339(),
            "2027-01-11T00:00:00+00:00"
        );
        assert!(parse_instant("yesterday").is_none());
    }
}

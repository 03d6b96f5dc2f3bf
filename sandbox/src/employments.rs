//! `POST /v1/employments` (at a `json_schema_version`: absent is 1), `GET /v1/employments` and
//! `GET /v1/employments/{id}`.
//! Each company sees only its own employments; the list has Remote's filters and paging
//! (and, like Remote, no `external_id` filter).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use crate::auth::CompanyCaller;
use crate::employment::{new_short_id, Employment};
use crate::employment_input;
use crate::employment_status::EmploymentStatus;
use crate::error::ApiError;
use crate::json_schema_version::{JsonSchemaVersion, VersionRefused};
use crate::paging::Page;
use crate::state::AppState;

/// The employment routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/employments",
            get(list_employments).post(create_employment),
        )
        .route("/v1/employments/{id}", get(show_employment))
}

async fn create_employment(
    State(state): State<AppState>,
    caller: CompanyCaller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.store().counters.employment_posts += 1;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !is_json {
        return Err(ApiError::BadRequest(
            "Content-Type must be application/json".to_owned(),
        ));
    }
    let body: Value = serde_json::from_slice(&body)
        .map_err(|error| ApiError::BadRequest(format!("Malformed JSON body: {error}")))?;
    let version = JsonSchemaVersion::from_query(query.as_deref()).map_err(|refused| {
        let message = match refused {
            VersionRefused::Unknown(_) => "is not supported",
            VersionRefused::Malformed => "is invalid",
        };
        ApiError::field("json_schema_version", message)
    })?;
    let new = employment_input::parse(&body, &caller.company_id, version)?;

    let mut store = state.store();
    let taken = store.employments.iter().any(|existing| {
        existing.company_id == caller.company_id
            && existing
                .personal_email
                .eq_ignore_ascii_case(&new.personal_email)
    });
    if taken {
        let field = if body.get("basic_information").is_some() {
            "email"
        } else {
            "personal_email"
        };
        return Err(ApiError::field(field, "has already been taken"));
    }
    let now = Utc::now();
    let employment = Employment {
        id: uuid::Uuid::new_v4().to_string(),
        short_id: new_short_id(),
        company_id: caller.company_id,
        employment_type: new.employment_type,
        country_code: new.country_code,
        full_name: new.full_name,
        personal_email: new.personal_email,
        job_title: new.job_title,
        provisional_start_date: new.provisional_start_date,
        has_seniority_date: new.has_seniority_date,
        extra_basic_information: new.extra_basic_information,
        external_id: new.external_id,
        status: EmploymentStatus::Created,
        ever_active: false,
        created_at: now,
        updated_at: now,
    };
    let created = employment.to_json();
    store.employments.push(employment);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": { "employment": created } })),
    ))
}

async fn list_employments(
    State(state): State<AppState>,
    caller: CompanyCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params: HashMap<String, String> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let page = Page::from_params(&params)?;
    let wanted = |key: &str| params.get(key).filter(|value| !value.is_empty());
    let store = state.store();
    let matching: Vec<&Employment> = store
        .employments
        .iter()
        .filter(|e| e.company_id == caller.company_id)
        .filter(|e| wanted("company_id").is_none_or(|id| *id == e.company_id))
        .filter(|e| {
            wanted("email").is_none_or(|email| email.eq_ignore_ascii_case(&e.personal_email))
        })
        .filter(|e| wanted("status").is_none_or(|wanted| status_matches(wanted, e.status)))
        .filter(|e| wanted("short_id").is_none_or(|short_id| *short_id == e.short_id))
        .filter(|e| wanted("employment_type").is_none_or(|kind| *kind == e.employment_type))
        .collect();
    let (items, paging) = page.slice(&matching);
    let employments: Vec<Value> = items.iter().map(|e| e.to_minimal_json()).collect();
    Ok(Json(json!({
        "data": {
            "employments": employments,
            "current_page": paging.current_page,
            "total_count": paging.total_count,
            "total_pages": paging.total_pages,
        }
    })))
}

/// Remote's `status` filter: comma-separated statuses, or `incomplete` for every employment
/// that is not onboarded yet.
fn status_matches(wanted: &str, status: EmploymentStatus) -> bool {
    wanted.split(',').map(str::trim).any(|name| match name {
        "incomplete" => !matches!(status.lifecycle_stage(), "onboarded" | "offboarded"),
        name => status.as_str() == name,
    })
}

async fn show_employment(
    State(state): State<AppState>,
    caller: CompanyCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    store
        .employments
        .iter()
        .find(|e| e.id == id && e.company_id == caller.company_id)
        .map(|e| Json(json!({ "data": { "employment": e.to_json() } })))
        .ok_or_else(|| ApiError::NotFound("Employment not found".to_owned()))
}

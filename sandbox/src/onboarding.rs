//! The way into Remote's UI: `POST /v1/magic-link` and the original guide's `GET /v1/sso-url`
//! hand out one-time, five-minute links to the sandbox's own onboarding page, which shows the
//! company's name and its new hires by full name and status, with buttons (plain forms, no
//! JavaScript) that invite a hire and complete their onboarding.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{TimeDelta, Utc};
use serde_json::{json, Value};

use crate::auth::CompanyCaller;
use crate::employment::Employment;
use crate::employment_change::{self, EmploymentChange};
use crate::employment_status::EmploymentStatus;
use crate::error::ApiError;
use crate::onboarding_session::{self, OnboardingSession};
use crate::pages::{error_page, escape, layout};
use crate::seed;
use crate::state::{random_token, AppState, Grantee, OnboardingLink};

/// How long a magic link or SSO URL stays usable.
const LINK_TTL: TimeDelta = TimeDelta::minutes(5);
const MAX_PATH_LEN: usize = 255;
/// Where the page lives once its link has been opened.
const PAGE_PATH: &str = "/onboarding";
/// Where the page's buttons post.
const STATUS_ROUTE: &str = "/onboarding/employments/{id}/status";

/// The authenticated link routes (under `/v1`, behind the bearer middleware).
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/v1/magic-link", post(create_magic_link))
        .route("/v1/sso-url", get(create_sso_url))
}

/// The pages the links open (no bearer token: the link, then its session cookie, is the
/// credential).
pub(crate) fn page_router() -> Router<AppState> {
    Router::new()
        .route("/onboarding/magic/{token}", get(open_link))
        .route("/onboarding/sso/{token}", get(open_link))
        .route(PAGE_PATH, get(show_page))
        .route(STATUS_ROUTE, post(change_status))
}

async fn create_magic_link(
    State(state): State<AppState>,
    caller: CompanyCaller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|error| ApiError::BadRequest(format!("Malformed JSON body: {error}")))?;
    let user_id = body
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    check_manager(&caller, user_id)?;
    let path = match body.get("path") {
        None | Some(Value::Null) => None,
        Some(Value::String(path)) => Some(check_path(path)?),
        Some(_) => return Err(ApiError::field("path", "is invalid")),
    };
    let url = issue_link(&state, &caller, user_id, path, "magic");
    Ok(Json(json!({ "data": { "url": url } })))
}

async fn create_sso_url(
    State(state): State<AppState>,
    caller: CompanyCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params: HashMap<String, String> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let user_id = params
        .get("user_id")
        .map(String::as_str)
        .unwrap_or_default();
    check_manager(&caller, user_id)?;
    if params.get("action").map(String::as_str) != Some("redirect_to_onboarding") {
        return Err(ApiError::field("action", "must be redirect_to_onboarding"));
    }
    let url = issue_link(&state, &caller, user_id, None, "sso");
    Ok(Json(json!({ "data": { "url": url } })))
}

fn check_manager(caller: &CompanyCaller, user_id: &str) -> Result<(), ApiError> {
    if user_id.is_empty() {
        return Err(ApiError::field("user_id", "can't be blank"));
    }
    match seed::manager(user_id) {
        Some((company, _)) if company.id == caller.company_id => Ok(()),
        _ => Err(ApiError::field(
            "user_id",
            "is not a manager of this company",
        )),
    }
}

fn check_path(path: &str) -> Result<String, ApiError> {
    if !path.starts_with('/') {
        Err(ApiError::field("path", "must start with /"))
    } else if path.len() > 1 && path.ends_with('/') {
        Err(ApiError::field("path", "must not end with /"))
    } else if path.len() > MAX_PATH_LEN {
        Err(ApiError::field(
            "path",
            "is too long (maximum is 255 characters)",
        ))
    } else {
        Ok(path.to_owned())
    }
}

fn issue_link(
    state: &AppState,
    caller: &CompanyCaller,
    user_id: &str,
    path: Option<String>,
    kind: &str,
) -> String {
    let token = random_token("");
    state.store().links.insert(
        token.clone(),
        OnboardingLink {
            grantee: Grantee {
                company_id: caller.company_id.clone(),
                user_id: user_id.to_owned(),
            },
            path,
            expires_at: Utc::now() + LINK_TTL,
            used: false,
        },
    );
    format!("{}/onboarding/{kind}/{token}", state.public_url)
}

/// Opens a one-time link: starts the page's session (a cookie) and shows the page.
async fn open_link(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let (grantee, path) = {
        let mut store = state.store();
        let Some(link) = store.links.get_mut(&token) else {
            return link_gone();
        };
        if link.used || link.expires_at <= Utc::now() {
            return link_gone();
        }
        link.used = true;
        (link.grantee.clone(), link.path.clone())
    };
    let (session, cookie) = onboarding_session::start(&state, grantee);
    let mut response = render_page(&state, &session, path.as_deref());
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// The page again, for the session's cookie (where the buttons redirect to).
async fn show_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match onboarding_session::current(&state, &headers) {
        Some(session) => render_page(&state, &session, None),
        None => session_gone(),
    }
}

/// A button: the form's `status` applied like `PATCH /v1/sandbox/employments/{id}` (same
/// events), then 303 back to the page so the manager sees the new status.
async fn change_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(session) = onboarding_session::current(&state, &headers) else {
        return session_gone();
    };
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let posted_token = form
        .get("csrf_token")
        .map(String::as_str)
        .unwrap_or_default();
    if !onboarding_session::csrf_matches(&session, posted_token) {
        return error_page(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "Reload the onboarding page and try again.",
        );
    }
    let Some(status) = form
        .get("status")
        .and_then(|name| EmploymentStatus::parse(name))
    else {
        return error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unknown status",
            "The button asked for a status Remote does not have.",
        );
    };
    let change = EmploymentChange {
        status: Some(status),
        provisional_start_date: None,
    };
    match employment_change::commit(&state, &session.grantee.company_id, &id, &change) {
        Ok(_) => (StatusCode::SEE_OTHER, [(header::LOCATION, PAGE_PATH)]).into_response(),
        Err(_) => error_page(
            StatusCode::NOT_FOUND,
            "No such hire",
            "This hire is not one of your company's.",
        ),
    }
}

fn render_page(state: &AppState, session: &OnboardingSession, path: Option<&str>) -> Response {
    let grantee = &session.grantee;
    let hires: Vec<Employment> = state
        .store()
        .employments
        .iter()
        .filter(|e| e.company_id == grantee.company_id)
        .cloned()
        .collect();
    let company = seed::company(&grantee.company_id).map_or("Unknown company", |c| c.name);
    let user = seed::manager(&grantee.user_id).map_or("a company manager", |(_, m)| m.name);
    let list = if hires.is_empty() {
        "<p>No new hires yet.</p>".to_owned()
    } else {
        let items: String = hires
            .iter()
            .map(|hire| hire_item(hire, &session.csrf_token))
            .collect();
        format!("<ul class=\"hires\">{items}</ul>")
    };
    let destination = path
        .map(|path| {
            format!(
                "<p><small>Requested page: <code>{}</code></small></p>",
                escape(path)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Onboarding</h1><p>Signed in to <strong>{}</strong> as {}.</p>\
         <h2>New hires</h2>{list}{destination}",
        escape(company),
        escape(user),
    );
    let mut response = Html(layout(&format!("Onboarding — {company}"), &body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `<li>Full Name <small>— Job title</small> <span class="status">created</span>…buttons…</li>`
fn hire_item(hire: &Employment, csrf_token: &str) -> String {
    let status = hire.status;
    let mut buttons = String::new();
    if status.is_before_invite() {
        buttons.push_str("<button name=\"status\" value=\"invited\">Invite</button>");
    }
    if !status.is_closed()
        && !matches!(
            status,
            EmploymentStatus::Active | EmploymentStatus::Offboarding
        )
    {
        buttons.push_str("<button name=\"status\" value=\"active\">Complete onboarding</button>");
    }
    let form = if buttons.is_empty() {
        String::new()
    } else {
        format!(
            "<form method=\"post\" action=\"{action}\" class=\"advance\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">{buttons}</form>",
            action = escape(&STATUS_ROUTE.replace("{id}", &hire.id)),
            token = escape(csrf_token),
        )
    };
    format!(
        "<li>{name} <small>— {title}</small> <span class=\"status\">{status}</span>{form}</li>",
        name = escape(&hire.full_name),
        title = escape(&hire.job_title),
        status = status.as_str(),
    )
}

fn session_gone() -> Response {
    error_page(
        StatusCode::UNAUTHORIZED,
        "Your onboarding session has ended",
        "Open a new sign-in link from the job site to continue.",
    )
}

fn link_gone() -> Response {
    error_page(
        StatusCode::GONE,
        "This link has expired",
        "Sign-in links work once and only for a few minutes. Ask the job site for a new one.",
    )
}

//! The demo job site's server, playing the part of a real job site: it holds the site secret and
//! renders its page with a fresh site token under a strict CSP, serves its static files, mints
//! tokens for tests (`GET /demo/token`), and receives the backend's webhooks (see
//! [`super::webhook_inbox`]).

use std::time::Duration;

use axum::{
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;

use super::{webhook_inbox::WebhookInbox, DEMO_USER};
use crate::{
    assets::{DEMO_ASSETS, DEMO_INDEX},
    site_token::SiteTokens,
};

/// What the job site's pages need.
#[derive(Clone)]
pub(super) struct JobSite {
    /// The backend's base URL, filled into the page.
    pub(super) backend_url: String,
    /// Signs site tokens with the shared secret.
    pub(super) tokens: SiteTokens,
}

/// Every route of the job site.
pub(super) fn router(site: JobSite, inbox: WebhookInbox) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/demo/token", get(token))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/{file}", get(static_file))
        .with_state(site)
        .merge(super::webhook_inbox::router(inbox))
}

async fn index(State(site): State<JobSite>) -> Response {
    let Some(template) = DEMO_INDEX else {
        return (
            StatusCode::NOT_FOUND,
            "The demo page was not built into this binary.",
        )
            .into_response();
    };
    let Ok(token) = site.tokens.mint(DEMO_USER, Duration::from_secs(3600)) else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Could not sign a site token.",
        )
            .into_response();
    };
    let page = template
        .replace("__HWR_BACKEND__", &site.backend_url)
        .replace("__HWR_SITE_TOKEN__", &token);
    let mut response = Html(page).into_response();
    // The strict CSP a host page can use: no 'unsafe-inline', wasm allowed, the backend named.
    let csp = format!(
        "default-src 'self'; script-src 'self' {b} 'wasm-unsafe-eval'; connect-src 'self' {b}; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        b = site.backend_url
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Deserialize)]
struct TokenQuery {
    user: Option<String>,
    /// `true`: a token that expired ten minutes ago, for trying what a page left open does.
    #[serde(default)]
    expired: bool,
}

async fn token(State(site): State<JobSite>, Query(query): Query<TokenQuery>) -> Response {
    let user = query
        .user
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEMO_USER.to_owned());
    let minted = if query.expired {
        site.tokens.mint_expired(&user, Duration::from_secs(600))
    } else {
        site.tokens.mint(&user, Duration::from_secs(3600))
    };
    match minted {
        Ok(token) => {
            let mut response = Json(serde_json::json!({"token": token})).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Could not sign a site token.",
        )
            .into_response(),
    }
}

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let Some((_, bytes)) = DEMO_ASSETS.iter().find(|(name, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    let content_type = match file.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, content_type)], *bytes).into_response()
}

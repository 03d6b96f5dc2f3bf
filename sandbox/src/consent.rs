//! `GET /auth/oauth2/authorize` (the consent page) and `POST /auth/oauth2/authorize` (its form).
//! A bad `client_id` or `redirect_uri` gets an error page and never a redirect (RFC 6749 §4.1.2.1:
//! redirecting there would make the sandbox an open redirector); any other problem goes back to
//! the client as `?error=…&state=…`, as real authorization servers do.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use url::Url;

use crate::pages::{error_page, escape, layout};
use crate::seed::{self, INTEGRATION_DISPLAY_NAME, SCOPE};
use crate::state::{expires_after, random_token, AppState, AuthorizationCode, Grantee};

/// The parameters the consent form carries back on POST.
const CARRIED: [&str; 7] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
];

/// The authorize routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/auth/oauth2/authorize", get(show_consent).post(decide))
}

/// An authorization request that passed every check.
struct Authorization {
    params: Vec<(String, String)>,
    client_id: String,
    redirect_uri: String,
    redirect_url: Url,
    state: Option<String>,
    code_challenge: Option<String>,
}

impl Authorization {
    fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }

    /// 302 back to the client with `pairs` and the `state` appended.
    fn redirect_with(&self, pairs: &[(&str, &str)]) -> Response {
        found(&append(&self.redirect_url, pairs, self.state.as_deref()))
    }
}

/// Why an authorization request was refused.
enum Rejection {
    /// Shown as an error page: the client or its redirect URI could not be trusted.
    Page(String),
    /// Sent back to the client's redirect URI with `error`, `error_description` and `state`.
    Redirect(Url),
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Self::Page(message) => error_page(StatusCode::BAD_REQUEST, "Invalid request", &message),
            Self::Redirect(url) => found(&url),
        }
    }
}

async fn show_consent(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let authorization = match validate(&state, query.unwrap_or_default().as_bytes()) {
        Ok(authorization) => authorization,
        Err(rejection) => return rejection.into_response(),
    };
    let mut response = Html(consent_page(&authorization)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    response
}

async fn decide(State(state): State<AppState>, body: Bytes) -> Response {
    let authorization = match validate(&state, &body) {
        Ok(authorization) => authorization,
        Err(rejection) => return rejection.into_response(),
    };
    match authorization.param("decision") {
        Some("deny") => authorization.redirect_with(&[("error", "access_denied")]),
        Some("allow") => {
            let Some((company, manager)) =
                authorization.param("manager_id").and_then(seed::manager)
            else {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "Choose who you are",
                    "Pick one of the listed company managers before allowing access.",
                );
            };
            let code = random_token("sbx_code_");
            let now = Utc::now();
            state.store().codes.insert(
                code.clone(),
                AuthorizationCode {
                    client_id: authorization.client_id.clone(),
                    redirect_uri: authorization.redirect_uri.clone(),
                    grantee: Grantee {
                        company_id: company.id.to_owned(),
                        user_id: manager.id.to_owned(),
                    },
                    code_challenge: authorization.code_challenge.clone(),
                    issued_at: now,
                    expires_at: expires_after(now, state.config.code_ttl),
                    used: false,
                },
            );
            authorization.redirect_with(&[("code", &code)])
        }
        _ => error_page(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "The form must be submitted with either Allow or Deny.",
        ),
    }
}

/// Checks an authorization request (query string or form body).
fn validate(state: &AppState, raw: &[u8]) -> Result<Authorization, Rejection> {
    let params: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
    let bad_page = |message: &str| Rejection::Page(message.to_owned());

    let client_id = param(&params, "client_id").unwrap_or_default();
    if client_id.is_empty() || client_id != state.config.client_id {
        return Err(bad_page(
            "Unknown client_id: this integration is not registered with Remote.",
        ));
    }
    let redirect_uri = param(&params, "redirect_uri").unwrap_or_default();
    if !state
        .config
        .redirect_uris
        .iter()
        .any(|registered| registered == redirect_uri)
    {
        return Err(bad_page(
            "The redirect_uri does not exactly match one registered for this integration.",
        ));
    }
    let Ok(redirect_url) = Url::parse(redirect_uri) else {
        return Err(bad_page("The registered redirect_uri is not a valid URL."));
    };
    if let Some(name) = CARRIED
        .iter()
        .find(|name| params.iter().filter(|(k, _)| k == *name).count() > 1)
    {
        return Err(bad_page(&format!(
            "The parameter {name} was given more than once."
        )));
    }

    let state_param = param(&params, "state").map(str::to_owned);
    let fail = |error: &str, description: &str| {
        Rejection::Redirect(append(
            &redirect_url,
            &[("error", error), ("error_description", description)],
            state_param.as_deref(),
        ))
    };
    match param(&params, "response_type") {
        Some("code") => {}
        None => return Err(fail("invalid_request", "response_type is required")),
        Some(_) => return Err(fail("unsupported_response_type", "only response_type=code")),
    }
    if let Some(scope) = param(&params, "scope") {
        if scope.split_whitespace().any(|one| one != SCOPE) {
            return Err(fail("invalid_scope", "the only scope is company.manage"));
        }
    }
    let code_challenge = match (
        param(&params, "code_challenge"),
        param(&params, "code_challenge_method"),
    ) {
        (None, None) => None,
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => {
            Some(challenge.to_owned())
        }
        (Some(_), Some("S256")) => {
            return Err(fail(
                "invalid_request",
                "code_challenge is not a S256 challenge",
            ))
        }
        (None, Some(_)) => return Err(fail("invalid_request", "code_challenge is missing")),
        (Some(_), _) => {
            return Err(fail(
                "invalid_request",
                "only code_challenge_method=S256 is supported",
            ))
        }
    };
    Ok(Authorization {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        redirect_url,
        state: state_param.clone(),
        code_challenge,
        params,
    })
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A base64url SHA-256 digest without padding is exactly 43 characters.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `base` with `pairs`, then `state`, appended to its query.
fn append(base: &Url, pairs: &[(&str, &str)], state: Option<&str>) -> Url {
    let mut url = base.clone();
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in pairs {
            query.append_pair(key, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    url
}

fn found(url: &Url) -> Response {
    // `Redirect::to` answers 303; Remote answers 302 like most authorization servers.
    let mut response = Redirect::to(url.as_str()).into_response();
    *response.status_mut() = StatusCode::FOUND;
    response
}

fn consent_page(authorization: &Authorization) -> String {
    let hidden: String = CARRIED
        .iter()
        .filter_map(|name| authorization.param(name).map(|value| (name, value)))
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(value)
            )
        })
        .collect();
    let options: String = seed::companies()
        .iter()
        .flat_map(|company| {
            company
                .managers
                .iter()
                .map(move |manager| (company, manager))
        })
        .map(|(company, manager)| {
            format!(
                "<option value=\"{}\">{} — {} ({})</option>",
                escape(manager.id),
                escape(manager.name),
                escape(company.name),
                escape(manager.email)
            )
        })
        .collect();
    let app = escape(INTEGRATION_DISPLAY_NAME);
    let destination = escape(
        authorization
            .redirect_url
            .host_str()
            .unwrap_or("the integration"),
    );
    let body = format!(
        "<h1>Authorize {app}</h1>\
         <p><strong>{app}</strong> wants to act for your company on Remote.</p>\
         <div class=\"scope\"><strong>Manage your company</strong>: create and view employments, \
         see your company's managers and open onboarding for new hires.\
         <br><small><code>{scope}</code></small></div>\
         <form method=\"post\" action=\"/auth/oauth2/authorize\">{hidden}\
         <label for=\"manager_id\">Sign in as</label>\
         <select id=\"manager_id\" name=\"manager_id\">{options}</select>\
         <div class=\"actions\">\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         </div></form>\
         <p><small>Either way you will be sent back to {destination}.</small></p>",
        scope = escape(SCOPE),
    );
    layout(&format!("Authorize {INTEGRATION_DISPLAY_NAME}"), &body)
}

//! `POST /auth/oauth2/token`: form body only, HTTP Basic client authentication, and the
//! `authorization_code`, `refresh_token` and `client_credentials` grants. Errors are RFC 6749
//! bodies `{"error","error_description"}`: 400, or 401 for `invalid_client`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::state::{AppState, Store};

/// The token route.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/auth/oauth2/token", post(issue_token))
}

/// An RFC 6749 §5.2 error.
#[derive(Debug)]
struct OAuthError {
    error: &'static str,
    description: &'static str,
}

fn oauth_error(error: &'static str, description: &'static str) -> OAuthError {
    OAuthError { error, description }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = if self.error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        let body = json!({ "error": self.error, "error_description": self.description });
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        }
        response
    }
}

/// A parsed token request body.
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn require(&self, name: &str, description: &'static str) -> Result<&str, OAuthError> {
        self.get(name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| oauth_error("invalid_request", description))
    }
}

async fn issue_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(oauth_error(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form = Form(form_urlencoded::parse(&body).into_owned().collect());
    let mut names: Vec<&str> = form.0.iter().map(|(key, _)| key.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(oauth_error(
            "invalid_request",
            "a parameter was given more than once",
        ));
    }
    let grant_type = form
        .require("grant_type", "grant_type is required")?
        .to_owned();
    count_request(&state, &grant_type);
    let client_id = authenticate_client(&state, &headers)?;

    let mut store = state.store();
    let answer = match grant_type.as_str() {
        "authorization_code" => exchange_code(&state, &mut store, &form, &client_id)?,
        "refresh_token" => refresh(&state, &mut store, &form, &client_id)?,
        "client_credentials" => {
            let access_token =
                store.issue_access_token(&client_id, None, None, state.config.access_token_ttl);
            json!({
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": state.config.access_token_ttl.as_secs(),
            })
        }
        _ => {
            return Err(oauth_error(
                "unsupported_grant_type",
                "grant_type must be authorization_code, refresh_token or client_credentials",
            ))
        }
    };
    let mut response = Json(answer).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn count_request(state: &AppState, grant_type: &str) {
    let mut store = state.store();
    let counters = &mut store.counters;
    match grant_type {
        "authorization_code" => counters.authorization_code += 1,
        "refresh_token" => counters.refresh_token += 1,
        "client_credentials" => counters.client_credentials += 1,
        _ => {}
    }
}

/// HTTP Basic `client_id:client_secret`. RFC 6749 §2.3.1 says both are form-urlencoded
/// before base64 (oauth2-rs does this), so the decoded form is accepted too.
fn authenticate_client(state: &AppState, headers: &HeaderMap) -> Result<String, OAuthError> {
    let invalid = || oauth_error("invalid_client", "client authentication failed");
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(invalid)?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(invalid)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| invalid())?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
    let matches = |sent: &str, expected: &str| sent == expected || url_decode(sent) == expected;
    if matches(id, &state.config.client_id) && matches(secret, &state.config.client_secret) {
        Ok(state.config.client_id.clone())
    } else {
        Err(invalid())
    }
}

fn url_decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

fn exchange_code(
    state: &AppState,
    store: &mut Store,
    form: &Form,
    client_id: &str,
) -> Result<Value, OAuthError> {
    let code = form.require("code", "code is required")?;
    let redirect_uri = form.require("redirect_uri", "redirect_uri is required")?;
    let invalid = |description| oauth_error("invalid_grant", description);
    let grant = store
        .codes
        .get(code)
        .ok_or_else(|| invalid("unknown authorization code"))?;
    if grant.used {
        // A replayed code may mean it was stolen: revoke what it produced (RFC 6749 §4.1.2).
        revoke_descendants(store, code);
        return Err(invalid("the authorization code was already used"));
    }
    if grant.expires_at <= Utc::now() {
        return Err(invalid("the authorization code has expired"));
    }
    if grant.client_id != client_id {
        return Err(invalid(
            "the authorization code was issued to another client",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(invalid(
            "redirect_uri does not match the authorization request",
        ));
    }
    if let Some(challenge) = &grant.code_challenge {
        let verifier = form
            .get("code_verifier")
            .ok_or_else(|| invalid("code_verifier is required"))?;
        let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if !is_verifier(verifier) || digest != *challenge {
            return Err(invalid("code_verifier does not match the code_challenge"));
        }
    }
    let grantee = grant.grantee.clone();
    if let Some(grant) = store.codes.get_mut(code) {
        grant.used = true;
    }
    let from_code = Some(code.to_owned());
    let access_token = store.issue_access_token(
        client_id,
        Some(grantee.clone()),
        from_code.clone(),
        state.config.access_token_ttl,
    );
    let refresh_token = store.issue_refresh_token(client_id, grantee.clone(), from_code);
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": state.config.access_token_ttl.as_secs(),
        "refresh_token": refresh_token,
        "company_id": grantee.company_id,
        "user_id": grantee.user_id,
    }))
}

/// RFC 7636 §4.1: 43–128 unreserved characters.
fn is_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn refresh(
    state: &AppState,
    store: &mut Store,
    form: &Form,
    client_id: &str,
) -> Result<Value, OAuthError> {
    let presented = form
        .require("refresh_token", "refresh_token is required")?
        .to_owned();
    let invalid = || {
        oauth_error(
            "invalid_grant",
            "the refresh token is invalid or was revoked",
        )
    };
    let grant = store.refresh_tokens.get(&presented).ok_or_else(invalid)?;
    if grant.revoked || grant.client_id != client_id {
        return Err(invalid());
    }
    let grantee = grant.grantee.clone();
    let from_code = grant.from_code.clone();
    let access_token = store.issue_access_token(
        client_id,
        Some(grantee.clone()),
        from_code.clone(),
        state.config.access_token_ttl,
    );
    let refresh_token = if state.config.rotate_refresh_tokens {
        if let Some(old) = store.refresh_tokens.get_mut(&presented) {
            old.revoked = true;
        }
        store.issue_refresh_token(client_id, grantee, from_code)
    } else {
        presented
    };
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": state.config.access_token_ttl.as_secs(),
        "refresh_token": refresh_token,
    }))
}

fn revoke_descendants(store: &mut Store, code: &str) {
    let from = Some(code.to_owned());
    store
        .access_tokens
        .values_mut()
        .filter(|t| t.from_code == from)
        .for_each(|t| t.revoked = true);
    store
        .refresh_tokens
        .values_mut()
        .filter(|t| t.from_code == from)
        .for_each(|t| t.revoked = true);
}

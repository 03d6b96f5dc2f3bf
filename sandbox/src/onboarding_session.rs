//! The onboarding page's session. A one-time link, once opened, sets an `HttpOnly`,
//! `SameSite=Lax` cookie naming a server-side session for that manager and company; the page's
//! buttons act only on that company's hires. Each form also carries the session's CSRF token:
//! the demo job site and the sandbox share the host 127.0.0.1, which makes them same-site, so
//! `SameSite` alone would not stop the job site from posting the forms.

use axum::http::{header, HeaderMap, HeaderValue};
use chrono::{DateTime, TimeDelta, Utc};

use crate::state::{random_token, AppState, Grantee};

/// The session cookie's name.
const COOKIE: &str = "hwr_sandbox_onboarding";
/// How long a session lasts after its link is opened.
const SESSION_TTL: TimeDelta = TimeDelta::hours(1);

/// A signed-in manager on the onboarding page.
#[derive(Debug, Clone)]
pub(crate) struct OnboardingSession {
    pub(crate) grantee: Grantee,
    /// Must come back in every form post.
    pub(crate) csrf_token: String,
    expires_at: DateTime<Utc>,
}

/// Starts a session for `grantee`; returns it and the `Set-Cookie` value that names it.
pub(crate) fn start(state: &AppState, grantee: Grantee) -> (OnboardingSession, HeaderValue) {
    let id = random_token("");
    let session = OnboardingSession {
        grantee,
        csrf_token: random_token(""),
        expires_at: Utc::now() + SESSION_TTL,
    };
    state
        .store()
        .onboarding_sessions
        .insert(id.clone(), session.clone());
    let cookie = format!(
        "{COOKIE}={id}; Path=/onboarding; HttpOnly; SameSite=Lax; Max-Age={}",
        SESSION_TTL.num_seconds()
    );
    // The id is base64url and the rest is ASCII, so this never fails; an empty value would
    // only mean no cookie, and the page then asks for a new link.
    let cookie = HeaderValue::from_str(&cookie).unwrap_or(HeaderValue::from_static(""));
    (session, cookie)
}

/// The live session the request's cookie names, if any.
pub(crate) fn current(state: &AppState, headers: &HeaderMap) -> Option<OnboardingSession> {
    let id = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())?;
    let store = state.store();
    store
        .onboarding_sessions
        .get(&id)
        .filter(|session| session.expires_at > Utc::now())
        .cloned()
}

/// Compares a posted CSRF token with the session's without an early exit on the first
/// differing byte.
pub(crate) fn csrf_matches(session: &OnboardingSession, posted: &str) -> bool {
    let expected = session.csrf_token.as_bytes();
    let posted = posted.as_bytes();
    expected.len() == posted.len()
        && expected
            .iter()
            .zip(posted)
            .fold(0_u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

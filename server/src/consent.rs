//! The consent flow: start it (a flow row with a one-time `state`, its hash stored, an S256 PKCE
//! verifier sealed) and complete it at the callback (consume `state` exactly once, refuse expired
//! or mixed-up flows before any token call, exchange the code, store the connection). A flow that
//! carries a hire attempt (redirect mode; popup mode with a candidate and a key) is hired there
//! too: redirect mode goes on to onboarding, popup mode keeps the answer sealed for the status.

use hwr_protocol::{
    Candidate, ConnectMode, ConnectRequest, ConnectResponse, ErrorCode, FieldErrors, FlowResponse,
    FlowStatus, HireResponse,
};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use url::Url;

use crate::{
    crypto::Sealed,
    error::{ApiError, ApiResult},
    hires::{self, HireContext},
    remote::TokenError,
    state::AppState,
    store::{now, AuditEvent, AuditKind, ConnectionRow, ConnectionState, FlowRow},
    tokens::token_context,
};

/// How long a consent flow may take.
pub const FLOW_TTL_SECS: i64 = 600;

/// The request's identity, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// Site user.
    pub site_user: String,
    /// `Origin` header, already checked against the allow-list.
    pub origin: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
}

fn state_hash(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn verifier_context(flow_id: &str) -> String {
    format!("flows|{flow_id}|pkce_verifier")
}

/// `POST /api/v1/connect`.
pub async fn start(
    state: &AppState,
    caller: &Caller,
    request: ConnectRequest,
) -> ApiResult<ConnectResponse> {
    let origin = caller
        .origin
        .clone()
        .unwrap_or_else(|| state.config.allowed_origins.primary().to_owned());
    let (return_to, candidate, idempotency_key) = match request.mode {
        // With a candidate and a key the callback hires at once; otherwise the widget does.
        ConnectMode::Popup => match (request.candidate, request.idempotency_key) {
            (Some(candidate), Some(key)) => {
                let candidate = checked_candidate(candidate, FieldErrors::new())?;
                let key = hires::check_idempotency_key(Some(&key))?;
                (None, Some(candidate), Some(key))
            }
            _ => (None, None, None),
        },
        ConnectMode::Redirect => {
            let mut fields = FieldErrors::new();
            let return_to = match request.return_to.as_deref() {
                None => {
                    fields.insert(
                        "return_to".into(),
                        vec!["is required in redirect mode".into()],
                    );
                    None
                }
                Some(target) => match state.config.allowed_origins.check_return_to(target) {
                    Some(url) => Some(url.to_string()),
                    None => {
                        fields.insert(
                            "return_to".into(),
                            vec!["must be an absolute URL on an allowed origin".into()],
                        );
                        None
                    }
                },
            };
            let Some(candidate) = request.candidate else {
                fields.insert(
                    "candidate".into(),
                    vec!["is required in redirect mode".into()],
                );
                return Err(ApiError::validation(fields));
            };
            let candidate = checked_candidate(candidate, fields)?;
            let key = match request.idempotency_key {
                Some(key) => hires::check_idempotency_key(Some(&key))?,
                None => uuid::Uuid::new_v4().to_string(),
            };
            (return_to, Some(candidate), Some(key))
        }
    };
    let consent = state.oauth.start_consent();
    let flow_id = uuid::Uuid::new_v4().to_string();
    let verifier = state
        .config
        .keys
        .seal(&consent.pkce_verifier, &verifier_context(&flow_id));
    let created = now();
    let flow = FlowRow {
        id: flow_id.clone(),
        state_hash: state_hash(&consent.state),
        site_user: caller.site_user.clone(),
        origin,
        environment: state.config.remote_base_url.to_string(),
        mode: match request.mode {
            ConnectMode::Popup => "popup",
            ConnectMode::Redirect => "redirect",
        }
        .into(),
        key_id: verifier.key_id,
        pkce_verifier: verifier.data,
        return_to,
        candidate,
        idempotency_key,
        status: FlowStatus::Pending.as_str().into(),
        error: None,
        expires_at: created + FLOW_TTL_SECS,
        consumed_at: None,
        hire: None,
    };
    state.store.insert_flow(&flow, created).await?;
    state
        .store
        .audit(
            AuditKind::ConsentStarted,
            audit(caller, Some(format!("flow {flow_id}"))),
        )
        .await;
    Ok(ConnectResponse {
        flow_id,
        authorize_url: consent.authorize_url.to_string(),
    })
}

/// The candidate normalised and valid, as JSON for the flow row; `fields` holds the request's
/// other field errors, reported together with the candidate's.
fn checked_candidate(candidate: Candidate, mut fields: FieldErrors) -> ApiResult<String> {
    let candidate = candidate.normalized();
    if let Err(errors) = candidate.validate(hires::today()) {
        fields.extend(errors);
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    Ok(serde_json::to_string(&candidate).map_err(anyhow::Error::from)?)
}

fn hire_context(flow_id: &str) -> String {
    format!("flows|{flow_id}|hire")
}

fn audit(caller: &Caller, detail: Option<String>) -> AuditEvent {
    AuditEvent {
        kind: String::new(),
        site_user: Some(caller.site_user.clone()).filter(|s| !s.is_empty()),
        origin: caller.origin.clone(),
        request_id: caller.request_id.clone(),
        idempotency_key: None,
        detail,
    }
}

/// `GET /api/v1/flows/{id}`: the flow's status, only to the user who started it, with the hire
/// the callback made, if it made one.
pub async fn status(state: &AppState, site_user: &str, flow_id: &str) -> ApiResult<FlowResponse> {
    let flow = state
        .store
        .flow_for_user(flow_id, site_user)
        .await?
        .ok_or_else(|| ApiError::not_found("flow"))?;
    let status = parse_status(&flow.status);
    if status == FlowStatus::Pending && flow.expires_at <= now() {
        return Ok(FlowResponse {
            status: FlowStatus::Expired,
            error: None,
            hire: None,
        });
    }
    // A hire that cannot be opened (a retired key) is left out: the widget then asks
    // `POST /api/v1/hires` with the same key, which answers it.
    let hire = flow.hire.as_ref().and_then(|sealed| {
        let json = state
            .config
            .keys
            .open(sealed, &hire_context(&flow.id))
            .ok()?;
        serde_json::from_str::<HireResponse>(&json).ok()
    });
    Ok(FlowResponse {
        status,
        error: flow.error,
        hire,
    })
}

fn parse_status(text: &str) -> FlowStatus {
    match text {
        "connected" => FlowStatus::Connected,
        "denied" => FlowStatus::Denied,
        "expired" => FlowStatus::Expired,
        "failed" => FlowStatus::Failed,
        _ => FlowStatus::Pending,
    }
}

/// The callback's query, as Remote sends it.
#[derive(Debug, Default)]
pub struct CallbackQuery {
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `error`.
    pub error: Option<String>,
}

impl CallbackQuery {
    /// Parses a raw query string; repeated parameters are refused (parameter pollution).
    pub fn parse(raw: &str) -> Result<CallbackQuery, &'static str> {
        let mut query = CallbackQuery::default();
        let mut seen = [false; 3];
        for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let (index, slot) = match name.as_ref() {
                "code" => (0, &mut query.code),
                "state" => (1, &mut query.state),
                "error" => (2, &mut query.error),
                _ => continue,
            };
            // Any second copy is refused, even when the first was empty or too long to keep.
            if std::mem::replace(&mut seen[index], true) {
                return Err("a parameter appears twice");
            }
            *slot = Some(value.into_owned()).filter(|v| !v.is_empty() && v.len() <= 4096);
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_parameter_is_refused_even_after_an_empty_first_copy() {
        for raw in [
            "code=&code=attacker&state=s",
            "state=&state=x&code=c",
            "code=a&code=b",
        ] {
            assert!(CallbackQuery::parse(raw).is_err(), "{raw}");
        }
        let long = format!("code={}&code=x", "a".repeat(5000));
        assert!(CallbackQuery::parse(&long).is_err());
    }

    #[test]
    fn unknown_parameters_are_ignored_and_known_ones_kept() {
        let query = CallbackQuery::parse("code=c&state=s&iss=x&scope=y").expect("valid");
        assert_eq!(
            (query.code.as_deref(), query.state.as_deref()),
            (Some("c"), Some("s"))
        );
    }
}

/// What the callback page must do.
#[derive(Debug)]
pub enum CallbackOutcome {
    /// Tell the opener (popup mode) and close; `message` says it in words too.
    Popup {
        /// Flow id.
        flow_id: String,
        /// Exact origin to post to.
        origin: String,
        /// Final status.
        status: FlowStatus,
        /// A sentence for the person.
        message: String,
    },
    /// Send the top window on (redirect mode).
    Redirect(String),
    /// Nothing to report to anyone: unknown, missing or replayed `state`.
    Refused(String),
}

/// Completes a flow from Remote's redirect.
pub async fn complete(state: &AppState, query: CallbackQuery) -> ApiResult<CallbackOutcome> {
    let Some(raw_state) = query.state.as_deref() else {
        return Ok(CallbackOutcome::Refused("This sign-in link is incomplete. Close this window and click “Hire with Remote” again.".into()));
    };
    let at = now();
    let Some(flow) = state.store.consume_flow(&state_hash(raw_state), at).await? else {
        return Ok(CallbackOutcome::Refused("This sign-in link was already used or is not ours. Close this window and click “Hire with Remote” again.".into()));
    };
    let caller = Caller {
        site_user: flow.site_user.clone(),
        origin: Some(flow.origin.clone()),
        request_id: None,
    };
    let (status, message) = if flow.expires_at <= at {
        (
            FlowStatus::Expired,
            "This sign-in took too long and expired. Close this window and try again.".to_owned(),
        )
    } else if flow.environment != state.config.remote_base_url.as_str() {
        (
            FlowStatus::Failed,
            "This sign-in was started against another Remote environment and was refused."
                .to_owned(),
        )
    } else if let Some(error) = query.error.as_deref() {
        if error == "access_denied" {
            (
                FlowStatus::Denied,
                "You chose not to connect Remote. You can close this window.".to_owned(),
            )
        } else {
            (
                FlowStatus::Failed,
                "Remote could not complete the sign-in. Close this window and try again."
                    .to_owned(),
            )
        }
    } else if let Some(code) = query.code.as_deref() {
        exchange(state, &flow, code).await?
    } else {
        (
            FlowStatus::Failed,
            "Remote sent no authorization code. Close this window and try again.".to_owned(),
        )
    };
    let error_text = (status == FlowStatus::Failed).then_some(message.as_str());
    // Popup mode with a candidate: hire before the flow reads `connected`, so that the status
    // the widget polls next carries the hire.
    let hire = if status == FlowStatus::Connected && flow.mode == "popup" {
        popup_hire(state, &flow).await
    } else {
        None
    };
    state
        .store
        .finish_flow(&flow.id, status.as_str(), error_text, hire.as_ref())
        .await?;
    let kind = match status {
        FlowStatus::Connected => AuditKind::ConsentGranted,
        FlowStatus::Denied => AuditKind::ConsentDenied,
        _ => AuditKind::ConsentFailed,
    };
    state
        .store
        .audit(
            kind,
            audit(
                &caller,
                Some(format!("flow {} {}", flow.id, status.as_str())),
            ),
        )
        .await;
    if flow.mode == "redirect" {
        return Ok(CallbackOutcome::Redirect(
            redirect_target(state, &flow, status).await,
        ));
    }
    Ok(CallbackOutcome::Popup {
        flow_id: flow.id,
        origin: flow.origin,
        status,
        message,
    })
}

/// Exchanges the code and stores the connection.
async fn exchange(state: &AppState, flow: &FlowRow, code: &str) -> ApiResult<(FlowStatus, String)> {
    let keys = &state.config.keys;
    let sealed = Sealed {
        key_id: flow.key_id.clone(),
        data: flow.pkce_verifier.clone(),
    };
    let Ok(verifier) = keys.open(&sealed, &verifier_context(&flow.id)) else {
        return Ok((
            FlowStatus::Failed,
            "This sign-in could not be verified. Close this window and try again.".into(),
        ));
    };
    let grant = match state.oauth.exchange_code(code, &verifier).await {
        Ok(grant) => grant,
        Err(TokenError::InvalidGrant) => {
            return Ok((FlowStatus::Failed, "Remote refused the sign-in code (used or expired). Close this window and try again.".into()));
        }
        Err(error) => {
            tracing::warn!(%error, "the code exchange failed");
            return Ok((
                FlowStatus::Failed,
                "Remote is not answering right now. Close this window and try again in a moment."
                    .into(),
            ));
        }
    };
    let environment = flow.environment.clone();
    let access = keys.seal(
        grant.access_token.expose_secret(),
        &token_context(&flow.site_user, &environment, "access_token"),
    );
    let refresh = keys.seal(
        grant.refresh_token.expose_secret(),
        &token_context(&flow.site_user, &environment, "refresh_token"),
    );
    state
        .store
        .save_connection(&ConnectionRow {
            site_user: flow.site_user.clone(),
            environment,
            state: ConnectionState::Connected,
            company_id: grant.company_id,
            remote_user_id: grant.user_id,
            key_id: access.key_id,
            access_token: access.data,
            refresh_token: refresh.data,
            access_expires_at: now() + i64::try_from(grant.expires_in).unwrap_or(3600),
        })
        .await?;
    Ok((
        FlowStatus::Connected,
        "Connected to Remote. You can close this window.".into(),
    ))
}

/// The flow's candidate, hired under its key, if the flow carries both.
fn flow_hire(flow: &FlowRow) -> Option<(Candidate, HireContext)> {
    let candidate = serde_json::from_str(flow.candidate.as_deref()?).ok()?;
    let ctx = HireContext {
        site_user: flow.site_user.clone(),
        idempotency_key: flow.idempotency_key.clone()?,
        origin: Some(flow.origin.clone()),
        request_id: None,
    };
    Some((candidate, ctx))
}

/// Popup mode: hires the flow's candidate, if it has one, and seals the answer for the flow's
/// status. A failed hire is only logged: its idempotency record keeps the outcome, and the
/// widget's `POST /api/v1/hires` with the same key answers it (or tries again).
async fn popup_hire(state: &AppState, flow: &FlowRow) -> Option<Sealed> {
    let (candidate, ctx) = flow_hire(flow)?;
    match hires::hire(state, &ctx, &candidate).await {
        Ok(hired) => {
            let json = serde_json::to_string(&hired).ok()?;
            Some(state.config.keys.seal(&json, &hire_context(&flow.id)))
        }
        Err(error) => {
            tracing::info!(
                code = error.code().as_str(),
                "the hire at the callback failed; the widget will ask again"
            );
            None
        }
    }
}

/// Redirect mode: hire now and go to onboarding, or go back to `return_to` with the outcome.
async fn redirect_target(state: &AppState, flow: &FlowRow, status: FlowStatus) -> String {
    let back = |outcome: &str, code: Option<&str>| -> String {
        let Some(mut url) = flow.return_to.as_deref().and_then(|t| Url::parse(t).ok()) else {
            return state.config.allowed_origins.primary().to_owned();
        };
        url.query_pairs_mut().append_pair("hwr_status", outcome);
        if let Some(code) = code {
            url.query_pairs_mut().append_pair("hwr_error", code);
        }
        url.to_string()
    };
    if status != FlowStatus::Connected {
        return back(status.as_str(), None);
    }
    let Some((candidate, ctx)) = flow_hire(flow) else {
        return back("connected", None);
    };
    match hires::hire(state, &ctx, &candidate).await {
        Ok(hired) => hired.redirect_url,
        Err(error) => {
            let code = if matches!(error, ApiError::Internal(_)) {
                ErrorCode::Internal
            } else {
                error.code()
            };
            if let ApiError::Internal(inner) = &error {
                tracing::error!(
                    error = format!("{inner:#}"),
                    "the redirect-mode hire failed on our side"
                );
            }
            back("error", Some(code.as_str()))
        }
    }
}

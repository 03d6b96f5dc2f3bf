//! `GET /oauth/callback`, completed: consume `state` exactly once, refuse expired, mixed-up or
//! other-browser flows before any token call, exchange the code, store the connection. A popup
//! flow that carries a hire attempt (a candidate and a key) is hired here and the answer kept
//! sealed for its status; a redirect flow's hire and destination are its [`outcome`](super::outcome).

use hwr_protocol::{Candidate, ConnectMode, FlowError, FlowStatus};
use secrecy::ExposeSecret;

use super::{
    audit,
    browser::{is_bound_browser, RequestCookies},
    messages,
    outcome::{self, CallbackOutcome},
    secrets::{hire_context, secret_hash, verifier_context},
    Caller,
};
use crate::{
    crypto::Sealed,
    error::ApiResult,
    hires::{self, HireRequest},
    remote::TokenError,
    state::AppState,
    store::{now, AuditKind, ConnectionRow, ConnectionState, FlowRow},
    tokens::token_context,
};

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

/// Completes a flow from Remote's redirect; `cookies` must carry the flow's binding cookie.
pub async fn complete(
    state: &AppState,
    query: CallbackQuery,
    cookies: &RequestCookies,
) -> ApiResult<CallbackOutcome> {
    let Some(raw_state) = query.state.as_deref() else {
        return Ok(CallbackOutcome::Refused(messages::LINK_INCOMPLETE.into()));
    };
    let at = now();
    let Some(flow) = state
        .store
        .consume_flow(&secret_hash(raw_state), at)
        .await?
    else {
        return Ok(CallbackOutcome::Refused(messages::LINK_USED.into()));
    };
    let caller = Caller {
        site_user: flow.site_user.clone(),
        origin: Some(flow.origin.clone()),
        request_id: None,
    };
    let bound = is_bound_browser(cookies, &flow.id, flow.binding_hash.as_deref());
    let (status, error) = if flow.expires_at <= at {
        (FlowStatus::Expired, None)
    } else if !bound {
        // Before anything else: a browser that did not start the flow learns nothing and
        // costs Remote's token endpoint nothing.
        (FlowStatus::Failed, Some(FlowError::ConsentElsewhere))
    } else if flow.environment != state.config.remote.base_url.as_str() {
        (FlowStatus::Failed, Some(FlowError::EnvironmentMismatch))
    } else if let Some(error) = query.error.as_deref() {
        if error == "access_denied" {
            (FlowStatus::Denied, None)
        } else {
            (FlowStatus::Failed, Some(FlowError::RemoteError))
        }
    } else if let Some(code) = query.code.as_deref() {
        match exchange(state, &flow, code).await? {
            Ok(()) => (FlowStatus::Connected, None),
            Err(error) => (FlowStatus::Failed, Some(error)),
        }
    } else {
        (FlowStatus::Failed, Some(FlowError::RemoteError))
    };
    // Popup mode with a candidate: hire before the flow reads `connected`, so that the status
    // the widget polls next carries the hire.
    let hire = if status == FlowStatus::Connected && flow.mode == ConnectMode::Popup {
        popup_hire(state, &flow).await
    } else {
        None
    };
    state
        .store
        .finish_flow(&flow.id, status, error, hire.as_ref())
        .await?;
    let kind = match status {
        FlowStatus::Connected => AuditKind::ConsentGranted,
        FlowStatus::Denied => AuditKind::ConsentDenied,
        _ => AuditKind::ConsentFailed,
    };
    let detail = match error {
        Some(error) => format!("flow {} {} {}", flow.id, status.as_str(), error.as_str()),
        None => format!("flow {} {}", flow.id, status.as_str()),
    };
    state.store.audit(kind, audit(&caller, Some(detail))).await;
    if error == Some(FlowError::ConsentElsewhere) {
        return Ok(CallbackOutcome::Elsewhere(
            messages::flow_error(FlowError::ConsentElsewhere).into(),
        ));
    }
    if flow.mode == ConnectMode::Redirect {
        let attempt = hire_attempt(&flow);
        let location =
            outcome::redirect_target(state, flow.return_to.as_deref(), attempt, status, error)
                .await;
        return Ok(CallbackOutcome::Redirect {
            location,
            flow_id: flow.id,
        });
    }
    Ok(CallbackOutcome::popup(flow.id, flow.origin, status, error))
}

/// Exchanges the code and stores the connection; `Err` says why the flow failed.
async fn exchange(
    state: &AppState,
    flow: &FlowRow,
    code: &str,
) -> ApiResult<Result<(), FlowError>> {
    let keys = &state.config.keys;
    let sealed = Sealed {
        key_id: flow.key_id.clone(),
        data: flow.pkce_verifier.clone(),
    };
    let Ok(verifier) = keys.open(&sealed, &verifier_context(&flow.id)) else {
        return Ok(Err(FlowError::Unverifiable));
    };
    let grant = match state.oauth.exchange_code(code, &verifier).await {
        Ok(grant) => grant,
        Err(TokenError::InvalidGrant) => return Ok(Err(FlowError::CodeRejected)),
        Err(error) => {
            tracing::warn!(%error, "the code exchange failed");
            return Ok(Err(FlowError::UpstreamUnavailable));
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
    let company_id = grant.company_id.clone();
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
            version: 0,
        })
        .await?;
    // Remote's webhooks for the company: registered (or checked) without making the person wait.
    crate::webhooks::registration::ensure_in_background(state, company_id, grant.access_token);
    Ok(Ok(()))
}

/// The flow's candidate and the attempt it is hired under, if the flow carries both.
fn hire_attempt(flow: &FlowRow) -> Option<(&Candidate, HireRequest)> {
    let candidate = flow.candidate.as_ref()?;
    let ctx = HireRequest {
        caller: Caller {
            site_user: flow.site_user.clone(),
            origin: Some(flow.origin.clone()),
            request_id: None,
        },
        idempotency_key: flow.idempotency_key.clone()?,
    };
    Some((candidate, ctx))
}

/// Popup mode: hires the flow's candidate, if it has one, and seals the answer for the flow's
/// status. A failed hire is only logged: its idempotency record keeps the outcome, and the
/// widget's `POST /api/v1/hires` with the same key answers it (or tries again).
async fn popup_hire(state: &AppState, flow: &FlowRow) -> Option<Sealed> {
    let (candidate, ctx) = hire_attempt(flow)?;
    match hires::hire(state, &ctx, candidate).await {
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

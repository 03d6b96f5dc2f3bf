//! Where a completed consent leaves the person: in popup mode, a page that tells the opener and
//! says what happened; in redirect mode, onboarding after the hire, or the job site's `return_to`
//! with the outcome in its query; a page of its own for a refused or other-browser callback.

use hwr_protocol::{
    Candidate, ErrorCode, FlowError, FlowStatus, RETURN_ERROR_PARAM, RETURN_HIRE_FAILED,
    RETURN_STATUS_PARAM,
};
use url::Url;

use super::messages;
use crate::{
    error::ApiError,
    hires::{self, HireRequest},
    state::AppState,
};

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
    Redirect {
        /// Flow id (its binding cookie is removed).
        flow_id: String,
        /// Where to.
        location: String,
    },
    /// The consent was completed in another browser than the one that started it: nothing was
    /// exchanged, the flow failed with `consent_elsewhere`, and the page says what to do.
    Elsewhere(String),
    /// Nothing to report to anyone: unknown, missing or replayed `state`.
    Refused(String),
}

impl CallbackOutcome {
    /// Popup mode: the flow's final `status` (and `error`) for the opener, with its sentence.
    pub(super) fn popup(
        flow_id: String,
        origin: String,
        status: FlowStatus,
        error: Option<FlowError>,
    ) -> CallbackOutcome {
        let message = match (status, error) {
            (_, Some(error)) => messages::flow_error(error),
            (FlowStatus::Connected, None) => messages::CONNECTED,
            (FlowStatus::Denied, None) => messages::DENIED,
            _ => messages::EXPIRED,
        };
        CallbackOutcome::Popup {
            flow_id,
            origin,
            status,
            message: message.to_owned(),
        }
    }
}

/// Redirect mode: hire the flow's `attempt` now and go to onboarding, or go back to `return_to`
/// with the outcome (`hwr_status`, and for a failed flow or hire its code as `hwr_error`).
pub(super) async fn redirect_target(
    state: &AppState,
    return_to: Option<&str>,
    attempt: Option<(&Candidate, HireRequest)>,
    status: FlowStatus,
    error: Option<FlowError>,
) -> String {
    let back = |outcome: &str, code: Option<&str>| -> String {
        let Some(mut url) = return_to.and_then(|t| Url::parse(t).ok()) else {
            return state.config.site.allowed_origins.primary().to_owned();
        };
        url.query_pairs_mut()
            .append_pair(RETURN_STATUS_PARAM, outcome);
        if let Some(code) = code {
            url.query_pairs_mut().append_pair(RETURN_ERROR_PARAM, code);
        }
        url.to_string()
    };
    if status != FlowStatus::Connected {
        return back(status.as_str(), error.map(FlowError::as_str));
    }
    let Some((candidate, ctx)) = attempt else {
        return back(FlowStatus::Connected.as_str(), None);
    };
    match hires::hire(state, &ctx, candidate).await {
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
            back(RETURN_HIRE_FAILED, Some(code.as_str()))
        }
    }
}

//! The call that creates the employment at Remote: look it up first after an ambiguous earlier
//! attempt, post it with our hire id as `external_id`, refresh once on a 401, and reconcile
//! after an ambiguous failure.

use hwr_protocol::{Candidate, ErrorCode};

use super::{record::Owned, HireRequest};
use crate::{
    error::ApiError,
    remote::{employments::employment_body, RemoteCountry, UpstreamError},
    state::AppState,
    store::{now, AuditKind, HireRow},
    tokens::{access_token, UsableToken},
};

pub(super) struct Failure {
    pub(super) error: ApiError,
    /// True when Remote may have created the employment.
    pub(super) attempted: bool,
}

impl Failure {
    fn certain(error: ApiError) -> Self {
        Failure {
            error,
            attempted: false,
        }
    }
}

/// Posts the employment (after looking for it when an earlier attempt was ambiguous).
pub(super) async fn create(
    state: &AppState,
    ctx: &HireRequest,
    mut token: UsableToken,
    candidate: &Candidate,
    country: &RemoteCountry,
    owned: &Owned,
) -> Result<(UsableToken, String), Failure> {
    let api = &state.api;
    let record = owned.record();
    if owned.may_exist_upstream() {
        match find_earlier(state, ctx, &token, candidate, record).await {
            Ok(Some(employment_id)) => return Ok((token, employment_id)),
            Ok(None) => {}
            Err(error) => {
                return Err(Failure {
                    error: ApiError::from_upstream(error),
                    attempted: true,
                })
            }
        }
    }
    let body = employment_body(
        state.config.remote.employment_body,
        candidate,
        &country.code,
        &token.connection.company_id,
        &record.hire_id,
    );
    if owned.needs_attempt_mark() {
        state
            .store
            .mark_hire_attempted(&record.hire_id, now())
            .await
            .map_err(|e| Failure::certain(e.into()))?;
    }
    let mut refreshed = false;
    loop {
        match api
            .create_employment(
                &token.access_token,
                &body,
                state.config.remote.json_schema_version,
            )
            .await
        {
            Ok(created) => return Ok((token, created.id)),
            Err(UpstreamError::Unauthorized) if !refreshed => {
                refreshed = true;
                let stale = token.connection.access_token.clone();
                token = access_token(&state.tokens, ctx.site_user(), Some(&stale))
                    .await
                    .map_err(Failure::certain)?;
            }
            Err(UpstreamError::Unauthorized) => {
                state
                    .store
                    .require_reconsent(ctx.site_user(), token.connection.version)
                    .await
                    .map_err(|e| Failure::certain(e.into()))?;
                return Err(Failure::certain(ApiError::new(
                    ErrorCode::ReconsentRequired,
                    "Remote needs you to approve the connection again.",
                )));
            }
            Err(
                error @ UpstreamError::Unavailable {
                    ambiguous: true, ..
                },
            ) => {
                // The POST may have landed: look before anyone posts again.
                return match find_earlier(state, ctx, &token, candidate, record).await {
                    Ok(Some(employment_id)) => Ok((token, employment_id)),
                    _ => Err(Failure {
                        error: ApiError::from_upstream(error),
                        attempted: true,
                    }),
                };
            }
            Err(error) => return Err(Failure::certain(ApiError::from_upstream(error))),
        }
    }
}

/// The employment an earlier, ambiguous attempt may have created (found by the candidate's email
/// and our hire id as `external_id`); a find is audited as a reconciliation.
async fn find_earlier(
    state: &AppState,
    ctx: &HireRequest,
    token: &UsableToken,
    candidate: &Candidate,
    record: &HireRow,
) -> Result<Option<String>, UpstreamError> {
    let found = state
        .api
        .find_employment(
            &token.access_token,
            &candidate.personal_email,
            &record.hire_id,
        )
        .await?;
    if found.is_some() {
        state
            .store
            .audit(
                AuditKind::HireReconciled,
                ctx.audit(Some(format!("hire {} found upstream", record.hire_id))),
            )
            .await;
    }
    Ok(found.map(|employment| employment.id))
}

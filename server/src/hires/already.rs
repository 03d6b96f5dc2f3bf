//! Candidates the company already employs: found in our records (by the email's hash, at the
//! caller's company) or in Remote's list filtered by the email. Such a hire creates nothing: the
//! answer is the earlier hire with a fresh onboarding link, and an employment we did not create
//! gets a hire record of its own (one per employment, however many requests race to make it).

use hwr_protocol::{Candidate, HireCandidate, HireResponse};

use super::{onboarding::onboarding_link, view};
use crate::{
    error::ApiResult,
    remote::EmploymentState,
    state::AppState,
    store::{now, HireRecord, HireState},
    tokens::UsableToken,
    webhooks::events::{self, HireFacts},
};

/// The caller's company's hire of this candidate, in our records.
pub(super) async fn in_our_records(
    state: &AppState,
    token: &UsableToken,
    candidate: &Candidate,
) -> ApiResult<Option<HireRecord>> {
    let hash = view::email_hash(&candidate.personal_email);
    let found = state
        .store
        .hire_records_for_emails(&token.connection.company_id, &[hash])
        .await?;
    Ok(found.into_iter().next())
}

/// The company's employment of this candidate at Remote, if any. A failed lookup is not fatal:
/// Remote's own duplicate-email refusal still catches a duplicate.
pub(super) async fn in_remote(
    state: &AppState,
    token: &UsableToken,
    email: &str,
) -> Option<EmploymentState> {
    match state
        .api
        .employments_with_email(&token.access_token, email)
        .await
    {
        Ok(found) => found.into_iter().find(|employment| {
            employment
                .personal_email
                .as_deref()
                .is_none_or(|e| e.trim().eq_ignore_ascii_case(email.trim()))
        }),
        Err(error) => {
            tracing::info!(%error, "could not look for an existing employment; hiring on");
            None
        }
    }
}

/// The earlier hire an answer names.
pub(super) struct Earlier {
    hire_id: String,
    employment_id: String,
    status: String,
}

impl From<HireRecord> for Earlier {
    fn from(record: HireRecord) -> Self {
        Earlier {
            hire_id: record.hire_id,
            employment_id: record.employment_id,
            status: record.remote_status,
        }
    }
}

/// The earlier hire of an employment found at Remote. One we created ourselves (its
/// `external_id` is one of our hire ids: a racing request is recording it right now) is named
/// by that id; one we did not create gets a hire record of its own, made now unless another
/// request made it first.
pub(super) async fn record_found(
    state: &AppState,
    token: &UsableToken,
    employment: &EmploymentState,
    candidate: &Candidate,
    country_code: &str,
) -> ApiResult<Earlier> {
    if let Some(ours) = &employment.external_id {
        if let Some((owner, record_state)) = state.store.hire_owner(ours).await? {
            if record_state == HireState::Pending {
                adopt(
                    state,
                    token,
                    employment,
                    candidate,
                    country_code,
                    ours,
                    &owner,
                )
                .await?;
            }
            return Ok(Earlier {
                hire_id: ours.clone(),
                employment_id: employment.id.clone(),
                status: employment.status.clone(),
            });
        }
    }
    let hire_id = uuid::Uuid::new_v4().to_string();
    let kept = HireCandidate {
        full_name: employment
            .full_name
            .clone()
            .unwrap_or_else(|| candidate.full_name.clone()),
        personal_email: candidate.personal_email.clone(),
        country_code: employment
            .country_code
            .clone()
            .unwrap_or_else(|| country_code.to_owned()),
    };
    let details = view::details(&state.config.keys, &hire_id, &kept, &employment.status);
    state
        .store
        .insert_found_hire(
            &token.connection.site_user,
            &hire_id,
            &employment.id,
            &token.connection.company_id,
            &details,
            now(),
        )
        .await?;
    let record = state
        .store
        .hire_record_for_employment(&employment.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the found employment's hire record vanished"))?;
    Ok(record.into())
}

/// Completes our own pending record of `employment` (created at Remote, its answer lost): the
/// hire is recorded with its `hire.created`, so its status and webhooks follow like any other.
async fn adopt(
    state: &AppState,
    token: &UsableToken,
    employment: &EmploymentState,
    candidate: &Candidate,
    country_code: &str,
    hire_id: &str,
    owner: &str,
) -> ApiResult<()> {
    let kept = HireCandidate {
        full_name: candidate.full_name.clone(),
        personal_email: candidate.personal_email.clone(),
        country_code: country_code.to_owned(),
    };
    let at = now();
    let company_id = &token.connection.company_id;
    let webhook = state.config.webhooks.outbound.as_ref().map(|_| {
        events::queued(
            &state.config.keys,
            events::HIRE_CREATED,
            &HireFacts {
                hire_id,
                employment_id: &employment.id,
                user: owner,
                company_id,
                status: &employment.status,
                previous_status: None,
                candidate: &kept,
            },
            at,
        )
    });
    let details = view::details(&state.config.keys, hire_id, &kept, &employment.status);
    if state
        .store
        .adopt_found_employment(
            hire_id,
            &employment.id,
            company_id,
            &details,
            at,
            webhook.as_ref(),
        )
        .await?
        && webhook.is_some()
    {
        state.wake_worker();
    }
    Ok(())
}

/// The `200` answer for an earlier hire: its ids and status, and a fresh onboarding link.
pub(super) async fn answer(
    state: &AppState,
    token: &UsableToken,
    earlier: impl Into<Earlier>,
) -> HireResponse {
    let earlier = earlier.into();
    state.metrics.hire("already_hired");
    HireResponse {
        redirect_url: onboarding_link(state, &token.access_token, &token.connection.remote_user_id)
            .await,
        hire_id: earlier.hire_id,
        employment_id: earlier.employment_id,
        status: earlier.status,
        already_hired: true,
    }
}

//! Hiring a candidate: validate, check the country, keep one idempotency record per key (written
//! before Remote is called), post the employment with our hire id as `external_id`, and never post
//! blindly again after an ambiguous failure — look the employment up first. Then fetch a fresh
//! onboarding link, and answer with everything in one response. A candidate the company already
//! employs is answered with that hire instead (see `already`).

use hwr_protocol::{CalendarDate, Candidate, ErrorCode, HireCandidate, HireResponse};
use sha2::{Digest, Sha256};

mod already;
mod onboarding;
mod record;
mod upstream;
pub mod view;

use crate::{
    caller::Caller,
    countries,
    error::{ApiError, ApiResult},
    forms,
    state::AppState,
    store::{now, AuditEvent, AuditKind, HireRow, HireStart, HireState},
    tokens::{access_token, token_for, UsableToken},
    webhooks::events::{self, HireFacts},
};

use self::{
    onboarding::{onboarding_link, remote_link},
    record::{acquire, check_same_request, rejection_json, remembered_rejection, Acquired},
    upstream::{create, Failure},
};

/// One hire attempt: who asks, and under which `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct HireRequest {
    /// Who asks.
    pub caller: Caller,
    /// The attempt's idempotency key.
    pub idempotency_key: String,
}

impl HireRequest {
    fn site_user(&self) -> &str {
        &self.caller.site_user
    }

    fn audit(&self, detail: Option<String>) -> AuditEvent {
        self.caller.audit(Some(&self.idempotency_key), detail)
    }
}

/// Checks an `Idempotency-Key`: 1 to 255 visible ASCII characters.
pub fn check_idempotency_key(key: Option<&str>) -> ApiResult<String> {
    let key = key.map(str::trim).unwrap_or_default();
    if key.is_empty() {
        return Err(ApiError::new(
            ErrorCode::IdempotencyKeyRequired,
            "Send an Idempotency-Key header: one random value per hire attempt, reused on retries.",
        ));
    }
    if key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::new(
            ErrorCode::IdempotencyKeyRequired,
            "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )
        .with_status(axum::http::StatusCode::BAD_REQUEST));
    }
    Ok(key.to_owned())
}

/// Today's date (UTC), for start-date checks.
pub fn today() -> CalendarDate {
    let text = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    CalendarDate::parse(&text).unwrap_or(CalendarDate {
        year: 1970,
        month: 1,
        day: 1,
    })
}

/// Hires `candidate` for the caller; safe to call again with the same key. A candidate the
/// company already employs is answered with that hire (`already_hired`).
pub async fn hire(
    state: &AppState,
    ctx: &HireRequest,
    candidate: &Candidate,
) -> ApiResult<HireResponse> {
    let candidate = candidate.normalized();
    candidate.validate(today()).map_err(ApiError::validation)?;
    let request_hash = request_hash(&candidate);
    let store = &state.store;

    // What our side knows, read at once: this key's record, the connection, and our own
    // earlier hire of the candidate at the connection's company.
    let HireStart {
        record: existing,
        connection,
        earlier,
    } = store
        .hire_start(
            ctx.site_user(),
            &ctx.idempotency_key,
            &view::email_hash(&candidate.personal_email),
        )
        .await?;
    if let Some(existing) = existing {
        check_same_request(&existing, &request_hash)?;
        match existing.state {
            HireState::Created => {
                let token = token_for(&state.tokens, ctx.site_user(), connection, None).await?;
                state.metrics.hire("replayed");
                return answer(state, &token, &existing).await;
            }
            HireState::Rejected => {
                state.metrics.hire("rejected");
                return Err(remembered_rejection(&existing));
            }
            HireState::Pending => {}
        }
    }
    let read_company = connection.as_ref().map(|row| row.company_id.clone());
    let token = token_for(&state.tokens, ctx.site_user(), connection, None).await?;
    // A refresh re-reads the connection: should its company have changed meanwhile (a new
    // consent), that company's records are the ones to look in.
    let earlier = if read_company.as_deref() == Some(token.connection.company_id.as_str()) {
        earlier
    } else {
        already::in_our_records(state, &token, &candidate).await?
    };
    if let Some(earlier) = earlier {
        // Unless it is this very attempt, made by a twin request (a double click) meanwhile:
        // then the record below answers, as a replay.
        if !key_is_taken(state, ctx).await? {
            return Ok(already::answer(state, &token, earlier).await);
        }
    }
    let (list, employed) = tokio::join!(
        countries::all(&state.countries, Some(&token.access_token)),
        already::in_remote(state, &token, &candidate.personal_email),
    );
    let country = countries::resolve(&list?, &candidate.country_code)?.clone();
    // The country's extra fields, checked before anything is sent (the default version asks
    // none, and a candidate without extra fields costs no form read there).
    if state.config.remote.json_schema_version > 1 || !candidate.extra.is_empty() {
        let form = forms::for_country(&state.forms, &token.access_token, &country.code).await?;
        let problems =
            forms::validate::check(&form, &candidate.extra, &candidate.provisional_start_date);
        if !problems.is_empty() {
            return Err(ApiError::validation(problems));
        }
    }
    if let Some(employment) = employed {
        if !key_is_taken(state, ctx).await? {
            let record =
                already::record_found(state, &token, &employment, &candidate, &country.code)
                    .await?;
            return Ok(already::answer(state, &token, record).await);
        }
    }

    let owned = match acquire(state, ctx, &request_hash).await? {
        Acquired::Owned(owned) => owned,
        Acquired::Finished(record) if record.state == HireState::Rejected => {
            state.metrics.hire("rejected");
            return Err(remembered_rejection(&record));
        }
        Acquired::Finished(record) => {
            state.metrics.hire("replayed");
            return answer(state, &token, &record).await;
        }
    };
    let record = owned.record();
    // The onboarding link does not depend on the employment: ask Remote for both at once.
    let (early_token, remote_user_id) = (
        token.access_token.clone(),
        token.connection.remote_user_id.clone(),
    );
    let (outcome, early_link) = tokio::join!(
        create(state, ctx, token, &candidate, &country, &owned),
        remote_link(state, &early_token, &remote_user_id),
    );
    match outcome {
        Ok((token, employment_id)) => {
            let kept = HireCandidate {
                full_name: candidate.full_name.clone(),
                personal_email: candidate.personal_email.clone(),
                country_code: country.code.clone(),
            };
            let facts = HireFacts {
                hire_id: &record.hire_id,
                employment_id: &employment_id,
                user: ctx.site_user(),
                company_id: &token.connection.company_id,
                status: CREATED_STATUS,
                previous_status: None,
                candidate: &kept,
            };
            let at = now();
            let webhook = state
                .config
                .webhooks
                .outbound
                .as_ref()
                .map(|_| events::queued(&state.config.keys, events::HIRE_CREATED, &facts, at));
            store
                .mark_hire_created(
                    &record.hire_id,
                    &employment_id,
                    &token.connection.company_id,
                    &view::details(&state.config.keys, &record.hire_id, &kept, CREATED_STATUS),
                    at,
                    ctx.audit(Some(format!(
                        "hire {} employment {employment_id}",
                        record.hire_id
                    ))),
                    webhook.as_ref(),
                )
                .await?;
            if webhook.is_some() {
                state.wake_worker();
            }
            let redirect_url = match early_link {
                Some(url) => url,
                // Refused, perhaps because the token was refreshed meanwhile: ask once more.
                None => {
                    onboarding_link(state, &token.access_token, &token.connection.remote_user_id)
                        .await
                }
            };
            state.metrics.hire("created");
            Ok(HireResponse {
                hire_id: record.hire_id.clone(),
                employment_id,
                redirect_url,
                status: CREATED_STATUS.to_owned(),
                already_hired: false,
            })
        }
        Err(Failure { error, attempted }) => {
            if refuses_the_email(&error) {
                // Another request (another key, another replica) hired this candidate first.
                let token = access_token(&state.tokens, ctx.site_user(), None).await?;
                if let Some(employment) =
                    already::in_remote(state, &token, &candidate.personal_email).await
                {
                    store
                        .release_hire(&record.hire_id, attempted, now())
                        .await?;
                    let earlier = already::record_found(
                        state,
                        &token,
                        &employment,
                        &candidate,
                        &country.code,
                    )
                    .await?;
                    return Ok(already::answer(state, &token, earlier).await);
                }
            }
            let rejection = rejection_json(&error);
            state.metrics.hire(if rejection.is_some() {
                "rejected"
            } else {
                "failed"
            });
            match rejection {
                // Remote's 422 is its answer to this body: remembered, never posted again.
                Some(rejection) => {
                    store
                        .mark_hire_rejected(&record.hire_id, &rejection, now())
                        .await?
                }
                None => {
                    store
                        .release_hire(&record.hire_id, attempted, now())
                        .await?
                }
            }
            store
                .audit(
                    AuditKind::HireFailed,
                    ctx.audit(Some(format!(
                        "hire {}: {}",
                        record.hire_id,
                        error.code().as_str()
                    ))),
                )
                .await;
            Err(error)
        }
    }
}

/// Whether a record for this attempt's key exists now (a twin request made it).
async fn key_is_taken(state: &AppState, ctx: &HireRequest) -> ApiResult<bool> {
    Ok(state
        .store
        .hire(ctx.site_user(), &ctx.idempotency_key)
        .await?
        .is_some())
}

/// Remote's status of an employment it just created.
const CREATED_STATUS: &str = "created";

/// Remote refused the candidate's email (taken: the company employs them already).
fn refuses_the_email(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Client {
            code: ErrorCode::UpstreamRejected,
            fields,
            ..
        } if fields.contains_key("personal_email")
    )
}

/// The answer for a hire this key already created, with a fresh onboarding link (links are
/// one-time) and the status Remote last reported.
async fn answer(
    state: &AppState,
    token: &UsableToken,
    record: &HireRow,
) -> ApiResult<HireResponse> {
    let employment_id = record
        .employment_id
        .clone()
        .ok_or_else(|| anyhow::anyhow!("a created hire has no employment id"))?;
    let status = state
        .store
        .hire_record(&record.hire_id)
        .await?
        .map(|kept| kept.remote_status)
        .unwrap_or_else(|| CREATED_STATUS.to_owned());
    Ok(HireResponse {
        hire_id: record.hire_id.clone(),
        employment_id,
        redirect_url: onboarding_link(state, &token.access_token, &token.connection.remote_user_id)
            .await,
        status,
        already_hired: false,
    })
}

/// SHA-256 over the normalised candidate's fields.
fn request_hash(candidate: &Candidate) -> String {
    let mut hasher = Sha256::new();
    for field in hwr_protocol::CandidateField::ALL {
        hasher.update(candidate.get(field).as_bytes());
        hasher.update([0u8]);
    }
    // Only a candidate with extra fields hashes them: a record made before they existed
    // still matches its replay.
    for (name, value) in &candidate.extra {
        hasher.update(name.as_bytes());
        hasher.update([1u8]);
        hasher.update(serde_json::to_string(value).unwrap_or_default().as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

//! Hiring a candidate: validate, check the country, keep one idempotency record per key (written
//! before Remote is called), post the employment with our hire id as `external_id`, and never post
//! blindly again after an ambiguous failure — look the employment up first. Then fetch a fresh
//! onboarding link, and answer with everything in one response.

use std::time::Duration;

use hwr_protocol::{CalendarDate, Candidate, ErrorCode, FieldErrors, HireResponse};
use secrecy::SecretString;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{
    config::{EmploymentBody, OnboardingLink},
    countries,
    error::{ApiError, ApiResult},
    remote::{RemoteCountry, UpstreamError},
    state::AppState,
    store::{now, AuditEvent, AuditKind, HireRow, HireState},
    tokens::{access_token, UsableToken},
};

/// Who is hiring, under which key, from where.
#[derive(Debug, Clone)]
pub struct HireContext {
    /// The site user.
    pub site_user: String,
    /// The attempt's idempotency key.
    pub idempotency_key: String,
    /// The request's origin.
    pub origin: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
}

impl HireContext {
    fn audit(&self, detail: Option<String>) -> AuditEvent {
        AuditEvent {
            kind: String::new(),
            site_user: Some(self.site_user.clone()),
            origin: self.origin.clone(),
            request_id: self.request_id.clone(),
            idempotency_key: Some(self.idempotency_key.clone()),
            detail,
        }
    }
}

/// How long a second request with the same key waits for the first to finish.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(10);

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

/// Hires `candidate` for the context's site user; safe to call again with the same key.
pub async fn hire(
    state: &AppState,
    ctx: &HireContext,
    candidate: &Candidate,
) -> ApiResult<HireResponse> {
    let candidate = candidate.normalized();
    candidate.validate(today()).map_err(ApiError::validation)?;
    let request_hash = request_hash(&candidate);
    let store = &state.store;

    if let Some(existing) = store.hire(&ctx.site_user, &ctx.idempotency_key).await? {
        check_same_request(&existing, &request_hash)?;
        if existing.state == HireState::Created {
            let token = access_token(state, &ctx.site_user, None).await?;
            return answer(state, &token, &existing).await;
        }
    }
    let token = access_token(state, &ctx.site_user, None).await?;
    let list = countries::all(state, Some(&token.access_token)).await?;
    let country = countries::resolve(&list, &candidate.country_code)?.clone();

    let (record, fresh) = match acquire(state, ctx, &request_hash).await? {
        Acquired::Owned { record, fresh } => (record, fresh),
        Acquired::Finished(record) => return answer(state, &token, &record).await,
    };
    store
        .audit(
            AuditKind::HireRequested,
            ctx.audit(Some(format!("hire {}", record.hire_id))),
        )
        .await;
    // The onboarding link does not depend on the employment: ask Remote for both at once.
    let (early_token, remote_user_id) = (
        token.access_token.clone(),
        token.connection.remote_user_id.clone(),
    );
    let (outcome, early_link) = tokio::join!(
        create(state, ctx, token, &candidate, &country, &record, fresh),
        remote_link(state, &early_token, &remote_user_id),
    );
    match outcome {
        Ok((token, employment_id)) => {
            store
                .mark_hire_created(
                    &record.hire_id,
                    &employment_id,
                    &token.connection.company_id,
                    now(),
                    ctx.audit(Some(format!(
                        "hire {} employment {employment_id}",
                        record.hire_id
                    ))),
                )
                .await?;
            let redirect_url = match early_link {
                Some(url) => url,
                // Refused, perhaps because the token was refreshed meanwhile: ask once more.
                None => {
                    onboarding_link(state, &token.access_token, &token.connection.remote_user_id)
                        .await
                }
            };
            Ok(HireResponse {
                hire_id: record.hire_id,
                employment_id,
                redirect_url,
            })
        }
        Err(Failure { error, attempted }) => {
            store
                .release_hire(&record.hire_id, attempted, now())
                .await?;
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

fn check_same_request(existing: &HireRow, request_hash: &str) -> ApiResult<()> {
    if existing.request_hash == request_hash {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::IdempotencyKeyReused, "This Idempotency-Key was already used for a different candidate. Use a new key for a new hire."))
    }
}

enum Acquired {
    /// We hold the lease and must do the work; `fresh` records were just created, already
    /// marked as attempted (the POST follows at once).
    Owned { record: HireRow, fresh: bool },
    /// Another request finished it while we waited.
    Finished(HireRow),
}

/// Creates the record, or takes over a lapsed one, or waits for the request that holds it.
async fn acquire(state: &AppState, ctx: &HireContext, request_hash: &str) -> ApiResult<Acquired> {
    let store = &state.store;
    let lease = i64::try_from(state.config.upstream_timeout.as_secs() * 4 + 10).unwrap_or(70);
    let hire_id = uuid::Uuid::new_v4().to_string();
    let started = now();
    if store
        .insert_hire(
            &ctx.site_user,
            &ctx.idempotency_key,
            &hire_id,
            request_hash,
            started + lease,
            started,
        )
        .await?
    {
        return Ok(Acquired::Owned {
            record: HireRow {
                hire_id,
                request_hash: request_hash.to_owned(),
                state: HireState::Pending,
                upstream_attempted: false,
                employment_id: None,
                company_id: None,
                lease_until: started + lease,
            },
            fresh: true,
        });
    }
    let deadline = tokio::time::Instant::now() + WAIT_FOR_OTHER;
    loop {
        let t = now();
        if let Some(record) = store
            .lease_hire(&ctx.site_user, &ctx.idempotency_key, t + lease, t)
            .await?
        {
            check_same_request(&record, request_hash)?;
            return Ok(Acquired::Owned {
                record,
                fresh: false,
            });
        }
        let current = store
            .hire(&ctx.site_user, &ctx.idempotency_key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the hire record vanished"))?;
        check_same_request(&current, request_hash)?;
        if current.state == HireState::Created {
            return Ok(Acquired::Finished(current));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::new(ErrorCode::HireInProgress, "This hire is already being submitted. Retry with the same Idempotency-Key in a moment.").with_retry_after(2));
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

struct Failure {
    error: ApiError,
    /// True when Remote may have created the employment.
    attempted: bool,
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
async fn create(
    state: &AppState,
    ctx: &HireContext,
    mut token: UsableToken,
    candidate: &Candidate,
    country: &RemoteCountry,
    record: &HireRow,
    fresh: bool,
) -> Result<(UsableToken, String), Failure> {
    let api = &state.api;
    if record.upstream_attempted {
        match api
            .find_employment(
                &token.access_token,
                &candidate.personal_email,
                &record.hire_id,
            )
            .await
        {
            Ok(Some(found)) => {
                state
                    .store
                    .audit(
                        AuditKind::HireReconciled,
                        ctx.audit(Some(format!("hire {} found upstream", record.hire_id))),
                    )
                    .await;
                return Ok((token, found.id));
            }
            Ok(None) => {}
            Err(error) => {
                return Err(Failure {
                    error: upstream_error(error),
                    attempted: true,
                })
            }
        }
    }
    let body = employment_body(
        state,
        candidate,
        country,
        &token.connection.company_id,
        &record.hire_id,
    );
    if !fresh && !record.upstream_attempted {
        state
            .store
            .mark_hire_attempted(&record.hire_id, now())
            .await
            .map_err(|e| Failure::certain(e.into()))?;
    }
    let mut refreshed = false;
    loop {
        match api.create_employment(&token.access_token, &body).await {
            Ok(created) => return Ok((token, created.id)),
            Err(UpstreamError::Unauthorized) if !refreshed => {
                refreshed = true;
                let stale = token.connection.access_token.clone();
                token = access_token(state, &ctx.site_user, Some(&stale))
                    .await
                    .map_err(Failure::certain)?;
            }
            Err(UpstreamError::Unauthorized) => {
                state
                    .store
                    .require_reconsent(&ctx.site_user)
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
                return match api
                    .find_employment(
                        &token.access_token,
                        &candidate.personal_email,
                        &record.hire_id,
                    )
                    .await
                {
                    Ok(Some(found)) => {
                        state
                            .store
                            .audit(
                                AuditKind::HireReconciled,
                                ctx.audit(Some(format!("hire {} found upstream", record.hire_id))),
                            )
                            .await;
                        Ok((token, found.id))
                    }
                    _ => Err(Failure {
                        error: upstream_error(error),
                        attempted: true,
                    }),
                };
            }
            Err(error) => return Err(Failure::certain(upstream_error(error))),
        }
    }
}

/// The body in the configured form, with our hire id as `external_id`.
fn employment_body(
    state: &AppState,
    candidate: &Candidate,
    country: &RemoteCountry,
    company_id: &str,
    hire_id: &str,
) -> Value {
    match state.config.employment_body {
        EmploymentBody::BasicInformation => json!({
            "country_code": country.code,
            "type": "employee",
            "external_id": hire_id,
            "basic_information": {
                "name": candidate.full_name,
                "email": candidate.personal_email,
                "job_title": candidate.job_title,
                "provisional_start_date": candidate.provisional_start_date,
                "has_seniority_date": "no",
            },
        }),
        EmploymentBody::Flat => json!({
            "company_id": company_id,
            "country_code": country.code,
            "type": "employee",
            "external_id": hire_id,
            "full_name": candidate.full_name,
            "personal_email": candidate.personal_email,
            "job_title": candidate.job_title,
            "provisional_start_date": candidate.provisional_start_date,
        }),
    }
}

/// Maps a failed call to Remote onto our codes.
fn upstream_error(error: UpstreamError) -> ApiError {
    match error {
        UpstreamError::Unauthorized => ApiError::new(
            ErrorCode::ReconsentRequired,
            "Remote needs you to approve the connection again.",
        ),
        UpstreamError::RateLimited { retry_after } => ApiError::new(
            ErrorCode::RateLimited,
            "Remote is receiving too many requests. Try again shortly.",
        )
        .with_retry_after(retry_after.unwrap_or(10)),
        UpstreamError::Rejected {
            unsupported_country: true,
            ..
        } => ApiError::new(
            ErrorCode::UnsupportedCountry,
            "Remote cannot hire in this country.",
        )
        .with_fields(FieldErrors::from([(
            "country_code".to_owned(),
            vec!["is not a country Remote can hire in".to_owned()],
        )])),
        UpstreamError::Rejected {
            errors, message, ..
        } => {
            let fields = our_field_names(errors);
            let text = if fields.is_empty() {
                format!("Remote rejected the hire: {message}")
            } else {
                "Remote rejected some candidate details.".to_owned()
            };
            ApiError::new(ErrorCode::UpstreamRejected, text).with_fields(fields)
        }
        UpstreamError::Unavailable {
            timed_out, status, ..
        } => {
            let http = if timed_out {
                504
            } else if status == Some(503) {
                503
            } else {
                502
            };
            ApiError::new(
                ErrorCode::UpstreamUnavailable,
                "Remote is not answering right now. Nothing was lost: try again in a moment.",
            )
            .with_status(
                axum::http::StatusCode::from_u16(http)
                    .unwrap_or(axum::http::StatusCode::BAD_GATEWAY),
            )
            .with_retry_after(5)
        }
        UpstreamError::CircuitOpen { retry_after } => ApiError::new(
            ErrorCode::UpstreamUnavailable,
            "Remote has been failing for a moment. Nothing was sent: try again shortly.",
        )
        .with_retry_after(retry_after),
        UpstreamError::Unexpected(detail) => {
            tracing::warn!(detail, "Remote answered unexpectedly");
            ApiError::new(
                ErrorCode::UpstreamUnavailable,
                "Remote answered in a way we did not expect. Try again in a moment.",
            )
            .with_status(axum::http::StatusCode::BAD_GATEWAY)
        }
    }
}

/// Remote's field names (`basic_information.email`, `name`) onto ours (`personal_email`).
fn our_field_names(errors: FieldErrors) -> FieldErrors {
    let mut ours = FieldErrors::new();
    for (key, messages) in errors {
        let bare = key.strip_prefix("basic_information.").unwrap_or(&key);
        let name = match bare {
            "name" | "full_name" => "full_name",
            "email" | "personal_email" => "personal_email",
            other => other,
        };
        ours.entry(name.to_owned()).or_default().extend(messages);
    }
    ours
}

/// The 201 body, with a fresh onboarding link (links are one-time).
async fn answer(
    state: &AppState,
    token: &UsableToken,
    record: &HireRow,
) -> ApiResult<HireResponse> {
    let employment_id = record
        .employment_id
        .clone()
        .ok_or_else(|| anyhow::anyhow!("a created hire has no employment id"))?;
    Ok(HireResponse {
        hire_id: record.hire_id.clone(),
        employment_id,
        redirect_url: onboarding_link(state, &token.access_token, &token.connection.remote_user_id)
            .await,
    })
}

/// Magic link or SSO URL as configured; a plain link to Remote's app when Remote refuses.
async fn onboarding_link(state: &AppState, token: &SecretString, remote_user_id: &str) -> String {
    match remote_link(state, token, remote_user_id).await {
        Some(url) => url,
        None => state.config.remote_app_url.to_string(),
    }
}

/// The configured one-time link from Remote; `None` when configured `plain` or Remote refuses.
async fn remote_link(
    state: &AppState,
    token: &SecretString,
    remote_user_id: &str,
) -> Option<String> {
    let config = &state.config;
    let link = match config.onboarding_link {
        OnboardingLink::MagicLink => {
            state
                .api
                .magic_link(token, remote_user_id, &config.onboarding_path)
                .await
        }
        OnboardingLink::SsoUrl => state.api.sso_url(token, remote_user_id).await,
        OnboardingLink::Plain => return None,
    };
    link.map_err(
        |error| tracing::warn!(%error, "no onboarding link from Remote; a plain link will do"),
    )
    .ok()
}

/// SHA-256 over the normalised candidate's fields.
fn request_hash(candidate: &Candidate) -> String {
    let mut hasher = Sha256::new();
    for field in hwr_protocol::CandidateField::ALL {
        hasher.update(candidate.get(field).as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

//! The call that creates the employment at Remote: look it up first after an ambiguous earlier
//! attempt, post it with our hire id as `external_id`, refresh once on a 401, reconcile after an
//! ambiguous failure, and map Remote's answers onto our error codes.

use hwr_protocol::{Candidate, ErrorCode, FieldErrors};
use serde_json::{json, Value};

use super::HireContext;
use crate::{
    config::EmploymentBody,
    error::ApiError,
    remote::{RemoteCountry, UpstreamError},
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
    ctx: &HireContext,
    mut token: UsableToken,
    candidate: &Candidate,
    country: &RemoteCountry,
    record: &HireRow,
    fresh: bool,
) -> Result<(UsableToken, String), Failure> {
    let api = &state.api;
    if record.upstream_attempted {
        match find_earlier(state, ctx, &token, candidate, record).await {
            Ok(Some(employment_id)) => return Ok((token, employment_id)),
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
        match api
            .create_employment(
                &token.access_token,
                &body,
                state.config.remote_json_schema_version,
            )
            .await
        {
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
                    .require_reconsent(&ctx.site_user, token.connection.version)
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
                        error: upstream_error(error),
                        attempted: true,
                    }),
                };
            }
            Err(error) => return Err(Failure::certain(upstream_error(error))),
        }
    }
}

/// The employment an earlier, ambiguous attempt may have created (found by the candidate's email
/// and our hire id as `external_id`); a find is audited as a reconciliation.
async fn find_earlier(
    state: &AppState,
    ctx: &HireContext,
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
            "basic_information": with_extra(json!({
                "name": candidate.full_name,
                "email": candidate.personal_email,
                "job_title": candidate.job_title,
                "provisional_start_date": candidate.provisional_start_date,
                "has_seniority_date": "no",
            }), candidate),
        }),
        EmploymentBody::Flat => with_extra(
            json!({
                "company_id": company_id,
                "country_code": country.code,
                "type": "employee",
                "external_id": hire_id,
                "full_name": candidate.full_name,
                "personal_email": candidate.personal_email,
                "job_title": candidate.job_title,
                "provisional_start_date": candidate.provisional_start_date,
            }),
            candidate,
        ),
    }
}

/// `object` with the candidate's extra fields added (they never replace a basic one).
fn with_extra(mut object: Value, candidate: &Candidate) -> Value {
    if let Value::Object(fields) = &mut object {
        for (name, value) in &candidate.extra {
            if !fields.contains_key(name) {
                fields.insert(name.clone(), json!(value));
            }
        }
    }
    object
}

/// Maps a failed call to Remote onto our codes.
pub(crate) fn upstream_error(error: UpstreamError) -> ApiError {
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

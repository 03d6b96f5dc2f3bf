//! The idempotency record of a hire: created and leased to one request, taken over when its
//! lease lapses, or waited on while another request holds it.

use std::time::Duration;

use hwr_protocol::ErrorCode;

use super::HireRequest;
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
    store::{now, AuditKind, HireRow, HireState},
};

/// How long a second request with the same key waits for the first to finish.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(10);

pub(super) fn check_same_request(existing: &HireRow, request_hash: &str) -> ApiResult<()> {
    if existing.request_hash == request_hash {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::IdempotencyKeyReused, "This Idempotency-Key was already used for a different candidate. Use a new key for a new hire."))
    }
}

/// A rejected record's refusal, as Remote's 422 was answered the first time.
pub(super) fn remembered_rejection(record: &HireRow) -> ApiError {
    #[derive(serde::Deserialize, Default)]
    struct Rejection {
        message: String,
        #[serde(default)]
        fields: hwr_protocol::FieldErrors,
    }
    let rejection: Rejection = record
        .rejection
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    let message = if rejection.message.is_empty() {
        "Remote refused this candidate. Correct the details and try again.".to_owned()
    } else {
        rejection.message
    };
    ApiError::new(ErrorCode::UpstreamRejected, message).with_fields(rejection.fields)
}

/// The JSON kept for a refusal, read back by [`remembered_rejection`].
pub(super) fn rejection_json(error: &ApiError) -> Option<String> {
    match error {
        ApiError::Client {
            code: ErrorCode::UpstreamRejected,
            message,
            fields,
            ..
        } => Some(serde_json::json!({"message": message, "fields": fields}).to_string()),
        _ => None,
    }
}

pub(super) enum Acquired {
    /// We hold the lease and must do the work.
    Owned(Owned),
    /// Another request finished it (created or rejected) while we waited.
    Finished(HireRow),
}

/// A record whose lease we hold, and how it came to us: what the POST to Remote must do first
/// follows from that alone.
pub(super) enum Owned {
    /// Created by this request, already marked as attempted in the same write: no earlier
    /// attempt exists, and the POST follows at once.
    Created(HireRow),
    /// Taken over from a request whose lease lapsed, as its row stands.
    Retaken(HireRow),
}

impl Owned {
    /// The record, as its row stands.
    pub(super) fn record(&self) -> &HireRow {
        match self {
            Owned::Created(record) | Owned::Retaken(record) => record,
        }
    }

    /// An earlier request may have reached Remote: look the employment up before posting.
    pub(super) fn may_exist_upstream(&self) -> bool {
        matches!(self, Owned::Retaken(record) if record.upstream_attempted)
    }

    /// The row does not say attempted yet: mark it before posting.
    pub(super) fn needs_attempt_mark(&self) -> bool {
        matches!(self, Owned::Retaken(record) if !record.upstream_attempted)
    }
}

/// Creates the record, or takes over a lapsed one, or waits for the request that holds it. A
/// record we own has its `hire.requested` audit row (a created one in the same transaction).
pub(super) async fn acquire(
    state: &AppState,
    ctx: &HireRequest,
    request_hash: &str,
) -> ApiResult<Acquired> {
    let store = &state.store;
    let lease = i64::try_from(state.config.remote.timeout.as_secs() * 4 + 10).unwrap_or(70);
    let hire_id = uuid::Uuid::new_v4().to_string();
    let started = now();
    if store
        .insert_hire(
            ctx.site_user(),
            &ctx.idempotency_key,
            &hire_id,
            request_hash,
            started + lease,
            started,
            ctx.audit(Some(format!("hire {hire_id}"))),
        )
        .await?
    {
        return Ok(Acquired::Owned(Owned::Created(HireRow {
            hire_id,
            request_hash: request_hash.to_owned(),
            state: HireState::Pending,
            upstream_attempted: true,
            employment_id: None,
            company_id: None,
            lease_until: started + lease,
            rejection: None,
        })));
    }
    let deadline = tokio::time::Instant::now() + WAIT_FOR_OTHER;
    loop {
        let t = now();
        if let Some(record) = store
            .lease_hire(ctx.site_user(), &ctx.idempotency_key, t + lease, t)
            .await?
        {
            check_same_request(&record, request_hash)?;
            store
                .audit(
                    AuditKind::HireRequested,
                    ctx.audit(Some(format!("hire {}", record.hire_id))),
                )
                .await;
            return Ok(Acquired::Owned(Owned::Retaken(record)));
        }
        let current = store
            .hire(ctx.site_user(), &ctx.idempotency_key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the hire record vanished"))?;
        check_same_request(&current, request_hash)?;
        if current.state != HireState::Pending {
            return Ok(Acquired::Finished(current));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::new(ErrorCode::HireInProgress, "This hire is already being submitted. Retry with the same Idempotency-Key in a moment.").with_retry_after(2));
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

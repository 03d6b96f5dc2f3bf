//! Re-reading employments a webhook (or the reconcile) marked: Remote's answer is stored when it
//! is new — compare-and-swap on the status read, never older than the stored reading — and a
//! change queues `hire.status_changed` for the job site in the same transaction.

use crate::{
    hires::view,
    state::AppState,
    store::{now, HireRecord},
    tokens::access_token,
    webhooks::events::{self, HireFacts},
};

/// Seconds a claimed re-read keeps other replicas off it.
const CLAIM_SECS: i64 = 30;

/// Re-reads claimed per pass.
const BATCH: i64 = 16;

/// Re-reads every marked hire once; how many were claimed.
pub async fn refresh_marked(state: &AppState) -> Result<usize, sqlx::Error> {
    let claimed_at = now();
    let marked = state
        .store
        .claim_stale_statuses(claimed_at, CLAIM_SECS, BATCH)
        .await?;
    let claimed = marked.len();
    let reads = marked
        .into_iter()
        .map(|record| refresh(state, record, claimed_at));
    for result in futures::future::join_all(reads).await {
        result?;
    }
    Ok(claimed)
}

/// One re-read. Failures leave the mark for the next pass, except when nobody at the company
/// is connected any more (nothing could read it).
async fn refresh(state: &AppState, record: HireRecord, claimed_at: i64) -> Result<(), sqlx::Error> {
    let store = &state.store;
    let environment = state.config.remote.base_url.as_str();
    let Some(connection) = store
        .connection_for_company(environment, &record.company_id)
        .await?
    else {
        return store.clear_status_stale(&record.hire_id, claimed_at).await;
    };
    let token = match access_token(&state.tokens, &connection.site_user, None).await {
        Ok(token) => token,
        Err(error) => {
            tracing::info!(hire = %record.hire_id, code = error.code().as_str(), "cannot re-read an employment now");
            return Ok(());
        }
    };
    let employment = match state
        .api
        .employment(&token.access_token, &record.employment_id)
        .await
    {
        Ok(Some(employment)) => employment,
        Ok(None) => return store.clear_status_stale(&record.hire_id, claimed_at).await,
        Err(error) => {
            tracing::info!(hire = %record.hire_id, %error, "cannot re-read an employment now");
            return Ok(());
        }
    };
    if employment.status == record.remote_status {
        return store.clear_status_stale(&record.hire_id, claimed_at).await;
    }
    let at = now();
    let candidate = view::candidate(&state.config.keys, &record);
    let event = state.config.webhooks.outbound.as_ref().map(|_| {
        events::queued(
            &state.config.keys,
            events::HIRE_STATUS_CHANGED,
            &HireFacts {
                hire_id: &record.hire_id,
                employment_id: &record.employment_id,
                user: &record.site_user,
                company_id: &record.company_id,
                status: &employment.status,
                previous_status: Some(&record.remote_status),
                candidate: &candidate,
            },
            at,
        )
    });
    let written = store
        .record_remote_status(
            &record.hire_id,
            &record.remote_status,
            &employment.status,
            employment.updated_at.as_deref(),
            claimed_at,
            at,
            event.as_ref(),
        )
        .await?;
    if written {
        tracing::info!(hire = %record.hire_id, from = %record.remote_status, to = %employment.status, "hire status changed");
        if event.is_some() {
            state.wake_worker();
        }
    }
    Ok(())
}

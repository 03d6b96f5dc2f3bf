//! The background worker every replica runs: status re-reads a webhook asked for, deliveries
//! due in the outbox (woken at once when there is work, and every two seconds regardless), and
//! every ten minutes a reconcile that catches what webhooks missed: hires whose status was not
//! read for an hour are re-read, and each company's callback is registered or checked.

use std::time::Duration;

use crate::{
    state::AppState,
    store::now,
    tokens::access_token,
    webhooks::{delivery, registration, status_refresh},
};

/// Time between two passes when nothing wakes the worker.
const TICK: Duration = Duration::from_secs(2);

/// Time between two reconciles.
const RECONCILE_EVERY: Duration = Duration::from_secs(600);

/// A hire's status is re-read when it was not for this long.
const STATUS_MAX_AGE_SECS: i64 = 3_600;

/// A company's callback is checked against Remote's list when it was not for this long.
const CALLBACK_MAX_AGE_SECS: i64 = 3_600;

/// Work items per reconcile.
const RECONCILE_BATCH: i64 = 100;

/// Runs until the process shuts down (`state.stopping`): a shutdown lets the current step —
/// a re-read with its token refresh, or a delivery — finish first.
pub async fn run(state: AppState) {
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_reconcile = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = state.worker_wake.notified() => {}
            () = state.stopping.cancelled() => return,
        }
        if let Err(error) = pass(&state).await {
            tracing::warn!(%error, "the webhook worker's pass failed; it runs again shortly");
        }
        if tokio::time::Instant::now() >= next_reconcile && !state.stopping.is_cancelled() {
            next_reconcile = tokio::time::Instant::now() + RECONCILE_EVERY;
            if let Err(error) = reconcile(&state).await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "the reconcile failed; it runs again later"
                );
            }
        }
    }
}

/// Every marked re-read and every due delivery, now.
pub async fn pass(state: &AppState) -> Result<(), sqlx::Error> {
    while !state.stopping.is_cancelled() && status_refresh::refresh_marked(state).await? > 0 {}
    if let Some(target) = &state.config.webhooks.outbound {
        while !state.stopping.is_cancelled()
            && delivery::deliver_due(&state.deliveries, target).await? > 0
        {}
    }
    Ok(())
}

/// Marks stale statuses for a re-read, and registers or checks the companies' callbacks.
pub async fn reconcile(state: &AppState) -> anyhow::Result<()> {
    let at = now();
    let store = &state.store;
    let marked = store
        .mark_unchecked_stale(at - STATUS_MAX_AGE_SECS, RECONCILE_BATCH)
        .await?;
    if marked > 0 {
        tracing::info!(hires = marked, "reconcile: re-reading hire statuses");
        state.wake_worker();
    }
    let environment = state.config.remote.base_url.as_str();
    let mut companies = store
        .companies_without_webhook(environment, RECONCILE_BATCH)
        .await?;
    companies.extend(
        store
            .remote_webhooks_unchecked(environment, at - CALLBACK_MAX_AGE_SECS, RECONCILE_BATCH)
            .await?
            .into_iter()
            .map(|row| row.company_id),
    );
    for company_id in companies {
        let Some(connection) = store
            .connection_for_company(environment, &company_id)
            .await?
        else {
            continue;
        };
        let token = match access_token(&state.tokens, &connection.site_user, None).await {
            Ok(token) => token,
            Err(error) => {
                tracing::info!(company = %company_id, code = error.code().as_str(), "reconcile: no usable token for the company");
                continue;
            }
        };
        if let Err(error) =
            registration::ensure_registered(state, &company_id, &token.access_token).await
        {
            tracing::warn!(company = %company_id, error = format!("{error:#}"), "reconcile: could not check the webhook callback");
        }
    }
    Ok(())
}

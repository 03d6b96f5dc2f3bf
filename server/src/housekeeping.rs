//! The periodic sweep every replica runs: candidate details of flows that expired without a
//! callback are dropped, flows past `HWR_RETENTION_DAYS` and audit rows past
//! `HWR_AUDIT_RETENTION_DAYS` are deleted. The statements are idempotent, so replicas sweeping
//! at once do no harm.

use std::time::Duration;

use crate::{
    state::AppState,
    store::{now, Purged},
};

/// Time between two sweeps (the first runs at start).
const EVERY: Duration = Duration::from_secs(600);

const DAY_SECS: i64 = 86_400;

/// One sweep, now.
pub async fn sweep(state: &AppState) -> Result<Purged, sqlx::Error> {
    let at = now();
    let days = |days: u32| at.saturating_sub(i64::from(days).saturating_mul(DAY_SECS));
    let purged = state
        .store
        .purge(
            at,
            days(state.config.retention.days),
            days(state.config.retention.audit_days),
        )
        .await?;
    if purged != Purged::default() {
        tracing::info!(
            flows = purged.flows,
            candidates = purged.candidates,
            audit_events = purged.audit_events,
            "retention sweep"
        );
    }
    Ok(purged)
}

/// Sweeps every ten minutes until the task is aborted.
pub async fn run(state: AppState) {
    let mut ticks = tokio::time::interval(EVERY);
    loop {
        ticks.tick().await;
        if let Err(error) = sweep(&state).await {
            tracing::warn!(%error, "the retention sweep failed; it runs again later");
        }
    }
}

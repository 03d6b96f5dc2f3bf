//! What is kept, and for how long: flows (and the candidate details a pending flow holds) and
//! audit rows are purged after their retention; `erase` removes everything about one site user.
//! Delivered or given-up webhooks go after the flows' retention. Hires are the job site's
//! business records and stay until erased.

use super::Store;

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Flows deleted (ended or expired before the cut-off).
    pub flows: u64,
    /// Expired flows whose candidate details were dropped.
    pub candidates: u64,
    /// Audit rows deleted.
    pub audit_events: u64,
    /// Delivered or given-up webhooks deleted (after `HWR_RETENTION_DAYS`).
    pub webhooks: u64,
}

/// What `erase` removed for one site user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    /// Connections (at most one).
    pub connections: u64,
    /// Consent flows.
    pub flows: u64,
    /// Hire records.
    pub hires: u64,
    /// Audit rows.
    pub audit_events: u64,
    /// Queued or sent webhooks about their hires.
    pub webhooks: u64,
}

impl Store {
    /// Drops the candidate of every flow that expired without a callback (before `now`),
    /// deletes flows that expired before `flows_before` and audit rows written before
    /// `audit_before` (Unix seconds).
    pub async fn purge(
        &self,
        now: i64,
        flows_before: i64,
        audit_before: i64,
    ) -> Result<Purged, sqlx::Error> {
        let candidates = sqlx::query(
            "UPDATE flows SET candidate = NULL WHERE expires_at < $1 AND candidate IS NOT NULL",
        )
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        let flows = sqlx::query("DELETE FROM flows WHERE expires_at < $1")
            .bind(flows_before)
            .execute(self.pool())
            .await?
            .rows_affected();
        let webhooks = sqlx::query(
            "DELETE FROM webhook_outbox WHERE created_at < $1 AND (delivered_at IS NOT NULL OR failed_at IS NOT NULL)",
        )
        .bind(flows_before)
        .execute(self.pool())
        .await?
        .rows_affected();
        let audit_events = sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(audit_before)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(Purged {
            flows,
            candidates,
            audit_events,
            webhooks,
        })
    }

    /// Removes every row about `site_user`, in one transaction.
    pub async fn erase_site_user(&self, site_user: &str) -> Result<Erased, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        // The user's queued webhooks name their candidates: they go with the hires.
        let webhooks = sqlx::query(
            "DELETE FROM webhook_outbox WHERE hire_id IN (SELECT hire_id FROM hires WHERE site_user = $1)",
        )
        .bind(site_user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let mut delete = async |table: &str| -> Result<u64, sqlx::Error> {
            Ok(
                sqlx::query(&format!("DELETE FROM {table} WHERE site_user = $1"))
                    .bind(site_user)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
            )
        };
        let erased = Erased {
            webhooks,
            connections: delete("connections").await?,
            flows: delete("flows").await?,
            hires: delete("hires").await?,
            audit_events: delete("audit_events").await?,
        };
        tx.commit().await?;
        Ok(erased)
    }
}

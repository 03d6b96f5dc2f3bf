//! The outbox of webhooks to the job site: an event is written in the same transaction as the
//! change it reports, then delivered by whichever replica claims it first (`FOR UPDATE SKIP
//! LOCKED` on Postgres; SQLite has one process) and retried on its schedule until delivered or
//! given up. Payloads are sealed: they name the candidate.

use sqlx::{any::AnyArguments, query::Query, Any, Row};

use super::{Backend, Store};

/// One queued event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The `webhook-id`, stable across attempts.
    pub id: String,
    /// `hire.created` or `hire.status_changed`.
    pub event_type: String,
    /// The hire it is about.
    pub hire_id: String,
    /// Key id of the sealed payload.
    pub key_id: String,
    /// The sealed JSON body.
    pub payload: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Attempts made so far.
    pub attempts: i64,
    /// Unix seconds of the next attempt.
    pub next_attempt_at: i64,
    /// When it was delivered.
    pub delivered_at: Option<i64>,
    /// When it was given up.
    pub failed_at: Option<i64>,
    /// The receiver's last HTTP status.
    pub last_status: Option<i64>,
    /// What went wrong last, without secrets.
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, event_type, hire_id, key_id, payload, created_at, attempts, next_attempt_at, delivered_at, failed_at, last_status, last_error";

fn from_row(row: &sqlx::any::AnyRow) -> Result<OutboxRow, sqlx::Error> {
    Ok(OutboxRow {
        id: row.try_get("id")?,
        event_type: row.try_get("event_type")?,
        hire_id: row.try_get("hire_id")?,
        key_id: row.try_get("key_id")?,
        payload: row.try_get("payload")?,
        created_at: row.try_get("created_at")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        delivered_at: row.try_get("delivered_at")?,
        failed_at: row.try_get("failed_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
    })
}

/// The insert of `event`, for a caller's transaction.
pub(super) fn outbox_insert(event: &OutboxRow) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO webhook_outbox (id, event_type, hire_id, key_id, payload, created_at, attempts, next_attempt_at, lease_until)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 0)",
    )
    .bind(&event.id)
    .bind(&event.event_type)
    .bind(&event.hire_id)
    .bind(&event.key_id)
    .bind(&event.payload)
    .bind(event.created_at)
    .bind(event.next_attempt_at)
}

/// Which events `outbox_events` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxFilter {
    /// Every event.
    All,
    /// Given up.
    Failed,
    /// Not delivered yet (waiting, or given up).
    Undelivered,
}

impl Store {
    /// Claims up to `limit` due events for `hold` seconds: exactly one replica gets each.
    pub async fn claim_due_events(
        &self,
        now: i64,
        hold: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, sqlx::Error> {
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "UPDATE webhook_outbox SET lease_until = $1 WHERE id IN (
                 SELECT id FROM webhook_outbox
                 WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $2 AND lease_until <= $3
                 ORDER BY next_attempt_at LIMIT $4 {lock}
             ) RETURNING {COLUMNS}"
        ))
        .bind(now.saturating_add(hold))
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The receiver took it.
    pub async fn event_delivered(
        &self,
        id: &str,
        status: u16,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE webhook_outbox SET delivered_at = $1, attempts = attempts + 1, last_status = $2, last_error = NULL, lease_until = 0 WHERE id = $3",
        )
        .bind(now)
        .bind(i64::from(status))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The attempt failed: try again at `next_attempt_at`, or give up when that is `None`.
    pub async fn event_attempt_failed(
        &self,
        id: &str,
        status: Option<u16>,
        error: &str,
        next_attempt_at: Option<i64>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE webhook_outbox SET attempts = attempts + 1, last_status = $1, last_error = $2, lease_until = 0,
                 next_attempt_at = COALESCE($3, next_attempt_at), failed_at = CASE WHEN $4 = 1 THEN $5 ELSE NULL END
             WHERE id = $6",
        )
        .bind(status.map(i64::from))
        .bind(error)
        .bind(next_attempt_at)
        .bind(i64::from(next_attempt_at.is_none()))
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Events, newest first.
    pub async fn outbox_events(
        &self,
        filter: OutboxFilter,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, sqlx::Error> {
        let condition = match filter {
            OutboxFilter::All => "1 = 1",
            OutboxFilter::Failed => "failed_at IS NOT NULL",
            OutboxFilter::Undelivered => "delivered_at IS NULL",
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhook_outbox WHERE {condition} ORDER BY created_at DESC, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Queues an event again now (`id`), or every given-up event (`None`): its schedule starts
    /// over. How many.
    pub async fn redeliver_events(&self, id: Option<&str>, now: i64) -> Result<u64, sqlx::Error> {
        let done = match id {
            Some(id) => sqlx::query(
                "UPDATE webhook_outbox SET failed_at = NULL, delivered_at = NULL, attempts = 0, next_attempt_at = $1, lease_until = 0 WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(self.pool())
            .await?,
            None => sqlx::query(
                "UPDATE webhook_outbox SET failed_at = NULL, attempts = 0, next_attempt_at = $1, lease_until = 0 WHERE failed_at IS NOT NULL",
            )
            .bind(now)
            .execute(self.pool())
            .await?,
        };
        Ok(done.rows_affected())
    }
}

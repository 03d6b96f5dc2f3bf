//! The `flows` table: one row per consent attempt, found by the hash of its one-time `state`.

use sqlx::Row;

use super::Store;
use crate::crypto::Sealed;

/// A consent flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRow {
    /// Public id, polled by the widget.
    pub id: String,
    /// SHA-256 of `state` (the raw value is never stored).
    pub state_hash: String,
    /// Who started it.
    pub site_user: String,
    /// The exact origin of the page that started it (the `postMessage` target).
    pub origin: String,
    /// Remote's API base URL the flow was started against.
    pub environment: String,
    /// `popup` or `redirect`.
    pub mode: String,
    /// Key id of the sealed verifier.
    pub key_id: String,
    /// Sealed PKCE verifier.
    pub pkce_verifier: String,
    /// Redirect mode: where to return on failure.
    pub return_to: Option<String>,
    /// The candidate JSON to hire at the callback (redirect mode; popup mode with a key).
    pub candidate: Option<String>,
    /// The hire attempt's idempotency key, with `candidate`.
    pub idempotency_key: Option<String>,
    /// `pending`, `connected`, `denied`, `expired` or `failed`.
    pub status: String,
    /// A sentence for `failed`.
    pub error: Option<String>,
    /// Unix seconds after which the flow cannot complete.
    pub expires_at: i64,
    /// When the `state` was used, if it was.
    pub consumed_at: Option<i64>,
    /// The hire made at the callback (popup mode), sealed: its `HireResponse` JSON.
    pub hire: Option<Sealed>,
}

const COLUMNS: &str = "id, state_hash, site_user, origin, environment, mode, key_id, pkce_verifier, return_to, candidate, idempotency_key, status, error, expires_at, consumed_at, hire_key_id, hire";

fn from_row(row: &sqlx::any::AnyRow) -> Result<FlowRow, sqlx::Error> {
    Ok(FlowRow {
        id: row.try_get("id")?,
        state_hash: row.try_get("state_hash")?,
        site_user: row.try_get("site_user")?,
        origin: row.try_get("origin")?,
        environment: row.try_get("environment")?,
        mode: row.try_get("mode")?,
        key_id: row.try_get("key_id")?,
        pkce_verifier: row.try_get("pkce_verifier")?,
        return_to: row.try_get("return_to")?,
        candidate: row.try_get("candidate")?,
        idempotency_key: row.try_get("idempotency_key")?,
        status: row.try_get("status")?,
        error: row.try_get("error")?,
        expires_at: row.try_get("expires_at")?,
        consumed_at: row.try_get("consumed_at")?,
        hire: match (row.try_get("hire_key_id")?, row.try_get("hire")?) {
            (Some(key_id), Some(data)) => Some(Sealed { key_id, data }),
            _ => None,
        },
    })
}

impl Store {
    /// Stores a new pending flow.
    pub async fn insert_flow(&self, flow: &FlowRow, created_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "INSERT INTO flows ({COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ))
        .bind(&flow.id)
        .bind(&flow.state_hash)
        .bind(&flow.site_user)
        .bind(&flow.origin)
        .bind(&flow.environment)
        .bind(&flow.mode)
        .bind(&flow.key_id)
        .bind(&flow.pkce_verifier)
        .bind(&flow.return_to)
        .bind(&flow.candidate)
        .bind(&flow.idempotency_key)
        .bind(&flow.status)
        .bind(&flow.error)
        .bind(flow.expires_at)
        .bind(flow.consumed_at)
        .bind(flow.hire.as_ref().map(|sealed| sealed.key_id.clone()))
        .bind(flow.hire.as_ref().map(|sealed| sealed.data.clone()))
        .bind(created_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks the flow with this `state` hash used, exactly once: the first caller gets the row,
    /// every later caller (a replayed callback) gets `None`.
    pub async fn consume_flow(
        &self,
        state_hash: &str,
        at: i64,
    ) -> Result<Option<FlowRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "UPDATE flows SET consumed_at = $1 WHERE state_hash = $2 AND consumed_at IS NULL RETURNING {COLUMNS}"
        ))
        .bind(at)
        .bind(state_hash)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The flow with this id, only if `site_user` started it.
    pub async fn flow_for_user(
        &self,
        id: &str,
        site_user: &str,
    ) -> Result<Option<FlowRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM flows WHERE id = $1 AND site_user = $2"
        ))
        .bind(id)
        .bind(site_user)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Records the flow's outcome, with the hire the callback made (sealed), if it made one.
    pub async fn finish_flow(
        &self,
        id: &str,
        status: &str,
        error: Option<&str>,
        hire: Option<&Sealed>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE flows SET status = $1, error = $2, hire_key_id = $3, hire = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(error)
        .bind(hire.map(|sealed| sealed.key_id.clone()))
        .bind(hire.map(|sealed| sealed.data.clone()))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

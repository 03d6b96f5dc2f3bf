//! The `flows` table: one row per consent attempt, found by its id (the start ticket, the
//! browser binding) and by the hash of its one-time `state` (the callback).

use hwr_protocol::{Candidate, ConnectMode, FlowError, FlowStatus};
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
    /// The exact origin of the page that started it (the `postMessage` target, and the only
    /// `Origin` `POST /oauth/start` accepts).
    pub origin: String,
    /// Remote's API base URL the flow was started against.
    pub environment: String,
    /// Popup or redirect.
    pub mode: ConnectMode,
    /// Key id of the sealed verifier.
    pub key_id: String,
    /// Sealed PKCE verifier.
    pub pkce_verifier: String,
    /// Redirect mode: where to return on failure.
    pub return_to: Option<String>,
    /// The candidate to hire at the callback (redirect mode; popup mode with a key), kept as
    /// JSON in its column.
    pub candidate: Option<Candidate>,
    /// The hire attempt's idempotency key, with `candidate`.
    pub idempotency_key: Option<String>,
    /// Where the flow stands.
    pub status: FlowStatus,
    /// Why a `failed` flow failed.
    pub error: Option<FlowError>,
    /// Unix seconds after which the flow cannot complete.
    pub expires_at: i64,
    /// When the `state` was used, if it was.
    pub consumed_at: Option<i64>,
    /// The hire made at the callback (popup mode), sealed: its `HireResponse` JSON.
    pub hire: Option<Sealed>,
    /// SHA-256 of the one-time start ticket, until `POST /oauth/start` uses it.
    pub ticket_hash: Option<String>,
    /// SHA-256 of the browser binding secret set as a cookie by `POST /oauth/start`.
    pub binding_hash: Option<String>,
    /// Remote's consent URL (it carries `state`), sealed until the start redirects to it.
    pub authorize_url: Option<Sealed>,
}

const COLUMNS: &str = "id, state_hash, site_user, origin, environment, mode, key_id, pkce_verifier, return_to, candidate, idempotency_key, status, error, expires_at, consumed_at, hire_key_id, hire, ticket_hash, binding_hash, authorize_key_id, authorize_url";

fn sealed(key_id: Option<String>, data: Option<String>) -> Option<Sealed> {
    Some(Sealed {
        key_id: key_id?,
        data: data?,
    })
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<FlowRow, sqlx::Error> {
    let text = |name: &str| row.try_get::<String, _>(name);
    let mode = text("mode")?;
    let status = text("status")?;
    Ok(FlowRow {
        id: text("id")?,
        state_hash: text("state_hash")?,
        site_user: text("site_user")?,
        origin: text("origin")?,
        environment: text("environment")?,
        mode: ConnectMode::from_wire(&mode)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown flow mode {mode:?}").into()))?,
        key_id: text("key_id")?,
        pkce_verifier: text("pkce_verifier")?,
        return_to: row.try_get("return_to")?,
        candidate: row
            .try_get::<Option<String>, _>("candidate")?
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|error| {
                sqlx::Error::Decode(
                    format!("the flow's candidate is not a candidate: {error}").into(),
                )
            })?,
        idempotency_key: row.try_get("idempotency_key")?,
        status: FlowStatus::from_wire(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown flow status {status:?}").into()))?,
        // Rows written before errors were codes hold a sentence: any failure of Remote's.
        error: row
            .try_get::<Option<String>, _>("error")?
            .map(|code| FlowError::from_wire(&code).unwrap_or(FlowError::RemoteError)),
        expires_at: row.try_get("expires_at")?,
        consumed_at: row.try_get("consumed_at")?,
        hire: sealed(row.try_get("hire_key_id")?, row.try_get("hire")?),
        ticket_hash: row.try_get("ticket_hash")?,
        binding_hash: row.try_get("binding_hash")?,
        authorize_url: sealed(
            row.try_get("authorize_key_id")?,
            row.try_get("authorize_url")?,
        ),
    })
}

impl Store {
    /// Stores a new pending flow.
    pub async fn insert_flow(&self, flow: &FlowRow, created_at: i64) -> Result<(), sqlx::Error> {
        let candidate = flow
            .candidate
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        sqlx::query(&format!(
            "INSERT INTO flows ({COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
        ))
        .bind(&flow.id)
        .bind(&flow.state_hash)
        .bind(&flow.site_user)
        .bind(&flow.origin)
        .bind(&flow.environment)
        .bind(flow.mode.as_str())
        .bind(&flow.key_id)
        .bind(&flow.pkce_verifier)
        .bind(&flow.return_to)
        .bind(candidate)
        .bind(&flow.idempotency_key)
        .bind(flow.status.as_str())
        .bind(flow.error.map(FlowError::as_str))
        .bind(flow.expires_at)
        .bind(flow.consumed_at)
        .bind(flow.hire.as_ref().map(|sealed| sealed.key_id.clone()))
        .bind(flow.hire.as_ref().map(|sealed| sealed.data.clone()))
        .bind(&flow.ticket_hash)
        .bind(&flow.binding_hash)
        .bind(flow.authorize_url.as_ref().map(|sealed| sealed.key_id.clone()))
        .bind(flow.authorize_url.as_ref().map(|sealed| sealed.data.clone()))
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

    /// The flow with this id, whoever started it (the start form carries no site token).
    pub async fn flow(&self, id: &str) -> Result<Option<FlowRow>, sqlx::Error> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM flows WHERE id = $1"))
            .bind(id)
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

    /// Burns the flow's start ticket and records the browser binding, in one statement: only
    /// while the ticket is still the one handed out, the flow pending, unused and unexpired.
    /// False when another request used the ticket first (or the flow moved on).
    pub async fn bind_flow(
        &self,
        id: &str,
        ticket_hash: &str,
        binding_hash: &str,
        at: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE flows SET ticket_hash = NULL, binding_hash = $1 WHERE id = $2 AND ticket_hash = $3 AND status = $4 AND consumed_at IS NULL AND expires_at > $5",
        )
        .bind(binding_hash)
        .bind(id)
        .bind(ticket_hash)
        .bind(FlowStatus::Pending.as_str())
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the flow's outcome, with the hire the callback made (sealed), if it made one. The
    /// candidate's details are dropped: the flow has used them, and a retry brings its own.
    pub async fn finish_flow(
        &self,
        id: &str,
        status: FlowStatus,
        error: Option<FlowError>,
        hire: Option<&Sealed>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE flows SET status = $1, error = $2, hire_key_id = $3, hire = $4, candidate = NULL WHERE id = $5",
        )
        .bind(status.as_str())
        .bind(error.map(FlowError::as_str))
        .bind(hire.map(|sealed| sealed.key_id.clone()))
        .bind(hire.map(|sealed| sealed.data.clone()))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

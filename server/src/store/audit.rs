//! The audit trail: who did what, from where, under which request and idempotency key. It never
//! holds a token, code, `state`, secret or onboarding URL; `detail` is a short fixed sentence or
//! an id.

use sqlx::Row;

use super::{now, Store};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    /// Consent flow started.
    ConsentStarted,
    /// Consent given and tokens stored.
    ConsentGranted,
    /// The person clicked Deny.
    ConsentDenied,
    /// The code exchange or callback failed.
    ConsentFailed,
    /// Access token refreshed.
    TokenRefreshed,
    /// Remote refused the grant (revoked).
    ConsentRevoked,
    /// The site user disconnected.
    Disconnected,
    /// A hire was asked for.
    HireRequested,
    /// Remote created the employment.
    HireCreated,
    /// The hire failed.
    HireFailed,
    /// An ambiguous failure was resolved by finding the employment upstream.
    HireReconciled,
}

impl AuditKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::ConsentStarted => "consent.started",
            AuditKind::ConsentGranted => "consent.granted",
            AuditKind::ConsentDenied => "consent.denied",
            AuditKind::ConsentFailed => "consent.failed",
            AuditKind::TokenRefreshed => "token.refreshed",
            AuditKind::ConsentRevoked => "consent.revoked",
            AuditKind::Disconnected => "connection.deleted",
            AuditKind::HireRequested => "hire.requested",
            AuditKind::HireCreated => "hire.created",
            AuditKind::HireFailed => "hire.failed",
            AuditKind::HireReconciled => "hire.reconciled",
        }
    }
}

/// What an audit row records besides its kind (written with an [`AuditKind`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEvent {
    /// Site user.
    pub site_user: Option<String>,
    /// Request origin.
    pub origin: Option<String>,
    /// Request id (`x-request-id`).
    pub request_id: Option<String>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
    /// Short detail (ids, error codes).
    pub detail: Option<String>,
}

/// One audit row as read back: its stored kind name and the event (readable through `Deref`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Stored kind name (`AuditKind::as_str`).
    pub kind: String,
    /// The rest of the row.
    pub event: AuditEvent,
}

impl std::ops::Deref for AuditRecord {
    type Target = AuditEvent;

    fn deref(&self) -> &AuditEvent {
        &self.event
    }
}

impl Store {
    /// Appends an event; failures are logged, never surfaced, so auditing cannot break a hire.
    pub async fn audit(&self, kind: AuditKind, event: AuditEvent) {
        if let Err(error) = audit_insert(kind, event).execute(self.pool()).await {
            tracing::warn!(%error, kind = kind.as_str(), "failed to write an audit event");
        }
    }

    /// The most recent events, newest last (for tests and operators).
    pub async fn audit_events(&self, limit: i64) -> Result<Vec<AuditRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT kind, site_user, origin, request_id, idempotency_key, detail FROM audit_events ORDER BY at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut events = rows
            .iter()
            .map(|row| {
                Ok(AuditRecord {
                    kind: row.try_get("kind")?,
                    event: AuditEvent {
                        site_user: row.try_get("site_user")?,
                        origin: row.try_get("origin")?,
                        request_id: row.try_get("request_id")?,
                        idempotency_key: row.try_get("idempotency_key")?,
                        detail: row.try_get("detail")?,
                    },
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        events.reverse();
        Ok(events)
    }
}

/// The `INSERT` for one event, to run on the pool or inside a transaction.
pub(super) fn audit_insert(
    kind: AuditKind,
    event: AuditEvent,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, kind, site_user, origin, request_id, idempotency_key, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(now())
    .bind(kind.as_str())
    .bind(event.site_user)
    .bind(event.origin)
    .bind(event.request_id)
    .bind(event.idempotency_key)
    .bind(event.detail)
}

//! The `hires` table: one idempotency record per (site user, `Idempotency-Key`). A record is
//! written before Remote is called and leased to one request at a time, so a double click, a
//! retry or a second replica never posts the same hire twice.

use sqlx::{any::AnyArguments, query::Query, Any, Row};

use super::{
    audit::{audit_insert, AuditEvent, AuditKind},
    hire_records::HireDetails,
    outbox::{outbox_insert, OutboxRow},
    Store,
};

/// Where a hire stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HireState {
    /// Not (known to be) created yet.
    Pending,
    /// Remote created the employment.
    Created,
    /// Remote refused this candidate (422); the refusal is kept in `rejection`.
    Rejected,
}

impl HireState {
    fn parse(text: &str) -> HireState {
        match text {
            "created" => HireState::Created,
            "rejected" => HireState::Rejected,
            _ => HireState::Pending,
        }
    }
}

/// One idempotency record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HireRow {
    /// Our hire id (Remote's `external_id`).
    pub hire_id: String,
    /// SHA-256 of the normalised candidate.
    pub request_hash: String,
    /// Pending or created.
    pub state: HireState,
    /// True once a POST may have reached Remote: look before posting again.
    pub upstream_attempted: bool,
    /// Remote's employment id, once created.
    pub employment_id: Option<String>,
    /// Remote company, once created.
    pub company_id: Option<String>,
    /// Unix seconds until which one request owns the record.
    pub lease_until: i64,
    /// Remote's refusal (`{"message","fields"}` JSON), for a rejected hire.
    pub rejection: Option<String>,
}

pub(super) const COLUMNS: &str = "hire_id, request_hash, status, upstream_attempted, employment_id, company_id, lease_until, rejection";

/// The update that marks a record created with its employment and details, under `$where`.
macro_rules! created_update {
    ($where:literal) => {
        concat!(
            "UPDATE hires SET status = 'created', employment_id = $1, company_id = $2, lease_until = 0, updated_at = $3,
                 remote_status = $4, email_hash = $5, candidate_key_id = $6, candidate = $7, status_checked_at = $8
             WHERE ",
            $where
        )
    };
}

/// Marks the record created ([`mark_created`]).
const CREATED: &str = created_update!("hire_id = $9");

/// [`CREATED`], only while the record is still pending.
const CREATED_IF_PENDING: &str = created_update!("hire_id = $9 AND status = 'pending'");

/// `sql` ([`CREATED`] or [`CREATED_IF_PENDING`]) with its values bound.
fn mark_created<'q>(
    sql: &'static str,
    hire_id: &'q str,
    employment_id: &'q str,
    company_id: &'q str,
    details: &'q HireDetails,
    now: i64,
) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(employment_id)
        .bind(company_id)
        .bind(now)
        .bind(&details.remote_status)
        .bind(&details.email_hash)
        .bind(&details.candidate_key_id)
        .bind(&details.candidate)
        .bind(now)
        .bind(hire_id)
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<HireRow, sqlx::Error> {
    from_prefixed(row, "")
}

/// The record in `row`, its columns named with `prefix` (see [`super::aliased`]).
pub(super) fn from_prefixed(row: &sqlx::any::AnyRow, prefix: &str) -> Result<HireRow, sqlx::Error> {
    let column = |name: &'static str| super::column(prefix, name);
    Ok(HireRow {
        hire_id: row.try_get(&*column("hire_id"))?,
        request_hash: row.try_get(&*column("request_hash"))?,
        state: HireState::parse(&row.try_get::<String, _>(&*column("status"))?),
        upstream_attempted: row.try_get::<i64, _>(&*column("upstream_attempted"))? != 0,
        employment_id: row.try_get(&*column("employment_id"))?,
        company_id: row.try_get(&*column("company_id"))?,
        lease_until: row.try_get(&*column("lease_until"))?,
        rejection: row.try_get(&*column("rejection"))?,
    })
}

impl Store {
    /// Creates the record, leased to the caller and already marked as attempted (the caller
    /// posts at once), with `event` as its `hire.requested` audit row, in one transaction;
    /// false (and nothing written) when the key was already used.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_hire(
        &self,
        site_user: &str,
        key: &str,
        hire_id: &str,
        request_hash: &str,
        lease_until: i64,
        now: i64,
        event: AuditEvent,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "INSERT INTO hires (site_user, idempotency_key, hire_id, request_hash, status, upstream_attempted, lease_until, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'pending', 1, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(site_user)
        .bind(key)
        .bind(hire_id)
        .bind(request_hash)
        .bind(lease_until)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        audit_insert(AuditKind::HireRequested, event)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The record for this key.
    pub async fn hire(&self, site_user: &str, key: &str) -> Result<Option<HireRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM hires WHERE site_user = $1 AND idempotency_key = $2"
        ))
        .bind(site_user)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Takes over a pending record whose lease has lapsed (its owner finished without creating
    /// the hire, or died). Exactly one concurrent caller wins.
    pub async fn lease_hire(
        &self,
        site_user: &str,
        key: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<Option<HireRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "UPDATE hires SET lease_until = $1, updated_at = $2
             WHERE site_user = $3 AND idempotency_key = $4 AND status = 'pending' AND lease_until < $5 RETURNING {COLUMNS}"
        ))
        .bind(lease_until)
        .bind(now)
        .bind(site_user)
        .bind(key)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Notes that a POST is about to leave for Remote.
    pub async fn mark_hire_attempted(&self, hire_id: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE hires SET upstream_attempted = 1, updated_at = $1 WHERE hire_id = $2")
            .bind(now)
            .bind(hire_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records the created employment (with what the job site reads back: status and the sealed
    /// candidate), releases the lease, writes `event` to the audit trail and queues `webhook`
    /// (the job site's `hire.created`), in one transaction: a crash cannot leave a created hire
    /// without its audit event or its webhook.
    #[allow(clippy::too_many_arguments)]
    pub async fn mark_hire_created(
        &self,
        hire_id: &str,
        employment_id: &str,
        company_id: &str,
        details: &HireDetails,
        now: i64,
        event: AuditEvent,
        webhook: Option<&OutboxRow>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        mark_created(CREATED, hire_id, employment_id, company_id, details, now)
            .execute(&mut *tx)
            .await?;
        audit_insert(AuditKind::HireCreated, event)
            .execute(&mut *tx)
            .await?;
        if let Some(webhook) = webhook {
            outbox_insert(webhook).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// The site user and state of the record with this hire id.
    pub async fn hire_owner(
        &self,
        hire_id: &str,
    ) -> Result<Option<(String, HireState)>, sqlx::Error> {
        let row = sqlx::query("SELECT site_user, status FROM hires WHERE hire_id = $1")
            .bind(hire_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok((
                row.try_get("site_user")?,
                HireState::parse(&row.try_get::<String, _>("status")?),
            ))
        })
        .transpose()
    }

    /// Completes a pending record whose employment was found at Remote (its own answer was
    /// lost, and a request under another key found it), queueing `webhook` with it, in one
    /// transaction; false when the record was no longer pending.
    pub async fn adopt_found_employment(
        &self,
        hire_id: &str,
        employment_id: &str,
        company_id: &str,
        details: &HireDetails,
        now: i64,
        webhook: Option<&OutboxRow>,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let done = mark_created(
            CREATED_IF_PENDING,
            hire_id,
            employment_id,
            company_id,
            details,
            now,
        )
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(webhook) = webhook {
            outbox_insert(webhook).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Records Remote's refusal of a pending hire and releases the lease: the same key and body
    /// get the same answer again, and nothing is posted.
    pub async fn mark_hire_rejected(
        &self,
        hire_id: &str,
        rejection: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE hires SET status = 'rejected', rejection = $1, lease_until = 0, updated_at = $2 WHERE hire_id = $3 AND status = 'pending'",
        )
        .bind(rejection)
        .bind(now)
        .bind(hire_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Releases the lease without a result, so a retry with the same key can take over.
    /// `attempted` true records that this attempt's POST may have reached Remote; false (a 4xx)
    /// never clears what an earlier, ambiguous attempt recorded.
    pub async fn release_hire(
        &self,
        hire_id: &str,
        attempted: bool,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE hires SET lease_until = 0, upstream_attempted = CASE WHEN $1 = 1 THEN 1 ELSE upstream_attempted END, updated_at = $2 WHERE hire_id = $3 AND status = 'pending'",
        )
        .bind(i64::from(attempted))
        .bind(now)
        .bind(hire_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

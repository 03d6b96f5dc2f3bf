//! Created hires as the job site reads them: Remote's employment status (kept current from
//! Remote's webhooks), who was hired (sealed; found by the SHA-256 of the lower-cased email),
//! and the status re-reads a webhook asks for. A status write is compare-and-swap on the status
//! it read, and never goes back to an older reading of Remote's `updated_at`.

use sqlx::Row;

use super::{
    outbox::{outbox_insert, OutboxRow},
    Store,
};

/// A created hire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HireRecord {
    /// Our hire id.
    pub hire_id: String,
    /// The site-token `sub` it was made for.
    pub site_user: String,
    /// Remote's employment id.
    pub employment_id: String,
    /// Remote's company id.
    pub company_id: String,
    /// Remote's employment status as last read (`created` until a webhook says otherwise).
    pub remote_status: String,
    /// Remote's `updated_at` of that reading, when Remote gave one.
    pub remote_updated_at: Option<String>,
    /// Key id of the sealed candidate.
    pub candidate_key_id: Option<String>,
    /// The sealed candidate (`{"full_name","personal_email","country_code"}`), absent on records
    /// made before candidates were kept.
    pub candidate: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// What a created hire keeps besides its ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HireDetails {
    /// Remote's status at creation.
    pub remote_status: String,
    /// SHA-256 (hex) of the lower-cased personal email.
    pub email_hash: String,
    /// Key id of the sealed candidate.
    pub candidate_key_id: String,
    /// The sealed candidate.
    pub candidate: String,
}

pub(super) const COLUMNS: &str = "hire_id, site_user, employment_id, company_id, remote_status, remote_updated_at, candidate_key_id, candidate, created_at, updated_at";

/// The most records one read returns.
pub const MAX_RECORDS: i64 = 500;

fn from_row(row: &sqlx::any::AnyRow) -> Result<HireRecord, sqlx::Error> {
    from_prefixed(row, "")
}

/// The created hire in `row`, its columns named with `prefix` (see [`super::aliased`]).
pub(super) fn from_prefixed(
    row: &sqlx::any::AnyRow,
    prefix: &str,
) -> Result<HireRecord, sqlx::Error> {
    let column = |name: &'static str| super::column(prefix, name);
    Ok(HireRecord {
        hire_id: row.try_get(&*column("hire_id"))?,
        site_user: row.try_get(&*column("site_user"))?,
        employment_id: row.try_get(&*column("employment_id"))?,
        company_id: row.try_get(&*column("company_id"))?,
        remote_status: row
            .try_get::<Option<String>, _>(&*column("remote_status"))?
            .unwrap_or_else(|| "created".to_owned()),
        remote_updated_at: row.try_get(&*column("remote_updated_at"))?,
        candidate_key_id: row.try_get(&*column("candidate_key_id"))?,
        candidate: row.try_get(&*column("candidate"))?,
        created_at: row.try_get(&*column("created_at"))?,
        updated_at: row.try_get(&*column("updated_at"))?,
    })
}

impl Store {
    /// The created hire with this id.
    pub async fn hire_record(&self, hire_id: &str) -> Result<Option<HireRecord>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM hires WHERE hire_id = $1 AND status = 'created'"
        ))
        .bind(hire_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The created hire of this employment.
    pub async fn hire_record_for_employment(
        &self,
        employment_id: &str,
    ) -> Result<Option<HireRecord>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM hires WHERE employment_id = $1 AND status = 'created'"
        ))
        .bind(employment_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Created hires at `company_id` for any of these email hashes, newest first.
    pub async fn hire_records_for_emails(
        &self,
        company_id: &str,
        email_hashes: &[String],
    ) -> Result<Vec<HireRecord>, sqlx::Error> {
        if email_hashes.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..email_hashes.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM hires WHERE company_id = $1 AND status = 'created' AND email_hash IN ({}) ORDER BY created_at DESC LIMIT {MAX_RECORDS}",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(company_id);
        for hash in email_hashes {
            query = query.bind(hash);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Every created hire made for `site_user`, newest first.
    pub async fn hire_records_for_user(
        &self,
        site_user: &str,
    ) -> Result<Vec<HireRecord>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM hires WHERE site_user = $1 AND status = 'created' ORDER BY created_at DESC LIMIT {MAX_RECORDS}"
        ))
        .bind(site_user)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Records an employment the company already had (created elsewhere, or by a request that
    /// lost a race), under a key of its own; false when a record for it exists already.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_found_hire(
        &self,
        site_user: &str,
        hire_id: &str,
        employment_id: &str,
        company_id: &str,
        details: &HireDetails,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO hires (site_user, idempotency_key, hire_id, request_hash, status, upstream_attempted, employment_id, company_id, lease_until, created_at, updated_at, remote_status, email_hash, candidate_key_id, candidate)
             VALUES ($1, $2, $3, '', 'created', 0, $4, $5, 0, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        )
        .bind(site_user)
        .bind(format!("employment:{employment_id}"))
        .bind(hire_id)
        .bind(employment_id)
        .bind(company_id)
        .bind(now)
        .bind(now)
        .bind(&details.remote_status)
        .bind(&details.email_hash)
        .bind(&details.candidate_key_id)
        .bind(&details.candidate)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A webhook said this employment changed: its status is re-read from Remote at once (a
    /// re-read in progress does not hold this one back). False when the employment is not a
    /// hire of ours at that company.
    pub async fn mark_status_stale(
        &self,
        company_id: &str,
        employment_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE hires SET status_stale = 1, status_checked_at = 0 WHERE employment_id = $1 AND company_id = $2 AND status = 'created'",
        )
        .bind(employment_id)
        .bind(company_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Claims up to `limit` hires whose status must be re-read, for `hold` seconds (another
    /// replica skips them meanwhile).
    pub async fn claim_stale_statuses(
        &self,
        now: i64,
        hold: i64,
        limit: i64,
    ) -> Result<Vec<HireRecord>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "UPDATE hires SET status_checked_at = $1 WHERE hire_id IN (
                 SELECT hire_id FROM hires WHERE status_stale = 1 AND status_checked_at <= $2 ORDER BY status_checked_at LIMIT $3
             ) RETURNING {COLUMNS}"
        ))
        .bind(now)
        .bind(now.saturating_sub(hold))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Stores Remote's status as re-read, if nobody stored another meanwhile (`previous` is the
    /// status the caller read) and the reading is not older than the stored one; `event` (the
    /// job site's `hire.status_changed`) is queued in the same transaction. True when written.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_remote_status(
        &self,
        hire_id: &str,
        previous: &str,
        status: &str,
        remote_updated_at: Option<&str>,
        claimed_at: i64,
        now: i64,
        event: Option<&OutboxRow>,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        // A webhook that came during the re-read marked the hire again (its claim time was
        // reset): that mark stays, so the newer change is read too.
        let done = sqlx::query(
            "UPDATE hires SET remote_status = $1, remote_updated_at = COALESCE($2, remote_updated_at), updated_at = $3,
                 status_stale = CASE WHEN status_checked_at = $6 THEN 0 ELSE status_stale END
             WHERE hire_id = $4 AND COALESCE(remote_status, 'created') = $5
               AND ($2 IS NULL OR remote_updated_at IS NULL OR remote_updated_at <= $2)",
        )
        .bind(status)
        .bind(remote_updated_at)
        .bind(now)
        .bind(hire_id)
        .bind(previous)
        .bind(claimed_at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(event) = event {
            outbox_insert(event).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The status was re-read (claimed at `claimed_at`) and has not changed; a mark a webhook
    /// made since stays.
    pub async fn clear_status_stale(
        &self,
        hire_id: &str,
        claimed_at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE hires SET status_stale = 0 WHERE hire_id = $1 AND status_checked_at = $2",
        )
        .bind(hire_id)
        .bind(claimed_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks for a re-read up to `limit` hires whose status is not final and was not read from
    /// Remote since `checked_before`: the reconcile that catches what webhooks missed while
    /// nobody listened. How many.
    pub async fn mark_unchecked_stale(
        &self,
        checked_before: i64,
        limit: i64,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE hires SET status_stale = 1 WHERE hire_id IN (
                 SELECT hire_id FROM hires WHERE status = 'created' AND status_stale = 0 AND status_checked_at < $1
                   AND COALESCE(remote_status, 'created') NOT IN ('active', 'archived', 'deleted')
                 ORDER BY status_checked_at LIMIT $2
             )",
        )
        .bind(checked_before)
        .bind(limit)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}

//! The `connections` table: one Remote connection per site user, tokens sealed.

use sqlx::Row;

use super::{now, Store};

/// Whether a stored connection can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Usable.
    Connected,
    /// Remote refused the grant; consent must be given again.
    ReconsentRequired,
}

impl ConnectionState {
    fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Connected => "connected",
            ConnectionState::ReconsentRequired => "reconsent_required",
        }
    }

    fn parse(text: &str) -> ConnectionState {
        if text == "connected" {
            ConnectionState::Connected
        } else {
            ConnectionState::ReconsentRequired
        }
    }
}

/// A stored connection; token columns are sealed (see `crypto`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRow {
    /// The job site's user id (site token `sub`).
    pub site_user: String,
    /// Remote's API base URL the tokens belong to.
    pub environment: String,
    /// Usable or not.
    pub state: ConnectionState,
    /// Remote company.
    pub company_id: String,
    /// Remote user (the manager who consented).
    pub remote_user_id: String,
    /// Key id both token columns are sealed with.
    pub key_id: String,
    /// Sealed access token.
    pub access_token: String,
    /// Sealed refresh token.
    pub refresh_token: String,
    /// Unix seconds when the access token expires.
    pub access_expires_at: i64,
    /// Bumped by every write: a write based on an older read changes nothing.
    pub version: i64,
}

impl ConnectionRow {
    /// Whether hires and token reads may use it: consent stands, and its tokens belong to the
    /// Remote environment (`remote_base_url`) this server talks to.
    pub fn is_usable(&self, remote_base_url: &str) -> bool {
        self.state == ConnectionState::Connected && self.environment == remote_base_url
    }
}

pub(super) const COLUMNS: &str = "site_user, environment, status, company_id, remote_user_id, key_id, access_token, refresh_token, access_expires_at, version";

fn from_row(row: &sqlx::any::AnyRow) -> Result<ConnectionRow, sqlx::Error> {
    from_prefixed(row, "")
}

/// The connection in `row`, its columns named with `prefix` (see [`super::aliased`]).
pub(super) fn from_prefixed(
    row: &sqlx::any::AnyRow,
    prefix: &str,
) -> Result<ConnectionRow, sqlx::Error> {
    let column = |name: &'static str| super::column(prefix, name);
    Ok(ConnectionRow {
        site_user: row.try_get(&*column("site_user"))?,
        environment: row.try_get(&*column("environment"))?,
        state: ConnectionState::parse(&row.try_get::<String, _>(&*column("status"))?),
        company_id: row.try_get(&*column("company_id"))?,
        remote_user_id: row.try_get(&*column("remote_user_id"))?,
        key_id: row.try_get(&*column("key_id"))?,
        access_token: row.try_get(&*column("access_token"))?,
        refresh_token: row.try_get(&*column("refresh_token"))?,
        access_expires_at: row.try_get(&*column("access_expires_at"))?,
        version: row.try_get(&*column("version"))?,
    })
}

impl Store {
    /// The connection of `site_user`, if any.
    pub async fn connection(&self, site_user: &str) -> Result<Option<ConnectionRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM connections WHERE site_user = $1"
        ))
        .bind(site_user)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A usable connection to `company_id` in `environment` (the most recently written): whose
    /// tokens read that company's employments when a webhook arrives.
    pub async fn connection_for_company(
        &self,
        environment: &str,
        company_id: &str,
    ) -> Result<Option<ConnectionRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM connections WHERE environment = $1 AND company_id = $2 AND status = 'connected' ORDER BY updated_at DESC LIMIT 1"
        ))
        .bind(environment)
        .bind(company_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Inserts or replaces the connection of `row.site_user` (a consent given): whatever was
    /// stored before, this wins, and its version moves on.
    pub async fn save_connection(&self, row: &ConnectionRow) -> Result<(), sqlx::Error> {
        let now = now();
        sqlx::query(
            "INSERT INTO connections (site_user, environment, status, company_id, remote_user_id, key_id, access_token, refresh_token, access_expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (site_user) DO UPDATE SET environment = excluded.environment, status = excluded.status,
               company_id = excluded.company_id, remote_user_id = excluded.remote_user_id, key_id = excluded.key_id,
               access_token = excluded.access_token, refresh_token = excluded.refresh_token,
               access_expires_at = excluded.access_expires_at, updated_at = excluded.updated_at,
               version = connections.version + 1",
        )
        .bind(&row.site_user)
        .bind(&row.environment)
        .bind(row.state.as_str())
        .bind(&row.company_id)
        .bind(&row.remote_user_id)
        .bind(&row.key_id)
        .bind(&row.access_token)
        .bind(&row.refresh_token)
        .bind(row.access_expires_at)
        .bind(now)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Replaces the sealed tokens after a refresh or a re-encryption, only if the row is still
    /// at `row.version` (compare-and-swap); the stored row's new version, or `None` when another
    /// write came first (a re-consent, another refresh) and nothing was changed.
    pub async fn update_connection_tokens(
        &self,
        row: &ConnectionRow,
    ) -> Result<Option<i64>, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE connections SET key_id = $1, access_token = $2, refresh_token = $3, access_expires_at = $4, updated_at = $5, version = version + 1 WHERE site_user = $6 AND version = $7",
        )
        .bind(&row.key_id)
        .bind(&row.access_token)
        .bind(&row.refresh_token)
        .bind(row.access_expires_at)
        .bind(now())
        .bind(&row.site_user)
        .bind(row.version)
        .execute(self.pool())
        .await?;
        Ok((done.rows_affected() == 1).then_some(row.version + 1))
    }

    /// Marks the connection unusable until consent is given again, only if it is still at
    /// `version`: a refusal of tokens that were replaced meanwhile says nothing about the new
    /// ones. True when it was marked.
    pub async fn require_reconsent(
        &self,
        site_user: &str,
        version: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE connections SET status = $1, updated_at = $2, version = version + 1 WHERE site_user = $3 AND version = $4",
        )
        .bind(ConnectionState::ReconsentRequired.as_str())
        .bind(now())
        .bind(site_user)
        .bind(version)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Claims the refresh lease for `owner` until `until`; false while another holder's lease
    /// runs.
    pub async fn claim_refresh_lease(
        &self,
        site_user: &str,
        owner: &str,
        until: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE connections SET refresh_lease_until = $1, refresh_lease_owner = $2 WHERE site_user = $3 AND refresh_lease_until < $4",
        )
        .bind(until)
        .bind(owner)
        .bind(site_user)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the refresh lease back, only if `owner` still holds it (a lease that ran out and
    /// was claimed by another process stays theirs).
    pub async fn release_refresh_lease(
        &self,
        site_user: &str,
        owner: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE connections SET refresh_lease_until = 0, refresh_lease_owner = NULL WHERE site_user = $1 AND refresh_lease_owner = $2",
        )
        .bind(site_user)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the connection; true when one existed.
    pub async fn delete_connection(&self, site_user: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM connections WHERE site_user = $1")
            .bind(site_user)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

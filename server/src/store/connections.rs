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
}

const COLUMNS: &str = "site_user, environment, status, company_id, remote_user_id, key_id, access_token, refresh_token, access_expires_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<ConnectionRow, sqlx::Error> {
    Ok(ConnectionRow {
        site_user: row.try_get("site_user")?,
        environment: row.try_get("environment")?,
        state: ConnectionState::parse(&row.try_get::<String, _>("status")?),
        company_id: row.try_get("company_id")?,
        remote_user_id: row.try_get("remote_user_id")?,
        key_id: row.try_get("key_id")?,
        access_token: row.try_get("access_token")?,
        refresh_token: row.try_get("refresh_token")?,
        access_expires_at: row.try_get("access_expires_at")?,
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

    /// Inserts or replaces the connection of `row.site_user`.
    pub async fn save_connection(&self, row: &ConnectionRow) -> Result<(), sqlx::Error> {
        let now = now();
        sqlx::query(
            "INSERT INTO connections (site_user, environment, status, company_id, remote_user_id, key_id, access_token, refresh_token, access_expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (site_user) DO UPDATE SET environment = excluded.environment, status = excluded.status,
               company_id = excluded.company_id, remote_user_id = excluded.remote_user_id, key_id = excluded.key_id,
               access_token = excluded.access_token, refresh_token = excluded.refresh_token,
               access_expires_at = excluded.access_expires_at, updated_at = excluded.updated_at",
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

    /// Replaces the sealed tokens after a refresh or a re-encryption.
    pub async fn update_connection_tokens(
        &self,
        site_user: &str,
        key_id: &str,
        access_token: &str,
        refresh_token: &str,
        access_expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE connections SET key_id = $1, access_token = $2, refresh_token = $3, access_expires_at = $4, updated_at = $5 WHERE site_user = $6",
        )
        .bind(key_id)
        .bind(access_token)
        .bind(refresh_token)
        .bind(access_expires_at)
        .bind(now())
        .bind(site_user)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks the connection unusable until consent is given again.
    pub async fn require_reconsent(&self, site_user: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE connections SET status = $1, updated_at = $2 WHERE site_user = $3")
            .bind(ConnectionState::ReconsentRequired.as_str())
            .bind(now())
            .bind(site_user)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Claims the refresh lease until `until`; false while another holder's lease runs.
    pub async fn claim_refresh_lease(
        &self,
        site_user: &str,
        until: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE connections SET refresh_lease_until = $1 WHERE site_user = $2 AND refresh_lease_until < $3",
        )
        .bind(until)
        .bind(site_user)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the refresh lease back.
    pub async fn release_refresh_lease(&self, site_user: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE connections SET refresh_lease_until = 0 WHERE site_user = $1")
            .bind(site_user)
            .execute(self.pool())
            .await?;
        Ok(())
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

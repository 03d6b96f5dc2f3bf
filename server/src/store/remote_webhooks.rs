//! The `remote_webhooks` table: the webhook callback registered at Remote for each company (one
//! per environment and company), with its signing key sealed like the tokens.

use sqlx::Row;

use super::Store;

/// One registered callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteWebhookRow {
    /// Remote's API base URL.
    pub environment: String,
    /// Remote's company id.
    pub company_id: String,
    /// Remote's id of the callback.
    pub callback_id: String,
    /// Where Remote delivers.
    pub url: String,
    /// Key id of the sealed signing key.
    pub key_id: String,
    /// The sealed signing key.
    pub signing_key: String,
    /// Unix seconds when Remote last listed it.
    pub checked_at: i64,
}

const COLUMNS: &str = "environment, company_id, callback_id, url, key_id, signing_key, checked_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<RemoteWebhookRow, sqlx::Error> {
    Ok(RemoteWebhookRow {
        environment: row.try_get("environment")?,
        company_id: row.try_get("company_id")?,
        callback_id: row.try_get("callback_id")?,
        url: row.try_get("url")?,
        key_id: row.try_get("key_id")?,
        signing_key: row.try_get("signing_key")?,
        checked_at: row.try_get("checked_at")?,
    })
}

impl Store {
    /// The company's callback in `environment`.
    pub async fn remote_webhook(
        &self,
        environment: &str,
        company_id: &str,
    ) -> Result<Option<RemoteWebhookRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM remote_webhooks WHERE environment = $1 AND company_id = $2"
        ))
        .bind(environment)
        .bind(company_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Stores a newly registered callback. `replacing` names the callback it replaces (Remote no
    /// longer listed it); without one, false means another request registered first.
    pub async fn save_remote_webhook(
        &self,
        row: &RemoteWebhookRow,
        replacing: Option<&str>,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = match replacing {
            None => {
                sqlx::query(
                    "INSERT INTO remote_webhooks (environment, company_id, callback_id, url, key_id, signing_key, checked_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind(&row.environment)
                .bind(&row.company_id)
                .bind(&row.callback_id)
                .bind(&row.url)
                .bind(&row.key_id)
                .bind(&row.signing_key)
                .bind(row.checked_at)
                .bind(now)
                .execute(self.pool())
                .await?
            }
            Some(old) => {
                sqlx::query(
                    "UPDATE remote_webhooks SET callback_id = $1, url = $2, key_id = $3, signing_key = $4, checked_at = $5
                     WHERE environment = $6 AND company_id = $7 AND callback_id = $8",
                )
                .bind(&row.callback_id)
                .bind(&row.url)
                .bind(&row.key_id)
                .bind(&row.signing_key)
                .bind(row.checked_at)
                .bind(&row.environment)
                .bind(&row.company_id)
                .bind(old)
                .execute(self.pool())
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// Remote still lists the callback.
    pub async fn touch_remote_webhook(
        &self,
        environment: &str,
        company_id: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE remote_webhooks SET checked_at = $1 WHERE environment = $2 AND company_id = $3",
        )
        .bind(now)
        .bind(environment)
        .bind(company_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Callbacks in `environment` Remote has not listed since `checked_before`.
    pub async fn remote_webhooks_unchecked(
        &self,
        environment: &str,
        checked_before: i64,
        limit: i64,
    ) -> Result<Vec<RemoteWebhookRow>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM remote_webhooks WHERE environment = $1 AND checked_at < $2 ORDER BY checked_at LIMIT $3"
        ))
        .bind(environment)
        .bind(checked_before)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Companies with a usable connection in `environment` and no callback registered.
    pub async fn companies_without_webhook(
        &self,
        environment: &str,
        limit: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT DISTINCT company_id FROM connections c WHERE c.environment = $1 AND c.status = 'connected'
               AND NOT EXISTS (SELECT 1 FROM remote_webhooks w WHERE w.environment = c.environment AND w.company_id = c.company_id)
             LIMIT $2",
        )
        .bind(environment)
        .bind(limit)
        .fetch_all(self.pool())
        .await
    }
}

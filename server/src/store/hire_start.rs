//! What a hire reads before it writes anything, in one statement (one round trip, one
//! transaction): the idempotency record of its key, the site user's connection, and the
//! company's created hire of the candidate's email, if we made one.

use std::sync::OnceLock;

use sqlx::Row;

use super::{aliased, connections, hire_records, hires, ConnectionRow, HireRecord, HireRow, Store};

/// The reads a hire starts with.
#[derive(Debug, Clone, Default)]
pub struct HireStart {
    /// The record of this (site user, `Idempotency-Key`).
    pub record: Option<HireRow>,
    /// The site user's connection, usable or not.
    pub connection: Option<ConnectionRow>,
    /// The newest created hire at the connection's company whose email has this hash.
    pub earlier: Option<HireRecord>,
}

/// The one `SELECT`: a row of nothing, joined with each of the three (at most one row each,
/// but for several earlier hires of one email: the newest is kept).
fn sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT {}, {}, {} FROM (SELECT 1 AS one) AS anchor
             LEFT JOIN connections c ON c.site_user = $1
             LEFT JOIN hires h ON h.site_user = $1 AND h.idempotency_key = $2
             LEFT JOIN hires e ON e.company_id = c.company_id AND e.status = 'created' AND e.email_hash = $3
             ORDER BY e.created_at DESC LIMIT 1",
            aliased("c", connections::COLUMNS),
            aliased("h", hires::COLUMNS),
            aliased("e", hire_records::COLUMNS),
        )
    })
}

impl Store {
    /// The record of `key`, the connection of `site_user` and the company's created hire of
    /// the email hashed `email_hash`, read together.
    pub async fn hire_start(
        &self,
        site_user: &str,
        key: &str,
        email_hash: &str,
    ) -> Result<HireStart, sqlx::Error> {
        let row = sqlx::query(sql())
            .bind(site_user)
            .bind(key)
            .bind(email_hash)
            .fetch_one(self.pool())
            .await?;
        let present = |column: &str| -> Result<bool, sqlx::Error> {
            Ok(row.try_get::<Option<String>, _>(column)?.is_some())
        };
        Ok(HireStart {
            record: present("h_hire_id")?
                .then(|| hires::from_prefixed(&row, "h_"))
                .transpose()?,
            connection: present("c_site_user")?
                .then(|| connections::from_prefixed(&row, "c_"))
                .transpose()?,
            earlier: present("e_hire_id")?
                .then(|| hire_records::from_prefixed(&row, "e_"))
                .transpose()?,
        })
    }
}

//! One token refresh per connection at a time, across processes: on Postgres an advisory lock
//! held by a transaction (released when it ends, or when its holder dies); on SQLite, which has
//! no advisory locks, a lease on the connection's row that names its owner, so that only the
//! holder gives it back (see `claim_refresh_lease`).

use sqlx::{Any, Transaction};

use super::{Backend, Store};

/// A held refresh lock; give it back with [`Store::release_refresh_lock`].
pub struct RefreshLock {
    held: Held,
}

enum Held {
    /// The transaction holding `pg_advisory_xact_lock`.
    Postgres(Transaction<'static, Any>),
    /// The lease claimed on the row.
    Sqlite { site_user: String, owner: String },
}

impl Store {
    /// Takes the refresh lock of `site_user`'s connection. Postgres waits for it; SQLite claims
    /// a lease until `lease_until` (Unix seconds) and answers `None` while another holder's
    /// lease runs: the caller pauses, and tries again.
    pub async fn try_refresh_lock(
        &self,
        site_user: &str,
        lease_until: i64,
    ) -> Result<Option<RefreshLock>, sqlx::Error> {
        match self.backend() {
            Backend::Postgres => {
                let mut tx = self.pool().begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(format!("hwr-refresh:{site_user}"))
                    .execute(&mut *tx)
                    .await?;
                Ok(Some(RefreshLock {
                    held: Held::Postgres(tx),
                }))
            }
            Backend::Sqlite => {
                let owner = uuid::Uuid::new_v4().to_string();
                Ok(self
                    .claim_refresh_lease(site_user, &owner, lease_until)
                    .await?
                    .then(|| RefreshLock {
                        held: Held::Sqlite {
                            site_user: site_user.to_owned(),
                            owner,
                        },
                    }))
            }
        }
    }

    /// Gives the lock back; false when a SQLite lease ran out first and another process holds
    /// it now.
    pub async fn release_refresh_lock(&self, lock: RefreshLock) -> Result<bool, sqlx::Error> {
        match lock.held {
            Held::Postgres(tx) => tx.commit().await.map(|()| true),
            Held::Sqlite { site_user, owner } => {
                self.release_refresh_lease(&site_user, &owner).await
            }
        }
    }
}

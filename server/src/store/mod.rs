//! Persistence through sqlx's `Any` driver: one schema and one set of queries for SQLite (the
//! embedded default, created and migrated on first start) and Postgres (several replicas).
//! Every write that must be exactly-once is a single atomic statement, so it holds on both.

mod audit;
mod connections;
mod flows;
mod hire_records;
mod hire_start;
mod hires;
mod outbox;
mod refresh_lock;
mod remote_webhooks;
mod retention;
mod sqlite_guard;

use std::{borrow::Cow, str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    any::{install_default_drivers, AnyPoolOptions},
    AnyPool, Executor,
};

pub use audit::{AuditEvent, AuditKind, AuditRecord};
pub use connections::{ConnectionRow, ConnectionState};
pub use flows::FlowRow;
pub use hire_records::{HireDetails, HireRecord, MAX_RECORDS};
pub use hire_start::HireStart;
pub use hires::{HireRow, HireState};
pub use outbox::{OutboxFilter, OutboxRow};
pub use refresh_lock::RefreshLock;
pub use remote_webhooks::RemoteWebhookRow;
pub use retention::{Erased, Purged};

/// The schema's migrations, embedded.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A Postgres server.
    Postgres,
}

/// The database handle shared by all routes.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects (creating the SQLite file and its folder when needed) and applies migrations.
    /// On Postgres, sqlx takes an advisory lock around migrations, so replicas may start at once.
    /// `max_connections` sizes the Postgres pool (SQLite uses a small fixed pool).
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => max_connections.max(2),
            });
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 15000; PRAGMA synchronous = NORMAL;")
                        .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options
            .connect(&url)
            .await
            .with_context(|| format!("failed to open the database at {}", redact_url(&url)))?;
        if backend == Backend::Sqlite {
            pool.execute("PRAGMA journal_mode = WAL;")
                .await
                .context("failed to enable WAL on SQLite")?;
        }
        MIGRATOR
            .run(&pool)
            .await
            .context("failed to apply database migrations")?;
        Ok(Store { pool, backend })
    }

    /// The pool, for queries that are not worth a method.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Readiness: the database answers and has every migration this binary knows, applied
    /// successfully (a replica of an older release sees a newer schema as current too).
    pub async fn is_ready(&self) -> anyhow::Result<()> {
        let newest_known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await
                .context("the database did not answer")?;
        anyhow::ensure!(
            applied.unwrap_or(0) >= newest_known,
            "the database's migrations are behind this binary ({applied:?} < {newest_known})"
        );
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the SQLite file's folder and asks for the file to be created.
fn prepare_sqlite(url: &str) -> anyhow::Result<String> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    if path != ":memory:" {
        if let Some(parent) = std::path::Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).with_context(|| {
                format!("failed to create the data folder {}", parent.display())
            })?;
        }
        sqlite_guard::check_single_machine(std::path::Path::new(path))?;
    }
    let mode = if query.contains("mode=") {
        String::new()
    } else {
        "mode=rwc".to_owned()
    };
    let joined = [query, mode.as_str()]
        .iter()
        .filter(|q| !q.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("&");
    Ok(format!("sqlite://{path}?{joined}"))
}

fn redact_url(url: &str) -> String {
    match url::Url::from_str(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// `columns` (`"a, b"`) of the table aliased `alias`, each renamed with the alias as prefix
/// (`"x.a AS x_a, x.b AS x_b"`): for a join that reads several tables' rows at once.
fn aliased(alias: &str, columns: &str) -> String {
    columns
        .split(", ")
        .map(|name| format!("{alias}.{name} AS {alias}_{name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name of column `name` in a row read with [`aliased`] columns (`prefix` = `"x_"`), or
/// with plain ones (`prefix` = `""`).
fn column(prefix: &str, name: &'static str) -> Cow<'static, str> {
    if prefix.is_empty() {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{prefix}{name}"))
    }
}

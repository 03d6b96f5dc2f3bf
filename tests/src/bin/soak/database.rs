//! The backend's database in the soak: a SQLite file in the work folder (the default), or a
//! fresh database on the local Postgres server (`--database postgres`, made with the test
//! harness and dropped when the soak ends); and what the leak scan reads from it once the
//! backend has stopped: the raw files (SQLite), every row of every table (Postgres, whose files
//! are not ours to read) and the audit trail (both).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use hwr_integration_tests::{Db, TestDatabase};
use sqlx::{any::AnyRow, AnyConnection, Connection as _, PgConnection};

/// Which database the backend runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// `sqlite` or `postgres`.
    pub(crate) fn parse(text: &str) -> Result<DatabaseKind> {
        match text {
            "sqlite" => Ok(DatabaseKind::Sqlite),
            "postgres" => Ok(DatabaseKind::Postgres),
            other => bail!("--database takes sqlite or postgres, not {other:?}"),
        }
    }
}

/// The database of one soak.
pub(crate) enum Database {
    Sqlite { path: PathBuf },
    Postgres { database: TestDatabase },
}

impl Database {
    /// A SQLite file under `data_dir`, or a new database on the local Postgres server.
    pub(crate) async fn create(kind: DatabaseKind, data_dir: &Path) -> Result<Database> {
        match kind {
            DatabaseKind::Sqlite => Ok(Database::Sqlite {
                path: data_dir.join("soak.db"),
            }),
            // The harness panics when Postgres is unreachable (tests must not skip); here that
            // panic, caught by its task, becomes the soak's error.
            DatabaseKind::Postgres => {
                let database = tokio::spawn(TestDatabase::create(Db::Postgres))
                    .await
                    .context(
                        "no Postgres database for the soak (is Postgres on 127.0.0.1:5432?)",
                    )?;
                Ok(Database::Postgres { database })
            }
        }
    }

    /// `HWR_DATABASE_URL`.
    pub(crate) fn url(&self) -> String {
        match self {
            Database::Sqlite { path } => format!("sqlite://{}", path.display()),
            Database::Postgres { database } => database.url(),
        }
    }

    /// For the report.
    pub(crate) fn describe(&self) -> String {
        match self {
            Database::Sqlite { path } => format!("SQLite ({})", path.display()),
            Database::Postgres { database } => format!("Postgres ({})", database.url()),
        }
    }

    /// The files SQLite writes (database, write-ahead log, shared memory, journal); none on
    /// Postgres.
    pub(crate) fn raw_files(&self) -> Vec<PathBuf> {
        match self {
            Database::Sqlite { path } => ["", "-wal", "-shm", "-journal"]
                .iter()
                .map(|suffix| {
                    let mut name = path.as_os_str().to_owned();
                    name.push(suffix);
                    PathBuf::from(name)
                })
                .collect(),
            Database::Postgres { .. } => Vec::new(),
        }
    }

    /// Every row of every table as text, one row a line, by table (Postgres only: the SQLite
    /// files are searched whole).
    pub(crate) async fn table_rows(&self) -> Result<Vec<(String, String)>> {
        let Database::Postgres { database } = self else {
            return Ok(Vec::new());
        };
        let mut connection = PgConnection::connect(&database.url())
            .await
            .context("failed to connect to the soak's Postgres database")?;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(&mut connection)
        .await
        .context("failed to list the tables")?;
        let mut all = Vec::new();
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT t::text FROM \"{table}\" t"))
                    .fetch_all(&mut connection)
                    .await
                    .with_context(|| format!("failed to read the table {table}"))?;
            all.push((table, rows.join("\n")));
        }
        let _ = connection.close().await;
        Ok(all)
    }

    /// `SELECT * FROM audit_events` (read-only on SQLite).
    pub(crate) async fn audit_events(&self) -> Result<Vec<AnyRow>> {
        sqlx::any::install_default_drivers();
        let url = match self {
            Database::Sqlite { path } => format!("sqlite://{}?mode=ro", path.display()),
            Database::Postgres { database } => database.url(),
        };
        let mut connection = AnyConnection::connect(&url)
            .await
            .with_context(|| format!("failed to open {}", self.describe()))?;
        let rows = sqlx::query("SELECT * FROM audit_events")
            .fetch_all(&mut connection)
            .await?;
        let _ = connection.close().await;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_and_postgres_are_databases() {
        assert_eq!(
            DatabaseKind::parse("postgres").ok(),
            Some(DatabaseKind::Postgres)
        );
        assert_eq!(
            DatabaseKind::parse("sqlite").ok(),
            Some(DatabaseKind::Sqlite)
        );
        assert!(DatabaseKind::parse("mysql").is_err());
    }
}

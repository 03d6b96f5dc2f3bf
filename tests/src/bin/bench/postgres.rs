//! Postgres for the bench: a fresh database from the harness (`TestDatabase`, dropped with it)
//! with the server's default `synchronous_commit`, its transaction and row counters from
//! `pg_stat_database`, and what one autocommitted INSERT costs with and without the WAL flush.

use std::time::Instant;

use anyhow::{Context, Result};
use hwr_bench_measurements::{CommitCost, PerHire};
use hwr_integration_tests::{Db, TestDatabase};
use sqlx::{Connection, Executor, PgConnection, Row};

/// A database for a backend under load, measured as production runs it.
pub(crate) async fn create() -> Result<TestDatabase> {
    let database = TestDatabase::create(Db::Postgres).await;
    let TestDatabase::Postgres { name, .. } = &database else {
        unreachable!("asked for Postgres");
    };
    // The harness turns the flush off for throw-away test databases; the bench measures it.
    let mut admin = connect(&database, "postgres").await?;
    admin
        .execute(format!("ALTER DATABASE {name} RESET synchronous_commit").as_str())
        .await?;
    let _ = admin.close().await;
    Ok(database)
}

/// The database's name.
pub(crate) fn name(database: &TestDatabase) -> &str {
    match database {
        TestDatabase::Postgres { name, .. } => name,
        TestDatabase::Sqlite { .. } => "",
    }
}

async fn connect(database: &TestDatabase, name: &str) -> Result<PgConnection> {
    let TestDatabase::Postgres { server, .. } = database else {
        anyhow::bail!("not a Postgres database");
    };
    PgConnection::connect(&format!("{server}{name}"))
        .await
        .with_context(|| format!("failed to connect to {server}{name}"))
}

/// How long after its last commit an idle Postgres connection may still hold counters it has
/// not published: a connection flushes at most once a second, and one that goes idle less than a
/// second after its last flush waits `PGSTAT_IDLE_INTERVAL` (10 s) before the next.
const COUNTERS_SETTLE: std::time::Duration = std::time::Duration::from_secs(11);

/// Transactions committed and rows written in the database up to now, once every commit made
/// so far is counted (the pool's connections idle, [`COUNTERS_SETTLE`] waited). Read sooner, the
/// snapshot before a row misses the consent's last commits, which the row is then charged with,
/// and the snapshot after it misses the row's last second: at 2 s rows the two together read
/// 5.0 and 2.4 transactions per hire for the same code.
async fn settled_counters(database: &TestDatabase) -> Result<(u64, u64)> {
    tokio::time::sleep(COUNTERS_SETTLE).await;
    counters(database).await
}

/// Where a sequential row starts, in the database's counters: the settled counters, and how
/// much the backend commits on its own (its workers polling) over a window as long as the row
/// and its settling, measured by idling that long first.
pub(crate) struct RowStart {
    at: (u64, u64),
    idle: (u64, u64),
}

impl RowStart {
    /// Settles, idles for `seconds` (the row's length), settles again.
    pub(crate) async fn measure(database: &TestDatabase, seconds: u32) -> Result<RowStart> {
        let idle_from = settled_counters(database).await?;
        tokio::time::sleep(std::time::Duration::from_secs(seconds.into())).await;
        let at = settled_counters(database).await?;
        Ok(RowStart {
            at,
            idle: (at.0 - idle_from.0, at.1 - idle_from.1),
        })
    }

    /// Transactions and rows per hire for the `hires` the row made, read from the settled
    /// counters after it, less the backend's own work over the same length of time.
    pub(crate) async fn per_hire(&self, database: &TestDatabase, hires: f64) -> Result<PerHire> {
        let after = settled_counters(database).await?;
        let spent = |after: u64, at: u64, idle: u64| after.saturating_sub(at + idle) as f64 / hires;
        Ok(PerHire {
            transactions: spent(after.0, self.at.0, self.idle.0),
            rows: spent(after.1, self.at.1, self.idle.1),
        })
    }
}

/// Transactions committed and rows written so far in the database (from pg_stat_database), as
/// published.
async fn counters(database: &TestDatabase) -> Result<(u64, u64)> {
    let mut admin = connect(database, "postgres").await?;
    let row = sqlx::query(
        "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted \
         FROM pg_stat_database WHERE datname = $1",
    )
    .bind(name(database))
    .fetch_one(&mut admin)
    .await?;
    let _ = admin.close().await;
    let commits: i64 = row.try_get(0)?;
    let rows: i64 = row.try_get(1)?;
    Ok((commits as u64, rows as u64))
}

/// 100 autocommitted INSERTs into a temporary table, with `synchronous_commit` on, then off.
pub(crate) async fn commit_cost(database: &TestDatabase) -> Result<CommitCost> {
    const N: usize = 100;
    let mut connection = connect(database, name(database)).await?;
    connection
        .execute("CREATE TEMP TABLE bench_commit (v int)")
        .await?;
    let mut per_insert = Vec::new();
    for sync in ["on", "off"] {
        connection
            .execute(format!("SET synchronous_commit = {sync}").as_str())
            .await?;
        let started = Instant::now();
        for i in 0..N {
            sqlx::query("INSERT INTO bench_commit VALUES ($1)")
                .bind(i as i32)
                .execute(&mut connection)
                .await?;
        }
        per_insert.push(started.elapsed().as_secs_f64() * 1e3 / N as f64);
    }
    let _ = connection.close().await;
    Ok(CommitCost {
        on_ms: per_insert[0],
        off_ms: per_insert[1],
    })
}

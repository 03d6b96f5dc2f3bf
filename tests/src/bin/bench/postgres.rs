//! Postgres for the bench: a fresh database from the harness (`TestDatabase`, dropped with it)
//! with the server's default `synchronous_commit`, its transaction and row counters from
//! `pg_stat_database`, and what one autocommitted INSERT costs with and without the WAL flush.

use std::time::Instant;

use anyhow::{Context, Result};
use hwr_bench_measurements::CommitCost;
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

/// Transactions committed and rows written in the database up to now, once every commit made
/// so far is counted: a Postgres backend publishes its counters to `pg_stat_database` within a
/// second of going idle, so this waits 1.5 s first. Without the wait, a snapshot taken right
/// after the consent misses the consent's commits, and a short row's hires are charged for them.
pub(crate) async fn settled_counters(database: &TestDatabase) -> Result<(u64, u64)> {
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    counters(database).await
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

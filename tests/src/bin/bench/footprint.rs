//! Section 6's start-up rows: time from spawning `hire-with-remote serve` to a ready `/healthz`,
//! on a fresh SQLite file, an existing one and Postgres, and resident memory one second after a
//! start.

use std::time::Duration;

use anyhow::Result;
use hwr_bench_measurements::Startups;

use crate::{
    postgres,
    servers::{Database, Servers},
};

/// `starts` starts of each kind.
pub(crate) async fn measure_startups(servers: &Servers, starts: u32) -> Result<Startups> {
    eprintln!("bench: start-up times ({starts} starts each)");
    let binary = &servers.binary;
    let mut sqlite_fresh = Vec::new();
    let mut sqlite_existing = Vec::new();
    let mut idle_rss_kib = Vec::new();
    let existing = Database::Sqlite(servers.dir.join("startup-existing"));
    for i in 0..starts {
        let fresh_dir = servers.dir.join(format!("startup-fresh-{i}"));
        let fresh = Database::Sqlite(fresh_dir.clone());
        let (mut backend, ready) = servers
            .start_backend("startup", binary, &fresh, &[])
            .await?;
        backend.stop();
        sqlite_fresh.push(ready.as_secs_f64() * 1e3);
        let _ = std::fs::remove_dir_all(&fresh_dir);

        let (mut backend, ready) = servers
            .start_backend("startup", binary, &existing, &[])
            .await?;
        if i > 0 {
            // The first start creates the file; the others open it.
            sqlite_existing.push(ready.as_secs_f64() * 1e3);
        }
        if i < 3 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            idle_rss_kib.push(backend.rss_kib().unwrap_or(0));
        }
        backend.stop();
    }
    let mut postgres = Vec::new();
    let database = postgres::create().await?;
    let url = Database::Postgres(database.url());
    for _ in 0..starts {
        match servers.start_backend("startup", binary, &url, &[]).await {
            Ok((mut backend, ready)) => {
                backend.stop();
                postgres.push(ready.as_secs_f64() * 1e3);
            }
            Err(error) => {
                eprintln!("bench: a Postgres start failed: {error:#}");
                break;
            }
        }
    }
    Ok(Startups {
        sqlite_fresh,
        sqlite_existing,
        postgres,
        idle_rss_kib,
    })
}

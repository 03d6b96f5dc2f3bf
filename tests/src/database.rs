//! One fresh database per test: a SQLite file under the temp folder, or a new Postgres database on
//! the local server. Both are removed when the test's app is dropped, pass or fail.

use std::path::PathBuf;

use sqlx::{Connection, Executor, PgConnection};

/// Which database a test runs against. Every store-related test runs on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    /// An embedded SQLite file (the backend's default).
    Sqlite,
    /// The Postgres server at 127.0.0.1:5432 (trust auth).
    Postgres,
}

/// The Postgres server the tests use; its maintenance database is where test databases are made.
const POSTGRES_HOST: &str = "127.0.0.1:5432";

/// A database created for one test.
#[derive(Debug)]
pub enum TestDatabase {
    /// A SQLite file (plus its `-wal` and `-shm` companions).
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// A database on the local Postgres server.
    Postgres {
        /// `postgres://user@host/`, without a database name.
        server: String,
        /// The database's name.
        name: String,
    },
}

impl TestDatabase {
    /// Creates an empty database of the requested kind.
    ///
    /// # Panics
    /// When Postgres is asked for and cannot be reached: these tests must never pass by skipping.
    pub async fn create(db: Db) -> TestDatabase {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        match db {
            Db::Sqlite => TestDatabase::Sqlite {
                path: std::env::temp_dir().join(format!("hwr-test-{unique}.db")),
            },
            Db::Postgres => {
                let (server, mut admin) = connect_to_postgres().await;
                let name = format!("hwr_test_{unique}");
                admin
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap_or_else(|error| panic!("failed to create database {name}: {error}"));
                // A test database is thrown away: waiting for each commit to reach the disk
                // buys nothing and dominates the run time on a slow machine.
                admin
                    .execute(format!("ALTER DATABASE {name} SET synchronous_commit = off").as_str())
                    .await
                    .unwrap_or_else(|error| panic!("failed to configure database {name}: {error}"));
                let _ = admin.close().await;
                TestDatabase::Postgres { server, name }
            }
        }
    }

    /// The URL the backend is configured with.
    pub fn url(&self) -> String {
        match self {
            TestDatabase::Sqlite { path } => format!("sqlite://{}", path.display()),
            TestDatabase::Postgres { server, name } => format!("{server}{name}"),
        }
    }

    /// Which kind this is.
    pub fn kind(&self) -> Db {
        match self {
            TestDatabase::Sqlite { .. } => Db::Sqlite,
            TestDatabase::Postgres { .. } => Db::Postgres,
        }
    }

    /// The files SQLite may have written to (database, write-ahead log, shared memory).
    pub fn sqlite_files(&self) -> Vec<PathBuf> {
        match self {
            TestDatabase::Sqlite { path } => ["", "-wal", "-shm"]
                .iter()
                .map(|suffix| PathBuf::from(format!("{}{suffix}", path.display())))
                .collect(),
            TestDatabase::Postgres { .. } => Vec::new(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::Sqlite { .. } => {
                for file in self.sqlite_files() {
                    let _ = std::fs::remove_file(file);
                }
            }
            TestDatabase::Postgres { name, .. } => {
                // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived
                // runtime on its own thread does the async clean-up. FORCE ends the app's
                // connections, which may still be open.
                let name = name.clone();
                let cleanup = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    runtime.block_on(async move {
                        let (_, mut admin) = connect_to_postgres().await;
                        let _ = admin
                            .execute(
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                            )
                            .await;
                        let _ = admin.close().await;
                    });
                });
                let _ = cleanup.join();
            }
        }
    }
}

/// Connects to the maintenance database as `postgres`, or as `root` when that role is missing.
async fn connect_to_postgres() -> (String, PgConnection) {
    let mut errors = Vec::new();
    for user in ["postgres", "root"] {
        let server = format!("postgres://{user}@{POSTGRES_HOST}/");
        match PgConnection::connect(&format!("{server}postgres")).await {
            Ok(connection) => return (server, connection),
            Err(error) => errors.push(format!("as {user}: {error}")),
        }
    }
    panic!(
        "Postgres is required at {POSTGRES_HOST} for these tests: {}",
        errors.join("; ")
    );
}

//! Integration-test harness: spawns the sandbox (fake Remote) and the backend on real sockets,
//! each test with its own database, and offers request helpers that behave like the widget and
//! like a browser going through consent (`consent_walk` is the one walk of a whole consent: the
//! tests, the soak and the bench all take it). `launch` is the one place that knows how our
//! processes are started (the multi-process tests, the soak and the bench all use it). The tests
//! themselves live in `tests/api/`.

mod answers;
mod app;
mod assertions;
mod candidate;
mod consent_page;
mod consent_walk;
mod database;
mod ids;
mod launch;
mod processes;
mod sandbox_control;
mod site_tokens;
mod webhook_receiver;

pub use answers::{json_body, location, send};
pub use app::{
    spawn_app, spawn_app_configured, spawn_app_with, Replica, TestApp, FOREIGN_ORIGIN,
    JOB_SITE_ORIGIN,
};
pub use assertions::{assert_error, assert_error_shape, field_names};
pub use candidate::{ana, ana_with, candidate_number, days_from_today};
pub use consent_page::{ConnectAnswer, ConsentForm, StartedFlow};
pub use consent_walk::{
    first_manager, BackendAnswer, ConsentWalk, Hop, WalkFailure, WalkedConsent,
};
pub use database::{Db, TestDatabase};
pub use ids::{new_key, unique_user};
pub use launch::{
    free_port, load_sandbox_config, random_hex_64, sandbox_command, BackendSettings, Secrets,
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
};
pub use processes::{
    server_binary, Attempt, Cluster, ClusterClient, HireRecord, RetriedHire, ServerProcess,
    REPLICAS,
};
pub use site_tokens::{site_token, MAX_SITE_TOKEN_TTL};
pub use webhook_receiver::{Received, WebhookReceiver};

/// Runs each listed scenario (`async fn name(db: Db)`, in the calling module) as two tests,
/// `sqlite::name` and `postgres::name`, so every store behaviour is checked on both databases.
#[macro_export]
macro_rules! on_both_databases {
    ($($scenario:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario($crate::Db::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario($crate::Db::Postgres).await;
                }
            )+
        }
    };
}

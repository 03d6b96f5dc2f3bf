//! A flow row is typed in the store: its mode, status and candidate come back as the values that
//! were stored, and a column holding anything else is a clear decoding error (naming what is
//! wrong), never a default or a silently dropped candidate. On SQLite and Postgres.

use hire_with_remote::store::{FlowRow, Store};
use hwr_integration_tests::{ana, Db, TestDatabase};
use hwr_protocol::{Candidate, ConnectMode, FlowStatus};

fn redirect_flow(candidate: Candidate) -> FlowRow {
    FlowRow {
        id: uuid::Uuid::new_v4().to_string(),
        state_hash: uuid::Uuid::new_v4().simple().to_string(),
        site_user: "user-1".into(),
        origin: "https://jobs.example.com".into(),
        environment: "https://gateway.remote-sandbox.com/".into(),
        mode: ConnectMode::Redirect,
        key_id: "k1".into(),
        pkce_verifier: "sealed".into(),
        return_to: Some("https://jobs.example.com/back".into()),
        candidate: Some(candidate),
        idempotency_key: Some("key-1".into()),
        status: FlowStatus::Pending,
        error: None,
        expires_at: 4_000_000_000,
        consumed_at: None,
        hire: None,
        ticket_hash: Some("ticket".into()),
        binding_hash: None,
        authorize_url: None,
    }
}

async fn stored_flow(db: Db) -> (TestDatabase, Store, FlowRow) {
    let database = TestDatabase::create(db).await;
    let store = Store::connect(&database.url(), 2)
        .await
        .expect("the store opens");
    let candidate: Candidate = serde_json::from_value(ana()).expect("a candidate");
    let flow = redirect_flow(candidate);
    store
        .insert_flow(&flow, 1)
        .await
        .expect("the flow is stored");
    (database, store, flow)
}

async fn a_stored_flow_reads_back_with_its_mode_status_and_candidate(db: Db) {
    // Arrange
    let (_database, store, flow) = stored_flow(db).await;

    // Act
    let read = store.flow(&flow.id).await.expect("the flow reads");

    // Assert
    assert_eq!(read, Some(flow));
    store.close().await;
}

async fn a_column_holding_an_unknown_value_is_a_clear_decoding_error(db: Db) {
    for (column, value, named) in [
        ("status", "\"connected\"", "unknown flow status"),
        ("mode", "sideways", "unknown flow mode"),
        (
            "candidate",
            "{\"full_name\":1}",
            "the flow's candidate is not a candidate",
        ),
    ] {
        // Arrange
        let (_database, store, flow) = stored_flow(db).await;
        sqlx::query(&format!("UPDATE flows SET {column} = $1 WHERE id = $2"))
            .bind(value)
            .bind(&flow.id)
            .execute(store.pool())
            .await
            .expect("the column is overwritten");

        // Act
        let read = store.flow(&flow.id).await;

        // Assert
        let error = read
            .expect_err("an unreadable flow is an error")
            .to_string();
        assert!(error.contains(named), "{column}: {error}");
        store.close().await;
    }
}

macro_rules! on_both_databases {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::Db::Sqlite).await;
            })+
        }
        mod postgres {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::Db::Postgres).await;
            })+
        }
    };
}

on_both_databases!(
    a_stored_flow_reads_back_with_its_mode_status_and_candidate,
    a_column_holding_an_unknown_value_is_a_clear_decoding_error,
);

//! The real binary, three replicas on Postgres, with clients that go away mid-request while the
//! hire refreshes its token and posts to a slow Remote: afterwards every record says what Remote
//! did, no connection is left inside a transaction, and the log has no warning of one.

use std::time::Duration;

use hwr_integration_tests::{ana_with, new_key, unique_user, Cluster};
use reqwest::Method;
use serde_json::json;

const CLIENTS: usize = 12;

#[tokio::test]
async fn clients_dropped_mid_request_leave_every_write_durable_and_no_transaction_open() {
    // Arrange: a connected employer whose access token must be refreshed first (the refresh
    // runs inside a Postgres transaction), and a slow employment POST.
    let cluster = Cluster::start_with(&[("RUST_LOG", "warn")]).await;
    let user = unique_user();
    cluster.connect_and_consent(&user).await;
    cluster.expire_stored_access_token(&user).await;
    cluster
        .client
        .fault(json!({"route": "POST /v1/employments", "latency_ms": 800}))
        .await;

    // Act: twelve pages, spread over the replicas, give up after 0.2 s.
    let mut dropped = Vec::new();
    for n in 0..CLIENTS {
        let request = cluster
            .client
            .request_at(
                cluster.client.spread(n),
                &user,
                Method::POST,
                "/api/v1/hires",
            )
            .header("Idempotency-Key", new_key())
            .json(&ana_with("personal_email", &format!("gone{n}@example.com")))
            .timeout(Duration::from_millis(200));
        dropped.push(tokio::spawn(request.send()));
    }
    for request in dropped {
        let answer = request.await.expect("the request task");
        assert!(answer.is_err(), "the page gave up before the answer");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.client.clear_faults().await;

    // Assert
    let records = cluster.hire_records(&user).await;
    assert_eq!(records.len(), CLIENTS);
    assert!(
        records
            .iter()
            .all(|r| r.status == "created" && r.employment_id.is_some()),
        "every dropped hire finished: {records:?}"
    );
    let mut sql = cluster.sql().await;
    let stuck: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&mut sql)
    .await
    .expect("pg_stat_activity answers");
    assert_eq!(stuck, 0, "connections left idle in a transaction");
    let logs = cluster.logs();
    assert!(
        !logs
            .to_ascii_lowercase()
            .contains("transaction in progress"),
        "a warning of a transaction left open:\n{logs}"
    );
}

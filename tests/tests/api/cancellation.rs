//! Clients that go away mid-request, under load: browsers that give up during the code exchange
//! and job-site pages that give up during the employment POST. Afterwards every flow is final,
//! every hire's record says what Remote did, nothing was posted twice, and (Postgres) no
//! connection is left inside a transaction.

use std::time::Duration;

use hwr_integration_tests::{
    ana_with, json_body, new_key, on_both_databases, spawn_app, unique_user, Db, TestApp,
    JOB_SITE_ORIGIN,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

const CLIENTS: usize = 8;

async fn wait_until_final(app: &TestApp, user: &str, flow_id: &str) -> Value {
    for _ in 0..100 {
        let status = app.flow(user, flow_id).await;
        if status["status"] != "pending" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("flow {flow_id} is still pending");
}

async fn no_connection_is_left_inside_a_transaction(app: &TestApp, db: Db) {
    if db != Db::Postgres {
        return;
    }
    let stuck: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(app.store().pool())
    .await
    .expect("pg_stat_activity answers");
    assert_eq!(stuck, 0, "connections left idle in a transaction");
}

async fn browsers_that_give_up_during_the_code_exchange_leave_every_flow_final(db: Db) {
    // Arrange: eight employers at once, each through consent; the token endpoint is slow.
    let app = spawn_app(db).await;
    let mut flows = Vec::new();
    for _ in 0..CLIENTS {
        let user = unique_user();
        let flow = app.start_hiring_flow(&user).await;
        let callback = app.answer_consent(&flow.authorize_url, "allow").await;
        flows.push((user, flow.flow_id, callback));
    }
    app.fault(json!({"route": "POST /auth/oauth2/token", "latency_ms": 800}))
        .await;

    // Act: every browser gives up after 0.2 s.
    let gone = flows.iter().map(|(_, _, callback)| {
        app.client
            .get(callback.clone())
            .timeout(Duration::from_millis(200))
            .send()
    });
    for answer in futures_all(gone).await {
        assert!(answer.is_err(), "the browser gave up before the answer");
    }

    // Assert
    for (user, flow_id, _) in &flows {
        let status = wait_until_final(&app, user, flow_id).await;
        assert_eq!(status["status"], "connected", "{status}");
        assert!(status["hire"]["employment_id"].is_string(), "{status}");
    }
    let state = app.sandbox_state().await;
    assert_eq!(state["token_requests"]["authorization_code"], CLIENTS);
    assert_eq!(state["employment_posts"], CLIENTS);
    no_connection_is_left_inside_a_transaction(&app, db).await;
}

async fn pages_that_give_up_during_the_hire_leave_every_record_true_to_remote(db: Db) {
    // Arrange: one connected employer; the employment POST is slow.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    json_body(
        app.hire(
            &user,
            &new_key(),
            &ana_with("personal_email", "warm@example.com"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.fault(json!({"route": "POST /v1/employments", "latency_ms": 800}))
        .await;
    let attempts: Vec<(String, Value)> = (0..CLIENTS)
        .map(|n| {
            (
                new_key(),
                ana_with("personal_email", &format!("dropped{n}@example.com")),
            )
        })
        .collect();

    // Act: every page gives up after 0.2 s.
    let gone = attempts.iter().map(|(key, candidate)| {
        app.client
            .post(app.url("/api/v1/hires"))
            .header(reqwest::header::ORIGIN, JOB_SITE_ORIGIN)
            .bearer_auth(app.token(&user))
            .header("Idempotency-Key", key)
            .json(candidate)
            .timeout(Duration::from_millis(200))
            .send()
    });
    for answer in futures_all(gone).await {
        assert!(answer.is_err(), "the page gave up before the answer");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.clear_faults().await;

    // Assert: each retry finds its hire made, and nothing is posted again.
    let posts = app.sandbox_state().await["employment_posts"].clone();
    assert_eq!(
        posts,
        CLIENTS + 1,
        "each dropped hire still reached Remote once"
    );
    for (key, candidate) in &attempts {
        let retried = json_body(app.hire(&user, key, candidate).await, StatusCode::CREATED).await;
        assert!(retried["employment_id"].is_string(), "{retried}");
    }
    assert_eq!(app.sandbox_state().await["employment_posts"], posts);
    no_connection_is_left_inside_a_transaction(&app, db).await;
}

/// Awaits every request future, concurrently.
async fn futures_all<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("the request task"));
    }
    results
}

on_both_databases!(
    browsers_that_give_up_during_the_code_exchange_leave_every_flow_final,
    pages_that_give_up_during_the_hire_leave_every_record_true_to_remote,
);

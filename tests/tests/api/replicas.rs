//! Several backend processes on one database, as behind a load balancer: a refresh still happens
//! once per connection, and one idempotency key still makes one employment, whichever replica
//! each request reaches.

use std::sync::Arc;

use hwr_integration_tests::{
    ana, candidate_number, json_body, new_key, on_both_databases, spawn_app, spawn_app_configured,
    unique_user, Db, Replica, TestApp,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::task::JoinSet;

fn refreshes(state: &Value) -> u64 {
    state["token_requests"]["refresh_token"]
        .as_u64()
        .expect("a count of refreshes")
}

/// Ten hires for `user`, alternating between the two backends, all at once; asserts each is 201.
async fn hires_across_replicas(app: &Arc<TestApp>, replica: &Replica, user: &str) {
    let addresses = [app.address.clone(), replica.address.clone()];
    let mut hires = JoinSet::new();
    for n in 0..10 {
        let (app, user, address) = (Arc::clone(app), user.to_owned(), addresses[n % 2].clone());
        hires.spawn(async move {
            let response = app
                .hire_at(&address, &user, &new_key(), &candidate_number(n))
                .await;
            (response.status(), response.text().await.unwrap_or_default())
        });
    }
    while let Some(answer) = hires.join_next().await {
        let (status, body) = answer.expect("the hire task finished");
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

/// Remote's token endpoint answers after half a second, so that the replicas' refreshes would
/// overlap if nothing kept them apart.
async fn slow_token_endpoint(app: &TestApp) {
    app.fault(json!({"route": "POST /auth/oauth2/token", "latency_ms": 500}))
        .await;
}

async fn hires_on_two_replicas_past_the_stored_expiry_refresh_once(db: Db) {
    // Arrange
    let app = Arc::new(spawn_app(db).await);
    let replica = app.spawn_replica().await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_stored_access_token(&user).await;
    slow_token_endpoint(&app).await;

    // Act
    hires_across_replicas(&app, &replica, &user).await;

    // Assert
    let state = app.sandbox_state().await;
    assert_eq!(refreshes(&state), 1, "one refresh across both replicas");
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(10));
}

async fn hires_on_two_replicas_after_remote_expired_the_token_refresh_once(db: Db) {
    // Arrange
    let app = Arc::new(spawn_app(db).await);
    let replica = app.spawn_replica().await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_remote_tokens().await;
    slow_token_endpoint(&app).await;

    // Act
    hires_across_replicas(&app, &replica, &user).await;

    // Assert
    let state = app.sandbox_state().await;
    assert_eq!(refreshes(&state), 1, "one refresh across both replicas");
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(10));
}

async fn with_rotating_refresh_tokens_hires_on_two_replicas_keep_the_connection(db: Db) {
    // Arrange: Remote retires a refresh token once it is used, so a second, overlapping refresh
    // with the old one is refused (invalid_grant) and would cost the employer a new consent.
    let app = Arc::new(
        spawn_app_configured(db, |sandbox| sandbox.rotate_refresh_tokens = true, |_| {}).await,
    );
    let replica = app.spawn_replica().await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_stored_access_token(&user).await;
    slow_token_endpoint(&app).await;

    // Act
    hires_across_replicas(&app, &replica, &user).await;

    // Assert
    assert_eq!(app.connection(&user).await["status"], "connected");
    assert_eq!(refreshes(&app.sandbox_state().await), 1);
}

async fn the_same_hire_sent_to_two_replicas_at_once_creates_one_employment(db: Db) {
    // Arrange: a double click whose two requests land on different replicas.
    let app = Arc::new(spawn_app(db).await);
    let replica = app.spawn_replica().await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let (key, candidate) = (new_key(), ana());

    // Act
    let (first, second) = tokio::join!(
        app.hire_at(&app.address, &user, &key, &candidate),
        app.hire_at(&replica.address, &user, &key, &candidate),
    );

    // Assert
    let first = json_body(first, StatusCode::CREATED).await;
    let second = json_body(second, StatusCode::CREATED).await;
    assert_eq!(first["hire_id"], second["hire_id"]);
    assert_eq!(first["employment_id"], second["employment_id"]);
    let state = app.sandbox_state().await;
    assert_eq!(state["employment_posts"], 1);
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(1));
}

on_both_databases!(
    hires_on_two_replicas_past_the_stored_expiry_refresh_once,
    hires_on_two_replicas_after_remote_expired_the_token_refresh_once,
    with_rotating_refresh_tokens_hires_on_two_replicas_keep_the_connection,
    the_same_hire_sent_to_two_replicas_at_once_creates_one_employment,
);

//! Graceful shutdown: a hire already in flight when the backend is told to stop still completes,
//! and new connections are refused.

use std::time::Duration;

use hwr_integration_tests::{ana, json_body, new_key, spawn_app, unique_user, Db, JOB_SITE_ORIGIN};
use hwr_protocol::IDEMPOTENCY_KEY_HEADER;
use reqwest::{header, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_hire_in_flight_when_shutdown_begins_still_completes() {
    // Arrange: Remote takes a second to create the employment.
    let mut app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/employments", "latency_ms": 1000}))
        .await;
    let request = app
        .client
        .post(app.url("/api/v1/hires"))
        .header(header::ORIGIN, JOB_SITE_ORIGIN)
        .header(IDEMPOTENCY_KEY_HEADER, new_key())
        .bearer_auth(app.token(&user))
        .json(&ana());
    let in_flight = tokio::spawn(request.send());
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Act
    app.begin_shutdown();
    let hired = in_flight
        .await
        .expect("the task ran")
        .expect("the backend answered");

    // Assert
    let body = json_body(hired, StatusCode::CREATED).await;
    assert!(body["employment_id"].is_string());
    assert_eq!(
        app.sandbox_state().await["employments"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = app.client.get(app.url("/healthz")).send().await;
    assert!(
        after.is_err(),
        "new connections are refused once the server has stopped"
    );
}

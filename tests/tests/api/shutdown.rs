//! Graceful shutdown: a hire already in flight when the backend is told to stop still completes,
//! and new connections are refused; a hire whose client went away is recorded before it ends.

use std::time::Duration;

use hire_with_remote::store::Store;
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

#[tokio::test]
async fn a_hire_whose_client_went_away_is_recorded_before_the_shutdown_ends() {
    // Arrange: Remote takes a second to create the employment; the page gives up after 0.3 s.
    let mut app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/employments", "latency_ms": 1000}))
        .await;
    let gave_up = app
        .client
        .post(app.url("/api/v1/hires"))
        .header(header::ORIGIN, JOB_SITE_ORIGIN)
        .header(IDEMPOTENCY_KEY_HEADER, new_key())
        .bearer_auth(app.token(&user))
        .timeout(Duration::from_millis(300))
        .json(&ana())
        .send()
        .await;
    assert!(
        gave_up.is_err(),
        "the page went away before Remote answered"
    );

    // Act: the server is stopped while the hire is still waiting for Remote.
    app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(2500)).await;

    // Assert: the hire finished and its record was written before the store was closed.
    let store = Store::connect(&app.database().url(), 2)
        .await
        .expect("the database opens again");
    let recorded: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT status, employment_id FROM hires")
            .fetch_all(store.pool())
            .await
            .expect("the hires are read");
    let employments = app.sandbox_state().await["employments"].clone();
    assert_eq!(
        employments.as_array().map(Vec::len),
        Some(1),
        "{employments}"
    );
    assert_eq!(
        recorded,
        vec![(
            "created".to_owned(),
            employments[0]["id"].as_str().map(str::to_owned)
        )],
        "the employment Remote created is recorded"
    );
}

//! While Remote keeps failing, the backend stops calling it for a moment and answers at once
//! with 503 `upstream_unavailable` and `Retry-After`, instead of making every employer wait for
//! the upstream timeout.

use hwr_integration_tests::{ana_with, json_body, new_key, spawn_app, unique_user, Db};
use reqwest::{header, StatusCode};
use serde_json::json;

#[tokio::test]
async fn while_remote_keeps_failing_the_circuit_opens_and_answers_at_once_with_retry_after() {
    // Arrange: a first hire fills the country cache, then every call the hire path makes fails.
    let app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    json_body(
        app.hire(
            &user,
            &new_key(),
            &ana_with("personal_email", "first@example.com"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for route in [
        "POST /v1/employments",
        "GET /v1/employments",
        "POST /v1/magic-link",
    ] {
        app.fault(json!({"route": route, "status": 503})).await;
    }

    // Act: hires until one is answered by the open circuit (each failing hire makes 4 calls:
    // the already-hired lookup, the POST, the lookup after it and the magic link; the circuit
    // opens once half of at least 20 calls in the window failed, the first hire's successful
    // calls included: during the fourth failing hire).
    let mut answers = Vec::new();
    for n in 0..10 {
        let candidate = ana_with("personal_email", &format!("failing{n}@example.com"));
        let response = app.hire(&user, &new_key(), &candidate).await;
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        let body = json_body(response, StatusCode::SERVICE_UNAVAILABLE).await;
        answers.push((body, retry_after));
    }

    // Assert
    assert!(answers
        .iter()
        .all(|(body, _)| body["error"]["code"] == "upstream_unavailable"));
    let fast = answers
        .iter()
        .position(|(body, _)| {
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Nothing was sent"))
        })
        .expect("the circuit opened");
    assert!(
        fast >= 3,
        "the circuit opened only after 20 calls, not at {fast}"
    );
    assert!(
        answers[fast..].iter().all(|(_, retry)| retry.is_some()),
        "Retry-After on every fast answer"
    );
}

#[tokio::test]
async fn the_token_endpoint_is_behind_the_same_circuit_breaker() {
    // Arrange: one employer's failing hires open the circuit.
    let app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    for route in [
        "POST /v1/employments",
        "GET /v1/employments",
        "POST /v1/magic-link",
    ] {
        app.fault(json!({"route": route, "status": 503})).await;
    }
    for n in 0..10 {
        let candidate = ana_with("personal_email", &format!("failing{n}@example.com"));
        let _ = app.hire(&user, &new_key(), &candidate).await;
    }
    let exchanges_before = app.sandbox_state().await["token_requests"]["authorization_code"]
        .as_u64()
        .expect("a count");

    // Act: another employer's consent completes while the circuit is open.
    let other = unique_user();
    let flow = app.start_flow(&other).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    app.callback(&callback).await;

    // Assert: no code exchange was attempted against the failing Remote.
    let status = app.flow(&other, &flow.flow_id).await;
    assert_eq!(status["status"], "failed");
    assert_eq!(status["error"], "upstream_unavailable");
    assert_eq!(
        app.sandbox_state().await["token_requests"]["authorization_code"],
        exchanges_before
    );
}

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

    // Act: hires until one is answered by the open circuit (each failing hire makes 3 calls).
    let mut answers = Vec::new();
    for n in 0..6 {
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
    assert!(fast >= 1, "the circuit opened only after failures");
    assert!(
        answers[fast..].iter().all(|(_, retry)| retry.is_some()),
        "Retry-After on every fast answer"
    );
}

//! Request ids: an incoming `X-Request-Id` is echoed (and logged, and audited) only when it
//! matches `^[A-Za-z0-9._:-]{1,64}$`; anything else is replaced by a fresh one.

use hwr_integration_tests::{spawn_app, unique_user, Db};
use reqwest::StatusCode;

fn echoed(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every answer carries a request id")
        .to_owned()
}

#[tokio::test]
async fn a_plain_request_id_is_kept_and_echoed() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "lb:trace-42.a_b")
        .send()
        .await
        .expect("an answer");

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(echoed(&response), "lb:trace-42.a_b");
}

#[tokio::test]
async fn an_oversized_or_odd_request_id_is_replaced_and_never_stored() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    let huge = "x".repeat(30_000);

    for sent in [huge.as_str(), "has space", "<script>", &"y".repeat(65)] {
        // Act: a request that writes an audit row (a consent start).
        let response = app
            .client
            .post(app.url("/api/v1/connect"))
            .bearer_auth(app.token(&user))
            .header("x-request-id", sent)
            .json(&serde_json::json!({"mode": "popup"}))
            .send()
            .await
            .expect("an answer");

        // Assert
        assert_eq!(response.status(), StatusCode::CREATED);
        let id = echoed(&response);
        assert_ne!(id, sent);
        assert!(id.len() <= 64, "a fresh id: {id}");
        assert!(!app.stored_text().await.contains(sent), "not stored");
    }
}

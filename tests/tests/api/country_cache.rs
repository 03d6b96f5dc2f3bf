//! Remote's country list when Remote misbehaves: one fetch at a time, callers behind a failing
//! fetch answered together, the stale list served while Remote fails. Each fetch asks Remote's
//! token endpoint for a client-credentials token first, so those requests count the fetches.

use std::time::Duration;

use hwr_integration_tests::{assert_error, json_body, spawn_app, spawn_app_with, unique_user, Db};
use reqwest::StatusCode;
use serde_json::json;

async fn client_credentials_requests(app: &hwr_integration_tests::TestApp) -> u64 {
    app.sandbox_state().await["token_requests"]["client_credentials"]
        .as_u64()
        .expect("a count of client-credentials requests")
}

#[tokio::test]
async fn callers_behind_a_failing_remote_share_one_fetch_and_all_get_an_answer() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    app.fault(json!({"route": "GET /v1/countries", "status": 503, "latency_ms": 300}))
        .await;
    let user = unique_user();

    // Act: five callers at once.
    let path = "/api/v1/countries";
    let (a, b, c, d, e) = tokio::join!(
        app.get(&user, path),
        app.get(&user, path),
        app.get(&user, path),
        app.get(&user, path),
        app.get(&user, path),
    );
    let answers = [a, b, c, d, e];

    // Assert
    for answer in answers {
        assert_error(
            answer,
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream_unavailable",
        )
        .await;
    }
    assert_eq!(client_credentials_requests(&app).await, 1, "one fetch");
}

#[tokio::test]
async fn a_stale_country_list_is_served_while_remote_fails() {
    // Arrange: a list fetched, then out of date, then Remote fails.
    let app = spawn_app_with(Db::Sqlite, |settings| settings.countries_ttl_secs = 1).await;
    let user = unique_user();
    let fresh = json_body(app.get(&user, "/api/v1/countries").await, StatusCode::OK).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.fault(json!({"route": "GET /v1/countries", "status": 503}))
        .await;

    // Act
    let first = json_body(app.get(&user, "/api/v1/countries").await, StatusCode::OK).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = json_body(app.get(&user, "/api/v1/countries").await, StatusCode::OK).await;

    // Assert: the stale list both times; one refresh tried, and its failure remembered.
    assert_eq!(first, fresh);
    assert_eq!(second, fresh);
    assert_eq!(client_credentials_requests(&app).await, 2);
}

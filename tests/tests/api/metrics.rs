//! Metrics on their own listener (`HWR_METRICS_LISTEN`): every metric DESIGN.md names is listed
//! before first use, requests, hires and refreshes are counted as they happen, and the main
//! listener does not serve `/metrics`.

use hwr_integration_tests::{ana, json_body, new_key, spawn_app_with, unique_user, Db, TestApp};
use reqwest::StatusCode;

async fn scrape(app: &TestApp) -> String {
    let address = app.metrics_address.as_deref().expect("a metrics listener");
    let response = app
        .client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .expect("the metrics listener answers");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("metrics text")
}

/// The value of the sample line that starts with `series` (name and labels).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

#[tokio::test]
async fn every_metric_is_listed_at_start_and_counts_what_happens() {
    // Arrange
    let app = spawn_app_with(Db::Sqlite, |settings| {
        settings.metrics_listen = Some("127.0.0.1:0".to_owned());
    })
    .await;
    let before = scrape(&app).await;
    for name in [
        "hwr_http_requests_total",
        "hwr_http_request_duration_seconds",
        "hwr_hires_total",
        "hwr_upstream_request_duration_seconds",
        "hwr_token_refreshes_total",
        "hwr_webhook_deliveries_total",
        "hwr_breaker_open",
    ] {
        assert!(before.contains(name), "{name} is listed at start");
    }
    assert_eq!(value(&before, "hwr_hires_total{outcome=\"created\"}"), 0.0);

    // Act: a consent and a hire, then the same hire again, then a refresh.
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let key = new_key();
    json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;
    json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;
    app.expire_stored_access_token(&user).await;
    let _ = app.get(&user, "/api/v1/countries").await;
    json_body(
        app.hire(
            &user,
            &new_key(),
            &hwr_integration_tests::ana_with("personal_email", "b@example.com"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let after = scrape(&app).await;

    // Assert
    assert_eq!(value(&after, "hwr_hires_total{outcome=\"created\"}"), 2.0);
    assert_eq!(value(&after, "hwr_hires_total{outcome=\"replayed\"}"), 1.0);
    assert_eq!(
        value(&after, "hwr_token_refreshes_total{outcome=\"refreshed\"}"),
        1.0
    );
    assert!(
        value(
            &after,
            "hwr_http_requests_total{route=\"/api/v1/hires\",status=\"201\"}"
        ) >= 3.0
    );
    assert!(
        value(
            &after,
            "hwr_upstream_request_duration_seconds_count{endpoint=\"POST /v1/employments\"}"
        ) >= 2.0
    );
    assert_eq!(value(&after, "hwr_breaker_open"), 0.0);
    let main = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        main.status(),
        StatusCode::NOT_FOUND,
        "not on the main listener"
    );
}

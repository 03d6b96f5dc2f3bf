//! The origin allow-list and CORS: only the job site's exact origin may call the API; any other
//! origin gets 403 `forbidden_origin` and no CORS headers, preflights included. (No store is
//! involved: SQLite only.)

use hwr_integration_tests::{
    assert_error, json_body, send, spawn_app, unique_user, Db, FOREIGN_ORIGIN, JOB_SITE_ORIGIN,
};
use reqwest::{header, Method, StatusCode};

const ALLOW_ORIGIN: &str = "access-control-allow-origin";

#[tokio::test]
async fn a_request_from_the_allowed_origin_gets_its_origin_back_in_cors_headers() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = app.get(&unique_user(), "/api/v1/connection").await;

    // Assert
    assert_eq!(
        response.headers().get(ALLOW_ORIGIN).map(|v| v.as_bytes()),
        Some(JOB_SITE_ORIGIN.as_bytes())
    );
    json_body(response, StatusCode::OK).await;
}

#[tokio::test]
async fn a_request_from_a_foreign_origin_is_forbidden_without_cors_headers() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let token = app.token(&unique_user());

    for origin in [
        FOREIGN_ORIGIN,
        "http://127.0.0.1:10",
        "https://127.0.0.1:9",
        "http://127.0.0.1:9.evil.example",
        "null",
    ] {
        // Act
        let response = send(
            app.client
                .get(app.url("/api/v1/connection"))
                .header(header::ORIGIN, origin)
                .bearer_auth(&token),
        )
        .await;

        // Assert
        assert!(
            response.headers().get(ALLOW_ORIGIN).is_none(),
            "no CORS header for {origin}"
        );
        assert_error(response, StatusCode::FORBIDDEN, "forbidden_origin").await;
    }
}

#[tokio::test]
async fn a_hire_from_a_foreign_origin_is_forbidden() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = send(
        app.client
            .post(app.url("/api/v1/hires"))
            .header(header::ORIGIN, FOREIGN_ORIGIN)
            .header("Idempotency-Key", "k")
            .bearer_auth(app.token(&unique_user()))
            .json(&hwr_integration_tests::ana()),
    )
    .await;

    // Assert
    assert!(response.headers().get(ALLOW_ORIGIN).is_none());
    assert_error(response, StatusCode::FORBIDDEN, "forbidden_origin").await;
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

#[tokio::test]
async fn a_preflight_from_the_allowed_origin_gets_cors_headers() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = send(
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/hires"))
            .header(header::ORIGIN, JOB_SITE_ORIGIN)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,idempotency-key",
            ),
    )
    .await;

    // Assert
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    assert_eq!(text(ALLOW_ORIGIN), JOB_SITE_ORIGIN);
    assert!(text("access-control-allow-methods").contains("post"));
    for wanted in ["authorization", "content-type", "idempotency-key"] {
        assert!(
            text("access-control-allow-headers").contains(wanted),
            "{wanted} allowed: {:?}",
            text("access-control-allow-headers")
        );
    }
}

#[tokio::test]
async fn a_preflight_from_a_foreign_origin_is_forbidden_without_cors_headers() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = send(
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/hires"))
            .header(header::ORIGIN, FOREIGN_ORIGIN)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization"),
    )
    .await;

    // Assert
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(ALLOW_ORIGIN).is_none());
    assert!(response
        .headers()
        .get("access-control-allow-methods")
        .is_none());
}

#[tokio::test]
async fn a_server_to_server_request_without_origin_is_served() {
    // Arrange: a job site's server (no browser, so no Origin header).
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = send(
        app.client
            .get(app.url("/api/v1/connection"))
            .bearer_auth(app.token(&unique_user())),
    )
    .await;

    // Assert
    json_body(response, StatusCode::OK).await;
}

#[tokio::test]
async fn api_answers_are_never_cached_or_framed() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = app.get(&unique_user(), "/api/v1/connection").await;

    // Assert
    let headers = response.headers();
    assert_eq!(
        headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    assert!(headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|csp| csp.contains("frame-ancestors 'none'")));
    assert_eq!(
        headers
            .get(header::X_CONTENT_TYPE_OPTIONS)
            .map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
}

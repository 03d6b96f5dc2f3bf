//! Who is calling: the site token. Missing, forged, expired, wrong-audience and over-long tokens
//! all get 401 `unauthorized`, in our error shape. (No store is involved: SQLite only.)

use std::time::{SystemTime, UNIX_EPOCH};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hwr_integration_tests::{assert_error, json_body, send, spawn_app, unique_user, Db, TestApp};
use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// An HS256 token with exactly these claims, signed with `secret`.
fn signed(secret: &str, claims: &Value) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("a JWT")
}

async fn connection_with_bearer(app: &TestApp, token: &str) -> reqwest::Response {
    send(
        app.request(Method::GET, "/api/v1/connection")
            .bearer_auth(token),
    )
    .await
}

#[tokio::test]
async fn a_token_minted_with_the_shared_secret_is_accepted() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let token = signed(
        &app.site_secret,
        &json!({"sub": unique_user(), "aud": "hire-with-remote", "exp": now() + 300}),
    );

    // Act
    let response = connection_with_bearer(&app, &token).await;

    // Assert
    json_body(response, StatusCode::OK).await;
}

#[tokio::test]
async fn a_request_without_a_site_token_is_unauthorized() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = send(app.request(Method::GET, "/api/v1/connection")).await;

    // Assert
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_site_token_that_is_not_a_bearer_token_is_unauthorized() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let token = app.token(&unique_user());

    // Act
    let response = send(
        app.request(Method::GET, "/api/v1/connection")
            .header(header::AUTHORIZATION, format!("Basic {token}")),
    )
    .await;

    // Assert
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_site_token_signed_with_another_secret_is_unauthorized() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let forged = signed(
        "not-the-shared-secret-not-the-shared-secret",
        &json!({"sub": unique_user(), "aud": "hire-with-remote", "exp": now() + 300}),
    );

    // Act
    let response = connection_with_bearer(&app, &forged).await;

    // Assert
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn an_expired_site_token_is_unauthorized() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let expired = signed(
        &app.site_secret,
        &json!({"sub": unique_user(), "aud": "hire-with-remote", "exp": now() - 120}),
    );

    // Act
    let response = connection_with_bearer(&app, &expired).await;

    // Assert
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_site_token_for_another_audience_is_unauthorized() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let other_audience = signed(
        &app.site_secret,
        &json!({"sub": unique_user(), "aud": "some-other-service", "exp": now() + 300}),
    );
    let no_audience = signed(
        &app.site_secret,
        &json!({"sub": unique_user(), "exp": now() + 300}),
    );

    // Act
    let wrong = connection_with_bearer(&app, &other_audience).await;
    let missing = connection_with_bearer(&app, &no_audience).await;

    // Assert
    assert_error(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(missing, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_site_token_living_longer_than_the_maximum_is_unauthorized() {
    // Arrange: the default maximum is one hour.
    let app = spawn_app(Db::Sqlite).await;
    let too_long = signed(
        &app.site_secret,
        &json!({"sub": unique_user(), "aud": "hire-with-remote", "exp": now() + 3 * 3600}),
    );

    // Act
    let response = connection_with_bearer(&app, &too_long).await;

    // Assert
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_site_token_without_a_subject_is_unauthorized() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let no_sub = signed(
        &app.site_secret,
        &json!({"aud": "hire-with-remote", "exp": now() + 300}),
    );
    let empty_sub = signed(
        &app.site_secret,
        &json!({"sub": "", "aud": "hire-with-remote", "exp": now() + 300}),
    );

    // Act
    let missing = connection_with_bearer(&app, &no_sub).await;
    let empty = connection_with_bearer(&app, &empty_sub).await;

    // Assert
    assert_error(missing, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(empty, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_site_token_with_the_none_algorithm_is_unauthorized() {
    // Arrange: header {"alg":"none"}, no signature.
    let app = spawn_app(Db::Sqlite).await;
    let claims = json!({"sub": unique_user(), "aud": "hire-with-remote", "exp": now() + 300});
    let unsigned = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );

    // Act
    let response = connection_with_bearer(&app, &unsigned).await;

    // Assert
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn every_api_route_needs_a_site_token() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let routes = [
        (Method::GET, "/api/v1/connection"),
        (Method::DELETE, "/api/v1/connection"),
        (Method::POST, "/api/v1/connect"),
        (
            Method::GET,
            "/api/v1/flows/00000000-0000-4000-8000-000000000000",
        ),
        (Method::POST, "/api/v1/hires"),
        (Method::GET, "/api/v1/countries"),
    ];

    for (method, path) in routes {
        // Act
        let response = send(
            app.request(method.clone(), path)
                .header("Idempotency-Key", "k")
                .json(&json!({"mode": "popup"})),
        )
        .await;

        // Assert
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

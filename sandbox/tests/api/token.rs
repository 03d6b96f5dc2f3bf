//! `POST /auth/oauth2/token`: client authentication, the three grants and their errors.

use std::time::Duration;

use hwr_sandbox::seed::{ACME_ROBOTICS_ID, MARIA_MANAGER_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{basic, pkce_pair, spawn, spawn_with, REDIRECT_URI};

async fn error_of(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_code_exchange_returns_bearer_tokens_with_company_and_user() {
    let app = spawn().await;
    let code = app.code_for(MARIA_MANAGER_ID, &[]).await;

    let response = app.exchange(&code, None).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["company_id"], ACME_ROBOTICS_ID);
    assert_eq!(body["user_id"], MARIA_MANAGER_ID);
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn a_json_token_request_is_rejected_as_invalid_request() {
    let app = spawn().await;
    let code = app.code_for(MARIA_MANAGER_ID, &[]).await;

    let response = app
        .client
        .post(app.url("/auth/oauth2/token"))
        .header("authorization", basic("demo-client", "demo-secret"))
        .json(&json!({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}))
        .send()
        .await
        .unwrap();

    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".into())
    );
}

#[tokio::test]
async fn a_token_request_without_basic_auth_is_invalid_client() {
    let app = spawn().await;

    let response = app
        .client
        .post(app.url("/auth/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["www-authenticate"], "Basic");
    assert_eq!(
        error_of(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".into())
    );
}

#[tokio::test]
async fn a_token_request_with_a_wrong_secret_is_invalid_client() {
    let app = spawn().await;

    let response = app
        .client
        .post(app.url("/auth/oauth2/token"))
        .header("authorization", basic("demo-client", "wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();

    assert_eq!(
        error_of(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".into())
    );
}

#[tokio::test]
async fn pkce_with_the_right_verifier_succeeds() {
    let app = spawn().await;
    let (verifier, challenge) = pkce_pair();
    let code = app
        .code_for(
            MARIA_MANAGER_ID,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;

    let response = app.exchange(&code, Some(&verifier)).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn pkce_without_a_verifier_is_invalid_grant() {
    let app = spawn().await;
    let (_, challenge) = pkce_pair();
    let code = app
        .code_for(
            MARIA_MANAGER_ID,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;

    let response = app.exchange(&code, None).await;

    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn pkce_with_a_wrong_verifier_is_invalid_grant() {
    let app = spawn().await;
    let (_, challenge) = pkce_pair();
    let (other_verifier, _) = pkce_pair();
    let code = app
        .code_for(
            MARIA_MANAGER_ID,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;

    let response = app.exchange(&code, Some(&other_verifier)).await;

    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_replayed_code_is_invalid_grant_and_revokes_the_tokens_it_produced() {
    let app = spawn().await;
    let code = app.code_for(MARIA_MANAGER_ID, &[]).await;
    let first: Value = app.exchange(&code, None).await.json().await.unwrap();
    let access_token = first["access_token"].as_str().unwrap();

    let replay = app.exchange(&code, None).await;

    assert_eq!(
        error_of(replay).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
    let after = app.get("/v1/identity/current", access_token).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let app = spawn_with(|config| config.code_ttl = Duration::ZERO).await;
    let code = app.code_for(MARIA_MANAGER_ID, &[]).await;

    let response = app.exchange(&code, None).await;

    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_code_exchanged_with_another_redirect_uri_is_invalid_grant() {
    let app = spawn_with(|config| {
        config
            .redirect_uris
            .push("http://127.0.0.1:9999/other".to_owned());
    })
    .await;
    let code = app.code_for(MARIA_MANAGER_ID, &[]).await;

    let response = app
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9999/other"),
        ])
        .await;

    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn an_unknown_code_is_invalid_grant() {
    let app = spawn().await;

    let response = app.exchange("made-up", None).await;

    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn refreshing_returns_the_same_refresh_token_and_no_company_or_user() {
    let app = spawn().await;
    let tokens = app.tokens_for(MARIA_MANAGER_ID).await;

    let response = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh_token),
        ])
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["refresh_token"], tokens.refresh_token.as_str());
    assert_ne!(body["access_token"], tokens.access_token.as_str());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("company_id").is_none() && body.get("user_id").is_none());
    let identity = app
        .get(
            "/v1/identity/current",
            body["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(identity.status(), StatusCode::OK);
}

#[tokio::test]
async fn rotation_mode_returns_a_new_refresh_token_and_retires_the_old_one() {
    let app = spawn_with(|config| config.rotate_refresh_tokens = true).await;
    let tokens = app.tokens_for(MARIA_MANAGER_ID).await;

    let first: Value = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh_token),
        ])
        .await
        .json()
        .await
        .unwrap();
    let reused = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh_token),
        ])
        .await;

    let rotated = first["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, tokens.refresh_token);
    assert_eq!(
        error_of(reused).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
    let next = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", rotated)])
        .await;
    assert_eq!(next.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_invalid_grant() {
    let app = spawn().await;

    let response = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", "nope")])
        .await;

    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn client_credentials_give_a_token_without_a_company() {
    let app = spawn().await;

    let response = app
        .token_request(&[("grant_type", "client_credentials")])
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("refresh_token").is_none() && body.get("company_id").is_none());
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/v1/countries", token).await.status(),
        StatusCode::OK
    );
    let employments = app.get("/v1/employments", token).await;
    assert_eq!(employments.status(), StatusCode::UNAUTHORIZED);
    let identity: Value = app
        .get("/v1/identity/current", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(identity["data"]["client_id"], "demo-client");
    assert!(identity["data"]["company"].is_null());
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported_grant_type() {
    let app = spawn().await;

    let response = app.token_request(&[("grant_type", "password")]).await;

    assert_eq!(
        error_of(response).await,
        (StatusCode::BAD_REQUEST, "unsupported_grant_type".into())
    );
}

#[tokio::test]
async fn a_missing_code_is_invalid_request() {
    let app = spawn().await;

    let response = app
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await;

    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert!(body["error_description"].is_string());
}

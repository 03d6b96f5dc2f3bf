//! The `/__sandbox` control surface: state, faults, reset.

use std::time::{Duration, Instant};

use hwr_sandbox::seed::MARIA_MANAGER_ID;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{employee, spawn};

#[tokio::test]
async fn state_counts_token_requests_and_employment_posts_and_lists_what_was_issued() {
    let app = spawn().await;
    let tokens = app.tokens_for(MARIA_MANAGER_ID).await;
    app.token_request(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", &tokens.refresh_token),
    ])
    .await;
    app.token_request(&[("grant_type", "client_credentials")])
        .await;
    app.post_json(
        "/v1/employments",
        &tokens.access_token,
        &employee("Ana Silva", "ana@example.com"),
    )
    .await;
    app.post_json("/v1/employments", &tokens.access_token, &json!({}))
        .await;

    let state = app.state().await;

    assert_eq!(
        state["token_requests"],
        json!({"authorization_code": 1, "refresh_token": 1, "client_credentials": 1})
    );
    assert_eq!(state["employment_posts"], 2);
    assert_eq!(state["employments"].as_array().unwrap().len(), 1);
    assert_eq!(state["employments"][0]["full_name"], "Ana Silva");
    assert_eq!(state["issued"]["codes"].as_array().unwrap().len(), 1);
    assert_eq!(state["issued"]["codes"][0]["used"], true);
    assert_eq!(
        state["issued"]["access_tokens"].as_array().unwrap().len(),
        3
    );
    assert_eq!(
        state["issued"]["access_tokens"][0]["value"],
        tokens.access_token.as_str()
    );
    assert_eq!(
        state["issued"]["refresh_tokens"][0]["value"],
        tokens.refresh_token.as_str()
    );
}

#[tokio::test]
async fn a_status_fault_answers_that_status_with_a_message() {
    let app = spawn().await;
    app.add_fault(json!({"route": "POST /auth/oauth2/token", "status": 503}))
        .await;

    let response = app
        .token_request(&[("grant_type", "client_credentials")])
        .await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn a_fault_with_only_a_route_answers_503() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "GET /v1/countries"})).await;

    let response = app.get("/v1/countries", &token).await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_429_fault_carries_retry_after() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "GET /v1/employments/{id}", "status": 429}))
        .await;

    let response = app.get("/v1/employments/some-id", &token).await;

    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn a_fault_with_a_count_fires_that_many_times_then_stops() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "GET /v1/countries", "status": 500, "count": 2}))
        .await;

    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(app.get("/v1/countries", &token).await.status());
    }

    assert_eq!(
        statuses,
        [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::OK
        ]
    );
}

#[tokio::test]
async fn a_fault_with_probability_zero_never_fires() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "GET /v1/countries", "status": 500, "probability": 0.0}))
        .await;

    for _ in 0..10 {
        assert_eq!(
            app.get("/v1/countries", &token).await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_latency_fault_delays_the_answer_and_then_answers_normally() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "GET /v1/countries", "latency_ms": 300}))
        .await;

    let started = Instant::now();
    let response = app.get("/v1/countries", &token).await;

    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_hang_fault_never_answers() {
    let app = spawn().await;
    app.add_fault(json!({"route": "POST /auth/oauth2/token", "hang": true}))
        .await;

    let result = app
        .client
        .post(app.url("/auth/oauth2/token"))
        .form(&[("grant_type", "client_credentials")])
        .timeout(Duration::from_millis(300))
        .send()
        .await;

    assert!(result.is_err_and(|error| error.is_timeout()));
    app.sandbox.stop().await;
}

#[tokio::test]
async fn create_then_fail_stores_the_employment_and_answers_504() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "POST /v1/employments", "create_then_fail": true, "count": 1}))
        .await;

    let response = app
        .post_json(
            "/v1/employments",
            &token,
            &employee("Ana Silva", "ana@example.com"),
        )
        .await;

    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let list: Value = app
        .get("/v1/employments?email=ana%40example.com", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"]["employments"][0]["full_name"], "Ana Silva");
    assert_eq!(app.state().await["employment_posts"], 1);
}

#[tokio::test]
async fn deleting_faults_clears_them() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "GET /v1/countries", "status": 502}))
        .await;

    let delete = app.control(Method::DELETE, "/__sandbox/faults", None).await;

    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/v1/countries", &token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_fault_on_an_unknown_route_or_with_unknown_fields_is_rejected() {
    let app = spawn().await;

    let unknown_route = app
        .control(
            Method::POST,
            "/__sandbox/faults",
            Some(json!({"route": "POST /v1/nothing"})),
        )
        .await;
    let unknown_field = app
        .control(
            Method::POST,
            "/__sandbox/faults",
            Some(json!({"route": "GET /v1/countries", "statsu": 500})),
        )
        .await;

    assert_eq!(unknown_route.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reset_returns_to_the_seeded_start() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.post_json(
        "/v1/employments",
        &token,
        &employee("Ana Silva", "ana@example.com"),
    )
    .await;
    app.add_fault(json!({"route": "GET /v1/countries", "status": 500}))
        .await;

    let reset = app.control(Method::POST, "/__sandbox/reset", None).await;

    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let state = app.state().await;
    assert_eq!(state["employment_posts"], 0);
    assert_eq!(state["token_requests"]["authorization_code"], 0);
    assert_eq!(state["employments"], json!([]));
    assert_eq!(state["issued"]["access_tokens"], json!([]));
    assert_eq!(
        app.get("/v1/countries", &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = app.access_token_for(MARIA_MANAGER_ID).await;
    assert_eq!(
        app.get("/v1/countries", &fresh).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_paths_are_404_with_a_message() {
    let app = spawn().await;

    let response = app
        .client
        .get(app.url("/v1/nothing-here"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].is_string());
}

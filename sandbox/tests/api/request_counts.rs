//! `requests` in `GET /__sandbox/state`: every request a Remote route receives is counted,
//! whatever answered it, and so is each one a fault fired on.

use hwr_sandbox::seed::MARIA_MANAGER_ID;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{employee, spawn};

fn count(state: &Value, route: &str) -> Value {
    state["requests"][route].clone()
}

#[tokio::test]
async fn every_request_is_counted_per_route_with_the_ones_a_fault_fired_on() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "POST /v1/employments", "status": 503, "count": 1}))
        .await;
    let ana = employee("Ana Silva", "ana@example.com");

    let faulted = app.post_json("/v1/employments", &token, &ana).await;
    let created = app.post_json("/v1/employments", &token, &ana).await;
    let unauthenticated = app.post_json("/v1/employments", "not-a-token", &ana).await;
    app.get("/v1/countries", &token).await;

    assert_eq!(faulted.status(), 503);
    assert_eq!(created.status(), 201);
    assert_eq!(unauthenticated.status(), 401);
    let state = app.state().await;
    assert_eq!(
        count(&state, "POST /v1/employments"),
        json!({"received": 3, "faulted": 1})
    );
    assert_eq!(
        count(&state, "GET /v1/countries"),
        json!({"received": 1, "faulted": 0})
    );
    assert_eq!(
        count(&state, "POST /auth/oauth2/token"),
        json!({"received": 1, "faulted": 0}),
        "the code exchange behind the access token"
    );
    assert_eq!(
        count(&state, "GET /v1/employments"),
        json!({"received": 0, "faulted": 0}),
        "routes that received nothing are listed with zeros"
    );
    assert_eq!(
        state["employment_posts"], 1,
        "employment_posts still counts only the posts that reached Remote's handler"
    );
}

#[tokio::test]
async fn a_fault_that_does_not_fire_leaves_its_requests_counted_as_not_faulted() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "GET /v1/countries", "status": 500, "probability": 0.0}))
        .await;

    app.get("/v1/countries", &token).await;
    app.get("/v1/countries", &token).await;

    assert_eq!(
        count(&app.state().await, "GET /v1/countries"),
        json!({"received": 2, "faulted": 0})
    );
}

#[tokio::test]
async fn a_latency_fault_counts_its_request_as_faulted_though_it_then_answers() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "GET /v1/countries", "latency_ms": 10, "count": 1}))
        .await;

    let delayed = app.get("/v1/countries", &token).await;

    assert_eq!(delayed.status(), 200);
    assert_eq!(
        count(&app.state().await, "GET /v1/countries"),
        json!({"received": 1, "faulted": 1})
    );
}

#[tokio::test]
async fn the_control_surface_is_not_counted_and_a_reset_zeroes_the_counts() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.get("/v1/countries", &token).await;
    let before = app.state().await;

    app.control(Method::POST, "/__sandbox/reset", None).await;

    let after = app.state().await;
    assert_eq!(count(&before, "GET /v1/countries")["received"], 1);
    assert!(
        before["requests"]
            .as_object()
            .is_some_and(|routes| routes.keys().all(|route| !route.contains("__sandbox"))),
        "{before}"
    );
    assert_eq!(
        count(&after, "GET /v1/countries"),
        json!({"received": 0, "faulted": 0})
    );
    assert_eq!(count(&after, "POST /auth/oauth2/token")["received"], 0);
}

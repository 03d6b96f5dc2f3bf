//! Remote's refusal of a country it cannot hire in, in both documented shapes: the validation
//! shape for the countries listed as unhireable, and either shape on demand with the `refusal`
//! fault. The bodies are the files the backend's parser tests read.

use hwr_sandbox::seed::MARIA_MANAGER_ID;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{employee, spawn};

const OBJECT_BODY: &str = include_str!("../../src/country_refusal/object.json");
const VALIDATION_BODY: &str = include_str!("../../src/country_refusal/validation.json");

fn file(body: &str) -> Value {
    serde_json::from_str(body).expect("the refusal file is JSON")
}

#[tokio::test]
async fn an_unhireable_country_gets_exactly_the_validation_shaped_refusal_file() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let mut afghan = employee("Ana Silva", "ana@example.com");
    afghan["country_code"] = json!("AFG");

    let response = app.post_json("/v1/employments", &token, &afghan).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, file(VALIDATION_BODY));
}

#[tokio::test]
async fn the_unsupported_country_refusal_answers_remotes_object_shaped_body_and_creates_nothing() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({"route": "POST /v1/employments", "refusal": "unsupported_country"}))
        .await;

    let response = app
        .post_json(
            "/v1/employments",
            &token,
            &employee("Ana Silva", "ana@example.com"),
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "a JSON answer"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, file(OBJECT_BODY));
    assert_eq!(
        body["message"]["code"],
        "resource_not_supported_for_country"
    );
    let state = app.state().await;
    assert_eq!(state["employments"], json!([]));
    assert_eq!(
        state["requests"]["POST /v1/employments"],
        json!({"received": 1, "faulted": 1})
    );
}

#[tokio::test]
async fn the_validation_shaped_refusal_fault_answers_what_an_unhireable_country_gets() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({
        "route": "POST /v1/employments",
        "refusal": "unsupported_country_validation",
        "count": 1,
    }))
    .await;
    let ana = employee("Ana Silva", "ana@example.com");

    let refused = app.post_json("/v1/employments", &token, &ana).await;
    let created = app.post_json("/v1/employments", &token, &ana).await;

    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        file(VALIDATION_BODY)
    );
    assert_eq!(
        created.status(),
        StatusCode::CREATED,
        "the fault fired once"
    );
}

#[tokio::test]
async fn a_refusal_on_another_route_or_with_a_status_or_an_unknown_kind_is_rejected() {
    let app = spawn().await;

    let other_route = app
        .control(
            Method::POST,
            "/__sandbox/faults",
            Some(json!({"route": "GET /v1/countries", "refusal": "unsupported_country"})),
        )
        .await;
    let with_status = app
        .control(
            Method::POST,
            "/__sandbox/faults",
            Some(json!({
                "route": "POST /v1/employments",
                "refusal": "unsupported_country",
                "status": 400,
            })),
        )
        .await;
    let unknown_kind = app
        .control(
            Method::POST,
            "/__sandbox/faults",
            Some(json!({"route": "POST /v1/employments", "refusal": "no_such_refusal"})),
        )
        .await;

    assert_eq!(other_route.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(with_status.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown_kind.status(), StatusCode::BAD_REQUEST);
}

//! `POST /v1/employments?json_schema_version=N`: version 3 enforces the country's form (required
//! fields, choices) with Remote's flat 422s and stores the extra fields; version 1, the default,
//! is unchanged.

use hwr_sandbox::seed::MARIA_MANAGER_ID;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{employee, spawn};

const V3: &str = "/v1/employments?json_schema_version=3";

fn errors_of(body: &Value) -> &serde_json::Map<String, Value> {
    assert_eq!(body["message"], "Validation failed");
    body["errors"].as_object().expect("an errors object")
}

fn with(country: &str, extra: Value) -> Value {
    let mut body = employee("Ana Silva", "ana@example.com");
    body["country_code"] = json!(country);
    let info = body["basic_information"]
        .as_object_mut()
        .expect("basic_information");
    for (name, value) in extra.as_object().expect("extra fields") {
        info.insert(name.clone(), value.clone());
    }
    body
}

#[tokio::test]
async fn portugal_at_version_3_without_the_tax_fields_is_422_naming_both() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app.post_json(V3, &token, &with("PRT", json!({}))).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "message": "Validation failed",
            "errors": {
                "tax_job_category": ["can't be blank"],
                "tax_servicing_countries": ["can't be blank"]
            }
        })
    );
    assert_eq!(app.state().await["employments"], json!([]));
}

#[tokio::test]
async fn options_outside_the_choices_are_422() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let cases = [
        (
            json!({"tax_job_category": "astronaut", "tax_servicing_countries": ["Portugal"]}),
            "tax_job_category",
            "is invalid",
        ),
        (
            json!({"tax_job_category": "sales", "tax_servicing_countries": ["Narnia"]}),
            "tax_servicing_countries",
            "is invalid",
        ),
        (
            json!({"tax_job_category": "sales", "tax_servicing_countries": "Portugal"}),
            "tax_servicing_countries",
            "is invalid",
        ),
        (
            json!({"tax_job_category": "sales", "tax_servicing_countries": ["Spain", "Spain"]}),
            "tax_servicing_countries",
            "has duplicate entries",
        ),
        (
            json!({"tax_job_category": "sales", "tax_servicing_countries": []}),
            "tax_servicing_countries",
            "can't be blank",
        ),
        (
            json!({"tax_job_category": 7, "tax_servicing_countries": ["Spain"]}),
            "tax_job_category",
            "is invalid",
        ),
    ];

    for (extra, field, message) in cases {
        let response = app.post_json(V3, &token, &with("PRT", extra.clone())).await;

        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{extra}"
        );
        let body: Value = response.json().await.unwrap();
        let errors = errors_of(&body);
        assert_eq!(errors.len(), 1, "{extra}: {body}");
        assert_eq!(errors[field], json!([message]), "{extra}");
    }
}

#[tokio::test]
async fn valid_tax_fields_are_201_and_come_back_inside_basic_information() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let extra = json!({
        "tax_job_category": "engineering_it",
        "tax_servicing_countries": ["Portugal", "United Kingdom (UK)"]
    });

    let created = app.post_json(V3, &token, &with("PRT", extra)).await;

    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["data"]["employment"]["id"].as_str().expect("an id");
    let shown = app.get(&format!("/v1/employments/{id}"), &token).await;
    assert_eq!(shown.status(), StatusCode::OK);
    let shown: Value = shown.json().await.unwrap();
    let info = &shown["data"]["employment"]["basic_information"];
    assert_eq!(info["tax_job_category"], "engineering_it");
    assert_eq!(
        info["tax_servicing_countries"],
        json!(["Portugal", "United Kingdom (UK)"])
    );
    assert_eq!(info["name"], "Ana Silva");
    assert_eq!(info["has_seniority_date"], "no");
    assert_eq!(created["data"]["employment"]["basic_information"], *info);
}

#[tokio::test]
async fn version_1_is_the_default_and_needs_only_the_five_fields() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let mut flat_v1 = employee("Bia Costa", "bia@example.com");
    flat_v1["basic_information"]
        .as_object_mut()
        .expect("basic_information")
        .remove("has_seniority_date");

    let absent = app
        .post_json(
            "/v1/employments",
            &token,
            &employee("Ana Silva", "ana@example.com"),
        )
        .await;
    let one = app
        .post_json("/v1/employments?json_schema_version=1", &token, &flat_v1)
        .await;

    assert_eq!(absent.status(), StatusCode::CREATED);
    assert_eq!(one.status(), StatusCode::CREATED);
    let one: Value = one.json().await.unwrap();
    assert_eq!(
        one["data"]["employment"]["basic_information"],
        json!({
            "name": "Bia Costa",
            "email": "bia@example.com",
            "job_title": "Backend Engineer",
            "provisional_start_date": "2027-01-11",
            "has_seniority_date": "no"
        })
    );
}

#[tokio::test]
async fn germany_at_version_3_checks_the_mobile_number_and_refuses_seniority() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let tax = json!({"tax_job_category": "sales", "tax_servicing_countries": ["Germany"]});
    let mut missing = tax.clone();
    missing["has_seniority_date"] = json!("yes");
    missing["seniority_date"] = json!("2020-01-01");
    let mut bad_number = tax.clone();
    bad_number["mobile_number"] = json!("0151 1234567");
    let mut good = tax.clone();
    good["mobile_number"] = json!("+4915112345678");

    let refused = app.post_json(V3, &token, &with("DEU", missing)).await;
    let bad = app.post_json(V3, &token, &with("DEU", bad_number)).await;
    let created = app.post_json(V3, &token, &with("DEU", good)).await;

    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    let errors = errors_of(&body);
    assert_eq!(errors["mobile_number"], json!(["can't be blank"]));
    assert_eq!(errors["has_seniority_date"], json!(["is invalid"]));
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["errors"], json!({"mobile_number": ["is invalid"]}));
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(
        body["data"]["employment"]["basic_information"]["mobile_number"],
        "+4915112345678"
    );
}

#[tokio::test]
async fn a_seniority_date_is_required_after_yes_and_refused_after_no() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let tax = json!({"tax_job_category": "sales", "tax_servicing_countries": ["Spain"]});
    let mut yes = tax.clone();
    yes["has_seniority_date"] = json!("yes");
    let mut no = tax.clone();
    no["seniority_date"] = json!("2020-01-01");
    let mut unanswered = tax.clone();
    unanswered["has_seniority_date"] = Value::Null;

    let yes = app.post_json(V3, &token, &with("PRT", yes)).await;
    let no = app.post_json(V3, &token, &with("PRT", no)).await;
    let unanswered = app.post_json(V3, &token, &with("PRT", unanswered)).await;

    let yes: Value = yes.json().await.unwrap();
    assert_eq!(yes["errors"], json!({"seniority_date": ["can't be blank"]}));
    let no: Value = no.json().await.unwrap();
    assert_eq!(no["errors"], json!({"seniority_date": ["must be blank"]}));
    let unanswered: Value = unanswered.json().await.unwrap();
    assert_eq!(
        unanswered["errors"],
        json!({"has_seniority_date": ["can't be blank"]})
    );
}

#[tokio::test]
async fn a_field_the_form_does_not_have_is_not_permitted_at_version_3() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app
        .post_json(
            V3,
            &token,
            &with("USA", json!({"favourite_colour": "green"})),
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"],
        json!({"favourite_colour": ["is not permitted"]})
    );
}

#[tokio::test]
async fn another_country_at_version_3_needs_only_the_five_fields() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app.post_json(V3, &token, &with("USA", json!({}))).await;

    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_flat_body_is_422_at_version_3() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let flat = json!({
        "company_id": hwr_sandbox::seed::ACME_ROBOTICS_ID,
        "country_code": "PRT",
        "full_name": "Bruno Braun",
        "job_title": "Designer",
        "personal_email": "bruno@example.com",
        "provisional_start_date": "2027-02-01"
    });

    let response = app.post_json(V3, &token, &flat).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"],
        json!({"basic_information": ["can't be blank"]})
    );
}

#[tokio::test]
async fn an_unknown_or_malformed_version_is_422() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let body = employee("Ana Silva", "ana@example.com");

    let unknown = app
        .post_json("/v1/employments?json_schema_version=2", &token, &body)
        .await;
    let malformed = app
        .post_json("/v1/employments?json_schema_version=v3", &token, &body)
        .await;

    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(
        unknown["errors"],
        json!({"json_schema_version": ["is not supported"]})
    );
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let malformed: Value = malformed.json().await.unwrap();
    assert_eq!(
        malformed["errors"],
        json!({"json_schema_version": ["is invalid"]})
    );
}

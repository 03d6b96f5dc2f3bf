//! `GET /v1/countries/{alpha3}/employment_basic_information`: Remote's JSON Schema per country
//! and `json_schema_version`, in the `{"data": <schema>}` envelope of remote-flows' fixtures.

use hwr_sandbox::seed::MARIA_MANAGER_ID;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{spawn, TestSandbox};

const FIVE: [&str; 5] = [
    "name",
    "email",
    "job_title",
    "provisional_start_date",
    "has_seniority_date",
];

async fn schema(app: &TestSandbox, token: &str, alpha3: &str, query: &str) -> Value {
    let response = app
        .get(
            &format!("/v1/countries/{alpha3}/employment_basic_information{query}"),
            token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{alpha3}{query}");
    let body: Value = response.json().await.expect("JSON schema");
    body["data"].clone()
}

fn required(schema: &Value) -> Vec<String> {
    let mut names: Vec<String> = schema["required"]
        .as_array()
        .expect("a required list")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    names.sort();
    names
}

fn input_type(schema: &Value, field: &str) -> String {
    schema["properties"][field]["x-jsf-presentation"]["inputType"]
        .as_str()
        .unwrap_or_else(|| panic!("{field} has an inputType"))
        .to_owned()
}

fn const_choices(property: &Value) -> Vec<String> {
    property["oneOf"]
        .as_array()
        .expect("oneOf choices")
        .iter()
        .filter_map(|choice| choice["const"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn portugal_at_version_3_requires_the_tax_fields_with_their_choices() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let form = schema(&app, &token, "PRT", "?json_schema_version=3").await;

    let mut expected = FIVE.to_vec();
    expected.extend(["tax_servicing_countries", "tax_job_category"]);
    assert_eq!(required(&form), sorted(&expected));
    assert_eq!(form["type"], "object");
    assert_eq!(input_type(&form, "tax_job_category"), "select");
    let categories = const_choices(&form["properties"]["tax_job_category"]);
    assert_eq!(categories.len(), 12);
    assert!(categories.contains(&"engineering_it".to_owned()));
    assert_eq!(input_type(&form, "tax_servicing_countries"), "countries");
    let countries = &form["properties"]["tax_servicing_countries"];
    assert_eq!(countries["type"], "array");
    assert_eq!(countries["uniqueItems"], true);
    assert_eq!(
        countries["items"]["enum"].as_array().map(Vec::len),
        Some(234)
    );
    assert!(countries["items"]["enum"]
        .as_array()
        .is_some_and(|names| names.contains(&json!("Germany"))));
    assert_eq!(input_type(&form, "has_seniority_date"), "radio");
    assert_eq!(
        const_choices(&form["properties"]["has_seniority_date"]),
        ["yes", "no"]
    );
    let start = &form["properties"]["provisional_start_date"]["x-jsf-presentation"];
    assert_eq!(start["inputType"], "date");
    assert_eq!(start["meta"]["mot"], 20);
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(start["minDate"]
        .as_str()
        .is_some_and(|date| date > today.as_str()));
    let order = form["x-jsf-order"].as_array().expect("an x-jsf-order");
    assert_eq!(
        order[4..6],
        [json!("tax_servicing_countries"), json!("tax_job_category")]
    );
}

#[tokio::test]
async fn without_a_version_the_schema_is_version_1_and_latest_is_version_3() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let absent = schema(&app, &token, "PRT", "").await;
    let one = schema(&app, &token, "PRT", "?json_schema_version=1").await;
    let latest = schema(&app, &token, "PRT", "?json_schema_version=latest").await;
    let three = schema(&app, &token, "PRT", "?json_schema_version=3").await;

    assert_eq!(absent, one);
    assert_eq!(required(&absent), sorted(&FIVE));
    // Version 1 describes the tax fields too, but does not require them.
    assert_eq!(input_type(&absent, "tax_job_category"), "select");
    assert_eq!(latest, three);
}

#[tokio::test]
async fn germany_at_version_3_also_requires_a_mobile_number_and_no_seniority() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let v3 = schema(&app, &token, "DEU", "?json_schema_version=3").await;
    let v1 = schema(&app, &token, "DEU", "?json_schema_version=1").await;

    let mut expected = FIVE.to_vec();
    expected.extend([
        "mobile_number",
        "tax_servicing_countries",
        "tax_job_category",
    ]);
    assert_eq!(required(&v3), sorted(&expected));
    assert_eq!(input_type(&v3, "mobile_number"), "tel");
    assert!(v3["properties"]["mobile_number"]["anyOf"]
        .as_array()
        .is_some_and(|numbers| numbers.len() > 200));
    assert_eq!(v3["properties"]["has_seniority_date"]["const"], "no");
    assert_eq!(input_type(&v3, "tax_servicing_countries"), "countries");
    assert_eq!(required(&v1), sorted(&FIVE));
    assert!(v1["properties"].get("mobile_number").is_none());
}

#[tokio::test]
async fn the_united_kingdom_has_portugals_shape_at_both_versions() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let v1 = schema(&app, &token, "GBR", "").await;
    let v3 = schema(&app, &token, "GBR", "?json_schema_version=3").await;

    assert_eq!(required(&v1), sorted(&FIVE));
    let mut expected = FIVE.to_vec();
    expected.extend(["tax_servicing_countries", "tax_job_category"]);
    assert_eq!(required(&v3), sorted(&expected));
    let text = v3["properties"]["provisional_start_date"]["description"].to_string();
    assert!(text.contains("the United Kingdom"), "{text}");
}

#[tokio::test]
async fn another_country_gets_only_the_basic_fields_at_either_version() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    for query in ["", "?json_schema_version=3"] {
        let form = schema(&app, &token, "USA", query).await;

        assert_eq!(required(&form), sorted(&FIVE));
        let mut properties: Vec<String> = form["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect();
        properties.sort();
        let mut expected = FIVE.to_vec();
        expected.push("seniority_date");
        assert_eq!(properties, sorted(&expected));
        assert_eq!(input_type(&form, "provisional_start_date"), "date");
    }
}

#[tokio::test]
async fn version_1_offers_the_companys_own_managers() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let form = schema(&app, &token, "PRT", "").await;

    let managers = &form["properties"]["manager"]["properties"]["id"]["oneOf"];
    assert_eq!(managers[0]["title"], "Maria Manager");
    assert_eq!(managers[0]["const"], MARIA_MANAGER_ID);
    assert_eq!(
        form["properties"]["department"]["properties"]["id"]["oneOf"],
        json!([{ "const": null }])
    );
}

#[tokio::test]
async fn an_unknown_version_is_404_and_a_malformed_one_422() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let path = "/v1/countries/PRT/employment_basic_information";

    let unknown = app
        .get(&format!("{path}?json_schema_version=2"), &token)
        .await;
    let malformed = app
        .get(&format!("{path}?json_schema_version=two"), &token)
        .await;

    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: Value = unknown.json().await.unwrap();
    assert!(body["message"].is_string());
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "Validation failed", "errors": {"json_schema_version": ["is invalid"]}})
    );
}

#[tokio::test]
async fn an_unknown_country_is_404_and_an_unhireable_one_422() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let unknown = app
        .get("/v1/countries/PT/employment_basic_information", &token)
        .await;
    let unhireable = app
        .get("/v1/countries/CUB/employment_basic_information", &token)
        .await;

    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(unhireable.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = unhireable.json().await.unwrap();
    assert_eq!(body["errors"]["country_code"], json!(["is not supported"]));
}

#[tokio::test]
async fn the_schema_needs_a_company_access_token() {
    let app = spawn().await;

    let response = app
        .get(
            "/v1/countries/PRT/employment_basic_information",
            "not-a-token",
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_fault_can_target_the_schema_route() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.add_fault(json!({
        "route": "GET /v1/countries/{alpha3}/employment_basic_information",
        "status": 503,
        "count": 1
    }))
    .await;

    let faulted = app
        .get("/v1/countries/PRT/employment_basic_information", &token)
        .await;
    let next = app
        .get("/v1/countries/PRT/employment_basic_information", &token)
        .await;

    assert_eq!(faulted.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(next.status(), StatusCode::OK);
}

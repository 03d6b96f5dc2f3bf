//! `/v1/employments`: both body forms, Remote's validation, company isolation, list filters.

use hwr_sandbox::seed::{ACME_ROBOTICS_ID, GREG_ADMIN_ID, MARIA_MANAGER_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{employee, spawn};

#[tokio::test]
async fn creating_with_the_current_body_answers_201_with_the_full_envelope() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let mut body = employee("Ana Silva", "ana@example.com");
    body["external_id"] = json!("hire-42");

    let response = app.post_json("/v1/employments", &token, &body).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let employment = &body["data"]["employment"];
    assert!(employment["id"]
        .as_str()
        .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()));
    assert_eq!(employment["type"], "employee");
    assert_eq!(employment["country_code"], "PRT");
    assert_eq!(employment["company_id"], ACME_ROBOTICS_ID);
    assert_eq!(employment["full_name"], "Ana Silva");
    assert_eq!(employment["personal_email"], "ana@example.com");
    assert_eq!(employment["job_title"], "Backend Engineer");
    assert_eq!(employment["provisional_start_date"], "2027-01-11");
    assert_eq!(employment["external_id"], "hire-42");
    assert_eq!(employment["user_status"], "created");
    assert_eq!(
        employment["employment_lifecycle_stage"],
        "employment_creation"
    );
    assert!(employment["short_id"]
        .as_str()
        .is_some_and(|id| id.len() == 6));
    assert_eq!(employment["basic_information"]["name"], "Ana Silva");
    assert_eq!(employment["basic_information"]["email"], "ana@example.com");
    assert!(employment["created_at"].is_string() && employment["updated_at"].is_string());
}

#[tokio::test]
async fn creating_with_the_older_flat_body_is_accepted() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let body = json!({
        "company_id": ACME_ROBOTICS_ID,
        "country_code": "DEU",
        "full_name": "Bruno Braun",
        "job_title": "Designer",
        "personal_email": "bruno@example.com",
        "provisional_start_date": "2027-02-01"
    });

    let response = app.post_json("/v1/employments", &token, &body).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["employment"]["full_name"], "Bruno Braun");
    assert_eq!(body["data"]["employment"]["type"], "employee");
    assert_eq!(body["data"]["employment"]["external_id"], Value::Null);
}

#[tokio::test]
async fn root_person_fields_are_ignored_when_basic_information_is_present() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let mut body = employee("Ana Silva", "ana@example.com");
    body["full_name"] = json!("Root Name");
    body["personal_email"] = json!("not-an-email");

    let response = app.post_json("/v1/employments", &token, &body).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["employment"]["full_name"], "Ana Silva");
}

#[tokio::test]
async fn missing_fields_are_422_keyed_by_remotes_field_names() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let current = app
        .post_json(
            "/v1/employments",
            &token,
            &json!({"basic_information": {"name": "  "}}),
        )
        .await;
    let flat = app
        .post_json(
            "/v1/employments",
            &token,
            &json!({"company_id": ACME_ROBOTICS_ID}),
        )
        .await;

    assert_eq!(current.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let current: Value = current.json().await.unwrap();
    assert_eq!(current["message"], "Validation failed");
    for field in [
        "name",
        "email",
        "job_title",
        "provisional_start_date",
        "country_code",
    ] {
        assert_eq!(
            current["errors"][field],
            json!(["can't be blank"]),
            "{field}"
        );
    }
    let flat: Value = flat.json().await.unwrap();
    for field in [
        "full_name",
        "personal_email",
        "job_title",
        "provisional_start_date",
        "country_code",
    ] {
        assert!(flat["errors"][field].is_array(), "{field}");
    }
}

#[tokio::test]
async fn a_bad_email_and_a_bad_date_are_422() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let mut body = employee("Ana Silva", "ana-at-example.com");
    body["basic_information"]["provisional_start_date"] = json!("11/01/2027");

    let response = app.post_json("/v1/employments", &token, &body).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["email"][0].is_string());
    assert!(body["errors"]["provisional_start_date"][0].is_string());
    assert!(body["errors"].get("name").is_none());
}

#[tokio::test]
async fn an_impossible_date_is_422() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let mut body = employee("Ana Silva", "ana@example.com");
    body["basic_information"]["provisional_start_date"] = json!("2027-02-30");

    let response = app.post_json("/v1/employments", &token, &body).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_duplicate_email_in_the_same_company_has_already_been_taken() {
    let app = spawn().await;
    let acme = app.access_token_for(MARIA_MANAGER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;
    app.post_json(
        "/v1/employments",
        &acme,
        &employee("Ana Silva", "ana@example.com"),
    )
    .await;

    let duplicate = app
        .post_json(
            "/v1/employments",
            &acme,
            &employee("Ana S.", "ANA@example.com"),
        )
        .await;
    let elsewhere = app
        .post_json(
            "/v1/employments",
            &globex,
            &employee("Ana Silva", "ana@example.com"),
        )
        .await;

    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = duplicate.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "Validation failed", "errors": {"email": ["has already been taken"]}})
    );
    assert_eq!(elsewhere.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn unhireable_unknown_and_alpha_2_countries_are_not_supported() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    for code in ["RUS", "XYZ", "PT"] {
        let mut body = employee("Ana Silva", "ana@example.com");
        body["country_code"] = json!(code);

        let response = app.post_json("/v1/employments", &token, &body).await;

        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"]["country_code"], json!(["is not supported"]));
    }
}

#[tokio::test]
async fn malformed_json_is_400_with_a_message() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app
        .client
        .post(app.url("/v1/employments"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"country_code\": ")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn a_flat_body_naming_another_company_is_422() {
    let app = spawn().await;
    let token = app.access_token_for(GREG_ADMIN_ID).await;
    let body = json!({
        "company_id": ACME_ROBOTICS_ID,
        "country_code": "PRT",
        "full_name": "Ana Silva",
        "job_title": "Engineer",
        "personal_email": "ana@example.com",
        "provisional_start_date": "2027-01-11"
    });

    let response = app.post_json("/v1/employments", &token, &body).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["company_id"].is_array());
}

#[tokio::test]
async fn a_company_sees_only_its_own_employments() {
    let app = spawn().await;
    let acme = app.access_token_for(MARIA_MANAGER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;
    let created: Value = app
        .post_json(
            "/v1/employments",
            &acme,
            &employee("Ana Silva", "ana@example.com"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["data"]["employment"]["id"].as_str().unwrap();

    let own = app.get(&format!("/v1/employments/{id}"), &acme).await;
    let foreign = app.get(&format!("/v1/employments/{id}"), &globex).await;
    let foreign_list: Value = app
        .get("/v1/employments", &globex)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(own.status(), StatusCode::OK);
    let own: Value = own.json().await.unwrap();
    assert_eq!(own["data"]["employment"]["id"], id);
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    let foreign: Value = foreign.json().await.unwrap();
    assert!(foreign["message"].is_string());
    assert_eq!(foreign_list["data"]["total_count"], 0);
}

#[tokio::test]
async fn the_list_has_remotes_items_filters_and_paging() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let mut short_ids = Vec::new();
    for n in 0..5 {
        let mut body = employee(&format!("Hire {n}"), &format!("hire{n}@example.com"));
        body["external_id"] = json!(format!("ext-{n}"));
        let created: Value = app
            .post_json("/v1/employments", &token, &body)
            .await
            .json()
            .await
            .unwrap();
        short_ids.push(
            created["data"]["employment"]["short_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    let page2: Value = app
        .get("/v1/employments?page=2&page_size=2", &token)
        .await
        .json()
        .await
        .unwrap();
    let by_email: Value = app
        .get("/v1/employments?email=HIRE3%40example.com", &token)
        .await
        .json()
        .await
        .unwrap();
    let by_short_id: Value = app
        .get(
            &format!("/v1/employments?short_id={}", short_ids[1]),
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    let by_external_id: Value = app
        .get("/v1/employments?external_id=ext-1", &token)
        .await
        .json()
        .await
        .unwrap();
    let bad_page = app.get("/v1/employments?page=zero", &token).await;

    let data = &page2["data"];
    assert_eq!(
        (
            data["current_page"].clone(),
            data["total_count"].clone(),
            data["total_pages"].clone()
        ),
        (json!(2), json!(5), json!(3))
    );
    assert_eq!(data["employments"].as_array().unwrap().len(), 2);
    let item = &data["employments"][0];
    for field in [
        "id",
        "full_name",
        "personal_email",
        "login_email",
        "work_email",
        "job_title",
        "country",
        "type",
        "status",
        "employment_lifecycle_stage",
        "employment_model",
        "external_id",
        "short_id",
        "work_address_details",
    ] {
        assert!(item.get(field).is_some(), "list item lacks {field}");
    }
    assert_eq!(item["country"]["code"], "PRT");
    assert_eq!(by_email["data"]["employments"][0]["full_name"], "Hire 3");
    assert_eq!(by_email["data"]["total_count"], 1);
    assert_eq!(by_short_id["data"]["employments"][0]["full_name"], "Hire 1");
    assert_eq!(
        by_external_id["data"]["total_count"], 5,
        "external_id is not a filter"
    );
    assert_eq!(bad_page.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_unknown_employment_id_is_404() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app.get("/v1/employments/does-not-exist", &token).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

//! Country-specific fields: the form route translates Remote's schema at the pinned version, a
//! hire missing the country's required extra fields is refused with their names before anything
//! is sent, one that answers them goes through with them in `basic_information`, and the default
//! version (1) changes nothing for the five-field candidate.

use hwr_integration_tests::{
    ana, assert_error, field_names, json_body, new_key, on_both_databases, spawn_app,
    spawn_app_with, unique_user, Db, TestApp,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn version_3(db: Db) -> TestApp {
    spawn_app_with(db, |settings| settings.remote_json_schema_version = 3).await
}

async fn form(app: &TestApp, user: &str, code: &str) -> Value {
    json_body(
        app.get(user, &format!("/api/v1/countries/{code}/form"))
            .await,
        StatusCode::OK,
    )
    .await
}

fn field<'a>(form: &'a Value, name: &str) -> &'a Value {
    form["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {form}"))
}

/// Valid answers for every required field of `form`: each choice field's first option.
fn answers(form: &Value) -> Value {
    let mut extra = serde_json::Map::new();
    for field in form["fields"].as_array().expect("fields") {
        if field["required"] != true {
            continue;
        }
        let first = field["options"][0]["value"].clone();
        let value = match field["type"].as_str() {
            Some("multiselect" | "countries") => json!([first]),
            Some("select" | "radio") => first,
            Some("date") => json!("2027-06-01"),
            Some("number") => json!(1),
            _ => json!("An answer"),
        };
        extra.insert(field["name"].as_str().expect("a name").to_owned(), value);
    }
    Value::Object(extra)
}

async fn portugal_under_version_3_asks_for_its_two_tax_fields(db: Db) {
    // Arrange
    let app = version_3(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let by_alpha_2 = form(&app, &user, "pt").await;
    let by_alpha_3 = form(&app, &user, "PRT").await;

    // Assert
    assert_eq!(by_alpha_2, by_alpha_3);
    assert_eq!(by_alpha_2["country_code"], "PRT");
    assert_eq!(by_alpha_2["json_schema_version"], 3);
    for name in ["tax_servicing_countries", "tax_job_category"] {
        let asked = field(&by_alpha_2, name);
        assert_eq!(asked["required"], true, "{asked}");
        assert!(asked["label"].as_str().is_some_and(|l| !l.is_empty()));
        assert!(
            !asked["options"].as_array().expect("options").is_empty(),
            "{asked}"
        );
    }
    assert_eq!(
        field(&by_alpha_2, "tax_servicing_countries")["type"],
        "countries"
    );
    let names: Vec<&str> = by_alpha_2["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    for basic in [
        "name",
        "email",
        "job_title",
        "provisional_start_date",
        "has_seniority_date",
    ] {
        assert!(
            !names.contains(&basic),
            "{basic} is sent already: {names:?}"
        );
    }
}

async fn a_portugal_hire_without_the_extra_fields_is_refused_before_anything_is_sent(db: Db) {
    // Arrange
    let app = version_3(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let names = field_names(&error);
    assert!(
        names.contains(&"tax_servicing_countries".to_owned()),
        "{error}"
    );
    assert!(names.contains(&"tax_job_category".to_owned()), "{error}");
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn a_portugal_hire_with_the_extra_fields_goes_through_carrying_them(db: Db) {
    // Arrange
    let app = version_3(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let extra = answers(&form(&app, &user, "PT").await);
    let mut candidate = ana();
    candidate["extra"] = extra.clone();

    // Act
    let hired = json_body(
        app.hire(&user, &new_key(), &candidate).await,
        StatusCode::CREATED,
    )
    .await;

    // Assert
    let state = app.sandbox_state().await;
    let employment = state["employments"]
        .as_array()
        .expect("employments")
        .iter()
        .find(|e| e["id"] == hired["employment_id"])
        .unwrap_or_else(|| panic!("the employment in {state}"))
        .clone();
    for (name, value) in extra.as_object().expect("answers") {
        assert_eq!(
            &employment["basic_information"][name], value,
            "{name} in {employment}"
        );
    }
}

async fn an_invalid_choice_or_an_unknown_extra_field_is_named(db: Db) {
    // Arrange
    let app = version_3(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let mut extra = answers(&form(&app, &user, "PT").await);
    extra["tax_job_category"] = json!("no-such-category");
    extra["shoe_size"] = json!("42");
    let mut candidate = ana();
    candidate["extra"] = extra;

    // Act
    let response = app.hire(&user, &new_key(), &candidate).await;

    // Assert
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_names(&error),
        vec!["shoe_size", "tax_job_category"],
        "{error}"
    );
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn the_default_version_asks_nothing_more_and_hires_as_before(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let mut forms = Vec::new();
    for code in ["PT", "DE", "GB"] {
        forms.push(form(&app, &user, code).await);
    }
    let hired = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    for asked in &forms {
        assert_eq!(asked["json_schema_version"], 1);
        assert_eq!(asked["fields"], json!([]), "{asked}");
    }
    json_body(hired, StatusCode::CREATED).await;
}

async fn the_form_needs_a_connection_and_a_hireable_country(db: Db) {
    // Arrange
    let app = version_3(db).await;
    let (stranger, user) = (unique_user(), unique_user());
    app.connect_and_consent(&user).await;

    // Act
    let not_connected = app.get(&stranger, "/api/v1/countries/PT/form").await;
    let unknown = app.get(&user, "/api/v1/countries/ZZ/form").await;

    // Assert
    assert_error(not_connected, StatusCode::CONFLICT, "not_connected").await;
    let unknown = unknown.status();
    assert!(unknown == StatusCode::UNPROCESSABLE_ENTITY, "{unknown}");
}

async fn a_form_read_before_is_served_while_remote_fails(db: Db) {
    // Arrange: forms expire at once, and Remote's form route fails after the first read.
    let app = spawn_app_with(db, |settings| {
        settings.remote_json_schema_version = 3;
        settings.countries_ttl_secs = 0;
    })
    .await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let first = form(&app, &user, "PT").await;
    app.fault(
        json!({"route": "GET /v1/countries/{alpha3}/employment_basic_information", "status": 503}),
    )
    .await;

    // Act
    let second = form(&app, &user, "PT").await;

    // Assert
    assert_eq!(second, first);
}

async fn germany_and_the_uk_under_version_3_ask_for_theirs(db: Db) {
    // Arrange
    let app = version_3(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let germany = form(&app, &user, "DE").await;
    let uk = form(&app, &user, "GBR").await;

    // Assert
    let names = |form: &Value| -> Vec<String> {
        let mut names: Vec<String> = form["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["name"].as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(&germany),
        [
            "mobile_number",
            "tax_job_category",
            "tax_servicing_countries"
        ]
    );
    assert_eq!(field(&germany, "mobile_number")["type"], "text");
    assert_eq!(names(&uk), ["tax_job_category", "tax_servicing_countries"]);
}

async fn remotes_refusal_of_an_extra_field_comes_back_on_that_field(db: Db) {
    // Arrange: every answer is well formed, but Remote refuses "An answer" as a mobile number.
    let app = version_3(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let mut candidate = ana();
    candidate["country_code"] = json!("DE");
    candidate["extra"] = answers(&form(&app, &user, "DE").await);

    // Act
    let response = app.hire(&user, &new_key(), &candidate).await;

    // Assert
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "upstream_rejected",
    )
    .await;
    assert_eq!(field_names(&error), vec!["mobile_number"], "{error}");
}

on_both_databases!(
    germany_and_the_uk_under_version_3_ask_for_theirs,
    remotes_refusal_of_an_extra_field_comes_back_on_that_field,
    portugal_under_version_3_asks_for_its_two_tax_fields,
    a_portugal_hire_without_the_extra_fields_is_refused_before_anything_is_sent,
    a_portugal_hire_with_the_extra_fields_goes_through_carrying_them,
    an_invalid_choice_or_an_unknown_extra_field_is_named,
    the_default_version_asks_nothing_more_and_hires_as_before,
    the_form_needs_a_connection_and_a_hireable_country,
    a_form_read_before_is_served_while_remote_fails,
);

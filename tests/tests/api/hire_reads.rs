//! Reading hires back: one by id (its own user, or the job site's servers with the server key),
//! by candidate email at the caller's company (what the widget asks once per page), and every
//! hire of one user (server key only). The server key is refused from a browser `Origin`.

use hwr_integration_tests::{
    ana, ana_with, assert_error, json_body, new_key, on_both_databases, send, spawn_app_with,
    unique_user, Db, TestApp,
};
use reqwest::StatusCode;
use serde_json::Value;

const SERVER_KEY: &str = "server-key-for-tests-0123456789abcdef0123456789";

async fn app_with_server_key(db: Db) -> TestApp {
    spawn_app_with(db, |settings| {
        settings.server_api_key = Some(SERVER_KEY.into())
    })
    .await
}

/// `GET path` from the job site's servers: the server key, no `Origin`.
async fn server_get(app: &TestApp, path: &str) -> reqwest::Response {
    send(app.client.get(app.url(path)).bearer_auth(SERVER_KEY)).await
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list["hires"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|h| h["hire_id"].as_str().expect("an id").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn a_hire_is_read_by_its_user_and_by_the_server_key_and_by_nobody_else(db: Db) {
    // Arrange
    let app = app_with_server_key(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let hired = json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!(
        "/api/v1/hires/{}",
        hired["hire_id"].as_str().expect("an id")
    );

    // Act
    let own = json_body(app.get(&user, &path).await, StatusCode::OK).await;
    let server = json_body(server_get(&app, &path).await, StatusCode::OK).await;
    let stranger = app.get(&unique_user(), &path).await;
    let from_a_page = send(
        app.request(reqwest::Method::GET, &path)
            .bearer_auth(SERVER_KEY),
    )
    .await;
    let wrong_key = send(
        app.client
            .get(app.url(&path))
            .bearer_auth(format!("{SERVER_KEY}x")),
    )
    .await;

    // Assert
    assert_eq!(own, server);
    assert_eq!(own["hire_id"], hired["hire_id"]);
    assert_eq!(own["employment_id"], hired["employment_id"]);
    assert_eq!(own["user"], user.as_str());
    assert_eq!(own["status"], "created");
    assert_eq!(own["candidate"]["full_name"], ana()["full_name"]);
    assert_eq!(own["candidate"]["personal_email"], ana()["personal_email"]);
    assert_eq!(own["candidate"]["country_code"], "PRT");
    for time in ["created_at", "updated_at"] {
        let text = own[time].as_str().expect("a time");
        chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
    }
    assert_error(stranger, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(from_a_page, StatusCode::FORBIDDEN, "forbidden_origin").await;
    assert_error(wrong_key, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

async fn the_email_lookup_finds_the_companys_hires_for_those_emails_only(db: Db) {
    // Arrange: two users of the same company hire three candidates.
    let app = app_with_server_key(db).await;
    let (first, second) = (unique_user(), unique_user());
    app.connect_and_consent(&first).await;
    app.connect_and_consent(&second).await;
    let mut hired = Vec::new();
    for (user, email) in [
        (&first, "ana@example.com"),
        (&second, "bo@example.com"),
        (&first, "cy@example.com"),
    ] {
        let body = json_body(
            app.hire(user, &new_key(), &ana_with("personal_email", email))
                .await,
            StatusCode::CREATED,
        )
        .await;
        hired.push(body["hire_id"].as_str().expect("an id").to_owned());
    }

    // Act: the widget's one lookup per page, emails in another case, one unknown.
    let found = json_body(
        app.get(
            &first,
            "/api/v1/hires?email=ANA@example.com&email=bo@example.com&email=nobody@example.com",
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let not_connected = json_body(
        app.get(&unique_user(), "/api/v1/hires?email=ana@example.com")
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    let mut expected = vec![hired[0].clone(), hired[1].clone()];
    expected.sort();
    assert_eq!(ids(&found), expected, "{found}");
    assert_eq!(ids(&not_connected), Vec::<String>::new());
}

async fn a_users_hires_are_listed_with_the_server_key_only(db: Db) {
    // Arrange
    let app = app_with_server_key(db).await;
    let (user, other) = (unique_user(), unique_user());
    app.connect_and_consent(&user).await;
    app.connect_and_consent(&other).await;
    let mut own = Vec::new();
    for email in ["one@example.com", "two@example.com"] {
        let body = json_body(
            app.hire(&user, &new_key(), &ana_with("personal_email", email))
                .await,
            StatusCode::CREATED,
        )
        .await;
        own.push(body["hire_id"].as_str().expect("an id").to_owned());
    }
    json_body(
        app.hire(
            &other,
            &new_key(),
            &ana_with("personal_email", "three@example.com"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Act
    let listed = json_body(
        server_get(&app, &format!("/api/v1/hires?user={user}")).await,
        StatusCode::OK,
    )
    .await;
    let with_a_site_token = app.get(&user, &format!("/api/v1/hires?user={user}")).await;
    let nothing_asked = server_get(&app, "/api/v1/hires").await;

    // Assert
    own.sort();
    assert_eq!(ids(&listed), own);
    assert_error(with_a_site_token, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(
        nothing_asked,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

on_both_databases!(
    a_hire_is_read_by_its_user_and_by_the_server_key_and_by_nobody_else,
    the_email_lookup_finds_the_companys_hires_for_those_emails_only,
    a_users_hires_are_listed_with_the_server_key_only,
);

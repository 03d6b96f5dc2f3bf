//! Remote's sandbox and production are two authorization servers. A consent flow begun against
//! one environment and completed against another (a mix-up) is refused before any token call,
//! and tokens stored for another environment are never sent.

use hwr_integration_tests::{
    ana, json_body, new_key, on_both_databases, spawn_app, unique_user, Db, TestApp,
};
use reqwest::StatusCode;

async fn execute(app: &TestApp, sql: &str, binds: &[&str]) {
    let mut query = sqlx::query(sql);
    for value in binds {
        query = query.bind(*value);
    }
    query
        .execute(app.store().pool())
        .await
        .expect("the statement runs");
}

const OTHER_ENVIRONMENT: &str = "https://gateway.remote.com/";

async fn a_flow_begun_against_another_environment_is_refused_before_any_token_call(db: Db) {
    // Arrange: the flow was started while the backend pointed at production.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    execute(
        &app,
        "UPDATE flows SET environment = $1 WHERE id = $2",
        &[OTHER_ENVIRONMENT, &flow.flow_id],
    )
    .await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;

    // Act
    let page = app.callback(&callback).await;

    // Assert
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page
        .text()
        .await
        .unwrap_or_default()
        .contains("another Remote environment"));
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "failed");
    assert_eq!(
        app.sandbox_state().await["token_requests"]["authorization_code"],
        0
    );
    assert_eq!(app.connection(&user).await["status"], "not_connected");
}

async fn tokens_stored_for_another_environment_are_never_sent(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    execute(
        &app,
        "UPDATE connections SET environment = $1 WHERE site_user = $2",
        &[OTHER_ENVIRONMENT, &user],
    )
    .await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let body = json_body(response, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "reconsent_required");
    assert_eq!(app.connection(&user).await["status"], "reconsent_required");
    let state = app.sandbox_state().await;
    assert_eq!(state["employment_posts"], 0);
    assert_eq!(state["token_requests"]["refresh_token"], 0);
}

on_both_databases!(
    a_flow_begun_against_another_environment_is_refused_before_any_token_call,
    tokens_stored_for_another_environment_are_never_sent,
);

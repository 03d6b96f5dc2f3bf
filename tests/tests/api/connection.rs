//! `GET /healthz` and `GET`/`DELETE /api/v1/connection`: the widget's first call on mount.

use hwr_integration_tests::{json_body, on_both_databases, send, spawn_app, unique_user, Db};
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_answers_200_without_a_site_token() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let response = send(app.client.get(app.url("/healthz"))).await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
}

async fn a_new_user_is_not_connected(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();

    // Act
    let response = app.get(&user, "/api/v1/connection").await;

    // Assert
    let body = json_body(response, StatusCode::OK).await;
    assert_eq!(body["status"], "not_connected");
    assert!(body.get("company_id").is_none(), "no company yet: {body}");
}

async fn after_consent_the_connection_is_connected_with_its_company(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();

    // Act
    app.connect_and_consent(&user).await;

    // Assert
    let body = app.connection(&user).await;
    assert_eq!(body["status"], "connected");
    assert_eq!(
        body["company_id"],
        hwr_sandbox::seed::ACME_ROBOTICS_ID,
        "the company of the manager who consented"
    );
}

async fn deleting_the_connection_answers_204_and_leaves_the_user_not_connected(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let response = app.delete(&user, "/api/v1/connection").await;

    // Assert
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.connection(&user).await["status"], "not_connected");
    assert!(
        app.store()
            .connection(&user)
            .await
            .expect("the store answers")
            .is_none(),
        "the stored tokens are gone"
    );
    let kinds: Vec<String> = app
        .store()
        .audit_events(50)
        .await
        .expect("the audit trail")
        .into_iter()
        .map(|event| event.kind)
        .collect();
    assert!(
        kinds.contains(&"connection.deleted".to_owned()),
        "{kinds:?}"
    );
}

async fn one_users_connection_is_not_anothers(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let (alice, bob) = (unique_user(), unique_user());
    app.connect_and_consent(&alice).await;

    // Act
    let bobs = app.connection(&bob).await;

    // Assert
    assert_eq!(bobs["status"], "not_connected");
}

on_both_databases!(
    a_new_user_is_not_connected,
    after_consent_the_connection_is_connected_with_its_company,
    deleting_the_connection_answers_204_and_leaves_the_user_not_connected,
    one_users_connection_is_not_anothers,
);

//! `/healthz` says the process is up; `/readyz` says it can serve: 200 when the database answers
//! and has every migration this binary knows, else 503 in our error shape.

use hwr_integration_tests::{assert_error, on_both_databases, spawn_app, Db};
use reqwest::StatusCode;

async fn readyz_is_200_on_a_migrated_database_that_answers(db: Db) {
    // Arrange
    let app = spawn_app(db).await;

    // Act
    let response = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("an answer");

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
}

async fn readyz_is_503_while_the_migrations_are_behind(db: Db) {
    // Arrange: the newest migration is not recorded as applied.
    let app = spawn_app(db).await;
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(app.store().pool())
    .await
    .expect("the row is deleted");

    // Act
    let response = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("an answer");

    // Assert
    assert_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "upstream_unavailable",
    )
    .await;
}

async fn readyz_is_503_when_the_database_is_gone_while_healthz_stays_200(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    app.store().close().await;

    // Act
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("an answer");
    let healthy = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("an answer");

    // Assert
    assert_error(
        ready,
        StatusCode::SERVICE_UNAVAILABLE,
        "upstream_unavailable",
    )
    .await;
    assert_eq!(healthy.status(), StatusCode::OK);
}

on_both_databases!(
    readyz_is_200_on_a_migrated_database_that_answers,
    readyz_is_503_while_the_migrations_are_behind,
    readyz_is_503_when_the_database_is_gone_while_healthz_stays_200,
);

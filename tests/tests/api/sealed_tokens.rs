//! Stored tokens are sealed to their row: a ciphertext swapped between users, tampered with, or
//! under a key id nobody configured is never decrypted into the wrong account — the connection
//! asks for consent again and nothing is sent to Remote. Rows under an old key are re-sealed
//! under the current key when read.

use hire_with_remote::crypto::KeyRing;
use hwr_integration_tests::{
    ana, ana_with, json_body, new_key, on_both_databases, spawn_app, unique_user, Db, TestApp,
};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use sqlx::Row;

async fn key_id_of(app: &TestApp, user: &str) -> String {
    sqlx::query("SELECT key_id FROM connections WHERE site_user = $1")
        .bind(user)
        .fetch_one(app.store().pool())
        .await
        .expect("the connection row")
        .get::<String, _>("key_id")
}

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

/// Hires as `user` and asserts Remote was never asked to create anything.
async fn assert_hire_needs_reconsent(app: &TestApp, user: &str) {
    let posts_before = app.sandbox_state().await["employment_posts"].as_u64();
    let response = app.hire(user, &new_key(), &ana()).await;
    let body = json_body(response, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "reconsent_required");
    assert_eq!(app.connection(user).await["status"], "reconsent_required");
    assert_eq!(
        app.sandbox_state().await["employment_posts"].as_u64(),
        posts_before
    );
}

async fn tokens_swapped_between_two_users_are_refused(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let (alice, bob) = (unique_user(), unique_user());
    app.connect_and_consent(&alice).await;
    app.connect_and_consent(&bob).await;
    let row = |user: &str| {
        let user = user.to_owned();
        let pool = app.store().pool().clone();
        async move {
            let row = sqlx::query(
                "SELECT access_token, refresh_token FROM connections WHERE site_user = $1",
            )
            .bind(user)
            .fetch_one(&pool)
            .await
            .expect("a row");
            (
                row.get::<String, _>("access_token"),
                row.get::<String, _>("refresh_token"),
            )
        }
    };
    let (alice_access, alice_refresh) = row(&alice).await;
    let (bob_access, bob_refresh) = row(&bob).await;

    // Act: Bob's ciphertexts in Alice's row and the other way round.
    let swap = "UPDATE connections SET access_token = $1, refresh_token = $2 WHERE site_user = $3";
    execute(&app, swap, &[&bob_access, &bob_refresh, &alice]).await;
    execute(&app, swap, &[&alice_access, &alice_refresh, &bob]).await;

    // Assert
    assert_hire_needs_reconsent(&app, &alice).await;
    assert_hire_needs_reconsent(&app, &bob).await;
}

async fn a_tampered_ciphertext_is_refused(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act: flip the first base64 character of the access token's ciphertext.
    execute(
        &app,
        "UPDATE connections SET access_token = CASE WHEN substr(access_token, 1, 1) = 'A' THEN 'B' ELSE 'A' END || substr(access_token, 2) WHERE site_user = $1",
        &[&user],
    )
    .await;

    // Assert
    assert_hire_needs_reconsent(&app, &user).await;
}

async fn a_ciphertext_under_an_unknown_key_id_is_refused(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    execute(
        &app,
        "UPDATE connections SET key_id = 'retired' WHERE site_user = $1",
        &[&user],
    )
    .await;

    // Assert
    assert_hire_needs_reconsent(&app, &user).await;
}

async fn a_row_under_an_old_key_is_resealed_under_the_new_key_when_read(db: Db) {
    // Arrange: consent under k1, then a replica whose first (encrypting) key is k2.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    assert_eq!(key_id_of(&app, &user).await, "k1");
    let rotated = app
        .spawn_replica_with(|settings| {
            let old = settings
                .encryption_keys
                .as_ref()
                .map(|keys| keys.expose_secret().to_owned())
                .unwrap_or_default();
            settings.encryption_keys =
                Some(format!("{},{old}", KeyRing::generate_entry("k2")).into());
        })
        .await;

    // Act
    let hired = app
        .hire_at(
            &rotated.address,
            &user,
            &new_key(),
            &ana_with("personal_email", "rotated@example.com"),
        )
        .await;

    // Assert
    assert_eq!(hired.status(), StatusCode::CREATED);
    assert_eq!(key_id_of(&app, &user).await, "k2");
}

on_both_databases!(
    tokens_swapped_between_two_users_are_refused,
    a_tampered_ciphertext_is_refused,
    a_ciphertext_under_an_unknown_key_id_is_refused,
    a_row_under_an_old_key_is_resealed_under_the_new_key_when_read,
);

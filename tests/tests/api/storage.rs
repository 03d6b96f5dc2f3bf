//! What the database keeps: never a token or code Remote issued in plaintext (not in any column,
//! not in SQLite's files), the hire a popup flow's callback made sealed with the flow, and an
//! audit trail of consents and hires with their idempotency keys.

use hire_with_remote::crypto::Sealed;
use hwr_integration_tests::{
    ana, json_body, new_key, on_both_databases, spawn_app, unique_user, Db, TestApp,
};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row as _;

/// Every secret value the sandbox issued: codes, access tokens and refresh tokens.
async fn issued_secrets(app: &TestApp) -> Vec<String> {
    let state = app.sandbox_state().await;
    let mut secrets = Vec::new();
    for kind in ["codes", "access_tokens", "refresh_tokens"] {
        for issued in state["issued"][kind].as_array().expect("a list") {
            secrets.push(issued["value"].as_str().expect("a value").to_owned());
        }
    }
    secrets
}

/// Consent, a hire, an expiry and a refresh, a second hire: every kind of secret is issued.
async fn exercise(app: &TestApp, user: &str, key: &str) -> String {
    let flow = app.start_flow(user).await;
    let state = flow
        .authorize_url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("a state");
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    assert_eq!(app.callback(&callback).await.status(), StatusCode::OK);
    json_body(app.hire(user, key, &ana()).await, StatusCode::CREATED).await;
    app.expire_remote_tokens().await;
    let mut second = ana();
    second["personal_email"] = Value::String("ana.second@example.com".into());
    json_body(
        app.hire(user, &new_key(), &second).await,
        StatusCode::CREATED,
    )
    .await;
    state
}

async fn no_column_ever_holds_an_issued_token_code_or_state(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let oauth_state = exercise(&app, &user, &new_key()).await;
    let secrets = issued_secrets(&app).await;
    assert!(
        secrets.len() >= 4,
        "codes, access and refresh tokens were issued: {secrets:?}"
    );

    // Act
    let stored = app.stored_text().await;

    // Assert
    assert!(stored.contains(&user), "the dump did read the tables");
    for secret in secrets.iter().chain([&oauth_state]) {
        assert!(
            !stored.contains(secret.as_str()),
            "{secret} is stored in plaintext"
        );
    }
}

#[tokio::test]
async fn the_sqlite_files_never_hold_an_issued_token_or_code() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    exercise(&app, &user, &new_key()).await;
    let secrets = issued_secrets(&app).await;

    // Act: the database file and its write-ahead log, as they are on disk.
    let mut bytes = Vec::new();
    for file in app.database().sqlite_files() {
        if let Ok(content) = std::fs::read(&file) {
            bytes.extend_from_slice(&content);
        }
    }

    // Assert
    assert!(
        contains(&bytes, user.as_bytes()),
        "the files were read and hold the connection"
    );
    for secret in &secrets {
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "{secret} is on disk in plaintext"
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

async fn the_audit_trail_records_consent_and_hires_with_their_key_and_no_secret(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let key = new_key();
    exercise(&app, &user, &key).await;
    let secrets = issued_secrets(&app).await;

    // Act
    let events = app
        .store()
        .audit_events(100)
        .await
        .expect("the audit trail");

    // Assert
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"consent.started"), "{kinds:?}");
    assert!(kinds.contains(&"consent.granted"), "{kinds:?}");
    assert!(kinds.contains(&"token.refreshed"), "{kinds:?}");
    let created = events
        .iter()
        .find(|e| e.kind == "hire.created" && e.idempotency_key.as_deref() == Some(&key))
        .unwrap_or_else(|| panic!("a hire.created event with the key: {events:?}"));
    assert_eq!(created.site_user.as_deref(), Some(user.as_str()));
    assert_eq!(
        created.origin.as_deref(),
        Some(hwr_integration_tests::JOB_SITE_ORIGIN)
    );
    for event in &events {
        let text = format!("{event:?}");
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{secret} in {event:?}");
        }
        assert!(
            !text.contains("/onboarding/"),
            "no onboarding link in {event:?}"
        );
    }
}

async fn stored_tokens_are_sealed_under_the_current_key(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let row = app
        .store()
        .connection(&user)
        .await
        .expect("the store answers")
        .expect("a connection");

    // Assert
    assert_eq!(row.key_id, "k1");
    assert_ne!(row.access_token, row.refresh_token);
    assert!(
        !row.access_token.starts_with("sbx_"),
        "sealed, not plaintext"
    );
    assert_eq!(row.company_id, hwr_sandbox::seed::ACME_ROBOTICS_ID);
    assert_eq!(row.remote_user_id, hwr_sandbox::seed::MARIA_MANAGER_ID);
}

async fn the_hire_a_popup_flows_callback_made_is_kept_sealed_with_the_flow(db: Db) {
    // Arrange: a popup flow carrying the attempt, so the callback hires and keeps the answer
    // (with its one-time onboarding link) for the flow's status.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_hiring_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    assert_eq!(app.callback(&callback).await.status(), StatusCode::OK);
    let status = app.flow(&user, &flow.flow_id).await;
    let hire = status["hire"].clone();
    let link = hire["redirect_url"]
        .as_str()
        .expect("the hire's onboarding link");
    let employment_id = hire["employment_id"].as_str().expect("an employment id");

    // Act
    let row = sqlx::query("SELECT hire_key_id, hire FROM flows WHERE id = $1")
        .bind(&flow.flow_id)
        .fetch_one(app.store().pool())
        .await
        .expect("the flow row");
    let sealed = Sealed {
        key_id: row
            .try_get::<Option<String>, _>("hire_key_id")
            .expect("hire_key_id")
            .expect("the hire's key id is stored"),
        data: row
            .try_get::<Option<String>, _>("hire")
            .expect("hire")
            .expect("the hire is stored with the flow"),
    };

    // Assert: stored, sealed under the current key, bound to this flow, and in no column in
    // plaintext (the link logs the employer into Remote).
    assert_eq!(sealed.key_id, "k1");
    for plain in [link, employment_id] {
        assert!(!sealed.data.contains(plain), "{plain} in the sealed hire");
    }
    let keys = &app.state.config.keys;
    let opened = keys
        .open(&sealed, &format!("flows|{}|hire", flow.flow_id))
        .expect("the hire opens under its own flow's context");
    let opened: Value = serde_json::from_str(&opened).expect("the sealed hire is JSON");
    assert_eq!(opened["redirect_url"], hire["redirect_url"]);
    assert!(
        keys.open(&sealed, "flows|another-flow|hire").is_err(),
        "the sealed hire is bound to its flow"
    );
    let token = link.rsplit('/').next().expect("the link's token");
    let stored = app.stored_text().await;
    assert!(
        stored.contains(&flow.flow_id),
        "the dump did read the flows"
    );
    assert!(
        !stored.contains(link),
        "the onboarding link is stored in plaintext"
    );
    assert!(
        !stored.contains(token),
        "the link's token is stored in plaintext"
    );
}

on_both_databases!(
    the_hire_a_popup_flows_callback_made_is_kept_sealed_with_the_flow,
    no_column_ever_holds_an_issued_token_code_or_state,
    the_audit_trail_records_consent_and_hires_with_their_key_and_no_secret,
    stored_tokens_are_sealed_under_the_current_key,
);

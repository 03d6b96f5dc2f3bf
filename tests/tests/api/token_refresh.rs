//! Access tokens that Remote no longer accepts: refreshed exactly once per connection, however
//! many hires arrive at once, whether the backend notices before calling (its own expiry time)
//! or after (a 401). A revoked grant, or a 401 on the token a refresh just gave, turns into
//! `reconsent_required` until consent is given again.

use std::sync::Arc;

use hwr_integration_tests::{
    ana, assert_error, candidate_number, json_body, new_key, on_both_databases, spawn_app,
    unique_user, Db, TestApp,
};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::task::JoinSet;

fn refreshes(state: &Value) -> u64 {
    state["token_requests"]["refresh_token"]
        .as_u64()
        .expect("a count of refreshes")
}

async fn a_hire_on_a_token_remote_has_expired_refreshes_exactly_once(db: Db) {
    // Arrange: Remote expires the token; the backend still believes it fresh, so it learns from
    // the 401.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_remote_tokens().await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let hired = json_body(response, StatusCode::CREATED).await;
    let state = app.sandbox_state().await;
    assert_eq!(refreshes(&state), 1);
    assert_eq!(
        state["requests"]["POST /v1/employments"]["received"], 2,
        "one POST refused with 401, then one with the refreshed token"
    );
    assert_eq!(
        state["employment_posts"], 1,
        "one POST reached Remote with a live token (the 401 came before it was counted)"
    );
    let employments = state["employments"].as_array().expect("employments");
    assert_eq!(employments.len(), 1);
    assert_eq!(employments[0]["external_id"], hired["hire_id"]);
}

async fn a_hire_on_a_token_past_its_stored_expiry_refreshes_exactly_once_before_calling(db: Db) {
    // Arrange: the backend's own clock says the token is (nearly) expired.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_stored_access_token(&user).await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    json_body(response, StatusCode::CREATED).await;
    let state = app.sandbox_state().await;
    assert_eq!(refreshes(&state), 1);
    assert_eq!(
        state["requests"]["POST /v1/employments"]["received"], 1,
        "no 401 round trip was needed"
    );
    let kinds: Vec<String> = app
        .store()
        .audit_events(100)
        .await
        .expect("the audit trail")
        .into_iter()
        .map(|event| event.kind)
        .collect();
    assert!(kinds.contains(&"token.refreshed".to_owned()), "{kinds:?}");
}

/// Remote's token endpoint answers after a third of a second, so that overlapping refreshes
/// would happen if nothing kept them apart.
async fn slow_token_endpoint(app: &TestApp) {
    app.fault(serde_json::json!({"route": "POST /auth/oauth2/token", "latency_ms": 300}))
        .await;
}

/// Fires `count` hires at once for `user`, each with its own key and candidate.
async fn concurrent_hires(
    app: &Arc<TestApp>,
    user: &str,
    count: usize,
) -> Vec<(StatusCode, String)> {
    let mut hires = JoinSet::new();
    for n in 0..count {
        let (app, user) = (Arc::clone(app), user.to_owned());
        hires.spawn(async move {
            let response = app.hire(&user, &new_key(), &candidate_number(n)).await;
            let status = response.status();
            (status, response.text().await.unwrap_or_default())
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = hires.join_next().await {
        answers.push(answer.expect("the hire task finished"));
    }
    answers
}

async fn twenty_concurrent_hires_on_a_token_remote_has_expired_refresh_once(db: Db) {
    // Arrange
    let app = Arc::new(spawn_app(db).await);
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_remote_tokens().await;
    slow_token_endpoint(&app).await;

    // Act
    let answers = concurrent_hires(&app, &user, 20).await;

    // Assert
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
    }
    let state = app.sandbox_state().await;
    assert_eq!(refreshes(&state), 1, "one refresh for the connection");
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(20));
}

async fn twenty_concurrent_hires_on_a_token_past_its_stored_expiry_refresh_once(db: Db) {
    // Arrange
    let app = Arc::new(spawn_app(db).await);
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_stored_access_token(&user).await;
    slow_token_endpoint(&app).await;

    // Act
    let answers = concurrent_hires(&app, &user, 20).await;

    // Assert
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
    }
    let state = app.sandbox_state().await;
    assert_eq!(refreshes(&state), 1, "one refresh for the connection");
    assert_eq!(
        state["employment_posts"], 20,
        "every POST used a live token"
    );
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(20));
}

async fn a_revoked_grant_makes_hires_answer_reconsent_required(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.revoke_remote_consent().await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    assert_error(response, StatusCode::CONFLICT, "reconsent_required").await;
    assert_eq!(app.connection(&user).await["status"], "reconsent_required");
    let state = app.sandbox_state().await;
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(0));
    // Once known, the backend does not ask Remote again.
    let again = app.hire(&user, &new_key(), &ana()).await;
    assert_error(again, StatusCode::CONFLICT, "reconsent_required").await;
    assert_eq!(
        refreshes(&app.sandbox_state().await),
        refreshes(&state),
        "no refresh on a grant known to be revoked"
    );
}

async fn after_consenting_again_the_same_key_completes_the_hire(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.revoke_remote_consent().await;
    let key = new_key();
    let refused = app.hire(&user, &key, &ana()).await;
    assert_error(refused, StatusCode::CONFLICT, "reconsent_required").await;

    // Act
    app.connect_and_consent(&user).await;
    let response = app.hire(&user, &key, &ana()).await;

    // Assert
    let hired = json_body(response, StatusCode::CREATED).await;
    assert_eq!(app.connection(&user).await["status"], "connected");
    let state = app.sandbox_state().await;
    let employments = state["employments"].as_array().expect("employments");
    assert_eq!(employments.len(), 1);
    assert_eq!(employments[0]["id"], hired["employment_id"]);
}

async fn a_token_expiring_within_the_refresh_margin_is_refreshed_before_calling(db: Db) {
    // Arrange: the stored token has a minute left, inside the default two-minute margin.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    sqlx::query("UPDATE connections SET access_expires_at = $1 WHERE site_user = $2")
        .bind(hire_with_remote::store::now() + 60)
        .bind(&user)
        .execute(app.store().pool())
        .await
        .expect("the connection row is updated");

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    json_body(response, StatusCode::CREATED).await;
    let state = app.sandbox_state().await;
    assert_eq!(refreshes(&state), 1, "refreshed a minute before expiry");
    assert_eq!(state["employment_posts"], 1);
}

async fn a_401_on_the_token_a_refresh_just_gave_makes_the_hire_answer_reconsent_required(db: Db) {
    // Arrange: Remote refuses the employment POST twice with 401: the first makes the backend
    // refresh, the second comes on the refreshed token.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(serde_json::json!({"route": "POST /v1/employments", "status": 401, "count": 2}))
        .await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    assert_error(response, StatusCode::CONFLICT, "reconsent_required").await;
    assert_eq!(app.connection(&user).await["status"], "reconsent_required");
    let state = app.sandbox_state().await;
    assert_eq!(refreshes(&state), 1, "one refresh between the two 401s");
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(0));
}

on_both_databases!(
    a_hire_on_a_token_remote_has_expired_refreshes_exactly_once,
    a_401_on_the_token_a_refresh_just_gave_makes_the_hire_answer_reconsent_required,
    a_token_expiring_within_the_refresh_margin_is_refreshed_before_calling,
    a_hire_on_a_token_past_its_stored_expiry_refreshes_exactly_once_before_calling,
    twenty_concurrent_hires_on_a_token_remote_has_expired_refresh_once,
    twenty_concurrent_hires_on_a_token_past_its_stored_expiry_refresh_once,
    a_revoked_grant_makes_hires_answer_reconsent_required,
    after_consenting_again_the_same_key_completes_the_hire,
);

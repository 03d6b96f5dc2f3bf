//! `POST /api/v1/connect` and `GET /api/v1/flows/{id}`: starting consent in a popup or, when
//! popups are blocked, in the top window (redirect mode, which hires on the way back). A popup
//! flow that carries the attempt is hired at the callback too, its status carrying the hire.

use std::collections::HashMap;

use hwr_integration_tests::{
    ana, ana_with, assert_error, field_names, json_body, location, new_key, on_both_databases,
    send, spawn_app, unique_user, Db, StartedFlow, TestApp, JOB_SITE_ORIGIN,
};
use reqwest::StatusCode;
use serde_json::json;

async fn a_popup_flow_starts_with_an_authorize_url_carrying_state_and_s256_pkce(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();

    // Act
    let flow = app.start_flow(&user).await;

    // Assert
    let url = &flow.authorize_url;
    assert_eq!(
        url.origin().ascii_serialization(),
        app.sandbox.base_url(),
        "Remote's consent page"
    );
    assert_eq!(url.path(), "/auth/oauth2/authorize");
    let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], "demo-client");
    assert_eq!(
        params["redirect_uri"],
        format!("http://127.0.0.1:{}/oauth/callback", app.port),
        "the exact registered redirect URI"
    );
    assert!(params["state"].len() >= 16, "an unguessable state");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43, "a base64url SHA-256");
    assert!(!flow.flow_id.is_empty());
}

async fn the_consent_url_asks_for_the_configured_scopes(db: Db) {
    // Arrange
    let default = spawn_app(db).await;
    let configured = hwr_integration_tests::spawn_app_with(db, |settings| {
        settings.remote_scopes = "https://gateway.remote.com/company.manage webhook:read".into();
    })
    .await;

    // Act
    let scope = |flow: &hwr_integration_tests::StartedFlow| {
        flow.authorize_url
            .query_pairs()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned())
    };
    let by_default = scope(&default.start_flow(&unique_user()).await);
    let as_configured = scope(&configured.start_flow(&unique_user()).await);

    // Assert
    assert_eq!(
        by_default.as_deref(),
        Some("https://gateway.remote.com/company.manage")
    );
    assert_eq!(
        as_configured.as_deref(),
        Some("https://gateway.remote.com/company.manage webhook:read")
    );
}

async fn two_flows_never_share_a_state(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();

    // Act
    let first = app.start_flow(&user).await;
    let second = app.start_flow(&user).await;

    // Assert
    let state = |flow: &hwr_integration_tests::StartedFlow| {
        flow.authorize_url
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
    };
    assert_ne!(state(&first), state(&second));
    assert_ne!(first.flow_id, second.flow_id);
}

async fn a_new_flow_is_pending(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;

    // Act
    let status = app.flow(&user, &flow.flow_id).await;

    // Assert
    assert_eq!(status["status"], "pending");
}

async fn another_users_flow_is_not_found(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let (alice, mallory) = (unique_user(), unique_user());
    let flow = app.start_flow(&alice).await;

    // Act
    let response = app
        .get(&mallory, &format!("/api/v1/flows/{}", flow.flow_id))
        .await;

    // Assert
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

async fn an_unknown_flow_is_not_found(db: Db) {
    // Arrange
    let app = spawn_app(db).await;

    // Act
    let response = app.get(&unique_user(), "/api/v1/flows/no-such-flow").await;

    // Assert
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

async fn redirect_mode_refuses_a_return_to_off_the_allowed_origin(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();

    for return_to in [
        "//evil.com",
        "//evil.com/http://127.0.0.1:9/",
        "https://evil.example/back",
        "http://127.0.0.1:10/back",
        "http://user@127.0.0.1:9/back",
        "http://127.0.0.1:9@evil.com/",
        "http://127.0.0.1:9\\@evil.com/",
        "http://%31%32%37.0.0.1:9/",
        " http://127.0.0.1:9/",
        "javascript:alert(1)",
        "http://127.0.0.1:9//evil.com/",
        "/back",
    ] {
        // Act
        let response = app
            .post(
                &user,
                "/api/v1/connect",
                &json!({"mode": "redirect", "return_to": return_to, "candidate": ana()}),
            )
            .await;

        // Assert
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(field_names(&error), vec!["return_to"], "{return_to}");
    }
}

async fn redirect_mode_requires_a_valid_candidate(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let back = format!("{JOB_SITE_ORIGIN}/candidates/7");

    // Act
    let missing = app
        .post(
            &user,
            "/api/v1/connect",
            &json!({"mode": "redirect", "return_to": back}),
        )
        .await;
    let invalid = app
        .post(
            &user,
            "/api/v1/connect",
            &json!({"mode": "redirect", "return_to": back,
                    "candidate": ana_with("personal_email", "not-an-email")}),
        )
        .await;

    // Assert
    let error = assert_error(
        missing,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(field_names(&error), vec!["candidate"]);
    let error = assert_error(
        invalid,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(field_names(&error), vec!["personal_email"]);
}

async fn redirect_mode_consents_hires_and_sends_the_browser_to_onboarding(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app
        .start_flow_with(
            &user,
            &json!({"mode": "redirect", "return_to": format!("{JOB_SITE_ORIGIN}/candidates/7"),
                    "candidate": ana()}),
        )
        .await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;

    // Act
    let response = app.callback(&callback).await;

    // Assert
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let onboarding = location(&response);
    assert!(
        onboarding
            .as_str()
            .starts_with(&app.sandbox_url("/onboarding/")),
        "Remote's onboarding link: {onboarding}"
    );
    let page = send(app.client.get(onboarding)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the onboarding page");
    assert!(
        html.contains("Onboarding") && html.contains("Ana Silva"),
        "{html}"
    );
    let state = app.sandbox_state().await;
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(1));
    assert_eq!(state["employment_posts"], 1);
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "connected");
    assert_eq!(app.connection(&user).await["status"], "connected");
}

async fn redirect_mode_denied_returns_the_browser_to_the_job_site(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app
        .start_flow_with(
            &user,
            &json!({"mode": "redirect", "return_to": format!("{JOB_SITE_ORIGIN}/candidates/7"),
                    "candidate": ana()}),
        )
        .await;
    let callback = app.answer_consent(&flow.authorize_url, "deny").await;

    // Act
    let response = app.callback(&callback).await;

    // Assert
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = location(&response);
    assert_eq!(back.origin().ascii_serialization(), JOB_SITE_ORIGIN);
    assert_eq!(back.path(), "/candidates/7");
    assert!(
        back.query_pairs()
            .any(|(k, v)| k == "hwr_status" && v == "denied"),
        "{back}"
    );
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn redirect_mode_failed_returns_the_browser_with_the_flows_error_code(db: Db) {
    // Arrange: Remote refuses the code at the exchange.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app
        .start_flow_with(
            &user,
            &json!({"mode": "redirect", "return_to": format!("{JOB_SITE_ORIGIN}/candidates/7"),
                    "candidate": ana()}),
        )
        .await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    app.fault(json!({"route": "POST /auth/oauth2/token", "status": 400, "count": 1}))
        .await;

    // Act
    let response = app.callback(&callback).await;

    // Assert
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = location(&response);
    let pairs: HashMap<String, String> = back.query_pairs().into_owned().collect();
    assert_eq!(
        pairs.get("hwr_status").map(String::as_str),
        Some("failed"),
        "{back}"
    );
    let code = app.flow(&user, &flow.flow_id).await["error"].clone();
    assert!(code.is_string(), "the flow failed with a code: {code}");
    assert_eq!(
        pairs.get("hwr_error").map(String::as_str),
        code.as_str(),
        "{back}"
    );
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn a_popup_flow_with_the_attempt_hires_at_the_callback_and_its_status_carries_the_hire(
    db: Db,
) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let key = new_key();
    let flow = app
        .start_flow_with(
            &user,
            &json!({"mode": "popup", "candidate": ana(), "idempotency_key": key}),
        )
        .await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    assert_eq!(app.callback(&callback).await.status(), StatusCode::OK);

    // Act
    let status = app.flow(&user, &flow.flow_id).await;

    // Assert: the one request after consent brings the hire, as POST /api/v1/hires would.
    assert_eq!(status["status"], "connected");
    let hire = &status["hire"];
    let state = app.sandbox_state().await;
    assert_eq!(state["employment_posts"], 1);
    assert_eq!(hire["employment_id"], state["employments"][0]["id"]);
    let onboarding = hire["redirect_url"].as_str().expect("an onboarding link");
    assert!(
        onboarding.starts_with(&app.sandbox_url("/onboarding/")),
        "{onboarding}"
    );
    // The same key afterwards is the same hire, never a second employment.
    let again = json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;
    assert_eq!(again["hire_id"], hire["hire_id"]);
    assert_eq!(again["employment_id"], hire["employment_id"]);
    assert_eq!(app.sandbox_state().await["employment_posts"], 1);
}

async fn a_popup_flow_without_a_key_leaves_the_hire_to_the_widget(db: Db) {
    // Arrange: the candidate alone (DESIGN.md's shape) is not an attempt.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app
        .start_flow_with(&user, &json!({"mode": "popup", "candidate": ana()}))
        .await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    app.callback(&callback).await;

    // Act
    let status = app.flow(&user, &flow.flow_id).await;

    // Assert
    assert_eq!(status["status"], "connected");
    assert!(status.get("hire").is_none(), "{status}");
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn a_popup_flow_with_an_invalid_candidate_is_refused_before_consent(db: Db) {
    // Arrange
    let app = spawn_app(db).await;

    // Act
    let response = app
        .post(
            &unique_user(),
            "/api/v1/connect",
            &json!({"mode": "popup", "candidate": ana_with("personal_email", "not-an-email"),
                    "idempotency_key": new_key()}),
        )
        .await;

    // Assert
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(field_names(&error), vec!["personal_email"]);
}

async fn when_the_hire_at_the_callback_fails_the_same_key_completes_it_once(db: Db) {
    // Arrange: Remote fails the employment once, during the callback's hire.
    let app = spawn_app(db).await;
    let user = unique_user();
    let key = new_key();
    let flow = app
        .start_flow_with(
            &user,
            &json!({"mode": "popup", "candidate": ana(), "idempotency_key": key}),
        )
        .await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    app.fault(json!({"route": "POST /v1/employments", "status": 502, "count": 1}))
        .await;
    assert_eq!(app.callback(&callback).await.status(), StatusCode::OK);
    let status = app.flow(&user, &flow.flow_id).await;
    assert_eq!(status["status"], "connected", "consent itself succeeded");
    assert!(status.get("hire").is_none(), "{status}");

    // Act: what the widget does when the status has no hire.
    let response = app.hire(&user, &key, &ana()).await;

    // Assert: one POST reached Remote after the faulted one, and its employment is this hire.
    let hired = json_body(response, StatusCode::CREATED).await;
    let state = app.sandbox_state().await;
    assert_eq!(state["employment_posts"], 1);
    let employments = state["employments"].as_array().expect("employments");
    assert_eq!(employments.len(), 1);
    assert_eq!(employments[0]["external_id"], hired["hire_id"]);
}

async fn a_connect_request_with_an_unknown_mode_is_refused_in_our_shape(db: Db) {
    // Arrange
    let app = spawn_app(db).await;

    // Act
    let response = app
        .post(
            &unique_user(),
            "/api/v1/connect",
            &json!({"mode": "iframe"}),
        )
        .await;

    // Assert
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

/// Starts a redirect-mode flow for Ana returning to `/candidates/7`, in this app's browser.
async fn start_redirect_flow(app: &TestApp, user: &str) -> StartedFlow {
    app.start_flow_with(
        user,
        &json!({"mode": "redirect", "return_to": format!("{JOB_SITE_ORIGIN}/candidates/7"),
                "candidate": ana(), "idempotency_key": new_key()}),
    )
    .await
}

/// The query of the job-site URL a redirect-mode callback sends the browser back to.
fn returned_to_the_job_site(response: &reqwest::Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = location(response);
    assert_eq!(
        back.origin().ascii_serialization(),
        JOB_SITE_ORIGIN,
        "{back}"
    );
    assert_eq!(back.path(), "/candidates/7", "{back}");
    back.query_pairs().into_owned().collect()
}

async fn redirect_mode_error_returns_the_browser_with_the_hires_error_code(db: Db) {
    // Arrange: consent succeeds, Remote fails the employment the callback then posts.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = start_redirect_flow(&app, &user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    app.fault(json!({"route": "POST /v1/employments", "status": 503}))
        .await;

    // Act
    let response = app.callback(&callback).await;

    // Assert
    let pairs = returned_to_the_job_site(&response);
    assert_eq!(pairs.get("hwr_status").map(String::as_str), Some("error"));
    assert_eq!(
        pairs.get("hwr_error").map(String::as_str),
        Some("upstream_unavailable")
    );
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "connected");
    assert_eq!(app.connection(&user).await["status"], "connected");
    let state = app.sandbox_state().await;
    assert_eq!(state["employments"].as_array().map(Vec::len), Some(0));
}

async fn redirect_mode_expired_returns_the_browser_without_calling_remote(db: Db) {
    // Arrange: the employer answers after the flow's ten minutes.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = start_redirect_flow(&app, &user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    sqlx::query("UPDATE flows SET expires_at = $1 WHERE id = $2")
        // A minute ago: expired, but well inside the retention that the start-up sweep purges.
        .bind(hire_with_remote::store::now() - 60)
        .bind(&flow.flow_id)
        .execute(app.store().pool())
        .await
        .expect("the flow is aged");

    // Act
    let response = app.callback(&callback).await;

    // Assert
    let pairs = returned_to_the_job_site(&response);
    assert_eq!(pairs.get("hwr_status").map(String::as_str), Some("expired"));
    assert_eq!(
        pairs.get("hwr_error"),
        None,
        "an expired flow has no error code"
    );
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "expired");
    let state = app.sandbox_state().await;
    assert_eq!(state["token_requests"]["authorization_code"], 0);
    assert_eq!(state["employment_posts"], 0);
    assert_eq!(app.connection(&user).await["status"], "not_connected");
}

on_both_databases!(
    redirect_mode_error_returns_the_browser_with_the_hires_error_code,
    redirect_mode_expired_returns_the_browser_without_calling_remote,
    a_popup_flow_starts_with_an_authorize_url_carrying_state_and_s256_pkce,
    the_consent_url_asks_for_the_configured_scopes,
    two_flows_never_share_a_state,
    a_new_flow_is_pending,
    another_users_flow_is_not_found,
    an_unknown_flow_is_not_found,
    redirect_mode_refuses_a_return_to_off_the_allowed_origin,
    redirect_mode_requires_a_valid_candidate,
    redirect_mode_consents_hires_and_sends_the_browser_to_onboarding,
    redirect_mode_denied_returns_the_browser_to_the_job_site,
    redirect_mode_failed_returns_the_browser_with_the_flows_error_code,
    a_connect_request_with_an_unknown_mode_is_refused_in_our_shape,
    a_popup_flow_with_the_attempt_hires_at_the_callback_and_its_status_carries_the_hire,
    a_popup_flow_without_a_key_leaves_the_hire_to_the_widget,
    a_popup_flow_with_an_invalid_candidate_is_refused_before_consent,
    when_the_hire_at_the_callback_fails_the_same_key_completes_it_once,
);

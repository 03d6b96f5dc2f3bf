//! Remote misbehaving: 5xx on the employment POST (never re-posted blindly), "created, then
//! failed" (reconciled to exactly one employment), hangs beyond the upstream timeout, 429,
//! failures of the token endpoint, the country list and the onboarding link, and Remote refusing
//! a country our check let through. What reached Remote is read off the sandbox's request counts
//! (`received`, and `faulted` for the ones a fault fired on).

use std::time::{Duration, Instant};

use hwr_integration_tests::{
    ana, ana_with, assert_error, json_body, new_key, on_both_databases, spawn_app, spawn_app_with,
    unique_user, Db,
};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

fn employments(state: &Value) -> usize {
    state["employments"].as_array().map_or(0, Vec::len)
}

/// `{"received","faulted"}` for one of the sandbox's routes.
fn requests(state: &Value, route: &str) -> Value {
    state["requests"][route].clone()
}

const POST_EMPLOYMENTS: &str = "POST /v1/employments";
const TOKEN: &str = "POST /auth/oauth2/token";

async fn a_503_on_the_employment_post_is_upstream_unavailable_and_not_retried(db: Db) {
    // Arrange: the fault fires once; had the backend posted again, that POST would go through.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/employments", "status": 503, "count": 1}))
        .await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let status = response.status();
    assert!(
        status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::BAD_GATEWAY,
        "{status}"
    );
    assert_error(response, status, "upstream_unavailable").await;
    let state = app.sandbox_state().await;
    assert_eq!(
        requests(&state, POST_EMPLOYMENTS),
        json!({"received": 1, "faulted": 1}),
        "Remote was asked once, that call failed, and it was not repeated"
    );
    assert_eq!(state["employment_posts"], 0);
    assert_eq!(employments(&state), 0);
}

async fn a_retry_after_an_upstream_outage_creates_exactly_one_employment(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let key = new_key();
    app.fault(json!({"route": "POST /v1/employments", "status": 502, "count": 1}))
        .await;
    let failed = app.hire(&user, &key, &ana()).await;
    assert!(failed.status().is_server_error(), "{}", failed.status());

    // Act
    let response = app.hire(&user, &key, &ana()).await;

    // Assert
    json_body(response, StatusCode::CREATED).await;
    let state = app.sandbox_state().await;
    assert_eq!(employments(&state), 1);
    assert_eq!(state["employment_posts"], 1);
    assert_eq!(
        requests(&state, POST_EMPLOYMENTS),
        json!({"received": 2, "faulted": 1}),
        "the failed POST and the retry's"
    );
}

async fn an_employment_created_before_remote_failed_is_reconciled_to_exactly_one(db: Db) {
    // Arrange: Remote creates the employment, then answers 504.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let key = new_key();
    app.fault(json!({"route": "POST /v1/employments", "create_then_fail": true, "count": 1}))
        .await;

    // Act
    let first = app.hire(&user, &key, &ana()).await;
    let hired = if first.status() == StatusCode::CREATED {
        json_body(first, StatusCode::CREATED).await
    } else {
        // Not reconciled at once: a retry with the same key must find it, not post again.
        assert!(first.status().is_server_error(), "{}", first.status());
        json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await
    };

    // Assert
    let state = app.sandbox_state().await;
    assert_eq!(employments(&state), 1, "exactly one employment");
    assert_eq!(state["employment_posts"], 1, "posted once");
    assert_eq!(state["employments"][0]["id"], hired["employment_id"]);
    let replay = json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;
    assert_eq!(replay["employment_id"], hired["employment_id"]);
    let state = app.sandbox_state().await;
    assert_eq!(state["employment_posts"], 1);
    assert_eq!(
        requests(&state, POST_EMPLOYMENTS),
        json!({"received": 1, "faulted": 1}),
        "one POST ever reached Remote: the one that created, then failed"
    );
}

async fn a_hanging_remote_is_upstream_unavailable_within_the_timeout(db: Db) {
    // Arrange
    let app = spawn_app_with(db, |settings| settings.upstream_timeout_secs = 2).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/employments", "hang": true, "count": 1}))
        .await;
    let started = Instant::now();

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let elapsed = started.elapsed();
    assert_error(
        response,
        StatusCode::GATEWAY_TIMEOUT,
        "upstream_unavailable",
    )
    .await;
    assert!(
        elapsed < Duration::from_secs(8),
        "answered after {elapsed:?}"
    );
    let state = app.sandbox_state().await;
    assert_eq!(employments(&state), 0);
    assert_eq!(
        requests(&state, POST_EMPLOYMENTS),
        json!({"received": 1, "faulted": 1}),
        "the hanging POST, not posted again"
    );
}

async fn a_slow_remote_beyond_the_timeout_is_unavailable_and_a_retry_creates_exactly_one(db: Db) {
    // Arrange: Remote would answer, but only after the backend's two-second timeout. (The
    // sandbox drops the request when the backend hangs up, so nothing is created by it.)
    let app = spawn_app_with(db, |settings| settings.upstream_timeout_secs = 2).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let key = new_key();
    app.fault(json!({"route": "POST /v1/employments", "latency_ms": 3000, "count": 1}))
        .await;
    let started = Instant::now();

    // Act
    let response = app.hire(&user, &key, &ana()).await;
    let elapsed = started.elapsed();
    let retry = app.hire(&user, &key, &ana()).await;

    // Assert
    let status = response.status();
    assert!(status.is_server_error(), "{status}");
    assert_error(response, status, "upstream_unavailable").await;
    assert!(
        elapsed < Duration::from_secs(8),
        "answered after {elapsed:?}"
    );
    let hired = json_body(retry, StatusCode::CREATED).await;
    let state = app.sandbox_state().await;
    assert_eq!(employments(&state), 1);
    assert_eq!(state["employments"][0]["id"], hired["employment_id"]);
    assert_eq!(
        requests(&state, POST_EMPLOYMENTS),
        json!({"received": 2, "faulted": 1}),
        "the slow POST and the retry's"
    );
}

async fn a_429_from_remote_is_rate_limited_with_retry_after(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/employments", "status": 429, "count": 1}))
        .await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert!(
        retry_after.is_some_and(|s| s >= 1),
        "Retry-After: {retry_after:?}"
    );
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(employments(&app.sandbox_state().await), 0);
}

async fn a_token_endpoint_outage_during_consent_fails_the_flow_without_a_connection(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    app.fault(json!({"route": "POST /auth/oauth2/token", "status": 503, "count": 1}))
        .await;

    // Act
    let response = app.callback(&callback).await;

    // Assert
    assert!(response.status().is_client_error() || response.status().is_server_error());
    assert_ne!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = response.text().await.expect("a page");
    assert!(
        html.contains("postMessage") && html.contains("failed"),
        "{html}"
    );
    let flow = app.flow(&user, &flow.flow_id).await;
    assert_eq!(flow["status"], "failed");
    assert!(
        flow["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{flow}"
    );
    assert_eq!(app.connection(&user).await["status"], "not_connected");
    assert_eq!(
        requests(&app.sandbox_state().await, TOKEN)["faulted"],
        1,
        "the code exchange reached the failing token endpoint"
    );
}

async fn a_token_endpoint_outage_during_refresh_is_upstream_unavailable_and_keeps_the_connection(
    db: Db,
) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_stored_access_token(&user).await;
    app.fault(json!({"route": "POST /auth/oauth2/token", "status": 503, "count": 1}))
        .await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let status = response.status();
    assert!(
        status.is_server_error() && status != StatusCode::INTERNAL_SERVER_ERROR,
        "{status}"
    );
    assert_error(response, status, "upstream_unavailable").await;
    assert_eq!(
        requests(&app.sandbox_state().await, TOKEN)["faulted"],
        1,
        "the refresh reached the failing token endpoint"
    );
    assert_eq!(
        app.connection(&user).await["status"],
        "connected",
        "an outage is not a revoked grant"
    );
    json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
}

async fn a_country_list_outage_is_upstream_unavailable_and_posts_nothing(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "GET /v1/countries", "status": 500}))
        .await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let status = response.status();
    assert!(
        status.is_server_error() && status != StatusCode::INTERNAL_SERVER_ERROR,
        "{status}"
    );
    assert_error(response, status, "upstream_unavailable").await;
    let state = app.sandbox_state().await;
    assert!(
        requests(&state, "GET /v1/countries")["faulted"].as_u64() >= Some(1),
        "the country list was asked for and failed: {}",
        state["requests"]
    );
    assert_eq!(
        requests(&state, POST_EMPLOYMENTS)["received"],
        0,
        "no POST reached Remote"
    );
}

async fn a_refused_magic_link_still_completes_the_hire_with_a_plain_link(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/magic-link", "status": 500}))
        .await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let hired = json_body(response, StatusCode::CREATED).await;
    assert_eq!(
        hired["redirect_url"],
        app.state.config.remote.app_url.as_str(),
        "the plain link to Remote's app"
    );
    let state = app.sandbox_state().await;
    assert_eq!(employments(&state), 1);
    let magic_links = requests(&state, "POST /v1/magic-link");
    assert!(
        magic_links["received"].as_u64() >= Some(1)
            && magic_links["faulted"] == magic_links["received"],
        "the magic link was asked for, and refused: {magic_links}"
    );
}

async fn a_country_remote_refuses_after_our_check_passed_is_unsupported_country_in_our_shape(
    db: Db,
) {
    // Arrange: Portugal is hireable in the country list the backend checks (and caches), so the
    // hire is posted; Remote refuses the country anyway, once in each of its documented shapes.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let mut answers = Vec::new();
    for refusal in ["unsupported_country", "unsupported_country_validation"] {
        app.fault(json!({"route": POST_EMPLOYMENTS, "refusal": refusal, "count": 1}))
            .await;
        let candidate = ana_with("personal_email", &format!("{refusal}@example.com"));

        // Act
        let response = app.hire(&user, &new_key(), &candidate).await;
        answers.push((refusal, response));
    }

    // Assert
    for (refusal, response) in answers {
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_country",
        )
        .await;
        assert!(
            error["fields"]["country_code"]
                .as_array()
                .is_some_and(|messages| !messages.is_empty()),
            "{refusal}: the refusal is on the country: {error}"
        );
    }
    let state = app.sandbox_state().await;
    assert_eq!(
        requests(&state, POST_EMPLOYMENTS),
        json!({"received": 2, "faulted": 2}),
        "both hires reached Remote, and Remote refused both"
    );
    assert_eq!(employments(&state), 0);
}

on_both_databases!(
    a_503_on_the_employment_post_is_upstream_unavailable_and_not_retried,
    a_retry_after_an_upstream_outage_creates_exactly_one_employment,
    an_employment_created_before_remote_failed_is_reconciled_to_exactly_one,
    a_hanging_remote_is_upstream_unavailable_within_the_timeout,
    a_slow_remote_beyond_the_timeout_is_unavailable_and_a_retry_creates_exactly_one,
    a_429_from_remote_is_rate_limited_with_retry_after,
    a_token_endpoint_outage_during_consent_fails_the_flow_without_a_connection,
    a_token_endpoint_outage_during_refresh_is_upstream_unavailable_and_keeps_the_connection,
    a_country_list_outage_is_upstream_unavailable_and_posts_nothing,
    a_refused_magic_link_still_completes_the_hire_with_a_plain_link,
    a_country_remote_refuses_after_our_check_passed_is_unsupported_country_in_our_shape,
);

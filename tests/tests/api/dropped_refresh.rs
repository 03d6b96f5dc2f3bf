//! A refresh runs to completion even when the page that needed it goes away: Remote rotates the
//! refresh token when it is used, so a refresh cut off after Remote answered would lose the new
//! one and cost the employer a new consent.

use std::time::Duration;

use hwr_integration_tests::{
    ana, json_body, new_key, on_both_databases, spawn_app_configured, unique_user, Db,
};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

const TOKEN_ROUTE: &str = "POST /auth/oauth2/token";

/// Requests that reached Remote's token endpoint for a company's grant (client-credentials
/// tokens for the countries list left out).
fn company_token_requests(state: &Value) -> u64 {
    let received = state["requests"][TOKEN_ROUTE]["received"]
        .as_u64()
        .expect("the sandbox counts token requests");
    let client_credentials = state["token_requests"]["client_credentials"]
        .as_u64()
        .expect("the sandbox counts client-credentials grants");
    received - client_credentials
}

async fn a_page_that_goes_away_during_the_country_forms_refresh_leaves_the_connection_usable(
    db: Db,
) {
    // Arrange: rotating refresh tokens, a token past its stored expiry, a slow token endpoint.
    let app =
        spawn_app_configured(db, |sandbox| sandbox.rotate_refresh_tokens = true, |_| {}).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.expire_stored_access_token(&user).await;
    let before = company_token_requests(&app.sandbox_state().await);
    app.fault(json!({"route": TOKEN_ROUTE, "latency_ms": 1500, "count": 1}))
        .await;

    // Act: the page reads Portugal's form, which needs a fresh token, and gives up after 0.3 s.
    let gave_up = app
        .client
        .get(app.url("/api/v1/countries/PT/form"))
        .header(header::ORIGIN, hwr_integration_tests::JOB_SITE_ORIGIN)
        .bearer_auth(app.token(&user))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(gave_up.is_err(), "the page went away before the answer");
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Assert: the refresh Remote answered was kept; the next hire needs no new consent.
    assert_eq!(app.connection(&user).await["status"], "connected");
    json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(app.connection(&user).await["status"], "connected");
    assert_eq!(
        company_token_requests(&app.sandbox_state().await) - before,
        1,
        "Remote was asked for one refresh, the one the page gave up on, and its answer was used"
    );
}

on_both_databases!(
    a_page_that_goes_away_during_the_country_forms_refresh_leaves_the_connection_usable,
);

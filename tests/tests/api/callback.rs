//! `GET /oauth/callback`: `state` is checked (present, ours, unused, unexpired) before any token
//! call; a denied consent ends the flow without a connection; the page reports to the opener's
//! exact origin and is never cached, framed or a vector for markup from the query.

use hwr_integration_tests::{on_both_databases, spawn_app, unique_user, Db, JOB_SITE_ORIGIN};
use reqwest::{header, StatusCode};
use url::Url;

fn query_value(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| panic!("{name} in {url}"))
}

fn code_token_requests(state: &serde_json::Value) -> u64 {
    state["token_requests"]["authorization_code"]
        .as_u64()
        .expect("a count of code exchanges")
}

async fn a_callback_without_state_is_refused_before_any_token_call(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    let code = query_value(&callback, "code");

    // Act
    let response = app.callback_with_query(&format!("code={code}")).await;

    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code_token_requests(&app.sandbox_state().await), 0);
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "pending");
}

async fn a_callback_with_an_unknown_state_is_refused_before_any_token_call(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    let code = query_value(&callback, "code");

    // Act
    let response = app
        .callback_with_query(&format!("code={code}&state=not-a-state-we-issued"))
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code_token_requests(&app.sandbox_state().await), 0);
    assert_eq!(app.connection(&user).await["status"], "not_connected");
}

async fn a_callback_with_a_repeated_state_parameter_is_refused_before_any_token_call(db: Db) {
    // Arrange: parameter pollution, our state and another one.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    let (code, state) = (
        query_value(&callback, "code"),
        query_value(&callback, "state"),
    );

    // Act
    let response = app
        .callback_with_query(&format!("code={code}&state={state}&state=other"))
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code_token_requests(&app.sandbox_state().await), 0);
}

async fn a_replayed_callback_is_refused_and_the_code_is_exchanged_once(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    let first = app.callback(&callback).await;
    assert_eq!(first.status(), StatusCode::OK);

    // Act
    let replay = app.callback(&callback).await;

    // Assert
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    let body = replay.text().await.expect("a page");
    assert!(
        !body.contains("postMessage"),
        "a replay reports nothing to anyone"
    );
    assert_eq!(code_token_requests(&app.sandbox_state().await), 1);
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "connected");
}

async fn a_callback_for_an_expired_flow_is_refused_before_any_token_call(db: Db) {
    // Arrange: the flow was started more than ten minutes ago.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
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
    assert!(response.status().is_client_error(), "{}", response.status());
    assert_eq!(code_token_requests(&app.sandbox_state().await), 0);
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "expired");
    assert_eq!(app.connection(&user).await["status"], "not_connected");
}

async fn an_unanswered_flow_reads_expired_after_its_lifetime(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    sqlx::query("UPDATE flows SET expires_at = $1 WHERE id = $2")
        // A minute ago: expired, but well inside the retention that the start-up sweep purges.
        .bind(hire_with_remote::store::now() - 60)
        .bind(&flow.flow_id)
        .execute(app.store().pool())
        .await
        .expect("the flow is aged");

    // Act
    let status = app.flow(&user, &flow.flow_id).await;

    // Assert
    assert_eq!(status["status"], "expired");
}

async fn a_denied_consent_ends_the_flow_denied_without_a_connection(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "deny").await;
    assert_eq!(query_value(&callback, "error"), "access_denied");

    // Act
    let response = app.callback(&callback).await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("a page");
    assert!(
        html.contains("postMessage") && html.contains("denied"),
        "{html}"
    );
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "denied");
    assert_eq!(app.connection(&user).await["status"], "not_connected");
    assert_eq!(code_token_requests(&app.sandbox_state().await), 0);
    let kinds: Vec<String> = app
        .store()
        .audit_events(50)
        .await
        .expect("the audit trail")
        .into_iter()
        .map(|event| event.kind)
        .collect();
    assert!(kinds.contains(&"consent.denied".to_owned()), "{kinds:?}");
}

async fn markup_in_an_error_description_never_reaches_the_page(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let state = query_value(&flow.authorize_url, "state");
    let evil = "%3Cscript%3Ealert(1)%3C%2Fscript%3E%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E";

    // Act
    let with_our_state = app
        .callback_with_query(&format!(
            "error=server_error&error_description={evil}&state={state}"
        ))
        .await;
    let with_evil_state = app
        .callback_with_query(&format!(
            "error={evil}&error_description={evil}&state={evil}"
        ))
        .await;

    // Assert
    for response in [with_our_state, with_evil_state] {
        assert!(response.status().is_client_error(), "{}", response.status());
        let html = response.text().await.expect("a page");
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("alert("), "{html}");
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script nonce=\"").count(),
            "only our own nonce'd script: {html}"
        );
    }
    assert_eq!(app.flow(&user, &flow.flow_id).await["status"], "failed");
}

async fn the_callback_page_posts_to_the_exact_opener_origin_and_is_locked_down(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;

    // Act
    let response = app.callback(&callback).await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let header_text = |name: header::HeaderName| {
        headers
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("a {name} header"))
            .to_owned()
    };
    assert!(header_text(header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
    assert_eq!(header_text(header::REFERRER_POLICY), "no-referrer");
    assert!(header_text(header::CACHE_CONTROL).contains("no-store"));
    assert!(header_text(header::CONTENT_TYPE).starts_with("text/html"));
    let html = response.text().await.expect("a page");
    assert!(html.contains("postMessage"), "{html}");
    assert!(html.contains("hwr:flow"), "{html}");
    assert!(html.contains(&flow.flow_id), "{html}");
    assert!(html.contains("connected"), "{html}");
    assert!(
        html.contains(&format!("\"origin\":\"{JOB_SITE_ORIGIN}\"")),
        "posts to the exact origin: {html}"
    );
    assert!(
        !html.contains("\"*\"") && !html.contains("'*'"),
        "never to *: {html}"
    );
    assert!(
        !html.contains(&query_value(&callback, "code")),
        "the code is not echoed"
    );
}

async fn a_callback_whose_browser_goes_away_during_the_code_exchange_still_completes_the_flow(
    db: Db,
) {
    // Arrange: Remote's token endpoint takes 1.5 s; the browser gives up after 0.3 s.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_hiring_flow(&user).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    app.fault(
        serde_json::json!({"route": "POST /auth/oauth2/token", "latency_ms": 1500, "count": 1}),
    )
    .await;

    // Act
    let gone = app
        .client
        .get(callback)
        .timeout(std::time::Duration::from_millis(300))
        .send()
        .await;

    // Assert: the flow still ends connected, with its hire, and the code was exchanged once.
    assert!(gone.is_err(), "the browser went away before the answer");
    let mut status = serde_json::Value::Null;
    for _ in 0..50 {
        status = app.flow(&user, &flow.flow_id).await;
        if status["status"] != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status["status"], "connected", "{status}");
    assert!(status["hire"]["employment_id"].is_string(), "{status}");
    let state = app.sandbox_state().await;
    assert_eq!(code_token_requests(&state), 1);
    assert_eq!(state["employment_posts"], 1);
}

async fn a_finished_flow_keeps_no_candidate_details(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_hiring_flow(&user).await;
    let pending: Option<String> = sqlx::query_scalar("SELECT candidate FROM flows WHERE id = $1")
        .bind(&flow.flow_id)
        .fetch_one(app.store().pool())
        .await
        .expect("the flow row");
    assert!(pending.is_some_and(|c| c.contains("Ana Silva")));
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;

    // Act
    app.callback(&callback).await;

    // Assert
    let finished: Option<String> = sqlx::query_scalar("SELECT candidate FROM flows WHERE id = $1")
        .bind(&flow.flow_id)
        .fetch_one(app.store().pool())
        .await
        .expect("the flow row");
    assert_eq!(finished, None, "the candidate's details are gone");
}

on_both_databases!(
    a_callback_whose_browser_goes_away_during_the_code_exchange_still_completes_the_flow,
    a_finished_flow_keeps_no_candidate_details,
    a_callback_without_state_is_refused_before_any_token_call,
    a_callback_with_an_unknown_state_is_refused_before_any_token_call,
    a_callback_with_a_repeated_state_parameter_is_refused_before_any_token_call,
    a_replayed_callback_is_refused_and_the_code_is_exchanged_once,
    a_callback_for_an_expired_flow_is_refused_before_any_token_call,
    an_unanswered_flow_reads_expired_after_its_lifetime,
    a_denied_consent_ends_the_flow_denied_without_a_connection,
    markup_in_an_error_description_never_reaches_the_page,
    the_callback_page_posts_to_the_exact_opener_origin_and_is_locked_down,
);

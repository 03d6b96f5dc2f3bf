//! While Remote keeps failing, the backend stops calling it for a moment and answers at once
//! with 503 `upstream_unavailable` and `Retry-After`, instead of making every employer wait for
//! the upstream timeout. "Stops calling" is read off the sandbox's request counts, which count
//! every request it receives, faulted or not.

use hwr_integration_tests::{ana_with, json_body, new_key, spawn_app, unique_user, Db, TestApp};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

/// The routes a hire calls once the country list is cached.
const HIRE_ROUTES: [&str; 3] = [
    "POST /v1/employments",
    "GET /v1/employments",
    "POST /v1/magic-link",
];

/// What the sandbox has received so far.
#[derive(Clone, Copy)]
struct Received {
    /// Requests on any Remote route.
    anywhere: u64,
    /// Requests on the hire's routes, and how many of those a fault fired on.
    on_hire_routes: u64,
    faulted_on_hire_routes: u64,
}

async fn received(app: &TestApp) -> Received {
    let state = app.sandbox_state().await;
    let routes = state["requests"]
        .as_object()
        .expect("the sandbox's request counts");
    let count = |route: &str, field: &str| routes[route][field].as_u64().expect("a count");
    Received {
        anywhere: routes.keys().map(|route| count(route, "received")).sum(),
        on_hire_routes: HIRE_ROUTES.iter().map(|r| count(r, "received")).sum(),
        faulted_on_hire_routes: HIRE_ROUTES.iter().map(|r| count(r, "faulted")).sum(),
    }
}

/// One failing hire: its answer, and what reached the sandbox while it ran. (A webhook
/// registration the consent started in the background may land during an early hire; it is
/// not on the hire's routes.)
struct FailingHire {
    body: Value,
    retry_after: Option<header::HeaderValue>,
    received: u64,
    received_on_hire_routes: u64,
    faulted_on_hire_routes: u64,
}

async fn failing_hires(app: &TestApp, user: &str, count: usize) -> Vec<FailingHire> {
    let mut hires = Vec::new();
    for n in 0..count {
        let candidate = ana_with("personal_email", &format!("failing{n}@example.com"));
        let before = received(app).await;
        let response = app.hire(user, &new_key(), &candidate).await;
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        let body = json_body(response, StatusCode::SERVICE_UNAVAILABLE).await;
        let after = received(app).await;
        hires.push(FailingHire {
            body,
            retry_after,
            received: after.anywhere - before.anywhere,
            received_on_hire_routes: after.on_hire_routes - before.on_hire_routes,
            faulted_on_hire_routes: after.faulted_on_hire_routes - before.faulted_on_hire_routes,
        });
    }
    hires
}

#[tokio::test]
async fn while_remote_keeps_failing_the_circuit_opens_and_answers_at_once_with_retry_after() {
    // Arrange: a first hire fills the country cache, then every call the hire path makes fails.
    let app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    json_body(
        app.hire(
            &user,
            &new_key(),
            &ana_with("personal_email", "first@example.com"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for route in HIRE_ROUTES {
        app.fault(json!({"route": route, "status": 503})).await;
    }

    // Act: ten hires (each failing hire makes 4 calls: the already-hired lookup, the POST, the
    // lookup after it and the magic link; the circuit opens once half of at least 20 calls in
    // the window failed, the first hire's successful calls included: during the fourth
    // failing hire).
    let hires = failing_hires(&app, &user, 10).await;

    // Assert
    assert!(hires
        .iter()
        .all(|hire| hire.body["error"]["code"] == "upstream_unavailable"));
    let open = hires
        .iter()
        .position(|hire| hire.received == 0)
        .expect("a hire that reached Remote zero times: the circuit opened");
    assert!(
        open >= 3,
        "the circuit opened only after 20 calls, not at hire {open}"
    );
    for (n, hire) in hires[..open].iter().enumerate() {
        assert!(
            hire.received_on_hire_routes > 0
                && hire.faulted_on_hire_routes == hire.received_on_hire_routes,
            "while closed, hire {n}'s calls reached Remote and each failed: {} received, {} faulted",
            hire.received_on_hire_routes,
            hire.faulted_on_hire_routes
        );
    }
    assert!(
        hires[open..].iter().all(|hire| hire.received == 0),
        "once open, no hire reaches Remote"
    );
    assert!(
        hires[open..].iter().all(|hire| hire.retry_after.is_some()),
        "Retry-After on every answer of the open circuit"
    );
}

#[tokio::test]
async fn the_token_endpoint_is_behind_the_same_circuit_breaker() {
    // Arrange: one employer's failing hires open the circuit.
    let app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    for route in HIRE_ROUTES {
        app.fault(json!({"route": route, "status": 503})).await;
    }
    let hires = failing_hires(&app, &user, 10).await;
    assert_eq!(
        hires.last().map(|hire| hire.received),
        Some(0),
        "the circuit is open: the last hire reached Remote zero times"
    );
    let token = "POST /auth/oauth2/token";
    let token_requests_before = app.sandbox_state().await["requests"][token].clone();

    // Act: another employer's consent completes while the circuit is open.
    let other = unique_user();
    let flow = app.start_flow(&other).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;
    app.callback(&callback).await;

    // Assert: no code exchange reached the failing Remote.
    let status = app.flow(&other, &flow.flow_id).await;
    assert_eq!(status["status"], "failed");
    assert_eq!(status["error"], "upstream_unavailable");
    assert_eq!(
        app.sandbox_state().await["requests"][token],
        token_requests_before,
        "no code exchange reached Remote"
    );
    assert!(
        token_requests_before["received"].as_u64() >= Some(1),
        "the count is live: the first consent's exchange was counted"
    );
}

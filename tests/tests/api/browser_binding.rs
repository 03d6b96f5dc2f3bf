//! Consent is bound to the browser that asked for it: `POST /api/v1/connect` hands out a start
//! ticket, `POST /oauth/start` (a form from the job-site page) checks it and the page's `Origin`
//! and sets the flow's binding cookie, and the callback completes nothing without that cookie.

use hwr_integration_tests::{
    on_both_databases, spawn_app, unique_user, Db, FOREIGN_ORIGIN, JOB_SITE_ORIGIN,
};
use reqwest::{header, StatusCode};
use serde_json::json;

async fn a_forwarded_consent_link_allowed_in_another_browser_connects_nothing_hires_nothing_and_calls_no_token_endpoint(
    db: Db,
) {
    // Arrange: the job-site user starts a flow carrying a hire, then forwards the consent link
    // to an admin of another company, who opens it in their own browser.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_hiring_flow(&user).await;
    let admin = app.other_browser();
    let callback = app
        .answer_consent_in(&admin, &flow.authorize_url, "allow")
        .await;

    // Act
    let page = admin.get(callback).send().await.expect("an answer");

    // Assert
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let html = page.text().await.expect("a page");
    assert!(
        html.contains("started in another browser") && html.contains("click “Hire with Remote”"),
        "the page says what happened and what to do: {html}"
    );
    assert!(
        !html.contains("postMessage"),
        "nothing is reported to whoever opened this window"
    );
    let status = app.flow(&user, &flow.flow_id).await;
    assert_eq!(status["status"], "failed");
    assert_eq!(status["error"], "consent_elsewhere");
    assert!(status.get("hire").is_none());
    let sandbox = app.sandbox_state().await;
    assert_eq!(sandbox["token_requests"]["authorization_code"], 0);
    assert_eq!(sandbox["employment_posts"], 0);
    assert_eq!(app.connection(&user).await["status"], "not_connected");
}

async fn the_connect_answer_carries_a_start_url_and_ticket_and_no_authorize_url(db: Db) {
    // Arrange
    let app = spawn_app(db).await;

    // Act (`ConnectAnswer` asserts that no authorize_url is there)
    let answer = app.connect(&unique_user(), &json!({"mode": "popup"})).await;

    // Assert
    assert_eq!(
        answer.start_url.as_str(),
        format!("{}/oauth/start", app.address)
    );
    assert!(answer.start_ticket.len() >= 40, "an unguessable ticket");
}

async fn a_start_with_a_wrong_ticket_is_refused_and_the_real_ticket_still_works(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let answer = app.connect(&unique_user(), &json!({"mode": "popup"})).await;

    // Act
    let refused = answer
        .submit_start(&app.client, JOB_SITE_ORIGIN, "not-the-ticket")
        .await;

    // Assert
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers().get(header::LOCATION).is_none());
    assert!(refused.headers().get(header::SET_COOKIE).is_none());
    answer.start_in_browser(&app.client, JOB_SITE_ORIGIN).await;
}

async fn a_start_ticket_works_once(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let answer = app.connect(&unique_user(), &json!({"mode": "popup"})).await;
    answer.start_in_browser(&app.client, JOB_SITE_ORIGIN).await;

    // Act: the same form again, from another browser
    let replay = answer
        .submit_start(&app.other_browser(), JOB_SITE_ORIGIN, &answer.start_ticket)
        .await;

    // Assert
    assert_eq!(replay.status(), StatusCode::FORBIDDEN);
    assert!(replay.headers().get(header::LOCATION).is_none());
    assert!(replay
        .text()
        .await
        .unwrap_or_default()
        .contains("already used"));
}

async fn a_start_from_another_origin_is_refused_and_leaves_the_ticket_usable(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let answer = app.connect(&unique_user(), &json!({"mode": "popup"})).await;

    // Act
    let foreign = answer
        .submit_start(&app.client, FOREIGN_ORIGIN, &answer.start_ticket)
        .await;
    let no_origin = app
        .client
        .post(answer.start_url.clone())
        .form(&[
            ("flow_id", answer.flow_id.as_str()),
            ("ticket", &answer.start_ticket),
        ])
        .send()
        .await
        .expect("an answer");

    // Assert
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(foreign.headers().get(header::LOCATION).is_none());
    assert_eq!(no_origin.status(), StatusCode::FORBIDDEN);
    answer.start_in_browser(&app.client, JOB_SITE_ORIGIN).await;
}

async fn a_start_with_origin_null_is_refused_with_a_page_that_names_the_referrer_policy(db: Db) {
    // Arrange: a job-site page under `Referrer-Policy: no-referrer` makes the browser send
    // `Origin: null`, which any page could send.
    let app = spawn_app(db).await;
    let answer = app.connect(&unique_user(), &json!({"mode": "popup"})).await;

    // Act
    let refused = answer
        .submit_start(&app.client, "null", &answer.start_ticket)
        .await;

    // Assert
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let html = refused.text().await.expect("a page");
    assert!(html.contains("Referrer-Policy"), "{html}");
    assert!(html.contains("strict-origin-when-cross-origin"), "{html}");
    answer.start_in_browser(&app.client, JOB_SITE_ORIGIN).await;
}

async fn an_expired_flow_cannot_be_started(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let answer = app.connect(&unique_user(), &json!({"mode": "popup"})).await;
    sqlx::query("UPDATE flows SET expires_at = 1 WHERE id = $1")
        .bind(&answer.flow_id)
        .execute(app.store().pool())
        .await
        .expect("the flow is aged");

    // Act
    let refused = answer
        .submit_start(&app.client, JOB_SITE_ORIGIN, &answer.start_ticket)
        .await;

    // Assert
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers().get(header::LOCATION).is_none());
}

async fn the_binding_cookie_is_http_only_lax_scoped_to_oauth_and_lives_as_long_as_the_flow(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let answer = app.connect(&unique_user(), &json!({"mode": "popup"})).await;

    // Act
    let started = answer
        .submit_start(&app.client, JOB_SITE_ORIGIN, &answer.start_ticket)
        .await;

    // Assert
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let cookie = started
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a binding cookie")
        .to_owned();
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(attributes[0].starts_with(&format!("hwr_consent_{}=", answer.flow_id)));
    assert!(attributes.contains(&"HttpOnly"), "{cookie}");
    assert!(attributes.contains(&"SameSite=Lax"), "{cookie}");
    assert!(attributes.contains(&"Path=/oauth"), "{cookie}");
    assert!(
        !attributes.contains(&"Secure"),
        "plain http public URL: {cookie}"
    );
    let max_age: u64 = attributes
        .iter()
        .find_map(|a| a.strip_prefix("Max-Age="))
        .and_then(|v| v.parse().ok())
        .expect("a Max-Age");
    assert!((590..=600).contains(&max_age), "{max_age}");
    let secret = attributes[0].split_once('=').map(|(_, v)| v).unwrap_or("");
    assert!(
        !app.stored_text().await.contains(secret),
        "only the binding secret's hash is stored"
    );
}

async fn a_callback_with_a_wrong_binding_cookie_exchanges_nothing(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let stranger = app.other_browser();
    let callback = app
        .answer_consent_in(&stranger, &flow.authorize_url, "allow")
        .await;

    // Act
    let page = stranger
        .get(callback)
        .header(
            header::COOKIE,
            format!("hwr_consent_{}=guessed-secret", flow.flow_id),
        )
        .send()
        .await
        .expect("an answer");

    // Assert
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.flow(&user, &flow.flow_id).await["error"],
        "consent_elsewhere"
    );
    assert_eq!(
        app.sandbox_state().await["token_requests"]["authorization_code"],
        0
    );
}

async fn the_callback_removes_the_binding_cookie(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let flow = app.start_flow(&unique_user()).await;
    let callback = app.answer_consent(&flow.authorize_url, "allow").await;

    // Act
    let page = app.callback(&callback).await;

    // Assert
    assert_eq!(page.status(), StatusCode::OK);
    let removal = page
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        removal.starts_with(&format!("hwr_consent_{}=;", flow.flow_id))
            && removal.contains("Max-Age=0"),
        "{removal}"
    );
}

on_both_databases!(
    a_forwarded_consent_link_allowed_in_another_browser_connects_nothing_hires_nothing_and_calls_no_token_endpoint,
    the_connect_answer_carries_a_start_url_and_ticket_and_no_authorize_url,
    a_start_with_a_wrong_ticket_is_refused_and_the_real_ticket_still_works,
    a_start_ticket_works_once,
    a_start_from_another_origin_is_refused_and_leaves_the_ticket_usable,
    a_start_with_origin_null_is_refused_with_a_page_that_names_the_referrer_policy,
    an_expired_flow_cannot_be_started,
    the_binding_cookie_is_http_only_lax_scoped_to_oauth_and_lives_as_long_as_the_flow,
    a_callback_with_a_wrong_binding_cookie_exchanges_nothing,
    the_callback_removes_the_binding_cookie,
);

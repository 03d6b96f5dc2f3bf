//! `POST /api/v1/hires`: one employment per idempotency key, the onboarding link in the same
//! answer, Remote's refusals in our shape, and nothing sent upstream for what we can refuse first.

use hire_with_remote::config::{EmploymentBody, OnboardingLink};
use hwr_integration_tests::{
    ana, ana_with, assert_error, field_names, json_body, new_key, on_both_databases, send,
    spawn_app, spawn_app_with, unique_user, Db,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn employments(state: &Value) -> &Vec<Value> {
    state["employments"]
        .as_array()
        .expect("a list of employments")
}

async fn a_connected_user_hires_ana_and_gets_an_onboarding_link_that_lists_her(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let hired = json_body(response, StatusCode::CREATED).await;
    let state = app.sandbox_state().await;
    assert_eq!(employments(&state).len(), 1);
    let employment = &employments(&state)[0];
    assert_eq!(hired["employment_id"], employment["id"]);
    assert_eq!(
        employment["external_id"], hired["hire_id"],
        "our hire id travels upstream"
    );
    assert_eq!(
        employment["country_code"], "PRT",
        "alpha-2 is sent as alpha-3"
    );
    let redirect = hired["redirect_url"].as_str().expect("a redirect_url");
    assert!(
        redirect.starts_with(&app.sandbox_url("/onboarding/")),
        "{redirect}"
    );
    let page = send(app.client.get(redirect)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the onboarding page");
    assert!(html.contains("<h1>Onboarding</h1>"), "{html}");
    assert!(html.contains("Ana Silva"), "{html}");
}

async fn a_hire_without_an_idempotency_key_is_refused(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let response = app.post(&user, "/api/v1/hires", &ana()).await;

    // Assert
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "idempotency_key_required",
    )
    .await;
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn a_hire_with_a_blank_or_oversized_idempotency_key_is_refused(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    for key in ["   ".to_owned(), "k".repeat(300)] {
        // Act
        let response = app.hire(&user, &key, &ana()).await;

        // Assert
        assert_error(
            response,
            StatusCode::BAD_REQUEST,
            "idempotency_key_required",
        )
        .await;
    }
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn a_hire_before_connecting_is_refused_as_not_connected(db: Db) {
    // Arrange
    let app = spawn_app(db).await;

    // Act
    let response = app.hire(&unique_user(), &new_key(), &ana()).await;

    // Assert
    assert_error(response, StatusCode::CONFLICT, "not_connected").await;
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn replaying_a_hire_with_the_same_key_returns_the_same_ids_and_posts_once(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let key = new_key();
    let first = json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;

    // Act
    let replay = json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;

    // Assert
    assert_eq!(replay["hire_id"], first["hire_id"]);
    assert_eq!(replay["employment_id"], first["employment_id"]);
    assert_ne!(
        replay["redirect_url"], first["redirect_url"],
        "a fresh one-time onboarding link"
    );
    let state = app.sandbox_state().await;
    assert_eq!(state["employment_posts"], 1);
    assert_eq!(employments(&state).len(), 1);
}

async fn a_replay_that_differs_only_in_case_and_whitespace_is_the_same_hire(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let key = new_key();
    let first = json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;

    // Act
    let mut same = ana_with("country_code", " pt ");
    same["full_name"] = Value::String("  Ana Silva ".into());
    let replay = json_body(app.hire(&user, &key, &same).await, StatusCode::CREATED).await;

    // Assert
    assert_eq!(replay["hire_id"], first["hire_id"]);
    assert_eq!(app.sandbox_state().await["employment_posts"], 1);
}

async fn reusing_a_key_for_a_different_candidate_is_refused(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let key = new_key();
    json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;

    // Act
    let response = app
        .hire(&user, &key, &ana_with("job_title", "Frontend Engineer"))
        .await;

    // Assert
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(app.sandbox_state().await["employment_posts"], 1);
}

async fn the_same_key_from_two_users_is_two_hires(db: Db) {
    // Arrange: keys are scoped to the site user.
    let app = spawn_app(db).await;
    let (alice, bob) = (unique_user(), unique_user());
    app.connect_and_consent(&alice).await;
    app.connect_and_consent(&bob).await;
    let key = new_key();
    let alices = json_body(app.hire(&alice, &key, &ana()).await, StatusCode::CREATED).await;

    // Act
    let bobs = app
        .hire(
            &bob,
            &key,
            &ana_with("personal_email", "someone.else@example.com"),
        )
        .await;

    // Assert
    let bobs = json_body(bobs, StatusCode::CREATED).await;
    assert_ne!(alices["hire_id"], bobs["hire_id"]);
    assert_eq!(employments(&app.sandbox_state().await).len(), 2);
}

async fn a_second_hire_of_the_same_email_under_a_new_key_is_the_earlier_hire(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let first = json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let posts = app.sandbox_state().await["employment_posts"].clone();

    // Act
    let second = json_body(app.hire(&user, &new_key(), &ana()).await, StatusCode::OK).await;

    // Assert
    assert_eq!(second["already_hired"], true, "{second}");
    assert_eq!(second["hire_id"], first["hire_id"]);
    assert_eq!(second["employment_id"], first["employment_id"]);
    assert_eq!(second["status"], "created");
    assert!(second["redirect_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http")));
    assert_eq!(first["already_hired"], false, "{first}");
    let state = app.sandbox_state().await;
    assert_eq!(state["employment_posts"], posts, "nothing posted");
    assert_eq!(employments(&state).len(), 1);
}

async fn a_replay_after_remotes_422_answers_the_same_refusal_without_posting_again(db: Db) {
    // Arrange: Remote refuses the hire once (422).
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/employments", "status": 422, "count": 1}))
        .await;
    let key = new_key();
    let first = assert_error(
        app.hire(&user, &key, &ana()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "upstream_rejected",
    )
    .await;
    let posts = app.sandbox_state().await["employment_posts"].clone();

    // Act: the same key and body, ten times more.
    let mut replays = Vec::new();
    for _ in 0..10 {
        replays.push(
            assert_error(
                app.hire(&user, &key, &ana()).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "upstream_rejected",
            )
            .await,
        );
    }

    // Assert
    assert!(
        replays
            .iter()
            .all(|replay| replay["error"] == first["error"]),
        "{replays:?}"
    );
    assert_eq!(
        app.sandbox_state().await["employment_posts"],
        posts,
        "nothing posted again"
    );
}

async fn a_country_remote_cannot_hire_in_is_refused_before_anything_is_posted(db: Db) {
    // Arrange: the sandbox lists North Korea with eor_onboarding false.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    for code in ["KP", "prk"] {
        // Act
        let response = app
            .hire(&user, &new_key(), &ana_with("country_code", code))
            .await;

        // Assert
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_country",
        )
        .await;
        assert_eq!(field_names(&error), vec!["country_code"]);
    }
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn an_unknown_country_code_is_a_validation_error(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let response = app
        .hire(&user, &new_key(), &ana_with("country_code", "ZZ"))
        .await;

    // Assert
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(field_names(&error), vec!["country_code"]);
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn alpha_3_country_codes_in_any_case_are_accepted(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let response = app
        .hire(&user, &new_key(), &ana_with("country_code", "prt"))
        .await;

    // Assert
    json_body(response, StatusCode::CREATED).await;
    assert_eq!(
        employments(&app.sandbox_state().await)[0]["country_code"],
        "PRT"
    );
}

async fn the_countries_route_lists_only_hireable_countries(db: Db) {
    // Arrange
    let app = spawn_app(db).await;

    // Act
    let response = app.get(&unique_user(), "/api/v1/countries").await;

    // Assert
    let body = json_body(response, StatusCode::OK).await;
    let countries = body["countries"].as_array().expect("a list");
    assert!(countries
        .iter()
        .any(|c| c["code"] == "PRT" && c["alpha_2_code"] == "PT" && c["name"] == "Portugal"));
    assert!(
        !countries.iter().any(|c| c["code"] == "PRK"),
        "not hireable"
    );
}

async fn a_double_click_sends_one_employment_and_both_answers_carry_the_same_ids(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let (key, candidate) = (new_key(), ana());

    // Act
    let (first, second) = tokio::join!(
        app.hire(&user, &key, &candidate),
        app.hire(&user, &key, &candidate)
    );

    // Assert
    let first = json_body(first, StatusCode::CREATED).await;
    let second = json_body(second, StatusCode::CREATED).await;
    assert_eq!(first["hire_id"], second["hire_id"]);
    assert_eq!(first["employment_id"], second["employment_id"]);
    assert_eq!(app.sandbox_state().await["employment_posts"], 1);
}

async fn the_flat_body_and_sso_url_settings_also_reach_onboarding(db: Db) {
    // Arrange: the original integration guide's body and onboarding link.
    let app = spawn_app_with(db, |settings| {
        settings.employment_body = EmploymentBody::Flat;
        settings.onboarding_link = OnboardingLink::SsoUrl;
    })
    .await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let response = app.hire(&user, &new_key(), &ana()).await;

    // Assert
    let hired = json_body(response, StatusCode::CREATED).await;
    let redirect = hired["redirect_url"].as_str().expect("a redirect_url");
    assert!(
        redirect.starts_with(&app.sandbox_url("/onboarding/sso/")),
        "{redirect}"
    );
    let html = send(app.client.get(redirect))
        .await
        .text()
        .await
        .expect("the onboarding page");
    assert!(html.contains("Ana Silva"), "{html}");
    let state = app.sandbox_state().await;
    assert_eq!(employments(&state).len(), 1);
    assert_eq!(employments(&state)[0]["external_id"], hired["hire_id"]);
}

async fn a_second_hire_of_the_same_email_with_the_flat_body_is_the_earlier_hire(db: Db) {
    // Arrange
    let app = spawn_app_with(db, |settings| {
        settings.employment_body = EmploymentBody::Flat
    })
    .await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let first = json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;

    // Act
    let second = json_body(app.hire(&user, &new_key(), &ana()).await, StatusCode::OK).await;

    // Assert
    assert_eq!(second["already_hired"], true, "{second}");
    assert_eq!(second["hire_id"], first["hire_id"]);
    let state = app.sandbox_state().await;
    assert_eq!(
        state["employment_posts"], 1,
        "found in our records: nothing posted the second time"
    );
    assert_eq!(employments(&state).len(), 1);
}

async fn a_second_submission_of_a_key_still_being_posted_answers_hire_in_progress(db: Db) {
    // Arrange: Remote takes 12 s to create the employment, longer than a second request with the
    // same key waits for the first (10 s).
    let app = std::sync::Arc::new(spawn_app(db).await);
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/employments", "latency_ms": 12_000}))
        .await;
    let key = new_key();
    let first = {
        let (app, user, key) = (app.clone(), user.clone(), key.clone());
        tokio::spawn(async move { app.hire(&user, &key, &ana()).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // Act
    let second = app.hire(&user, &key, &ana()).await;

    // Assert
    assert_eq!(second.status(), StatusCode::CONFLICT);
    assert!(
        second.headers().contains_key(reqwest::header::RETRY_AFTER),
        "hire_in_progress says when to retry"
    );
    assert_error(second, StatusCode::CONFLICT, "hire_in_progress").await;
    let first = json_body(first.await.expect("the first hire"), StatusCode::CREATED).await;
    app.clear_faults().await;
    let retried = json_body(app.hire(&user, &key, &ana()).await, StatusCode::CREATED).await;
    assert_eq!(retried["hire_id"], first["hire_id"]);
    assert_eq!(retried["employment_id"], first["employment_id"]);
    assert_eq!(app.sandbox_state().await["employment_posts"], 1);
}

on_both_databases!(
    a_second_submission_of_a_key_still_being_posted_answers_hire_in_progress,
    a_double_click_sends_one_employment_and_both_answers_carry_the_same_ids,
    the_flat_body_and_sso_url_settings_also_reach_onboarding,
    a_second_hire_of_the_same_email_with_the_flat_body_is_the_earlier_hire,
    a_replay_after_remotes_422_answers_the_same_refusal_without_posting_again,
    a_connected_user_hires_ana_and_gets_an_onboarding_link_that_lists_her,
    a_hire_without_an_idempotency_key_is_refused,
    a_hire_with_a_blank_or_oversized_idempotency_key_is_refused,
    a_hire_before_connecting_is_refused_as_not_connected,
    replaying_a_hire_with_the_same_key_returns_the_same_ids_and_posts_once,
    a_replay_that_differs_only_in_case_and_whitespace_is_the_same_hire,
    reusing_a_key_for_a_different_candidate_is_refused,
    the_same_key_from_two_users_is_two_hires,
    a_second_hire_of_the_same_email_under_a_new_key_is_the_earlier_hire,
    a_country_remote_cannot_hire_in_is_refused_before_anything_is_posted,
    an_unknown_country_code_is_a_validation_error,
    alpha_3_country_codes_in_any_case_are_accepted,
    the_countries_route_lists_only_hireable_countries,
);

//! A candidate the company already employs: the hire answers 200 `already_hired` with the
//! earlier hire and a fresh onboarding link, creates nothing at Remote, and holds under
//! concurrency; an employment we did not create gets a hire record of its own.

use futures::future::join_all;
use hwr_integration_tests::{
    ana, ana_with, json_body, new_key, on_both_databases, spawn_app, unique_user, Db,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn employments_of(state: &Value, email: &str) -> usize {
    state["employments"]
        .as_array()
        .expect("employments")
        .iter()
        .filter(|e| {
            e["personal_email"]
                .as_str()
                .is_some_and(|m| m.eq_ignore_ascii_case(email))
                || e["basic_information"]["email"]
                    .as_str()
                    .is_some_and(|m| m.eq_ignore_ascii_case(email))
        })
        .count()
}

async fn another_user_of_the_company_gets_the_earlier_hire_and_nothing_is_posted(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let (first, second) = (unique_user(), unique_user());
    app.connect_and_consent(&first).await;
    app.connect_and_consent(&second).await;
    let earlier = json_body(
        app.hire(&first, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let posts = app.sandbox_state().await["employment_posts"].clone();

    // Act
    let again = json_body(app.hire(&second, &new_key(), &ana()).await, StatusCode::OK).await;

    // Assert
    assert_eq!(again["already_hired"], true);
    assert_eq!(again["hire_id"], earlier["hire_id"]);
    assert_eq!(again["employment_id"], earlier["employment_id"]);
    assert_ne!(
        again["redirect_url"], earlier["redirect_url"],
        "a fresh one-time link"
    );
    let state = app.sandbox_state().await;
    assert_eq!(state["employment_posts"], posts);
    assert_eq!(
        employments_of(&state, ana()["personal_email"].as_str().expect("an email")),
        1
    );
}

async fn an_employment_we_did_not_create_gets_a_hire_record_of_its_own(db: Db) {
    // Arrange: Ana is employed at Remote, but our records of it are gone.
    let app = spawn_app(db).await;
    let (first, second) = (unique_user(), unique_user());
    app.connect_and_consent(&first).await;
    app.connect_and_consent(&second).await;
    let earlier = json_body(
        app.hire(&first, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    app.store().erase_site_user(&first).await.expect("erased");
    let posts = app.sandbox_state().await["employment_posts"].clone();

    // Act
    let found = json_body(app.hire(&second, &new_key(), &ana()).await, StatusCode::OK).await;
    let again = json_body(app.hire(&second, &new_key(), &ana()).await, StatusCode::OK).await;

    // Assert
    assert_eq!(found["already_hired"], true);
    assert_eq!(found["employment_id"], earlier["employment_id"]);
    assert_ne!(found["hire_id"], earlier["hire_id"], "a record of its own");
    assert_eq!(again["hire_id"], found["hire_id"], "made once");
    let read = json_body(
        app.get(
            &second,
            &format!(
                "/api/v1/hires/{}",
                found["hire_id"].as_str().expect("an id")
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["employment_id"], earlier["employment_id"]);
    assert_eq!(read["candidate"]["personal_email"], ana()["personal_email"]);
    assert_eq!(app.sandbox_state().await["employment_posts"], posts);
}

async fn concurrent_hires_of_one_new_candidate_make_one_employment(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let candidate = ana_with("personal_email", "race@example.com");

    // Act: eight tabs, eight keys, at once.
    let keys: Vec<String> = (0..8).map(|_| new_key()).collect();
    let answers = join_all(keys.iter().map(|key| app.hire(&user, key, &candidate))).await;

    // Assert
    let mut created = 0;
    let mut employment_ids = Vec::new();
    for answer in answers {
        let status = answer.status();
        let body: Value = answer.json().await.expect("JSON");
        assert!(
            status == StatusCode::CREATED
                || (status == StatusCode::OK && body["already_hired"] == true),
            "{status}: {body}"
        );
        if status == StatusCode::CREATED {
            created += 1;
        }
        employment_ids.push(body["employment_id"].clone());
    }
    assert_eq!(created, 1, "one hire created");
    let distinct: std::collections::BTreeSet<String> =
        employment_ids.iter().map(Value::to_string).collect();
    assert_eq!(
        distinct.len(),
        1,
        "every answer names the same employment: {distinct:?}"
    );
    assert_eq!(
        employments_of(&app.sandbox_state().await, "race@example.com"),
        1
    );
}

async fn an_employment_whose_answer_was_lost_is_completed_when_another_key_finds_it(db: Db) {
    // Arrange: Remote creates the employment, then fails the answer; the record stays pending.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    app.fault(json!({"route": "POST /v1/employments", "create_then_fail": true, "status": 503, "count": 1}))
        .await;
    app.fault(json!({"route": "GET /v1/employments", "status": 503, "count": 2}))
        .await;
    let lost = app.hire(&user, &new_key(), &ana()).await;
    assert!(lost.status().is_server_error(), "{}", lost.status());
    app.clear_faults().await;
    let employment_id = app.sandbox_state().await["employments"][0]["id"].clone();
    let lost_hire_id = app.sandbox_state().await["employments"][0]["external_id"].clone();

    // Act: the employer tries again from another tab (another key).
    let found = json_body(app.hire(&user, &new_key(), &ana()).await, StatusCode::OK).await;

    // Assert: the lost attempt's own hire, now recorded, readable and tracked.
    assert_eq!(found["already_hired"], true);
    assert_eq!(found["hire_id"], lost_hire_id);
    assert_eq!(found["employment_id"], employment_id);
    let read = json_body(
        app.get(
            &user,
            &format!("/api/v1/hires/{}", lost_hire_id.as_str().expect("an id")),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["employment_id"], employment_id);
    assert_eq!(
        employments_of(&app.sandbox_state().await, "ana.silva@example.com"),
        1
    );
}

on_both_databases!(
    an_employment_whose_answer_was_lost_is_completed_when_another_key_finds_it,
    another_user_of_the_company_gets_the_earlier_hire_and_nothing_is_posted,
    an_employment_we_did_not_create_gets_a_hire_record_of_its_own,
    concurrent_hires_of_one_new_candidate_make_one_employment,
);

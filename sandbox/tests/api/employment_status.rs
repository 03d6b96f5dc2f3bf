//! `PATCH /v1/sandbox/employments/{id}`: status and start date changes, how they show in the
//! employment endpoints, Remote's errors, and the webhook events each change implies.

use std::collections::BTreeSet;
use std::time::Duration;

use hwr_sandbox::seed::{GREG_ADMIN_ID, MARIA_MANAGER_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::receiver::Receiver;
use crate::support::spawn;

const WAIT: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_millis(400);

#[tokio::test]
async fn a_new_employment_is_created_and_a_patched_status_shows_in_get_and_the_list() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    let created: Value = app
        .get(&format!("/v1/employments/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["data"]["employment"]["status"], "created");
    assert_eq!(created["data"]["employment"]["user_status"], "created");
    // updated_at has whole seconds, so let one pass before the change.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let response = app
        .patch_json(
            &format!("/v1/sandbox/employments/{id}"),
            &token,
            &json!({"status": "invited"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let patched = &body["data"]["employment"];
    assert_eq!(patched["id"], id.as_str());
    assert_eq!(patched["status"], "invited");
    assert_eq!(patched["user_status"], "initiated");
    assert_eq!(
        patched["created_at"],
        created["data"]["employment"]["created_at"]
    );
    assert_ne!(
        patched["updated_at"],
        created["data"]["employment"]["updated_at"]
    );
    let shown: Value = app
        .get(&format!("/v1/employments/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["data"]["employment"]["status"], "invited");
    assert_eq!(
        shown["data"]["employment"]["updated_at"],
        patched["updated_at"]
    );
    let listed: Value = app
        .get("/v1/employments", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"]["employments"][0]["status"], "invited");
}

#[tokio::test]
async fn the_list_status_filter_follows_the_current_status() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let ana = app.hire(&token, "Ana Silva", "ana@example.com").await;
    let bruno = app.hire(&token, "Bruno Braun", "bruno@example.com").await;
    app.move_employment(&token, &ana, json!({"status": "active"}))
        .await;

    let names = |body: Value| -> Vec<String> {
        body["data"]["employments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["full_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let active = app.get("/v1/employments?status=active", &token).await;
    let created = app.get("/v1/employments?status=created", &token).await;
    let both = app
        .get("/v1/employments?status=active,created", &token)
        .await;
    let incomplete = app.get("/v1/employments?status=incomplete", &token).await;

    assert_eq!(names(active.json().await.unwrap()), vec!["Ana Silva"]);
    assert_eq!(names(created.json().await.unwrap()), vec!["Bruno Braun"]);
    assert_eq!(names(both.json().await.unwrap()).len(), 2);
    assert_eq!(names(incomplete.json().await.unwrap()), vec!["Bruno Braun"]);
    let shown: Value = app
        .get(&format!("/v1/employments/{bruno}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["data"]["employment"]["status"], "created");
}

#[tokio::test]
async fn activating_marks_the_user_active_and_the_hire_onboarded() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let id = app.hire(&token, "Ana Silva", "ana@example.com").await;

    let active = app
        .move_employment(&token, &id, json!({"status": "active"}))
        .await;
    let archived = app
        .move_employment(&token, &id, json!({"status": "archived"}))
        .await;

    assert_eq!(active["status"], "active");
    assert_eq!(active["user_status"], "active");
    assert_eq!(active["employment_lifecycle_stage"], "onboarded");
    assert_eq!(archived["user_status"], "inactive");
    assert_eq!(archived["employment_lifecycle_stage"], "offboarded");
}

#[tokio::test]
async fn a_new_start_date_is_stored() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let id = app.hire(&token, "Ana Silva", "ana@example.com").await;

    let moved = app
        .move_employment(&token, &id, json!({"provisional_start_date": "2027-03-01"}))
        .await;

    assert_eq!(moved["provisional_start_date"], "2027-03-01");
    assert_eq!(
        moved["basic_information"]["provisional_start_date"],
        "2027-03-01"
    );
    assert_eq!(moved["status"], "created");
}

#[tokio::test]
async fn an_invalid_change_is_422_in_remotes_shape() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    let path = format!("/v1/sandbox/employments/{id}");
    let cases = [
        (json!({"status": "hired"}), "status"),
        (json!({"status": 3}), "status"),
        (
            json!({"provisional_start_date": "2027-02-30"}),
            "provisional_start_date",
        ),
        (json!({}), "status"),
    ];

    for (body, field) in cases {
        let response = app.patch_json(&path, &token, &body).await;

        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["message"], "Validation failed");
        assert!(answer["errors"][field][0].is_string(), "{body}: {answer}");
    }
    let shown: Value = app
        .get(&format!("/v1/employments/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["data"]["employment"]["status"], "created");
}

#[tokio::test]
async fn another_companys_or_an_unknown_employment_is_404() {
    let app = spawn().await;
    let acme = app.access_token_for(MARIA_MANAGER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;
    let id = app.hire(&acme, "Ana Silva", "ana@example.com").await;

    let foreign = app
        .patch_json(
            &format!("/v1/sandbox/employments/{id}"),
            &globex,
            &json!({"status": "active"}),
        )
        .await;
    let unknown = app
        .patch_json(
            "/v1/sandbox/employments/no-such-employment",
            &acme,
            &json!({"status": "active"}),
        )
        .await;

    for response in [foreign, unknown] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.json::<Value>().await.unwrap()["message"].is_string());
    }
    let shown: Value = app
        .get(&format!("/v1/employments/{id}"), &acme)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["data"]["employment"]["status"], "created");
}

#[tokio::test]
async fn each_change_delivers_the_events_it_implies_and_no_change_delivers_none() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let all: Vec<&str> = vec![
        "employment.status.updated",
        "employment.onboarding.started",
        "employment.onboarding.completed",
        "employment.onboarding.cancelled",
        "employment.user_status.invited",
        "employment.user_status.activated",
        "employment.start_date.changed",
    ];
    app.subscribe(&token, &receiver.url(), &all).await;
    let ana = app.hire(&token, "Ana Silva", "ana@example.com").await;
    let bruno = app.hire(&token, "Bruno Braun", "bruno@example.com").await;
    let steps: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            ana.as_str(),
            json!({"status": "invited"}),
            vec![
                "employment.status.updated",
                "employment.user_status.invited",
                "employment.onboarding.started",
            ],
        ),
        (ana.as_str(), json!({"status": "invited"}), vec![]),
        (
            ana.as_str(),
            json!({"status": "active"}),
            vec![
                "employment.status.updated",
                "employment.onboarding.completed",
                "employment.user_status.activated",
            ],
        ),
        (
            ana.as_str(),
            json!({"provisional_start_date": "2027-04-01"}),
            vec!["employment.start_date.changed"],
        ),
        (
            ana.as_str(),
            json!({"provisional_start_date": "2027-04-01"}),
            vec![],
        ),
        (
            bruno.as_str(),
            json!({"status": "archived"}),
            vec![
                "employment.status.updated",
                "employment.onboarding.cancelled",
            ],
        ),
    ];

    let mut seen = 0;
    for (id, change, expected) in steps {
        app.move_employment(&token, id, change.clone()).await;

        let deliveries = receiver.wait_for(seen + expected.len(), WAIT).await;
        tokio::time::sleep(QUIET).await;
        let deliveries_now = receiver.deliveries();
        assert_eq!(
            deliveries_now.len(),
            deliveries.len(),
            "{change}: extra deliveries"
        );
        let got: BTreeSet<String> = deliveries_now[seen..]
            .iter()
            .map(|d| {
                assert_eq!(d.json()["employment_id"], id);
                d.event_type()
            })
            .collect();
        let wanted: BTreeSet<String> = expected.iter().map(|e| e.to_string()).collect();
        assert_eq!(got, wanted, "{change}");
        seen = deliveries_now.len();
    }
}

#[tokio::test]
async fn faults_apply_to_the_sandbox_employment_route() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    app.add_fault(
        json!({"route": "PATCH /v1/sandbox/employments/{id}", "status": 500, "count": 1}),
    )
    .await;

    let faulted = app
        .patch_json(
            &format!("/v1/sandbox/employments/{id}"),
            &token,
            &json!({"status": "invited"}),
        )
        .await;

    assert_eq!(faulted.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let shown: Value = app
        .get(&format!("/v1/employments/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["data"]["employment"]["status"], "created");
}

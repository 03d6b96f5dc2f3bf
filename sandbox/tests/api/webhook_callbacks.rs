//! `/v1/webhook-callbacks`: Remote's shapes, the one-time signing key, validation, company
//! isolation and faults.

use hwr_sandbox::seed::{ACME_ROBOTICS_ID, GLOBEX_CORP_ID, GREG_ADMIN_ID, MARIA_MANAGER_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::spawn;

const STATUS_UPDATED: &str = "employment.status.updated";
const ONBOARDING_COMPLETED: &str = "employment.onboarding.completed";

#[tokio::test]
async fn creating_a_callback_answers_201_with_a_signing_key_shown_only_then() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app
        .post_json(
            "/v1/webhook-callbacks",
            &token,
            &json!({"url": "https://jobs.example/hooks/remote", "subscribed_events": [STATUS_UPDATED]}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let callback = &body["data"]["webhook_callback"];
    let id = callback["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
    assert_eq!(callback["url"], "https://jobs.example/hooks/remote");
    assert_eq!(callback["subscribed_events"], json!([STATUS_UPDATED]));
    let key = callback["signing_key"].as_str().unwrap();
    assert_eq!(key.len(), 64);
    assert!(key
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));

    let listed: Value = app
        .get("/v1/webhook-callbacks", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed,
        json!({"data": {"webhook_callbacks": [{
            "id": id,
            "url": "https://jobs.example/hooks/remote",
            "subscribed_events": [STATUS_UPDATED],
        }]}})
    );
    let patched: Value = app
        .patch_json(
            &format!("/v1/webhook-callbacks/{id}"),
            &token,
            &json!({"subscribed_events": [ONBOARDING_COMPLETED]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(patched["data"]["webhook_callback"]
        .get("signing_key")
        .is_none());
}

#[tokio::test]
async fn two_callbacks_get_different_signing_keys() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let first = app
        .subscribe(&token, "https://a.example/hook", &[STATUS_UPDATED])
        .await;
    let second = app
        .subscribe(&token, "https://b.example/hook", &[STATUS_UPDATED])
        .await;

    assert_ne!(first["signing_key"], second["signing_key"]);
    assert_ne!(first["id"], second["id"]);
}

#[tokio::test]
async fn a_callback_needs_an_absolute_http_url_and_known_events() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let cases = [
        (json!({}), vec!["url", "subscribed_events"]),
        (
            json!({"url": "/hooks", "subscribed_events": [STATUS_UPDATED]}),
            vec!["url"],
        ),
        (
            json!({"url": "ftp://jobs.example/hooks", "subscribed_events": [STATUS_UPDATED]}),
            vec!["url"],
        ),
        (
            json!({"url": "https://jobs.example/hooks", "subscribed_events": []}),
            vec!["subscribed_events"],
        ),
        (
            json!({"url": "https://jobs.example/hooks", "subscribed_events": ["employment.hired"]}),
            vec!["subscribed_events"],
        ),
        (
            json!({"url": 42, "subscribed_events": STATUS_UPDATED}),
            vec!["url", "subscribed_events"],
        ),
    ];

    for (body, fields) in cases {
        let response = app.post_json("/v1/webhook-callbacks", &token, &body).await;

        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["message"], "Validation failed");
        let mut keys: Vec<&str> = answer["errors"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut expected = fields.clone();
        expected.sort_unstable();
        assert_eq!(keys, expected, "{body}");
        assert!(answer["errors"][fields[0]][0].is_string());
    }
    let listed: Value = app
        .get("/v1/webhook-callbacks", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"]["webhook_callbacks"], json!([]));
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_message() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app
        .client
        .post(app.url("/v1/webhook-callbacks"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn patching_changes_the_url_and_events_and_can_subscribe_to_everything() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let id = app
        .subscribe(&token, "https://jobs.example/old", &[STATUS_UPDATED])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/webhook-callbacks/{id}");

    let moved = app
        .patch_json(&path, &token, &json!({"url": "https://jobs.example/new"}))
        .await;
    let everything = app
        .patch_json(&path, &token, &json!({"subscribe_to_all_events": true}))
        .await;
    let invalid = app
        .patch_json(&path, &token, &json!({"subscribed_events": ["nope"]}))
        .await;
    let empty = app.patch_json(&path, &token, &json!({})).await;

    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(
        moved["data"]["webhook_callback"]["url"],
        "https://jobs.example/new"
    );
    assert_eq!(
        moved["data"]["webhook_callback"]["subscribed_events"],
        json!([STATUS_UPDATED])
    );
    assert_eq!(everything.status(), StatusCode::OK);
    let everything: Value = everything.json().await.unwrap();
    let events = everything["data"]["webhook_callback"]["subscribed_events"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(events.len(), 11);
    for name in [
        STATUS_UPDATED,
        "employment.onboarding.started",
        ONBOARDING_COMPLETED,
        "employment.onboarding.cancelled",
        "employment.onboarding_task.completed",
        "employment.user_status.initiated",
        "employment.user_status.invited",
        "employment.user_status.activated",
        "employment.user_status.deactivated",
        "employment.start_date.changed",
        "employment.employment_agreement.available",
    ] {
        assert!(events.contains(&json!(name)), "{name}");
    }
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed: Value = app
        .get("/v1/webhook-callbacks", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["data"]["webhook_callbacks"][0]["url"],
        "https://jobs.example/new"
    );
    assert_eq!(
        listed["data"]["webhook_callbacks"][0]["subscribed_events"]
            .as_array()
            .unwrap()
            .len(),
        11
    );
}

#[tokio::test]
async fn deleting_a_callback_answers_ok_and_removes_it() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let id = app
        .subscribe(&token, "https://jobs.example/hook", &[STATUS_UPDATED])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let deleted = app
        .delete(&format!("/v1/webhook-callbacks/{id}"), &token)
        .await;
    let again = app
        .delete(&format!("/v1/webhook-callbacks/{id}"), &token)
        .await;

    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        deleted.json::<Value>().await.unwrap(),
        json!({"data": {"status": "ok"}})
    );
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let listed: Value = app
        .get("/v1/webhook-callbacks", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"]["webhook_callbacks"], json!([]));
}

#[tokio::test]
async fn the_company_scoped_list_shows_only_the_tokens_own_company() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let callback = app
        .subscribe(&token, "https://jobs.example/hook", &[STATUS_UPDATED])
        .await;

    let own = app
        .get(
            &format!("/v1/companies/{ACME_ROBOTICS_ID}/webhook-callbacks"),
            &token,
        )
        .await;
    let other = app
        .get(
            &format!("/v1/companies/{GLOBEX_CORP_ID}/webhook-callbacks"),
            &token,
        )
        .await;

    assert_eq!(own.status(), StatusCode::OK);
    let own: Value = own.json().await.unwrap();
    assert_eq!(own["data"]["webhook_callbacks"][0]["id"], callback["id"]);
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    assert!(other.json::<Value>().await.unwrap()["message"].is_string());
}

#[tokio::test]
async fn another_company_cannot_see_patch_or_delete_a_callback() {
    let app = spawn().await;
    let acme = app.access_token_for(MARIA_MANAGER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;
    let id = app
        .subscribe(&acme, "https://jobs.example/hook", &[STATUS_UPDATED])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/webhook-callbacks/{id}");

    let listed: Value = app
        .get("/v1/webhook-callbacks", &globex)
        .await
        .json()
        .await
        .unwrap();
    let by_company = app
        .get(
            &format!("/v1/companies/{ACME_ROBOTICS_ID}/webhook-callbacks"),
            &globex,
        )
        .await;
    let patched = app
        .patch_json(&path, &globex, &json!({"url": "https://evil.example/"}))
        .await;
    let deleted = app.delete(&path, &globex).await;

    assert_eq!(listed["data"]["webhook_callbacks"], json!([]));
    assert_eq!(by_company.status(), StatusCode::NOT_FOUND);
    for response in [patched, deleted] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.json::<Value>().await.unwrap()["message"].is_string());
    }
    let still: Value = app
        .get("/v1/webhook-callbacks", &acme)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        still["data"]["webhook_callbacks"][0]["url"],
        "https://jobs.example/hook"
    );
}

#[tokio::test]
async fn webhook_routes_need_a_company_access_token() {
    let app = spawn().await;

    let anonymous = app
        .client
        .get(app.url("/v1/webhook-callbacks"))
        .send()
        .await
        .unwrap();
    let client_token: Value = app
        .token_request(&[("grant_type", "client_credentials")])
        .await
        .json()
        .await
        .unwrap();
    let machine = app
        .get(
            "/v1/webhook-events",
            client_token["access_token"].as_str().unwrap(),
        )
        .await;

    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(machine.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn faults_apply_to_the_webhook_routes_by_their_pattern() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    for route in [
        "POST /v1/webhook-callbacks",
        "PATCH /v1/webhook-callbacks/{id}",
        "GET /v1/webhook-events",
        "POST /v1/webhook-events/replay",
    ] {
        app.add_fault(json!({"route": route, "status": 503, "count": 1}))
            .await;
    }

    let created = app
        .post_json(
            "/v1/webhook-callbacks",
            &token,
            &json!({"url": "https://jobs.example/hook", "subscribed_events": [STATUS_UPDATED]}),
        )
        .await;
    let patched = app
        .patch_json(
            "/v1/webhook-callbacks/any-id",
            &token,
            &json!({"url": "https://jobs.example/hook"}),
        )
        .await;
    let events = app.get("/v1/webhook-events", &token).await;
    let replay = app
        .post_json("/v1/webhook-events/replay", &token, &json!({"ids": ["x"]}))
        .await;
    let listed = app.get("/v1/webhook-callbacks", &token).await;

    for response in [created, patched, events, replay] {
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(listed.status(), StatusCode::OK);
}

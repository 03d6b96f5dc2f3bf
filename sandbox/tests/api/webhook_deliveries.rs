//! Webhook deliveries over real sockets: body, headers and signature, retries with an unchanged
//! timestamp, the `/__sandbox/webhooks` log, `GET /v1/webhook-events`, replays and reset.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hwr_sandbox::seed::{ACME_ROBOTICS_ID, GREG_ADMIN_ID, MARIA_MANAGER_ID};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::hmac::hmac_sha256_hex;
use crate::support::receiver::{unreachable_url, Receiver};
use crate::support::{spawn, spawn_with, TestSandbox};

const STATUS_UPDATED: &str = "employment.status.updated";
const WAIT: Duration = Duration::from_secs(10);
/// Long enough for a delivery that should not happen to have happened.
const QUIET: Duration = Duration::from_millis(400);

/// A sandbox whose deliveries retry after 10 ms, for tests of the whole retry series.
async fn spawn_fast() -> TestSandbox {
    spawn_with(|config| {
        config.webhook_retry_delays = vec![Duration::from_millis(10); 5];
        config.webhook_timeout = Duration::from_millis(300);
    })
    .await
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn the_tests_own_hmac_matches_rfc_4231() {
    assert_eq!(
        hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[tokio::test]
async fn a_status_change_is_posted_flat_and_signed_with_the_callbacks_key() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let callback = app
        .subscribe(&token, &receiver.url(), &[STATUS_UPDATED])
        .await;
    let key = callback["signing_key"].as_str().unwrap().to_owned();
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    let before = now_ms();

    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;

    let deliveries = receiver.wait_for(1, WAIT).await;
    let delivery = &deliveries[0];
    assert_eq!(delivery.header("content-type"), "application/json");
    assert_eq!(
        delivery.json(),
        json!({
            "event_type": STATUS_UPDATED,
            "company_id": ACME_ROBOTICS_ID,
            "employment_id": employment_id,
        })
    );
    let timestamp = delivery.header("x-remote-timestamp");
    let millis: u64 = timestamp.parse().unwrap();
    assert!(
        millis >= before && millis <= now_ms(),
        "{millis} is not now in ms"
    );
    let mut signed = delivery.body.clone();
    signed.push(b':');
    signed.extend_from_slice(timestamp.as_bytes());
    assert_eq!(
        delivery.header("x-remote-signature"),
        hmac_sha256_hex(key.as_bytes(), &signed)
    );
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_body_and_timestamp() {
    let app = spawn().await;
    let receiver = Receiver::failing_first(1).await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let callback = app
        .subscribe(&token, &receiver.url(), &[STATUS_UPDATED])
        .await;
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;

    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;

    // The first answer is a 500; the default schedule retries it after one second.
    let deliveries = receiver.wait_for(2, WAIT).await;
    assert_eq!(deliveries[0].body, deliveries[1].body);
    assert_eq!(
        deliveries[0].header("x-remote-timestamp"),
        deliveries[1].header("x-remote-timestamp")
    );
    assert_eq!(
        deliveries[0].header("x-remote-signature"),
        deliveries[1].header("x-remote-signature")
    );
    let attempts = app.wait_for_attempts(2, WAIT).await;
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["status"], 500);
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(attempts[1]["status"], 200);
    assert_eq!(attempts[1]["attempt"], 2);
    for attempt in &attempts {
        assert_eq!(attempt["url"], receiver.url());
        assert_eq!(attempt["event_type"], STATUS_UPDATED);
        assert_eq!(attempt["employment_id"], employment_id.as_str());
        assert_eq!(attempt["company_id"], ACME_ROBOTICS_ID);
        assert_eq!(attempt["callback_id"], callback["id"]);
        assert_eq!(
            attempt["timestamp"].as_u64().unwrap().to_string(),
            deliveries[0].header("x-remote-timestamp")
        );
    }
    assert_eq!(attempts[0]["event_id"], attempts[1]["event_id"]);
    let events: Value = app
        .get("/v1/webhook-events", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        events["data"]["webhook_events"][0]["id"],
        attempts[0]["event_id"]
    );
    assert_eq!(
        events["data"]["webhook_events"][0]["successfully_delivered"],
        true
    );
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_gives_up_after_six_attempts() {
    let app = spawn_fast().await;
    let receiver = Receiver::always_failing().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.subscribe(&token, &receiver.url(), &[STATUS_UPDATED])
        .await;
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;

    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;

    receiver.wait_for(6, WAIT).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.deliveries().len(), 6);
    let attempts = app.webhook_attempts().await;
    let numbers: Vec<u64> = attempts
        .iter()
        .map(|a| a["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6]);
    assert!(attempts.iter().all(|a| a["status"] == 500));
    let events: Value = app
        .get("/v1/webhook-events?successfully_delivered=false", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["data"]["total_count"], 1);
    assert_eq!(
        events["data"]["webhook_events"][0]["successfully_delivered"],
        false
    );
}

#[tokio::test]
async fn an_unreachable_or_silent_receiver_is_logged_with_a_null_status() {
    let app = spawn_fast().await;
    let silent = Receiver::hanging().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.subscribe(&token, &unreachable_url().await, &[STATUS_UPDATED])
        .await;
    app.subscribe(&token, &silent.url(), &[STATUS_UPDATED])
        .await;
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;

    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;

    let attempts = app.wait_for_attempts(12, WAIT).await;
    assert_eq!(attempts.len(), 12);
    assert!(
        attempts.iter().all(|a| a["status"].is_null()),
        "{attempts:?}"
    );
    assert_eq!(silent.deliveries().len(), 6);
}

#[tokio::test]
async fn only_callbacks_subscribed_to_the_event_receive_it() {
    let app = spawn().await;
    let subscribed = Receiver::start().await;
    let elsewhere = Receiver::start().await;
    let other_company = Receiver::start().await;
    let acme = app.access_token_for(MARIA_MANAGER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;
    app.subscribe(&acme, &subscribed.url(), &[STATUS_UPDATED])
        .await;
    app.subscribe(
        &acme,
        &elsewhere.url(),
        &["employment.employment_agreement.available"],
    )
    .await;
    app.subscribe(&globex, &other_company.url(), &[STATUS_UPDATED])
        .await;
    let employment_id = app.hire(&acme, "Ana Silva", "ana@example.com").await;

    app.move_employment(&acme, &employment_id, json!({"status": "invited"}))
        .await;

    let deliveries = subscribed.wait_for(1, WAIT).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(deliveries[0].event_type(), STATUS_UPDATED);
    assert_eq!(subscribed.deliveries().len(), 1);
    assert!(elsewhere.deliveries().is_empty());
    assert!(other_company.deliveries().is_empty());
    let globex_events: Value = app
        .get("/v1/webhook-events", &globex)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(globex_events["data"]["total_count"], 0);
}

#[tokio::test]
async fn webhook_events_are_listed_in_remotes_shape_and_filtered() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.subscribe(
        &token,
        &receiver.url(),
        &[STATUS_UPDATED, "employment.onboarding.started"],
    )
    .await;
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;
    receiver.wait_for(2, WAIT).await;
    app.wait_for_attempts(2, WAIT).await;

    let all: Value = app
        .get("/v1/webhook-events", &token)
        .await
        .json()
        .await
        .unwrap();
    let started: Value = app
        .get(
            "/v1/webhook-events?event_type=employment.onboarding.started",
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    let failed: Value = app
        .get("/v1/webhook-events?successfully_delivered=false", &token)
        .await
        .json()
        .await
        .unwrap();
    let later: Value = app
        .get("/v1/webhook-events?after=2999-01-01T00:00:00Z", &token)
        .await
        .json()
        .await
        .unwrap();
    let earlier: Value = app
        .get("/v1/webhook-events?before=2000-01-01", &token)
        .await
        .json()
        .await
        .unwrap();
    let paged: Value = app
        .get("/v1/webhook-events?page=2&page_size=1", &token)
        .await
        .json()
        .await
        .unwrap();
    let junk = app
        .get("/v1/webhook-events?successfully_delivered=maybe", &token)
        .await;

    assert_eq!(all["data"]["total_count"], 2);
    assert_eq!(all["data"]["current_page"], 1);
    assert_eq!(all["data"]["total_pages"], 1);
    let event = &all["data"]["webhook_events"][0];
    let mut keys: Vec<&str> = event
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "company_id",
            "event_type",
            "first_triggered_at",
            "id",
            "last_triggered_at",
            "successfully_delivered"
        ]
    );
    assert_eq!(event["company_id"], ACME_ROBOTICS_ID);
    assert!(
        chrono::DateTime::parse_from_rfc3339(event["first_triggered_at"].as_str().unwrap()).is_ok()
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(event["last_triggered_at"].as_str().unwrap()).is_ok()
    );
    assert!(all["data"]["webhook_events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["successfully_delivered"] == true));
    assert_eq!(started["data"]["total_count"], 1);
    assert_eq!(
        started["data"]["webhook_events"][0]["event_type"],
        "employment.onboarding.started"
    );
    assert_eq!(failed["data"]["total_count"], 0);
    assert_eq!(later["data"]["total_count"], 0);
    assert_eq!(earlier["data"]["total_count"], 0);
    assert_eq!(paged["data"]["current_page"], 2);
    assert_eq!(paged["data"]["total_pages"], 2);
    assert_eq!(paged["data"]["webhook_events"].as_array().unwrap().len(), 1);
    assert_eq!(junk.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn replaying_an_event_by_id_delivers_the_same_body_again() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;
    app.subscribe(&token, &receiver.url(), &[STATUS_UPDATED])
        .await;
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;
    receiver.wait_for(1, WAIT).await;
    let events: Value = app
        .get("/v1/webhook-events", &token)
        .await
        .json()
        .await
        .unwrap();
    let event_id = events["data"]["webhook_events"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let replayed = app
        .post_json(
            "/v1/webhook-events/replay",
            &token,
            &json!({"ids": [event_id]}),
        )
        .await;
    let unknown = app
        .post_json(
            "/v1/webhook-events/replay",
            &token,
            &json!({"ids": ["no-such-event"]}),
        )
        .await;
    let foreign = app
        .post_json(
            "/v1/webhook-events/replay",
            &globex,
            &json!({"ids": [event_id]}),
        )
        .await;
    let empty = app
        .post_json("/v1/webhook-events/replay", &token, &json!({"ids": []}))
        .await;

    assert_eq!(replayed.status(), StatusCode::OK);
    assert_eq!(
        replayed.json::<Value>().await.unwrap(),
        json!({"data": {"status": "ok"}})
    );
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let deliveries = receiver.wait_for(2, WAIT).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.deliveries().len(), 2);
    assert_eq!(deliveries[0].body, deliveries[1].body);
    let attempts = app.wait_for_attempts(2, WAIT).await;
    assert_eq!(attempts[1]["event_id"], event_id.as_str());
    assert_eq!(attempts[1]["attempt"], 1);
    let events: Value = app
        .get("/v1/webhook-events", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["data"]["total_count"], 1);
}

#[tokio::test]
async fn replaying_a_time_window_delivers_the_events_in_it() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.subscribe(&token, &receiver.url(), &[STATUS_UPDATED])
        .await;
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;
    receiver.wait_for(1, WAIT).await;

    let outside = app
        .post_json(
            "/v1/webhook-events/replay",
            &token,
            &json!({"after": "2999-01-01T00:00:00Z", "before": "3000-01-01T00:00:00Z"}),
        )
        .await;
    let inside = app
        .post_json(
            "/v1/webhook-events/replay",
            &token,
            &json!({
                "after": "2000-01-01T00:00:00Z",
                "before": "2999-01-01T00:00:00Z",
                "company_id": ACME_ROBOTICS_ID,
                "event_type": STATUS_UPDATED,
                "successfully_delivered": true,
            }),
        )
        .await;
    let without_window = app
        .post_json("/v1/webhook-events/replay", &token, &json!({}))
        .await;

    assert_eq!(outside.status(), StatusCode::OK);
    assert_eq!(inside.status(), StatusCode::OK);
    assert_eq!(without_window.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors: Value = without_window.json().await.unwrap();
    assert!(errors["errors"]["after"].is_array() && errors["errors"]["before"].is_array());
    receiver.wait_for(2, WAIT).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.deliveries().len(), 2);
}

#[tokio::test]
async fn reset_clears_callbacks_events_and_attempts_and_stops_deliveries_in_flight() {
    let app = spawn_with(|config| {
        config.webhook_retry_delays = vec![Duration::from_millis(100); 5];
        config.webhook_timeout = Duration::from_millis(300);
    })
    .await;
    let receiver = Receiver::hanging().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.subscribe(&token, &receiver.url(), &[STATUS_UPDATED])
        .await;
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;
    // The first attempt is in flight: the receiver holds it until the sandbox gives up.
    receiver.wait_for(1, WAIT).await;

    let reset = app.control(Method::POST, "/__sandbox/reset", None).await;

    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(app.webhook_attempts().await.is_empty());
    assert_eq!(receiver.deliveries().len(), 1);
    let fresh = app.access_token_for(MARIA_MANAGER_ID).await;
    let callbacks: Value = app
        .get("/v1/webhook-callbacks", &fresh)
        .await
        .json()
        .await
        .unwrap();
    let events: Value = app
        .get("/v1/webhook-events", &fresh)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(callbacks["data"]["webhook_callbacks"], json!([]));
    assert_eq!(events["data"]["total_count"], 0);
}

#[tokio::test]
async fn reset_stops_retries_waiting_for_their_turn() {
    let app = spawn_with(|config| {
        config.webhook_retry_delays = vec![Duration::from_millis(300); 5];
    })
    .await;
    let receiver = Receiver::always_failing().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.subscribe(&token, &receiver.url(), &[STATUS_UPDATED])
        .await;
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;
    app.wait_for_attempts(1, WAIT).await;

    app.control(Method::POST, "/__sandbox/reset", None).await;

    let delivered_before = receiver.deliveries().len();
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(receiver.deliveries().len(), delivered_before);
    assert!(app.webhook_attempts().await.is_empty());
}

#[tokio::test]
async fn a_deleted_callback_gets_no_more_deliveries() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let id = app
        .subscribe(&token, &receiver.url(), &[STATUS_UPDATED])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let employment_id = app.hire(&token, "Ana Silva", "ana@example.com").await;

    app.delete(&format!("/v1/webhook-callbacks/{id}"), &token)
        .await;
    app.move_employment(&token, &employment_id, json!({"status": "invited"}))
        .await;

    tokio::time::sleep(QUIET).await;
    assert!(receiver.deliveries().is_empty());
    assert!(app.webhook_attempts().await.is_empty());
}

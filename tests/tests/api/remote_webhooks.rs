//! Remote's webhooks in: one callback registered per company after its first consent (again
//! when Remote no longer lists it), deliveries verified before anything changes, the status
//! re-read from Remote and passed on to the job site once, whatever duplicates, replays,
//! out-of-order or forged deliveries arrive; and a reconcile for what webhooks missed.

use std::time::Duration;

use hire_with_remote::{
    crypto::Sealed,
    tokens::access_token,
    webhooks::{registration::signing_key_context, worker, OutboundWebhooks},
};
use hmac::{Hmac, Mac};
use hwr_integration_tests::{
    ana, json_body, new_key, on_both_databases, send, spawn_app_with, unique_user, Db, TestApp,
    WebhookReceiver,
};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use sha2::Sha256;
use standardwebhooks::Webhook;

struct Setup {
    app: TestApp,
    receiver: WebhookReceiver,
    secret: String,
    user: String,
}

/// A backend sending its own webhooks to a receiver, with one connected user.
async fn connected(db: Db) -> Setup {
    let receiver = WebhookReceiver::start().await;
    let secret = OutboundWebhooks::generate_secret();
    let (url, key) = (receiver.url.clone(), secret.clone());
    let app = spawn_app_with(db, move |settings| {
        settings.webhook_url = Some(url.clone());
        settings.webhook_secret = Some(key.as_str().into());
    })
    .await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    Setup {
        app,
        receiver,
        secret,
        user,
    }
}

/// The company's access token at the sandbox, as the backend holds it.
async fn remote_token(app: &TestApp, user: &str) -> String {
    let token = access_token(&app.state.tokens, user, None)
        .await
        .unwrap_or_else(|_| panic!("a usable token"));
    token.access_token.expose_secret().to_owned()
}

/// `METHOD path` at the sandbox with the company's token.
async fn at_remote(
    app: &TestApp,
    user: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = app
        .client
        .request(method, app.sandbox_url(path))
        .bearer_auth(remote_token(app, user).await);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = send(request).await;
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

async fn callbacks_at_remote(app: &TestApp, user: &str) -> Vec<Value> {
    at_remote(app, user, Method::GET, "/v1/webhook-callbacks", None).await["data"]
        ["webhook_callbacks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn wait_for_callbacks(app: &TestApp, user: &str, count: usize) -> Vec<Value> {
    for _ in 0..100 {
        let listed = callbacks_at_remote(app, user).await;
        if listed.len() == count {
            return listed;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "Remote never listed {count} callback(s): {:?}",
        callbacks_at_remote(app, user).await
    );
}

async fn hire_status(app: &TestApp, user: &str, hire_id: &str) -> Value {
    json_body(
        app.get(user, &format!("/api/v1/hires/{hire_id}")).await,
        StatusCode::OK,
    )
    .await
}

async fn wait_for_status(app: &TestApp, user: &str, hire_id: &str, status: &str) {
    // Four reads a second at most: the per-user rate limit allows five.
    for _ in 0..60 {
        if hire_status(app, user, hire_id).await["status"] == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let deliveries: Value = reqwest::get(app.sandbox_url("/__sandbox/webhooks"))
        .await
        .expect("the sandbox answers")
        .json()
        .await
        .expect("JSON");
    panic!(
        "the hire never reached {status}: {}\nRemote's deliveries: {deliveries}",
        hire_status(app, user, hire_id).await
    );
}

async fn set_remote_status(app: &TestApp, user: &str, employment_id: &str, status: &str) {
    at_remote(
        app,
        user,
        Method::PATCH,
        &format!("/v1/sandbox/employments/{employment_id}"),
        Some(json!({"status": status})),
    )
    .await;
}

/// The status changes the job site received, verified with the Standard Webhooks library.
fn status_changes(setup: &Setup) -> Vec<Value> {
    setup
        .receiver
        .received()
        .iter()
        .filter(|d| d.answered == 204)
        .map(|delivery| {
            Webhook::new(&setup.secret)
                .expect("a secret")
                .verify(&delivery.body, &delivery.headers)
                .expect("our signature verifies");
            delivery.json()
        })
        .filter(|body| body["type"] == "hire.status_changed")
        .collect()
}

/// A delivery signed the way Remote signs (hex HMAC-SHA256 of `body:timestamp`), computed here.
fn signed(key: &str, body: &str) -> (String, String) {
    let timestamp = (chrono::Utc::now().timestamp_millis()).to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    let signature = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (timestamp, signature)
}

/// The company's signing key, as the backend keeps it sealed.
async fn signing_key(app: &TestApp, company_id: &str) -> String {
    let environment = app.state.config.remote.base_url.as_str();
    let row = app
        .store()
        .remote_webhook(environment, company_id)
        .await
        .expect("the store answers")
        .expect("a registered callback");
    app.state
        .config
        .keys
        .open(
            &Sealed {
                key_id: row.key_id,
                data: row.signing_key,
            },
            &signing_key_context(environment, company_id),
        )
        .expect("the key opens")
}

async fn deliver(app: &TestApp, body: &str, timestamp: &str, signature: &str) -> StatusCode {
    send(
        app.client
            .post(app.url("/webhooks/remote"))
            .header("content-type", "application/json")
            .header("x-remote-timestamp", timestamp)
            .header("x-remote-signature", signature)
            .body(body.to_owned()),
    )
    .await
    .status()
}

async fn stale_marks(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM hires WHERE status_stale = 1")
        .fetch_one(app.store().pool())
        .await
        .expect("the store answers")
}

async fn one_callback_per_company_points_at_our_endpoint_whoever_consents(db: Db) {
    // Arrange
    let setup = connected(db).await;
    let app = &setup.app;
    let listed = wait_for_callbacks(app, &setup.user, 1).await;

    // Act: a second user of the same company consents too.
    let other = unique_user();
    app.connect_and_consent(&other).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Assert
    let after = wait_for_callbacks(app, &other, 1).await;
    assert_eq!(after, listed, "no second callback");
    assert_eq!(listed[0]["url"], app.url("/webhooks/remote"));
    let events = listed[0]["subscribed_events"].as_array().expect("events");
    for event in [
        "employment.status.updated",
        "employment.onboarding.completed",
        "employment.user_status.invited",
    ] {
        assert!(events.iter().any(|e| e == event), "{event} in {events:?}");
    }
    assert!(listed[0].get("signing_key").is_none());
}

async fn a_status_change_at_remote_reaches_the_hire_and_the_job_site_once(db: Db) {
    // Arrange
    let setup = connected(db).await;
    let app = &setup.app;
    wait_for_callbacks(app, &setup.user, 1).await;
    let hired = json_body(
        app.hire(&setup.user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let (hire_id, employment_id) = (
        hired["hire_id"].as_str().expect("an id"),
        hired["employment_id"].as_str().expect("an id"),
    );

    // Act: Remote invites the candidate (several webhooks: status, onboarding, user status).
    set_remote_status(app, &setup.user, employment_id, "invited").await;

    // Assert
    wait_for_status(app, &setup.user, hire_id, "invited").await;
    setup
        .receiver
        .wait_until(Duration::from_secs(10), |r| {
            r.iter().any(|d| d.json()["type"] == "hire.status_changed")
        })
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let changes = status_changes(&setup);
    assert_eq!(
        changes.len(),
        1,
        "one change, however many webhooks: {changes:?}"
    );
    let data = &changes[0]["data"];
    assert_eq!(data["hire_id"], hire_id);
    assert_eq!(data["previous_status"], "created");
    assert_eq!(data["status"], "invited");
    assert_eq!(data["candidate"]["personal_email"], ana()["personal_email"]);
    let answered: Vec<Value> = reqwest::get(app.sandbox_url("/__sandbox/webhooks"))
        .await
        .expect("the sandbox answers")
        .json()
        .await
        .expect("JSON");
    assert!(!answered.is_empty());
    assert!(
        answered.iter().all(|attempt| attempt["status"] == 200),
        "{answered:?}"
    );
}

async fn forged_unsigned_and_unknown_company_deliveries_are_refused_and_change_nothing(db: Db) {
    // Arrange
    let setup = connected(db).await;
    let app = &setup.app;
    wait_for_callbacks(app, &setup.user, 1).await;
    let hired = json_body(
        app.hire(&setup.user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let company_id = app.connection(&setup.user).await["company_id"]
        .as_str()
        .expect("a company")
        .to_owned();
    let body = json!({
        "event_type": "employment.status.updated",
        "company_id": company_id,
        "employment_id": hired["employment_id"],
    })
    .to_string();
    let (timestamp, good) = signed(&signing_key(app, &company_id).await, &body);
    let (_, wrong_key) = signed("not-the-key", &body);
    let unknown = json!({"event_type": "employment.status.updated", "company_id": "no-such-company", "employment_id": hired["employment_id"]}).to_string();
    let (unknown_timestamp, unknown_signature) = signed("any", &unknown);

    // Act
    let refusals = [
        deliver(app, &body, &timestamp, &wrong_key).await,
        deliver(app, &body, &timestamp, "").await,
        deliver(
            app,
            &body,
            &(timestamp.parse::<i64>().expect("ms") + 1).to_string(),
            &good,
        )
        .await,
        deliver(app, &format!("{body} "), &timestamp, &good).await,
        deliver(app, &unknown, &unknown_timestamp, &unknown_signature).await,
        deliver(app, "not json", &timestamp, &good).await,
    ];

    // Assert
    assert!(
        refusals.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{refusals:?}"
    );
    assert_eq!(stale_marks(app).await, 0, "nothing marked for a re-read");
    // The genuine delivery is accepted: the refusals were about the signature alone.
    assert_eq!(deliver(app, &body, &timestamp, &good).await, StatusCode::OK);
}

async fn replayed_and_out_of_order_deliveries_leave_the_latest_status(db: Db) {
    // Arrange: Remote moves the hire to invited, then active.
    let setup = connected(db).await;
    let app = &setup.app;
    wait_for_callbacks(app, &setup.user, 1).await;
    let hired = json_body(
        app.hire(&setup.user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let (hire_id, employment_id) = (
        hired["hire_id"].as_str().expect("an id"),
        hired["employment_id"].as_str().expect("an id"),
    );
    set_remote_status(app, &setup.user, employment_id, "invited").await;
    set_remote_status(app, &setup.user, employment_id, "active").await;
    wait_for_status(app, &setup.user, hire_id, "active").await;
    let company_id = app.connection(&setup.user).await["company_id"]
        .as_str()
        .expect("a company")
        .to_owned();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = status_changes(&setup);

    // Act: Remote replays every event (the "invited" ones included), and an old delivery
    // arrives again, correctly signed.
    let events = at_remote(app, &setup.user, Method::GET, "/v1/webhook-events", None).await;
    let ids: Vec<Value> = events["data"]["webhook_events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert!(ids.len() >= 4, "{events}");
    at_remote(
        app,
        &setup.user,
        Method::POST,
        "/v1/webhook-events/replay",
        Some(json!({"ids": ids})),
    )
    .await;
    let body = json!({"event_type": "employment.user_status.invited", "company_id": company_id, "employment_id": employment_id}).to_string();
    let (timestamp, signature) = signed(&signing_key(app, &company_id).await, &body);
    for _ in 0..3 {
        assert_eq!(
            deliver(app, &body, &timestamp, &signature).await,
            StatusCode::OK
        );
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Assert
    assert_eq!(
        hire_status(app, &setup.user, hire_id).await["status"],
        "active"
    );
    let after = status_changes(&setup);
    assert_eq!(
        after.len(),
        before.len(),
        "no change announced again: {after:?}"
    );
    assert_eq!(after.last().expect("a change")["data"]["status"], "active");
    assert!(
        before.len() <= 2,
        "at most created→invited→active: {before:?}"
    );
}

async fn a_signing_key_replaced_by_another_replica_is_read_again_and_the_old_one_refused(db: Db) {
    // Arrange: a delivery verifies (its key is now kept in memory), then the stored key is
    // replaced the way another replica's registration would replace it.
    let setup = connected(db).await;
    let app = &setup.app;
    wait_for_callbacks(app, &setup.user, 1).await;
    let company_id = app.connection(&setup.user).await["company_id"]
        .as_str()
        .expect("a company")
        .to_owned();
    let body =
        json!({"event_type": "employment.status.updated", "company_id": company_id}).to_string();
    let old_key = signing_key(app, &company_id).await;
    let (timestamp, old_signature) = signed(&old_key, &body);
    assert_eq!(
        deliver(app, &body, &timestamp, &old_signature).await,
        StatusCode::OK
    );
    let environment = app.state.config.remote.base_url.as_str();
    let sealed = app.state.config.keys.seal(
        "a-key-registered-elsewhere",
        &signing_key_context(environment, &company_id),
    );
    sqlx::query("UPDATE remote_webhooks SET key_id = $1, signing_key = $2 WHERE company_id = $3")
        .bind(&sealed.key_id)
        .bind(&sealed.data)
        .bind(&company_id)
        .execute(app.store().pool())
        .await
        .expect("the key is replaced");

    // Act
    let (timestamp, new_signature) = signed("a-key-registered-elsewhere", &body);
    let with_new = deliver(app, &body, &timestamp, &new_signature).await;
    let (timestamp, old_signature) = signed(&old_key, &body);
    let with_old = deliver(app, &body, &timestamp, &old_signature).await;

    // Assert
    assert_eq!(
        with_new,
        StatusCode::OK,
        "the new key is read from the table"
    );
    assert_eq!(
        with_old,
        StatusCode::UNAUTHORIZED,
        "the kept old key no longer counts"
    );
}

async fn a_callback_remote_no_longer_lists_is_registered_again(db: Db) {
    // Arrange: the company's callback is deleted at Remote.
    let setup = connected(db).await;
    let app = &setup.app;
    let listed = wait_for_callbacks(app, &setup.user, 1).await;
    let id = listed[0]["id"].as_str().expect("an id");
    at_remote(
        app,
        &setup.user,
        Method::DELETE,
        &format!("/v1/webhook-callbacks/{id}"),
        None,
    )
    .await;
    wait_for_callbacks(app, &setup.user, 0).await;

    // Act: the next consent checks it.
    app.connect_and_consent(&setup.user).await;

    // Assert: a new callback, whose deliveries verify with the newly stored key.
    let again = wait_for_callbacks(app, &setup.user, 1).await;
    assert_ne!(again[0]["id"], listed[0]["id"]);
    let hired = json_body(
        app.hire(&setup.user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    set_remote_status(
        app,
        &setup.user,
        hired["employment_id"].as_str().expect("an id"),
        "invited",
    )
    .await;
    wait_for_status(
        app,
        &setup.user,
        hired["hire_id"].as_str().expect("an id"),
        "invited",
    )
    .await;
}

async fn the_reconcile_catches_a_change_no_webhook_announced(db: Db) {
    // Arrange: the callback is gone at Remote, so the change below sends no webhook.
    let setup = connected(db).await;
    let app = &setup.app;
    let listed = wait_for_callbacks(app, &setup.user, 1).await;
    let hired = json_body(
        app.hire(&setup.user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = listed[0]["id"].as_str().expect("an id");
    at_remote(
        app,
        &setup.user,
        Method::DELETE,
        &format!("/v1/webhook-callbacks/{id}"),
        None,
    )
    .await;
    let hire_id = hired["hire_id"].as_str().expect("an id");
    set_remote_status(
        app,
        &setup.user,
        hired["employment_id"].as_str().expect("an id"),
        "invited",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        hire_status(app, &setup.user, hire_id).await["status"],
        "created"
    );
    // An hour passes since the status was last read and the callback last checked.
    for stale in [
        "UPDATE hires SET status_checked_at = 0",
        "UPDATE remote_webhooks SET checked_at = 0",
    ] {
        sqlx::query(stale)
            .execute(app.store().pool())
            .await
            .expect("the store answers");
    }

    // Act: the periodic reconcile.
    worker::reconcile(&app.state)
        .await
        .expect("the reconcile runs");

    // Assert: the status is read again, and the callback is registered again.
    wait_for_status(app, &setup.user, hire_id, "invited").await;
    wait_for_callbacks(app, &setup.user, 1).await;
    setup
        .receiver
        .wait_until(Duration::from_secs(15), |r| {
            r.iter().any(|d| d.json()["type"] == "hire.status_changed")
        })
        .await;
    assert_eq!(status_changes(&setup).len(), 1);
}

on_both_databases!(
    one_callback_per_company_points_at_our_endpoint_whoever_consents,
    a_status_change_at_remote_reaches_the_hire_and_the_job_site_once,
    forged_unsigned_and_unknown_company_deliveries_are_refused_and_change_nothing,
    replayed_and_out_of_order_deliveries_leave_the_latest_status,
    a_callback_remote_no_longer_lists_is_registered_again,
    a_signing_key_replaced_by_another_replica_is_read_again_and_the_old_one_refused,
    the_reconcile_catches_a_change_no_webhook_announced,
);

//! Webhooks to the job site: `hire.created` in the Standard Webhooks format, verified here with
//! the Standard Webhooks library (not our code), retried with the same `webhook-id` after a
//! failure, delivered once however many replicas run, and not sent at all when not configured.

use std::time::Duration;

use hire_with_remote::{
    store::{now, OutboxFilter},
    webhooks::OutboundWebhooks,
};
use hwr_integration_tests::{
    ana, ana_with, json_body, new_key, on_both_databases, spawn_app, spawn_app_with, unique_user,
    Db, Received, TestApp, WebhookReceiver,
};
use reqwest::StatusCode;
use standardwebhooks::Webhook;

/// A backend sending its webhooks to `receiver`, signed with `secret`.
async fn app_sending_to(db: Db, receiver: &WebhookReceiver, secret: &str) -> TestApp {
    let url = receiver.url.clone();
    let secret = secret.to_owned();
    spawn_app_with(db, move |settings| {
        settings.webhook_url = Some(url.clone());
        settings.webhook_secret = Some(secret.as_str().into());
    })
    .await
}

fn verify(secret: &str, delivery: &Received) {
    Webhook::new(secret)
        .expect("a Standard Webhooks secret")
        .verify(&delivery.body, &delivery.headers)
        .unwrap_or_else(|error| panic!("the library refused our signature: {error:?}"));
}

async fn a_hire_sends_one_hire_created_that_the_standard_library_verifies(db: Db) {
    // Arrange
    let receiver = WebhookReceiver::start().await;
    let secret = OutboundWebhooks::generate_secret();
    let app = app_sending_to(db, &receiver, &secret).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let hired = json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;

    // Assert
    let received = receiver
        .wait_until(Duration::from_secs(10), |r| !r.is_empty())
        .await;
    let delivery = &received[0];
    verify(&secret, delivery);
    assert!(delivery.header("webhook-id").starts_with("msg_"));
    let body = delivery.json();
    assert_eq!(body["type"], "hire.created", "{body}");
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    let data = &body["data"];
    assert_eq!(data["hire_id"], hired["hire_id"]);
    assert_eq!(data["employment_id"], hired["employment_id"]);
    assert_eq!(data["user"], user.as_str());
    assert_eq!(data["status"], "created");
    assert!(data["company_id"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(data["candidate"]["full_name"], ana()["full_name"]);
    assert_eq!(data["candidate"]["personal_email"], ana()["personal_email"]);
    assert_eq!(data["candidate"]["country_code"], "PRT");
    assert!(data.get("previous_status").is_none());
    // A forged body under the same headers fails the library's check: the test can fail.
    let mut forged = delivery.clone();
    forged.body = delivery.body.slice(..delivery.body.len() - 1);
    assert!(Webhook::new(&secret)
        .expect("a secret")
        .verify(&forged.body, &forged.headers)
        .is_err());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "exactly one delivery");
}

async fn a_failed_delivery_is_retried_within_ten_seconds_with_the_same_id(db: Db) {
    // Arrange: the job site's endpoint fails once.
    let receiver = WebhookReceiver::start().await;
    receiver.fail_next(1);
    let secret = OutboundWebhooks::generate_secret();
    let app = app_sending_to(db, &receiver, &secret).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;

    // Assert
    let received = receiver
        .wait_until(Duration::from_secs(12), |r| r.len() >= 2)
        .await;
    assert_eq!(received[0].answered, 500);
    assert_eq!(received[1].answered, 204);
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
    assert_eq!(received[0].body, received[1].body, "the same event");
    verify(&secret, &received[1]);
    // The receiver answers before the backend stores the answer: give it a moment.
    let mut events = Vec::new();
    for _ in 0..50 {
        events = app
            .store()
            .outbox_events(OutboxFilter::All, 10)
            .await
            .expect("the outbox");
        if events.iter().all(|event| event.delivered_at.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].attempts, 2);
    assert!(events[0].delivered_at.is_some(), "the 204 is stored");
}

async fn a_failure_is_scheduled_again_within_ten_seconds_and_redeliver_sends_it_at_once(db: Db) {
    // Arrange: the endpoint fails every time for now.
    let receiver = WebhookReceiver::start().await;
    receiver.fail_next(usize::MAX);
    let secret = OutboundWebhooks::generate_secret();
    let app = app_sending_to(db, &receiver, &secret).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    receiver
        .wait_until(Duration::from_secs(10), |r| !r.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = app
        .store()
        .outbox_events(OutboxFilter::Undelivered, 10)
        .await
        .expect("the outbox");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].attempts, 1);
    assert_eq!(waiting[0].last_status, Some(500));
    let wait = waiting[0].next_attempt_at - now();
    assert!(
        (1..=10).contains(&wait),
        "the first retry is within 10 s, not {wait} s"
    );

    // Act: the receiver is fixed, and an operator queues the event again now.
    receiver.fail_next(0);
    assert_eq!(
        app.store()
            .redeliver_events(Some(&waiting[0].id), now())
            .await
            .expect("queued"),
        1
    );
    app.state.wake_worker();

    // Assert
    let received = receiver
        .wait_until(Duration::from_secs(10), |r| {
            r.iter().any(|d| d.answered == 204)
        })
        .await;
    let delivered = received
        .iter()
        .find(|d| d.answered == 204)
        .expect("delivered");
    assert_eq!(delivered.header("webhook-id"), waiting[0].id);
    verify(&secret, delivered);
}

async fn two_replicas_deliver_each_event_exactly_once(db: Db) {
    // Arrange
    let receiver = WebhookReceiver::start().await;
    let secret = OutboundWebhooks::generate_secret();
    let app = app_sending_to(db, &receiver, &secret).await;
    let replica = app.spawn_replica().await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act: hires through both replicas.
    for n in 0..6 {
        let address = if n % 2 == 0 {
            &app.address
        } else {
            &replica.address
        };
        let candidate = ana_with("personal_email", &format!("replica{n}@example.com"));
        json_body(
            app.hire_at(address, &user, &new_key(), &candidate).await,
            StatusCode::CREATED,
        )
        .await;
    }

    // Assert: six events, each once, although both replicas' workers poll the same outbox.
    receiver
        .wait_until(Duration::from_secs(15), |r| r.len() >= 6)
        .await;
    // Longer than a worker tick on each replica: a second delivery would have come by now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let received = receiver.received();
    let mut ids: Vec<String> = received.iter().map(|r| r.header("webhook-id")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "six distinct events");
    assert_eq!(received.len(), 6, "each delivered once");
    for delivery in &received {
        verify(&secret, delivery);
    }
}

async fn without_webhook_settings_nothing_is_queued(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    json_body(
        app.hire(&user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;

    // Assert
    let events = app
        .store()
        .outbox_events(OutboxFilter::All, 10)
        .await
        .expect("the outbox");
    assert!(events.is_empty(), "{events:?}");
}

on_both_databases!(
    a_hire_sends_one_hire_created_that_the_standard_library_verifies,
    a_failed_delivery_is_retried_within_ten_seconds_with_the_same_id,
    a_failure_is_scheduled_again_within_ten_seconds_and_redeliver_sends_it_at_once,
    two_replicas_deliver_each_event_exactly_once,
    without_webhook_settings_nothing_is_queued,
);

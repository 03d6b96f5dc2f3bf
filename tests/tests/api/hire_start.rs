//! What a hire reads before it writes, in one statement: the key's idempotency record, the
//! site user's connection, and the newest of our created hires of the candidate's email at the
//! connection's company. And the refresh lock that keeps one token refresh per connection.

use std::time::Duration;

use hire_with_remote::{
    hires::view::email_hash,
    store::{now, HireDetails, HireState},
};
use hwr_integration_tests::{ana, json_body, on_both_databases, spawn_app, unique_user, Db};
use reqwest::StatusCode;

async fn a_hire_start_reads_the_record_the_connection_and_the_newest_earlier_hire(db: Db) {
    // Arrange: a hire of Ana, and an older record of the same email at the same company.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let hired = json_body(
        app.hire(&user, "start-1", &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let hash = email_hash(ana()["personal_email"].as_str().expect("an email"));
    let store = app.store();
    let company = store
        .connection(&user)
        .await
        .expect("the store answers")
        .expect("a connection")
        .company_id;
    let details = HireDetails {
        remote_status: "active".into(),
        email_hash: hash.clone(),
        candidate_key_id: "k".into(),
        candidate: "sealed".into(),
    };
    assert!(store
        .insert_found_hire(
            &user,
            "older-hire",
            "older-employment",
            &company,
            &details,
            1
        )
        .await
        .expect("the store answers"));

    // Act
    let start = store
        .hire_start(&user, "start-1", &hash)
        .await
        .expect("the store answers");
    let elsewhere = store
        .hire_start(&user, "start-2", &email_hash("someone@else.example"))
        .await
        .expect("the store answers");
    let stranger = store
        .hire_start(&unique_user(), "start-1", &hash)
        .await
        .expect("the store answers");

    // Assert
    let record = start.record.expect("the key's record");
    assert_eq!(record.hire_id, hired["hire_id"]);
    assert_eq!(record.state, HireState::Created);
    assert_eq!(start.connection.expect("the connection").site_user, user);
    let earlier = start.earlier.expect("an earlier hire");
    assert_eq!(earlier.hire_id, hired["hire_id"], "the newest of the two");
    assert!(elsewhere.record.is_none() && elsewhere.earlier.is_none());
    assert!(elsewhere.connection.is_some());
    assert!(stranger.record.is_none() && stranger.connection.is_none());
    assert!(stranger.earlier.is_none(), "no connection, no company");
}

async fn a_refresh_lock_has_one_holder_at_a_time(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let store = app.store().clone();
    let first = store
        .try_refresh_lock(&user, now() + 60)
        .await
        .expect("the store answers")
        .expect("the first caller takes it");

    // Act: a second caller tries until it has it (Postgres waits, SQLite answers None).
    let second = tokio::spawn({
        let store = store.clone();
        let user = user.clone();
        async move {
            loop {
                if let Some(lock) = store
                    .try_refresh_lock(&user, now() + 60)
                    .await
                    .expect("the store answers")
                {
                    return lock;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let waited = !second.is_finished();
    let released = store
        .release_refresh_lock(first)
        .await
        .expect("the store answers");

    // Assert
    assert!(
        waited,
        "the second caller waits while the first holds the lock"
    );
    assert!(released);
    let second = tokio::time::timeout(Duration::from_secs(10), second)
        .await
        .expect("the lock is taken once given back")
        .expect("the second caller finishes");
    assert!(store
        .release_refresh_lock(second)
        .await
        .expect("the store answers"));
}

on_both_databases!(
    a_hire_start_reads_the_record_the_connection_and_the_newest_earlier_hire,
    a_refresh_lock_has_one_holder_at_a_time,
);

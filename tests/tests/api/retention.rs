//! What is kept and for how long: a flow that expired without a callback loses its candidate at
//! the next sweep; flows past `HWR_RETENTION_DAYS` and audit rows past `HWR_AUDIT_RETENTION_DAYS`
//! are deleted; erasing a site user removes every row about them and nothing about anyone else.

use hire_with_remote::{housekeeping, store::now};
use hwr_integration_tests::{
    json_body, new_key, on_both_databases, spawn_app, unique_user, Db, TestApp,
};
use reqwest::StatusCode;

const DAY: i64 = 86_400;

async fn execute(app: &TestApp, sql: &str, at: i64, id: &str) {
    sqlx::query(sql)
        .bind(at)
        .bind(id)
        .execute(app.store().pool())
        .await
        .expect("the statement runs");
}

async fn count(app: &TestApp, sql: &str, id: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(app.store().pool())
        .await
        .expect("the count runs")
}

async fn an_expired_flow_loses_its_candidate_and_old_flows_and_audit_rows_are_purged(db: Db) {
    // Arrange: a pending flow with a candidate, never called back.
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_hiring_flow(&user).await;
    let candidate = "SELECT COUNT(*) FROM flows WHERE id = $1 AND candidate IS NOT NULL";
    let flows = "SELECT COUNT(*) FROM flows WHERE id = $1";
    let audit = "SELECT COUNT(*) FROM audit_events WHERE site_user = $1";
    assert_eq!(count(&app, candidate, &flow.flow_id).await, 1);
    assert!(count(&app, audit, &user).await >= 1);

    // Act 1: it expired ten seconds ago.
    execute(
        &app,
        "UPDATE flows SET expires_at = $1 WHERE id = $2",
        now() - 10,
        &flow.flow_id,
    )
    .await;
    housekeeping::sweep(&app.state)
        .await
        .expect("the sweep runs");

    // Assert 1: the candidate is gone, the flow kept for its retention.
    assert_eq!(count(&app, candidate, &flow.flow_id).await, 0);
    assert_eq!(count(&app, flows, &flow.flow_id).await, 1);

    // Act 2: past the retention (30 days for flows, 90 for audit rows).
    execute(
        &app,
        "UPDATE flows SET expires_at = $1 WHERE id = $2",
        now() - 31 * DAY,
        &flow.flow_id,
    )
    .await;
    execute(
        &app,
        "UPDATE audit_events SET at = $1 WHERE site_user = $2",
        now() - 91 * DAY,
        &user,
    )
    .await;
    housekeeping::sweep(&app.state)
        .await
        .expect("the sweep runs");

    // Assert 2
    assert_eq!(count(&app, flows, &flow.flow_id).await, 0);
    assert_eq!(count(&app, audit, &user).await, 0);
}

async fn recent_flows_and_audit_rows_survive_the_sweep(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    let flow = app.start_hiring_flow(&user).await;
    execute(
        &app,
        "UPDATE flows SET expires_at = $1 WHERE id = $2",
        now() - 29 * DAY,
        &flow.flow_id,
    )
    .await;
    execute(
        &app,
        "UPDATE audit_events SET at = $1 WHERE site_user = $2",
        now() - 89 * DAY,
        &user,
    )
    .await;

    // Act
    housekeeping::sweep(&app.state)
        .await
        .expect("the sweep runs");

    // Assert
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM flows WHERE id = $1",
            &flow.flow_id
        )
        .await,
        1
    );
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE site_user = $1",
            &user
        )
        .await
            >= 1
    );
}

async fn erasing_a_site_user_removes_their_rows_and_nothing_of_anyone_else(db: Db) {
    // Arrange: two employers, each connected with a hire.
    let app = spawn_app(db).await;
    let (gone, kept) = (unique_user(), unique_user());
    for user in [&gone, &kept] {
        app.connect_and_consent(user).await;
        let candidate =
            hwr_integration_tests::ana_with("personal_email", &format!("{user}@example.com"));
        json_body(
            app.hire(user, &new_key(), &candidate).await,
            StatusCode::CREATED,
        )
        .await;
    }

    // Act
    let erased = app
        .store()
        .erase_site_user(&gone)
        .await
        .expect("the erase runs");

    // Assert
    assert_eq!(erased.connections, 1);
    assert!(
        erased.flows >= 1 && erased.hires == 1 && erased.audit_events >= 1,
        "{erased:?}"
    );
    let stored = app.stored_text().await;
    assert!(
        !stored.contains(&gone),
        "nothing about the erased user is left"
    );
    assert!(stored.contains(&kept));
    assert_eq!(app.connection(&gone).await["status"], "not_connected");
    assert_eq!(app.connection(&kept).await["status"], "connected");
}

on_both_databases!(
    an_expired_flow_loses_its_candidate_and_old_flows_and_audit_rows_are_purged,
    recent_flows_and_audit_rows_survive_the_sweep,
    erasing_a_site_user_removes_their_rows_and_nothing_of_anyone_else,
);

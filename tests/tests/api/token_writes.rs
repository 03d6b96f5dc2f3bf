//! Token writes are compare-and-swap: a refresh or re-encryption based on an older read never
//! overwrites newer tokens (a re-consent, another refresh); `invalid_grant` marks re-consent only
//! while the refused tokens are still the stored ones; the SQLite refresh lease is released only
//! by its holder.

use hire_with_remote::store::now;
use hwr_integration_tests::{on_both_databases, spawn_app, unique_user, Db, TestApp};

async fn connected(app: &TestApp) -> (String, hire_with_remote::store::ConnectionRow) {
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let row = app
        .store()
        .connection(&user)
        .await
        .expect("the store answers")
        .expect("a stored connection");
    (user, row)
}

async fn a_token_write_based_on_an_older_read_changes_nothing(db: Db) {
    // Arrange: a refresh read the row; then a re-consent stored newer tokens.
    let app = spawn_app(db).await;
    let (user, read_by_refresh) = connected(&app).await;
    let mut reconsented = read_by_refresh.clone();
    reconsented.access_token = "sealed-newer-access".into();
    app.store()
        .save_connection(&reconsented)
        .await
        .expect("the re-consent is stored");

    // Act: the refresh stores what it got, based on its older read.
    let mut refreshed = read_by_refresh.clone();
    refreshed.access_token = "sealed-older-access".into();
    let written = app
        .store()
        .update_connection_tokens(&refreshed)
        .await
        .expect("the store answers");

    // Assert
    assert_eq!(written, None, "the stale write was refused");
    let stored = app
        .store()
        .connection(&user)
        .await
        .expect("the store answers")
        .expect("a connection");
    assert_eq!(stored.access_token, "sealed-newer-access");
    assert!(stored.version > read_by_refresh.version);
}

async fn a_refused_refresh_marks_reconsent_only_while_its_tokens_are_still_stored(db: Db) {
    // Arrange: request A read the row; request B refreshed it meanwhile.
    let app = spawn_app(db).await;
    let (user, read_by_a) = connected(&app).await;
    let mut by_b = read_by_a.clone();
    by_b.access_token = "sealed-refreshed-by-b".into();
    let version_b = app
        .store()
        .update_connection_tokens(&by_b)
        .await
        .expect("the store answers")
        .expect("B's write lands");

    // Act: A's refresh was refused (invalid_grant) for the tokens it read.
    let marked_by_a = app
        .store()
        .require_reconsent(&user, read_by_a.version)
        .await
        .expect("the store answers");

    // Assert
    assert!(!marked_by_a, "A's refusal says nothing about B's tokens");
    assert_eq!(app.connection(&user).await["status"], "connected");
    assert!(app
        .store()
        .require_reconsent(&user, version_b)
        .await
        .expect("the store answers"));
    assert_eq!(app.connection(&user).await["status"], "reconsent_required");
}

async fn only_the_holder_gives_the_refresh_lease_back(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let (user, _) = connected(&app).await;
    let store = app.store();
    assert!(store
        .claim_refresh_lease(&user, "holder", now() + 60)
        .await
        .expect("the store answers"));

    // Act
    let released_by_other = store
        .release_refresh_lease(&user, "other")
        .await
        .expect("the store answers");
    let claimed_by_other = store
        .claim_refresh_lease(&user, "other", now() + 60)
        .await
        .expect("the store answers");

    // Assert
    assert!(!released_by_other);
    assert!(!claimed_by_other, "the holder's lease still runs");
    assert!(store
        .release_refresh_lease(&user, "holder")
        .await
        .expect("the store answers"));
    assert!(store
        .claim_refresh_lease(&user, "other", now() + 60)
        .await
        .expect("the store answers"));
}

on_both_databases!(
    a_token_write_based_on_an_older_read_changes_nothing,
    a_refused_refresh_marks_reconsent_only_while_its_tokens_are_still_stored,
    only_the_holder_gives_the_refresh_lease_back,
);

//! `hire-with-remote erase --user ID`, the real binary against a real database: every row about
//! that site user is gone afterwards, and the command says what it removed.

use std::process::Command;

use hwr_integration_tests::{
    ana_with, json_body, new_key, server_binary, spawn_app, unique_user, Db,
};
use reqwest::StatusCode;

#[tokio::test]
async fn the_erase_command_removes_everything_about_one_site_user() {
    for db in [Db::Sqlite, Db::Postgres] {
        // Arrange: a connected employer with a hire.
        let app = spawn_app(db).await;
        let user = unique_user();
        app.connect_and_consent(&user).await;
        let candidate = ana_with("personal_email", &format!("{user}@example.com"));
        json_body(
            app.hire(&user, &new_key(), &candidate).await,
            StatusCode::CREATED,
        )
        .await;
        assert!(app.stored_text().await.contains(&user));

        // Act
        let output = Command::new(server_binary())
            .args([
                "erase",
                "--user",
                &user,
                "--database-url",
                &app.database().url(),
            ])
            .output()
            .expect("the binary runs");

        // Assert
        let said = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            said.contains("1 connection(s)") && said.contains("1 hire record(s)"),
            "{said}"
        );
        assert!(
            !app.stored_text().await.contains(&user),
            "{db:?}: nothing left"
        );
        assert_eq!(app.connection(&user).await["status"], "not_connected");
    }
}

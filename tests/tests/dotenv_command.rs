//! `./.env` fills in settings the environment leaves unset, and the environment wins: the real
//! binary, minting a site token with the secret it read.

use std::{process::Command, time::Duration};

use hire_with_remote::site_token::SiteTokens;
use hwr_integration_tests::server_binary;
use secrecy::SecretString;

fn token_in(dir: &std::path::Path, env_secret: Option<&str>) -> String {
    let mut command = Command::new(server_binary());
    command
        .args(["token", "--user", "from-dotenv"])
        .current_dir(dir)
        .env_remove("HWR_SITE_SECRET")
        .env("HWR_DATA_DIR", dir.join("no-demo-here"));
    if let Some(secret) = env_secret {
        command.env("HWR_SITE_SECRET", secret);
    }
    let output = command.output().expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn verifies(token: &str, secret: &str) -> bool {
    SiteTokens::new(
        &SecretString::from(secret.to_owned()),
        Duration::from_secs(3600),
    )
    .verify(token)
    .is_ok()
}

#[test]
fn a_setting_in_dot_env_is_read_and_the_environment_wins() {
    // Arrange
    let dir = std::env::temp_dir().join(format!("hwr-dotenv-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let in_file = "dotenv-secret-0123456789abcdef0123456789abcdef";
    let in_env = "environment-secret-0123456789abcdef0123456789ab";
    std::fs::write(dir.join(".env"), format!("HWR_SITE_SECRET={in_file}\n")).expect("a .env");

    // Act
    let from_file = token_in(&dir, None);
    let from_env = token_in(&dir, Some(in_env));

    // Assert
    assert!(verifies(&from_file, in_file), "signed with the .env secret");
    assert!(
        verifies(&from_env, in_env),
        "the environment wins over .env"
    );
    assert!(!verifies(&from_env, in_file));
    let _ = std::fs::remove_dir_all(&dir);
}

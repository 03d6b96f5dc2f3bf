//! The demo's generated secrets, kept in `<data dir>/demo-secrets.json` (mode 0600) so that a
//! second run keeps its connections, hires and webhook history. A file from an older version
//! gains the secrets it lacks on the next run; the ones it has are never replaced.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::{crypto::KeyRing, webhooks::OutboundWebhooks};

/// Secrets generated on first run and kept in the data folder.
#[derive(Debug, Serialize, Deserialize)]
pub struct DemoSecrets {
    /// HS256 secret shared by the job site and the backend.
    pub site_secret: String,
    /// `kid:base64` encryption key.
    pub encryption_keys: String,
    /// `whsec_<base64>`: signs the backend's webhooks to the demo job site.
    #[serde(default)]
    pub webhook_secret: String,
    /// What the job site's servers send as `Authorization: Bearer …` to read hires.
    #[serde(default)]
    pub server_api_key: String,
}

impl DemoSecrets {
    /// Loads `demo-secrets.json` from `data_dir`, creating it on first run and adding the
    /// secrets an older file lacks.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<DemoSecrets> {
        let path = data_dir.join("demo-secrets.json");
        let mut secrets = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!("{} is damaged: delete it to start afresh", path.display())
            })?,
            Err(_) => {
                std::fs::create_dir_all(data_dir)
                    .with_context(|| format!("failed to create {}", data_dir.display()))?;
                DemoSecrets {
                    site_secret: random_secret(),
                    encryption_keys: KeyRing::generate_entry("demo1"),
                    webhook_secret: String::new(),
                    server_api_key: String::new(),
                }
            }
        };
        if secrets.fill_missing() || !path.exists() {
            std::fs::write(&path, serde_json::to_string_pretty(&secrets)?)
                .with_context(|| format!("failed to write {}", path.display()))?;
            restrict_permissions(&path);
        }
        Ok(secrets)
    }

    /// Generates the secrets that are empty; whether there were any.
    fn fill_missing(&mut self) -> bool {
        let mut filled = false;
        if self.webhook_secret.trim().is_empty() {
            self.webhook_secret = OutboundWebhooks::generate_secret();
            filled = true;
        }
        if self.server_api_key.trim().is_empty() {
            self.server_api_key = random_secret();
            filled = true;
        }
        filled
    }
}

/// 32 random bytes, hex: 64 characters, long enough for every secret setting.
fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn scratch_dir() -> PathBuf {
        std::env::temp_dir().join(format!(
            "hwr-demo-secrets-{}",
            uuid::Uuid::new_v4().simple()
        ))
    }

    #[test]
    fn the_first_run_writes_every_secret_and_the_second_reads_the_same() {
        let dir = scratch_dir();

        let first = DemoSecrets::load_or_create(&dir).expect("created");
        let second = DemoSecrets::load_or_create(&dir).expect("read back");

        assert!(first.webhook_secret.starts_with("whsec_"));
        assert!(first.server_api_key.len() >= 32);
        assert_eq!(first.site_secret, second.site_secret);
        assert_eq!(first.webhook_secret, second.webhook_secret);
        assert_eq!(first.server_api_key, second.server_api_key);
        let url = Some("http://127.0.0.1:8082/demo/webhooks");
        assert!(matches!(
            OutboundWebhooks::parse(url, Some(&first.webhook_secret)),
            Ok(Some(_))
        ));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn an_older_file_gains_the_webhook_secret_and_server_key_and_keeps_the_rest() {
        let dir = scratch_dir();
        std::fs::create_dir_all(&dir).expect("dir");
        let old =
            r#"{"site_secret":"0123456789abcdef0123456789abcdef","encryption_keys":"demo1:AAAA"}"#;
        std::fs::write(dir.join("demo-secrets.json"), old).expect("written");

        let upgraded = DemoSecrets::load_or_create(&dir).expect("upgraded");
        let again = DemoSecrets::load_or_create(&dir).expect("read back");

        assert_eq!(upgraded.site_secret, "0123456789abcdef0123456789abcdef");
        assert_eq!(upgraded.encryption_keys, "demo1:AAAA");
        assert!(upgraded.webhook_secret.starts_with("whsec_"));
        assert_eq!(again.webhook_secret, upgraded.webhook_secret);
        assert_eq!(again.server_api_key, upgraded.server_api_key);
        std::fs::remove_dir_all(&dir).ok();
    }
}

//! `HWR_WEBHOOK_URL` and `HWR_WEBHOOK_SECRET`: where the job site receives our webhooks and the
//! Standard Webhooks secret (`whsec_` + base64 of 24 to 64 random bytes) they are signed with.

use std::fmt;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use url::Url;

/// The job site's webhook endpoint and signing key.
#[derive(Clone)]
pub struct OutboundWebhooks {
    /// Where events are POSTed.
    pub url: Url,
    /// The decoded secret (the HMAC key).
    pub key: Vec<u8>,
}

impl fmt::Debug for OutboundWebhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundWebhooks")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl OutboundWebhooks {
    /// Both settings, or neither; anything else is a configuration problem, said in one sentence.
    pub fn parse(
        url: Option<&str>,
        secret: Option<&str>,
    ) -> Result<Option<OutboundWebhooks>, String> {
        let (url, secret) = match (given(url), given(secret)) {
            (None, None) => return Ok(None),
            (Some(_), None) => {
                return Err("HWR_WEBHOOK_URL is set but HWR_WEBHOOK_SECRET is not: set both (the secret is whsec_ + base64), or neither".into())
            }
            (None, Some(_)) => {
                return Err("HWR_WEBHOOK_SECRET is set but HWR_WEBHOOK_URL is not: set both, or neither".into())
            }
            (Some(url), Some(secret)) => (url, secret),
        };
        let parsed =
            Url::parse(url).map_err(|e| format!("HWR_WEBHOOK_URL={url:?} is not a URL ({e})"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(format!(
                "HWR_WEBHOOK_URL={url:?} must be an http(s) URL with a host"
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("HWR_WEBHOOK_URL must not carry user info: authenticate the webhooks by their signature".into());
        }
        let key = secret
            .strip_prefix("whsec_")
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .ok_or_else(|| {
                "HWR_WEBHOOK_SECRET must be whsec_ followed by base64 (Standard Webhooks' format)"
                    .to_owned()
            })?;
        if !(24..=64).contains(&key.len()) {
            return Err(format!(
                "HWR_WEBHOOK_SECRET decodes to {} bytes; use 24 to 64 random bytes",
                key.len()
            ));
        }
        Ok(Some(OutboundWebhooks { url: parsed, key }))
    }

    /// A fresh secret in the `whsec_` format.
    pub fn generate_secret() -> String {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
        format!("whsec_{}", STANDARD.encode(bytes))
    }
}

/// A setting's value, unless absent or blank.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_parses_back() {
        let secret = OutboundWebhooks::generate_secret();
        let parsed = OutboundWebhooks::parse(Some("https://jobs.example/hooks"), Some(&secret))
            .expect("valid")
            .expect("set");
        assert_eq!(parsed.key.len(), 32);
    }

    #[test]
    fn one_setting_without_the_other_is_refused() {
        assert!(OutboundWebhooks::parse(Some("https://jobs.example/hooks"), None).is_err());
        assert!(OutboundWebhooks::parse(None, Some("whsec_AAAA")).is_err());
        assert_eq!(
            OutboundWebhooks::parse(None, None).map(|w| w.is_none()),
            Ok(true)
        );
    }

    #[test]
    fn a_secret_without_the_prefix_or_too_short_is_refused() {
        let bytes = STANDARD.encode([7u8; 32]);
        assert!(OutboundWebhooks::parse(Some("https://a.example/"), Some(&bytes)).is_err());
        let short = format!("whsec_{}", STANDARD.encode([7u8; 8]));
        assert!(OutboundWebhooks::parse(Some("https://a.example/"), Some(&short)).is_err());
    }
}

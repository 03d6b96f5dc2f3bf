//! The companies' webhook signing keys, opened once and kept in memory for a minute, so that a
//! delivery from Remote is verified without waiting for the database (which the worker may be
//! keeping busy). Only keys read from our own table are kept — one per registered company, so
//! forged company ids cannot grow it — and a key that no longer verifies is read again before
//! a delivery is refused: another replica may have registered a new callback meanwhile.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use secrecy::SecretString;

/// How long an opened key is used before it is read again.
const KEEP_FOR: Duration = Duration::from_secs(60);

/// Opened signing keys by company id.
#[derive(Default)]
pub struct SigningKeys {
    keys: Mutex<HashMap<String, (SecretString, Instant)>>,
}

impl SigningKeys {
    /// The kept key of `company_id`, unless it is older than a minute.
    pub fn get(&self, company_id: &str) -> Option<SecretString> {
        let keys = self
            .keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(company_id)
            .filter(|(_, read_at)| read_at.elapsed() < KEEP_FOR)
            .map(|(key, _)| key.clone())
    }

    /// Keeps `key` as `company_id`'s, read now.
    pub fn keep(&self, company_id: &str, key: &SecretString) {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.retain(|_, (_, read_at)| read_at.elapsed() < KEEP_FOR);
        keys.insert(company_id.to_owned(), (key.clone(), Instant::now()));
    }

    /// Forgets `company_id`'s key (its callback is no longer in our table).
    pub fn forget(&self, company_id: &str) {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.remove(company_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn a_kept_key_is_given_back_until_forgotten() {
        let keys = SigningKeys::default();
        assert!(keys.get("c1").is_none());
        keys.keep("c1", &SecretString::from("whsec-one"));
        assert_eq!(
            keys.get("c1")
                .map(|k| k.expose_secret().to_owned())
                .as_deref(),
            Some("whsec-one")
        );
        assert!(keys.get("c2").is_none(), "keys are per company");
        keys.forget("c1");
        assert!(keys.get("c1").is_none());
    }
}

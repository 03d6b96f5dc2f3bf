//! Encryption at rest for Remote tokens: AES-256-GCM under a key ring (`kid:base64-32-bytes`,
//! the first key encrypts, every key decrypts), with the row and column bound in the associated
//! data so a ciphertext copied into another row or column fails to decrypt.

use std::fmt;

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Nonce,
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use rand::RngCore;

/// One AES-256 key and its id.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

/// The configured keys. `Debug` never prints key material.
#[derive(Clone)]
pub struct KeyRing {
    keys: Vec<Key>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("KeyRing").field("key_ids", &ids).finish()
    }
}

/// A ciphertext and the id of the key that made it, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The key id.
    pub key_id: String,
    /// base64(nonce ‖ ciphertext ‖ tag).
    pub data: String,
}

/// Why a ciphertext could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    /// The stored key id is not in the ring (removed too early, or tampered).
    #[error("no key with id {0:?} is configured")]
    UnknownKey(String),
    /// Tampered, swapped between rows, or under a different key.
    #[error("the ciphertext does not authenticate")]
    Corrupt,
}

const NONCE_LEN: usize = 12;

impl KeyRing {
    /// Parses `kid:base64,kid:base64`.
    pub fn parse(text: &str) -> Result<KeyRing, String> {
        let mut keys = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, material) = entry
                .split_once(':')
                .ok_or_else(|| format!("{:?} is not kid:base64", redact(entry)))?;
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(format!("key id {id:?} must be letters, digits, '-' or '_'"));
            }
            let bytes = STANDARD
                .decode(material.trim())
                .map_err(|_| format!("key {id:?} is not valid base64"))?;
            if bytes.len() != 32 {
                return Err(format!(
                    "key {id:?} is {} bytes; AES-256 needs exactly 32",
                    bytes.len()
                ));
            }
            if keys.iter().any(|k: &Key| k.id == id) {
                return Err(format!("key id {id:?} appears twice"));
            }
            let cipher =
                Aes256Gcm::new_from_slice(&bytes).map_err(|_| format!("key {id:?} is unusable"))?;
            keys.push(Key {
                id: id.to_owned(),
                cipher,
            });
        }
        if keys.is_empty() {
            return Err("no key given".into());
        }
        Ok(KeyRing { keys })
    }

    /// A fresh random key in the `kid:base64` form (for `keygen` and the demo).
    pub fn generate_entry(id: &str) -> String {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        format!("{id}:{}", STANDARD.encode(bytes))
    }

    /// The id of the key new ciphertexts are made with.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Encrypts under the current key, binding `context` (row and column) into the tag.
    pub fn seal(&self, plaintext: &str, context: &str) -> Sealed {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption with a valid key and a 12-byte nonce cannot fail for inputs this small.
        let ciphertext = key
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Sealed {
            key_id: key.id.clone(),
            data: STANDARD.encode(out),
        }
    }

    /// Decrypts; fails unless the key id is known and `context` matches the one sealed with.
    pub fn open(&self, sealed: &Sealed, context: &str) -> Result<String, OpenError> {
        let key = self
            .keys
            .iter()
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| OpenError::UnknownKey(sealed.key_id.clone()))?;
        let bytes = STANDARD
            .decode(&sealed.data)
            .map_err(|_| OpenError::Corrupt)?;
        if bytes.len() <= NONCE_LEN {
            return Err(OpenError::Corrupt);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plaintext = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Corrupt)?;
        String::from_utf8(plaintext).map_err(|_| OpenError::Corrupt)
    }
}

fn redact(entry: &str) -> String {
    match entry.char_indices().nth(4) {
        Some((i, _)) => format!("{}…", &entry[..i]),
        None => "…".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(entries: &[&str]) -> KeyRing {
        KeyRing::parse(&entries.join(",")).expect("valid ring")
    }

    #[test]
    fn a_sealed_value_opens_with_the_same_context() {
        let keys = ring(&[&KeyRing::generate_entry("k1")]);
        let sealed = keys.seal("refresh-token", "connections:alice:refresh");
        assert_eq!(
            keys.open(&sealed, "connections:alice:refresh"),
            Ok("refresh-token".into())
        );
        assert!(!sealed.data.contains("refresh-token"));
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_does_not_open() {
        let keys = ring(&[&KeyRing::generate_entry("k1")]);
        let sealed = keys.seal("refresh-token", "connections:alice:refresh");
        assert_eq!(
            keys.open(&sealed, "connections:bob:refresh"),
            Err(OpenError::Corrupt)
        );
    }

    #[test]
    fn an_old_key_still_decrypts_and_the_first_key_seals() {
        let old = KeyRing::generate_entry("old");
        let sealed = ring(&[&old]).seal("t", "ctx");
        let rotated = ring(&[&KeyRing::generate_entry("new"), &old]);
        assert_eq!(rotated.open(&sealed, "ctx"), Ok("t".into()));
        assert_eq!(rotated.seal("t", "ctx").key_id, "new");
    }

    #[test]
    fn an_unknown_key_id_is_refused() {
        let sealed = ring(&[&KeyRing::generate_entry("gone")]).seal("t", "ctx");
        let other = ring(&[&KeyRing::generate_entry("k2")]);
        assert_eq!(
            other.open(&sealed, "ctx"),
            Err(OpenError::UnknownKey("gone".into()))
        );
    }

    #[test]
    fn malformed_key_lists_are_explained() {
        assert!(KeyRing::parse("").is_err());
        assert!(KeyRing::parse("k1:not-base64!")
            .expect_err("bad")
            .contains("base64"));
        assert!(KeyRing::parse("k1:AAAA").expect_err("short").contains("32"));
    }
}

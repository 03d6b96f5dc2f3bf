//! HMAC-SHA256 (RFC 2104) written separately from the sandbox's, so a test that checks a
//! delivery's signature does not trust the code that made it.

use sha2::{Digest as _, Sha256};

/// Lowercase hex HMAC-SHA256 of `message` under `key`.
pub(crate) fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let key: Vec<u8> = if key.len() > 64 {
        Sha256::digest(key).to_vec()
    } else {
        key.to_vec()
    };
    let block: Vec<u8> = key
        .into_iter()
        .chain(std::iter::repeat(0))
        .take(64)
        .collect();
    let mut inner = Sha256::new();
    inner.update(block.iter().map(|b| b ^ 0x36).collect::<Vec<u8>>());
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.iter().map(|b| b ^ 0x5c).collect::<Vec<u8>>());
    outer.update(inner.finalize());
    outer
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

//! Remote's webhook signature: `X-Remote-Signature` is the lowercase hex HMAC-SHA256, keyed with
//! the callback's `signing_key` (its UTF-8 bytes), of `raw_body + ":" + X-Remote-Timestamp`.
//! HMAC (RFC 2104) is written out over `sha2` so the sandbox needs no other crypto crate.

use sha2::{Digest as _, Sha256};

/// SHA-256's block size in bytes, the width of HMAC's padded key.
const BLOCK: usize = 64;

/// The `X-Remote-Signature` value for a delivery.
pub(crate) fn sign(signing_key: &str, raw_body: &[u8], timestamp_ms: u64) -> String {
    let mut message = raw_body.to_vec();
    message.push(b':');
    message.extend_from_slice(timestamp_ms.to_string().as_bytes());
    to_hex(&hmac_sha256(signing_key.as_bytes(), &message))
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut padded = [0_u8; BLOCK];
    if key.len() > BLOCK {
        padded[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        padded[..key.len()].copy_from_slice(key);
    }
    let inner_key: Vec<u8> = padded.iter().map(|byte| byte ^ 0x36).collect();
    let outer_key: Vec<u8> = padded.iter().map(|byte| byte ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_key)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_key)
        .chain_update(inner)
        .finalize()
        .into()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{hmac_sha256, sign, to_hex};

    #[test]
    fn hmac_matches_rfc_4231_test_cases_2_and_6() {
        assert_eq!(
            to_hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than the block is hashed first.
        assert_eq!(
            to_hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_signature_covers_body_colon_timestamp() {
        let expected = to_hex(&hmac_sha256(b"key", b"{\"a\":1}:1700000000000"));
        assert_eq!(sign("key", b"{\"a\":1}", 1_700_000_000_000), expected);
        assert_ne!(sign("key", b"{\"a\":1}", 1_700_000_000_001), expected);
    }
}

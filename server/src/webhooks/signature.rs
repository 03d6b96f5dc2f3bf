//! The two webhook signatures: Remote's (`X-Remote-Signature`, lowercase hex HMAC-SHA256 of
//! `raw_body + ":" + X-Remote-Timestamp` under the company's signing key, checked in constant
//! time) and ours to the job site (Standard Webhooks: `v1,` + base64 HMAC-SHA256 of
//! `id.timestamp.body` under the decoded `whsec_` secret).

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Whether `signature` (hex, any case) is Remote's signature of `body` at `timestamp`.
pub fn remote_signature_is_valid(
    signing_key: &str,
    body: &[u8],
    timestamp: &str,
    signature: &str,
) -> bool {
    let Some(given) = decode_hex(signature.trim()) else {
        return false;
    };
    let expected = hmac(signing_key.as_bytes(), &[body, b":", timestamp.as_bytes()]);
    given.len() == expected.len() && bool::from(given.as_slice().ct_eq(&expected))
}

/// Remote's signature, as the sandbox and Remote compute it (for tests and the bench).
pub fn remote_signature(signing_key: &str, body: &[u8], timestamp: &str) -> String {
    hmac(signing_key.as_bytes(), &[body, b":", timestamp.as_bytes()])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `webhook-signature` header value for one attempt.
pub fn standard_signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let timestamp = timestamp.to_string();
    let mac = hmac(
        key,
        &[
            id.as_bytes(),
            b".",
            timestamp.as_bytes(),
            b".",
            body.as_bytes(),
        ],
    );
    format!("v1,{}", STANDARD.encode(mac))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 128 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_signatures_verify_and_any_change_breaks_them() {
        let body =
            br#"{"event_type":"employment.status.updated","company_id":"c","employment_id":"e"}"#;
        let signature = remote_signature("key", body, "1700000000000");
        assert!(remote_signature_is_valid(
            "key",
            body,
            "1700000000000",
            &signature
        ));
        assert!(remote_signature_is_valid(
            "key",
            body,
            "1700000000000",
            &signature.to_uppercase()
        ));
        assert!(!remote_signature_is_valid(
            "key",
            body,
            "1700000000001",
            &signature
        ));
        assert!(!remote_signature_is_valid(
            "other",
            body,
            "1700000000000",
            &signature
        ));
        assert!(!remote_signature_is_valid(
            "key",
            b"{}",
            "1700000000000",
            &signature
        ));
        assert!(!remote_signature_is_valid(
            "key",
            body,
            "1700000000000",
            "zz"
        ));
        assert!(!remote_signature_is_valid("key", body, "1700000000000", ""));
    }

    #[test]
    fn the_standard_signature_matches_the_specifications_example() {
        // The example in the Standard Webhooks specification.
        let key = STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .expect("base64");
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            standard_signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}

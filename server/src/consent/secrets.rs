//! A flow's one-time secrets (`state`, the start ticket, the browser binding) and the contexts its
//! sealed values are bound to: only hashes of the secrets are stored, so a database dump
//! completes no flow, and a sealed value opens only as the flow's own.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Hex SHA-256 of a one-time secret, as the flow row keeps it.
pub(super) fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 32 random bytes, URL-safe base64.
pub(super) fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The sealing context of the flow's PKCE verifier.
pub(super) fn verifier_context(flow_id: &str) -> String {
    format!("flows|{flow_id}|pkce_verifier")
}

/// The sealing context of the flow's consent URL.
pub(super) fn authorize_context(flow_id: &str) -> String {
    format!("flows|{flow_id}|authorize_url")
}

/// The sealing context of the hire the callback made for the flow.
pub(super) fn hire_context(flow_id: &str) -> String {
    format!("flows|{flow_id}|hire")
}

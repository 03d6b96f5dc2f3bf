//! Fresh identifiers: a site user no other test uses, an idempotency key.

/// A site user id no other test uses.
pub fn unique_user() -> String {
    format!("user-{}", uuid::Uuid::new_v4().simple())
}

/// A fresh idempotency key.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

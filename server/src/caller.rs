//! Who is calling, for the audit trail: the site user (the site token's `sub`), the request's
//! `Origin` (already checked against the allow-list) and its request id. Routes with a site
//! token extract it (see `routes::api`); the consent callback builds it from the flow.

use crate::store::AuditEvent;

/// The request's identity.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// Site user.
    pub site_user: String,
    /// `Origin` header, already checked against the allow-list.
    pub origin: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
}

impl Caller {
    /// The audit row of something this caller did (under `idempotency_key`, for a hire).
    pub fn audit(&self, idempotency_key: Option<&str>, detail: Option<String>) -> AuditEvent {
        AuditEvent {
            site_user: Some(self.site_user.clone()).filter(|s| !s.is_empty()),
            origin: self.origin.clone(),
            request_id: self.request_id.clone(),
            idempotency_key: idempotency_key.map(str::to_owned),
            detail,
        }
    }
}

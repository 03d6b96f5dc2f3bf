//! The job site's events: `hire.created` and `hire.status_changed`, as Standard Webhooks bodies
//! (`{"type","timestamp","data"}`) queued in the outbox, sealed (they name the candidate).

use hwr_protocol::HireCandidate;
use serde_json::json;

use crate::{
    crypto::{KeyRing, Sealed},
    hires::view::rfc3339,
    store::OutboxRow,
};

/// An employment was created.
pub const HIRE_CREATED: &str = "hire.created";
/// Remote's status of the employment changed.
pub const HIRE_STATUS_CHANGED: &str = "hire.status_changed";

/// What an event says about its hire.
pub struct HireFacts<'a> {
    /// Our hire id.
    pub hire_id: &'a str,
    /// Remote's employment id.
    pub employment_id: &'a str,
    /// The site-token `sub`.
    pub user: &'a str,
    /// Remote's company id.
    pub company_id: &'a str,
    /// Remote's status now.
    pub status: &'a str,
    /// The status before, for `hire.status_changed`.
    pub previous_status: Option<&'a str>,
    /// Who was hired.
    pub candidate: &'a HireCandidate,
}

fn payload_context(id: &str) -> String {
    format!("webhook_outbox|{id}|payload")
}

/// The outbox row of one event, due at once.
pub fn queued(keys: &KeyRing, event_type: &str, facts: &HireFacts<'_>, now: i64) -> OutboxRow {
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let mut data = json!({
        "hire_id": facts.hire_id,
        "employment_id": facts.employment_id,
        "user": facts.user,
        "company_id": facts.company_id,
        "status": facts.status,
        "candidate": facts.candidate,
    });
    if let Some(previous) = facts.previous_status {
        data["previous_status"] = json!(previous);
    }
    let body = json!({"type": event_type, "timestamp": rfc3339(now), "data": data}).to_string();
    let sealed = keys.seal(&body, &payload_context(&id));
    OutboxRow {
        id,
        event_type: event_type.to_owned(),
        hire_id: facts.hire_id.to_owned(),
        key_id: sealed.key_id,
        payload: sealed.data,
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        delivered_at: None,
        failed_at: None,
        last_status: None,
        last_error: None,
    }
}

/// The exact body to send, or `None` when the row cannot be opened (its key left the ring).
pub fn body(keys: &KeyRing, row: &OutboxRow) -> Option<String> {
    keys.open(
        &Sealed {
            key_id: row.key_id.clone(),
            data: row.payload.clone(),
        },
        &payload_context(&row.id),
    )
    .ok()
}

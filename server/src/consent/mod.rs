//! The consent flow, in three steps: the widget starts it (`POST /api/v1/connect`: a flow row, a
//! one-time start ticket, Remote's consent URL sealed; [`start`], which also answers
//! `GET /api/v1/flows/{id}`), the job-site page binds it to its browser (`POST /oauth/start`,
//! [`browser`]), and Remote's redirect completes it ([`callback`]), which ends in an
//! [`outcome`]: a page for the popup, or a redirect. What people read is in [`messages`].

pub mod browser;
pub mod callback;
pub mod messages;
pub mod outcome;
mod secrets;
pub mod start;

use crate::store::AuditEvent;

pub use callback::CallbackQuery;
pub use outcome::CallbackOutcome;
pub use start::{start, status};

/// How long a consent flow may take.
pub const FLOW_TTL_SECS: i64 = 600;

pub use crate::caller::Caller;

/// The audit event of a consent step, for `caller`.
fn audit(caller: &Caller, detail: Option<String>) -> AuditEvent {
    caller.audit(None, detail)
}

//! What the button is doing right now, and what a failure tells the host. The view renders a
//! `Phase`; the flow moves between them. Kept as plain data so a storybook or a test can set
//! any phase without a backend.

use crate::backend::wire::HireStatus;
use crate::i18n::{fill, Strings};

/// The button's state, announced through the widget's `aria-live` region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Phase {
    /// Ready to be pressed.
    #[default]
    Idle,
    /// Ready again, with a short explanation of what just happened.
    Notice(Notice),
    /// Waiting for the employer to answer Remote's consent page (in the popup).
    Connecting,
    /// Sending the candidate to the backend.
    Submitting,
    /// Navigating to Remote's onboarding page.
    Redirecting,
    /// The popup was blocked: navigating this window to Remote's consent page.
    ConsentInThisWindow,
    /// Something failed; pressing the button (or "Try again") retries the same attempt.
    Failed {
        /// A stable code (`upstream_unavailable`, `network_error`, …), as sent in `hwr:error`.
        code: String,
        /// A sentence for people.
        message: String,
    },
}

/// What `on_error` receives: the same `{code, message}` as the `hwr:error` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HireError {
    /// Stable code: one of the backend's error codes, or `backend_unreachable`, `network_error`,
    /// `unexpected_response`, `consent_expired`, `consent_failed`, `misconfigured`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// Why the button is idle again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notice {
    /// The employer clicked Deny on the consent page.
    ConsentDenied,
    /// The employer closed the consent popup.
    PopupClosed,
    /// The connection was revoked and the browser refused a popup outside a click: one more
    /// click opens it.
    ReconsentNeeded,
    /// The hire succeeded and `redirect="none"` left navigation to the host.
    Hired,
    /// The candidate was hired already (nothing new was made) and `redirect="none"` left
    /// navigation to the host.
    AlreadyHired,
}

impl Phase {
    /// True while a request or the consent page is in flight; the button cannot be pressed.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            Phase::Connecting | Phase::Submitting | Phase::Redirecting | Phase::ConsentInThisWindow
        )
    }

    /// The BEM modifier for the phase, e.g. `hwr--submitting`.
    pub(crate) fn modifier(&self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Notice(_) => "notice",
            Phase::Connecting => "connecting",
            Phase::Submitting => "submitting",
            Phase::Redirecting | Phase::ConsentInThisWindow => "redirecting",
            Phase::Failed { .. } => "error",
        }
    }

    /// The sentence the live region announces: empty when idle, unless the candidate is hired
    /// already (`hired`), whose status is shown next to the button then.
    pub(crate) fn announcement(
        &self,
        strings: &'static Strings,
        hired: Option<&HireStatus>,
    ) -> String {
        let text = match (self, hired) {
            (Phase::Idle, Some(hire)) => {
                return fill(strings.hire_status, &strings.status_label(&hire.status));
            }
            (Phase::Submitting, Some(_)) => strings.opening,
            (phase, _) => phase.own_announcement(strings),
        };
        text.to_owned()
    }

    fn own_announcement<'a>(&'a self, strings: &'static Strings) -> &'a str {
        match self {
            Phase::Idle => "",
            Phase::Notice(Notice::ConsentDenied) => strings.denied,
            Phase::Notice(Notice::PopupClosed) => strings.popup_closed,
            Phase::Notice(Notice::ReconsentNeeded) => strings.reconsent,
            Phase::Notice(Notice::Hired) => strings.hired,
            Phase::Notice(Notice::AlreadyHired) => strings.already_hired,
            Phase::Connecting => strings.connecting,
            Phase::Submitting => strings.submitting,
            Phase::Redirecting => strings.redirecting,
            Phase::ConsentInThisWindow => strings.consent_in_this_window,
            Phase::Failed { message, .. } => message,
        }
    }
}

//! Every sentence the consent pages and the flow status show to people, in one place: the
//! employer reads them in the consent window, the widget shows a failed flow's `message`.

use hwr_protocol::FlowError;

/// The callback page after Allow.
pub const CONNECTED: &str = "Connected to Remote. You can close this window.";
/// The callback page after Deny.
pub const DENIED: &str = "You chose not to connect Remote. You can close this window.";
/// The callback page of a flow that outlived its ten minutes.
pub const EXPIRED: &str =
    "This sign-in took too long and expired. Close this window and try again.";
/// A callback without `state`.
pub const LINK_INCOMPLETE: &str =
    "This sign-in link is incomplete. Close this window and click “Hire with Remote” again.";
/// A callback whose `state` is unknown or was used.
pub const LINK_USED: &str = "This sign-in link was already used or is not ours. Close this window and click “Hire with Remote” again.";
/// A callback whose query cannot be read (a repeated parameter).
pub const LINK_MALFORMED: &str = "This sign-in link is malformed. Close this window and try again.";
/// Our own failure at the callback.
pub const CALLBACK_INTERNAL: &str =
    "We could not finish connecting to Remote. Close this window and try again.";

/// The sentence for a failed flow.
pub fn flow_error(code: FlowError) -> &'static str {
    match code {
        FlowError::ConsentElsewhere => "This request to connect Remote was started in another browser, so nothing was connected. Go back to the job site, in the browser you use there, and click “Hire with Remote” again.",
        FlowError::CodeRejected => "Remote refused the sign-in code (used or expired). Close this window and try again.",
        FlowError::UpstreamUnavailable => "Remote is not answering right now. Close this window and try again in a moment.",
        FlowError::RemoteError => "Remote could not complete the sign-in. Close this window and try again.",
        FlowError::EnvironmentMismatch => "This sign-in was started against another Remote environment and was refused. Close this window and try again.",
        FlowError::Unverifiable => "This sign-in could not be verified. Close this window and try again.",
    }
}

/// Why `POST /oauth/start` refused to start a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefusal {
    /// The ticket is not this flow's, or the flow does not exist.
    WrongTicket,
    /// The ticket was already used (a second submit, a replay).
    TicketUsed,
    /// The flow expired or already ended.
    FlowOver,
    /// The request carried no `Origin`.
    NoOrigin,
    /// `Origin: null`: the job-site page's `Referrer-Policy` hides its origin.
    NullOrigin,
    /// Another page's `Origin` than the one that asked for the flow.
    OtherOrigin,
}

impl StartRefusal {
    /// What the 403 page says.
    pub fn sentence(self) -> &'static str {
        match self {
            StartRefusal::WrongTicket => "This link to connect Remote is not valid. Go back to the job site and click “Hire with Remote” again.",
            StartRefusal::TicketUsed => "This link to connect Remote was already used. Go back to the job site and click “Hire with Remote” again.",
            StartRefusal::FlowOver => "This request to connect Remote has expired or already ended. Go back to the job site and click “Hire with Remote” again.",
            StartRefusal::NoOrigin | StartRefusal::OtherOrigin => "Connecting Remote can only be started from the job-site page that asked for it. Go back to the job site and click “Hire with Remote” there.",
            StartRefusal::NullOrigin => "The job-site page hid its address from this request (its Referrer-Policy is “no-referrer” or “same-origin”), so we cannot tell that it asked for it. The job site must use the default policy, “strict-origin-when-cross-origin”, or another that sends the origin on cross-site requests.",
        }
    }
}

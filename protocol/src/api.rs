//! Request and response bodies of the backend's HTTP contract (v1), as DESIGN.md lists them.

use serde::{Deserialize, Serialize};

use crate::{wire_name::wire_names, Candidate, FLOW_MESSAGE_TYPE};

/// Whether the calling site user has a usable Remote connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Tokens are stored and were valid when last used.
    Connected,
    /// The user never consented (or disconnected).
    NotConnected,
    /// Remote refused the stored grant (revoked or expired): consent must be given again.
    ReconsentRequired,
}

wire_names!(ConnectionStatus, 3, {
    Connected => "connected",
    NotConnected => "not_connected",
    ReconsentRequired => "reconsent_required",
});

/// `GET /api/v1/connection`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionResponse {
    /// The connection's state.
    pub status: ConnectionStatus,
    /// The Remote company the connection acts for, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
}

/// How the consent screen is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectMode {
    /// In a popup; the callback page reports back with `postMessage`.
    #[default]
    Popup,
    /// In the top window (popups blocked); the callback performs the hire and redirects.
    Redirect,
}

wire_names!(ConnectMode, 2, {
    Popup => "popup",
    Redirect => "redirect",
});

/// `POST /api/v1/connect`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    /// Popup (default) or redirect.
    #[serde(default)]
    pub mode: ConnectMode,
    /// Redirect mode: where to send the person when onboarding cannot be reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    /// The candidate to hire once consent is given: required in redirect mode; in popup mode
    /// used only together with `idempotency_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate: Option<Candidate>,
    /// The hire attempt's idempotency key. Redirect mode keeps it across the round trip (a new
    /// one is made when absent); in popup mode, with `candidate`, the callback hires under it
    /// and the flow's status carries the hire, so the widget needs no `POST /api/v1/hires`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// `201` answer of `POST /api/v1/connect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectResponse {
    /// Identifies the consent flow; poll `GET /api/v1/flows/{flow_id}`.
    pub flow_id: String,
    /// `HWR_PUBLIC_URL/oauth/start`: submit a form there (fields [`START_FLOW_ID_FIELD`](crate::START_FLOW_ID_FIELD) and
    /// [`START_TICKET_FIELD`](crate::START_TICKET_FIELD)) as a top-level navigation from the job-site page, into the consent
    /// window (or the top window); it binds the flow to that browser and redirects to Remote.
    pub start_url: String,
    /// One-time ticket for `POST /oauth/start`, bound to this flow.
    pub start_ticket: String,
}

/// Why a flow is `failed`: a stable code (the sentence for people is the flow's `message`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlowError {
    /// The consent was completed in a browser other than the one the widget started it in:
    /// nothing was connected. Go back to the job site and click the button there.
    ConsentElsewhere,
    /// Remote refused the authorization code (used or expired).
    CodeRejected,
    /// Remote did not answer the code exchange.
    UpstreamUnavailable,
    /// Remote redirected back with an error other than a refusal, or without a code.
    RemoteError,
    /// The flow was started against another Remote environment than the backend uses now.
    EnvironmentMismatch,
    /// The flow's secrets could not be opened (a retired key).
    Unverifiable,
}

wire_names!(FlowError, 6, {
    ConsentElsewhere => "consent_elsewhere",
    CodeRejected => "code_rejected",
    UpstreamUnavailable => "upstream_unavailable",
    RemoteError => "remote_error",
    EnvironmentMismatch => "environment_mismatch",
    Unverifiable => "unverifiable",
});

/// Where a consent flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlowStatus {
    /// Waiting for the person to answer the consent page.
    Pending,
    /// Consent given and tokens stored.
    Connected,
    /// The person clicked Deny.
    Denied,
    /// Nobody answered within the flow's lifetime.
    Expired,
    /// Remote answered, but the exchange failed.
    Failed,
}

wire_names!(FlowStatus, 5, {
    Pending => "pending",
    Connected => "connected",
    Denied => "denied",
    Expired => "expired",
    Failed => "failed",
});

impl FlowStatus {
    /// True once the flow can no longer change.
    pub fn is_final(self) -> bool {
        !matches!(self, FlowStatus::Pending)
    }
}

/// `GET /api/v1/flows/{flow_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowResponse {
    /// The flow's state.
    pub status: FlowStatus,
    /// Why a `failed` flow failed: a stable code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<FlowError>,
    /// A sentence for people saying what went wrong, for `failed` flows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For a `connected` popup flow started with a candidate and an idempotency key: the hire
    /// the callback made, as `POST /api/v1/hires` would answer it. Absent when that hire failed
    /// (`POST /api/v1/hires` with the same key answers why, or tries again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hire: Option<HireResponse>,
}

/// What the callback page posts to `window.opener`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowMessage {
    /// Always [`FLOW_MESSAGE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The flow this message is about.
    pub flow_id: String,
    /// The flow's final state.
    pub status: FlowStatus,
}

impl FlowMessage {
    /// The message about `flow_id`'s final `status`.
    pub fn new(flow_id: impl Into<String>, status: FlowStatus) -> FlowMessage {
        FlowMessage {
            kind: FLOW_MESSAGE_TYPE.to_owned(),
            flow_id: flow_id.into(),
            status,
        }
    }
}

/// `201` (or `200`, already hired) answer of `POST /api/v1/hires`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HireResponse {
    /// Our id for the hire (also Remote's `external_id`).
    pub hire_id: String,
    /// Remote's employment id.
    pub employment_id: String,
    /// Where to send the employer: Remote's onboarding page, already logged in.
    pub redirect_url: String,
    /// Remote's employment status, as Remote last reported it (`created` for a new hire).
    pub status: String,
    /// True (answered `200`) when the company already employed this candidate: nothing was
    /// created, `hire_id` is the earlier hire's.
    #[serde(default)]
    pub already_hired: bool,
}

/// The candidate as a hire record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HireCandidate {
    /// The candidate's full name.
    pub full_name: String,
    /// The candidate's personal email.
    pub personal_email: String,
    /// ISO 3166-1 alpha-3.
    pub country_code: String,
}

/// A hire: `GET /api/v1/hires/{hire_id}` and each item of `GET /api/v1/hires`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hire {
    /// Our id for the hire.
    pub hire_id: String,
    /// Remote's employment id.
    pub employment_id: String,
    /// The site-token `sub` the hire was made for.
    pub user: String,
    /// Remote's company id.
    pub company_id: String,
    /// Remote's employment status, as Remote last reported it.
    pub status: String,
    /// Who was hired.
    pub candidate: HireCandidate,
    /// When the hire was recorded (RFC 3339, UTC).
    pub created_at: String,
    /// When its status last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// `GET /api/v1/hires?email=…` and `?user=…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hires {
    /// Newest first.
    pub hires: Vec<Hire>,
}

/// One hireable country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Country {
    /// ISO 3166-1 alpha-3, as Remote wants it.
    pub code: String,
    /// ISO 3166-1 alpha-2.
    pub alpha_2_code: String,
    /// English name.
    pub name: String,
}

/// `GET /api/v1/countries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Countries {
    /// Hireable countries, sorted by name.
    pub countries: Vec<Country>,
}

/// How the widget asks for an extra field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// One of `options`, from a list.
    Select,
    /// Any of `options`.
    Multiselect,
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number.
    Number,
    /// One of `options`, as radio buttons.
    Radio,
    /// One or more countries (alpha-3 values in `options` when the schema lists them).
    Countries,
}

wire_names!(FieldType, 7, {
    Text => "text",
    Select => "select",
    Multiselect => "multiselect",
    Date => "date",
    Number => "number",
    Radio => "radio",
    Countries => "countries",
});

/// One choice of a select, multi-select, radio or countries field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldOption {
    /// What is sent.
    pub value: String,
    /// What a person reads.
    pub label: String,
}

/// One field Remote needs beyond the five candidate fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormField {
    /// Remote's field name (the key in the candidate's `extra`).
    pub name: String,
    /// The schema's title.
    pub label: String,
    /// How to ask.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Whether Remote refuses the hire without it.
    pub required: bool,
    /// The choices, for choice fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<FieldOption>,
    /// The schema's help text, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `GET /api/v1/countries/{code}/form`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountryForm {
    /// Alpha-3.
    pub country_code: String,
    /// Remote's schema version the form is from (`HWR_REMOTE_JSON_SCHEMA_VERSION`).
    pub json_schema_version: u32,
    /// The extra fields, in Remote's order.
    pub fields: Vec<FormField>,
    /// The earliest start date the schema allows (`YYYY-MM-DD`), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_start_date: Option<String>,
}

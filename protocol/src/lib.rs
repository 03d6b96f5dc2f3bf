//! Wire types shared by the hire-with-remote widget and backend.
//!
//! Everything here is plain serde data with no I/O. The server speaks these types through serde;
//! the widget (wasm) shares the types and the candidate validation but reads and writes the JSON
//! by hand (`widget/src/backend/wire.rs`, for a smaller bundle). The golden fixtures in `fixtures/` bind
//! the two: `tests/golden.rs` round-trips each through these types, and the widget's browser tests
//! (`widget/tests/browser/golden.rs`) read and write the same files, so a field changed on one side
//! only fails CI.

mod api;
mod candidate;
mod date;
mod error;
mod routes;
mod wire_name;

pub use api::{
    ConnectMode, ConnectRequest, ConnectResponse, ConnectionResponse, ConnectionStatus, Countries,
    Country, CountryForm, FieldOption, FieldType, FlowError, FlowMessage, FlowResponse, FlowStatus,
    FormField, Hire, HireCandidate, HireResponse, Hires,
};
pub use candidate::{
    country_code_shape_is_valid, Candidate, CandidateField, ExtraValue, FieldErrors,
};
pub use date::CalendarDate;
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use routes::{
    API_PREFIX, CALLBACK_PATH, CONNECTION_PATH, CONNECT_PATH, COUNTRIES_PATH, COUNTRY_FORM_PATH,
    FLOW_MESSAGE_TYPE, FLOW_PATH, HIRES_PATH, HIRE_PATH, OPENAPI_PATH, RETURN_ERROR_PARAM,
    RETURN_HIRE_FAILED, RETURN_STATUS_PARAM, START_FLOW_ID_FIELD, START_PATH, START_TICKET_FIELD,
};

/// The `aud` claim every site token must carry.
pub const SITE_TOKEN_AUDIENCE: &str = "hire-with-remote";

/// The header carrying the per-attempt idempotency key on `POST /api/v1/hires`.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

//! The backend's paths, form fields and query parameters, as DESIGN.md lists them: the router,
//! the widget and the tests name them through these constants, never through a second literal.
//! Paths with a parameter are written as the router and the OpenAPI document write them.

/// Every v1 API route lives under this prefix.
pub const API_PREFIX: &str = "/api/v1";
/// `GET` (status) and `DELETE` (disconnect) of the caller's Remote connection.
pub const CONNECTION_PATH: &str = "/api/v1/connection";
/// `POST`: starts a consent flow.
pub const CONNECT_PATH: &str = "/api/v1/connect";
/// `GET`: one consent flow's status.
pub const FLOW_PATH: &str = "/api/v1/flows/{flow_id}";
/// `POST` (hire) and `GET` (hires by `email` or `user`).
pub const HIRES_PATH: &str = "/api/v1/hires";
/// `GET`: one hire.
pub const HIRE_PATH: &str = "/api/v1/hires/{hire_id}";
/// `GET`: the hireable countries.
pub const COUNTRIES_PATH: &str = "/api/v1/countries";
/// `GET`: the extra fields Remote needs for one country.
pub const COUNTRY_FORM_PATH: &str = "/api/v1/countries/{code}/form";
/// `GET`: the OpenAPI document of every route.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// Path of the consent start (a form post from the job-site page).
pub const START_PATH: &str = "/oauth/start";
/// Path of the OAuth callback Remote redirects to.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// The start form's flow id field.
pub const START_FLOW_ID_FIELD: &str = "flow_id";
/// The start form's ticket field.
pub const START_TICKET_FIELD: &str = "ticket";

/// The `type` of the callback page's `postMessage`.
pub const FLOW_MESSAGE_TYPE: &str = "hwr:flow";

/// Redirect mode's way back: the query parameter appended to `return_to` with the outcome, a
/// flow status (`connected`, `denied`, `expired`, `failed`) or [`RETURN_HIRE_FAILED`].
pub const RETURN_STATUS_PARAM: &str = "hwr_status";
/// Redirect mode's way back: the query parameter with the failed flow's code (a `FlowError`), or,
/// after [`RETURN_HIRE_FAILED`], the hire's error code (an `ErrorCode`).
pub const RETURN_ERROR_PARAM: &str = "hwr_error";
/// The [`RETURN_STATUS_PARAM`] of a consent given whose hire failed.
pub const RETURN_HIRE_FAILED: &str = "error";

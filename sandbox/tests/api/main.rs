//! Black-box tests of the sandbox over real sockets: each test starts its own sandbox on a
//! random port and talks to it with reqwest, as the backend and integrators do.

mod consent;
mod control;
mod country_refusal;
mod directory;
mod employment_status;
mod employments;
mod employments_by_schema_version;
mod forms;
mod onboarding;
mod request_counts;
mod support;
mod token;
mod webhook_callbacks;
mod webhook_deliveries;

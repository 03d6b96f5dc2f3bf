//! Black-box tests of the backend over real sockets: each test starts the sandbox (fake Remote)
//! and the backend on free ports with a database of its own, and talks to them as the widget and
//! a browser would. Store-related tests run on SQLite and on Postgres.

mod already_hired;
mod browser_binding;
mod callback;
mod cancellation;
mod circuit_breaker;
mod connect;
mod connection;
mod connections;
mod cors_and_origin;
mod country_cache;
mod country_forms;
mod dropped_refresh;
mod environments;
mod hire_reads;
mod hire_start;
mod hires;
mod metrics;
mod outbound_webhooks;
mod rate_limits;
mod readiness;
mod remote_webhooks;
mod replicas;
mod request_heads;
mod request_ids;
mod retention;
mod sealed_tokens;
mod security_headers;
mod shutdown;
mod site_token;
mod storage;
mod token_refresh;
mod token_writes;
mod upstream_faults;
mod validation;
mod widget_assets;

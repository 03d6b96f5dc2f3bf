//! Talking to our server: [`api`] makes the calls of the backend's HTTP API with the site token,
//! [`wire`] reads and writes their JSON bodies by hand (the same shapes as `hwr_protocol`, for a
//! smaller bundle), and [`token_renewal`] asks the host page for a fresh token when the backend
//! refuses an expired one. Nothing here renders or decides; the flow does.

pub(crate) mod api;
pub(crate) mod token_renewal;
pub(crate) mod wire;

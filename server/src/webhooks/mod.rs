//! After the hire. Remote → us: one webhook callback registered per company, deliveries
//! verified before anything is read, then the employment re-read from Remote (the webhook is a
//! hint, Remote's answer is the truth). Us → the job site: `hire.created` and
//! `hire.status_changed` in the Standard Webhooks format, from a durable outbox. A background
//! worker on every replica does the re-reads, the deliveries and a periodic reconcile.

pub mod delivery;
pub mod events;
pub mod inbound;
pub mod registration;
pub mod settings;
pub mod signature;
pub mod signing_keys;
pub mod status_refresh;
pub mod worker;

pub use settings::OutboundWebhooks;

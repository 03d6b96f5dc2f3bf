//! The Hire with Remote button: the [`HireWithRemote`] Leptos component, and the
//! `<hire-with-remote>` custom element built from it (see `loader/hire-with-remote.js`, which
//! calls [`mount`]).
//!
//! The crate talks to the hire-with-remote backend only (DESIGN.md "Backend HTTP contract"):
//! it never sees OAuth secrets or Remote tokens, and it sends the site token in a header only.

mod api;
pub mod attributes;
mod browser;
pub mod component;
mod consent;
mod dom;
mod element;
pub mod events;
mod extra_fields;
mod flow;
mod form;
mod hire_lookup;
mod i18n;
mod page;
mod redirect_return;
mod state;
mod style;
mod token_renewal;
mod wire;

pub use attributes::{ElementConfig, Redirect};
pub use component::{HireError, HireWithRemote};
pub use element::{mount, observed_attributes, WidgetHandle};
pub use hire_lookup::HireStatus;
pub use hwr_protocol::{Candidate, HireResponse};
pub use i18n::Lang;
pub use state::{Notice, Phase};
pub use style::{adopt_document_styles, STYLESHEET};

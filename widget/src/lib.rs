//! The Hire with Remote button: the [`HireWithRemote`] Leptos component, and the
//! `<hire-with-remote>` custom element built from it (see `loader/hire-with-remote.js`, which
//! calls [`mount`]).
//!
//! The crate talks to the hire-with-remote backend only (DESIGN.md "Backend HTTP contract"):
//! it never sees OAuth secrets or Remote tokens, and it sends the site token in a header only.
//!
//! Four layers, each using only those below it: `host/` (the element, its attributes and
//! events), `view/` (the component and its form), `flow/` (the hire flow's state machine and
//! what the page's widgets share) and `backend/` (the HTTP API and its JSON); every string the
//! widget shows is in `i18n.rs`.

mod backend;
mod flow;
mod host;
mod i18n;
mod view;

pub use attributes::{ElementConfig, Redirect};
pub use backend::wire::HireStatus;
pub use component::{HireError, HireWithRemote};
pub use flow::state::{Notice, Phase};
pub use host::element::{mount, observed_attributes, WidgetHandle};
pub use host::{attributes, events};
pub use hwr_protocol::{Candidate, HireResponse};
pub use i18n::Lang;
pub use view::component;
pub use view::style::{adopt_document_styles, STYLESHEET};

/// `wire`'s readers and writers, for the browser tests that hold them to the protocol's golden
/// fixtures (`protocol/fixtures/`). Not an API.
#[doc(hidden)]
pub mod wire_check {
    use std::collections::BTreeMap;

    use hwr_protocol::{
        Candidate, ConnectResponse, ConnectionStatus, Country, CountryForm, FlowResponse,
        HireResponse,
    };

    use crate::backend::wire::{self, HireStatus};

    macro_rules! readers {
        ($($name:ident -> $answer:ty),* $(,)?) => {$(
            /// The reader of the same name, on response text.
            pub fn $name(text: &str) -> Option<$answer> {
                wire::Body::parse(text)?.$name()
            }
        )*};
    }

    readers! {
        connection_status -> ConnectionStatus,
        countries -> Vec<Country>,
        country_form -> CountryForm,
        connect_response -> ConnectResponse,
        flow -> FlowResponse,
        hire -> HireResponse,
        hires -> Vec<(String, HireStatus)>,
    }

    /// An error body as `(code, message, fields)`.
    pub fn error(text: &str) -> Option<(String, String, BTreeMap<String, Vec<String>>)> {
        let error = wire::Body::parse(text)?.error()?;
        Some((error.code, error.message, error.fields))
    }

    /// `POST /api/v1/connect`'s popup body.
    pub fn connect_popup_body(candidate: &Candidate, idempotency_key: &str) -> Option<String> {
        wire::connect_popup_body(candidate, idempotency_key)
    }

    /// `POST /api/v1/connect`'s redirect body.
    pub fn connect_redirect_body(
        return_to: &str,
        candidate: &Candidate,
        idempotency_key: &str,
    ) -> Option<String> {
        wire::connect_redirect_body(return_to, candidate, idempotency_key)
    }

    /// `POST /api/v1/hires`'s body.
    pub fn candidate_body(candidate: &Candidate) -> Option<String> {
        wire::candidate_body(candidate)
    }

    /// Whether the callback page's `postMessage` speaks for `flow_id`, from `backend_origin`.
    pub fn is_flow_message(
        event: &web_sys::MessageEvent,
        backend_origin: &str,
        flow_id: &str,
    ) -> bool {
        crate::flow::consent::is_flow_message(event, backend_origin, flow_id)
    }
}

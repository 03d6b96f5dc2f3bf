//! What the widget looks like: the [`component`] (button, status line), its inline [`form`]
//! with the country's [`extra_fields`], the small [`dom`] builder they are written with, and the
//! [`style`]sheet. The view renders the flow's state and hands clicks to the flow; it decides
//! nothing itself.

pub mod component;
pub(crate) mod dom;
mod extra_fields;
mod form;
pub(crate) mod style;

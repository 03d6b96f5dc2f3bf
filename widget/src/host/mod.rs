//! The page that embeds us: the `<hire-with-remote>` [`element`] the loader mounts, its
//! [`attributes`], and the DOM [`events`] it fires on the host. The top of the crate: it wires
//! the component to the element and turns callbacks into events.

pub mod attributes;
pub(crate) mod element;
pub mod events;

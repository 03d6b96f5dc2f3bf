//! Files embedded at build time (see `build.rs`): the widget bundle and the demo job site.

include!(concat!(env!("OUT_DIR"), "/embedded_assets.rs"));

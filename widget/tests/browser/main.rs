//! Browser tests for the widget, run in headless Chromium by `wasm-bindgen-test-runner`:
//!
//! ```sh
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test -p hwr-widget --target wasm32-unknown-unknown
//! ```
//!
//! One test binary (one browser session) with a module per subject. Nothing here talks to a
//! backend: the widgets get no backend, and states that need one are set directly.

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod attributes;
mod element;
mod events;
mod form;
mod page;
mod redirect;
mod states;
mod support;

//! Browser tests for the widget, run in headless Chromium by `wasm-bindgen-test-runner`:
//!
//! ```sh
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test -p hwr-widget --target wasm32-unknown-unknown
//! ```
//!
//! One test binary (one browser session) with a module per subject. Nothing here talks to a
//! real backend: the widgets get none, states are set directly, `support::NetworkWatch` sees
//! that nothing is sent, or `support::ScriptedBackend` gives one widget the answers it reacts to.
//! What a page of widgets sends to the real backend is counted in the end-to-end suite
//! (`tests/e2e/tests/14-one-page-many-buttons.test.mjs`).

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod attributes;
mod country_form;
mod element;
mod events;
mod form;
mod golden;
mod hired;
mod redirect;
mod states;
mod support;

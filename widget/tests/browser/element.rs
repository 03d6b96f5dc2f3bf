//! The custom element's rendering: the button, the live region, language and attribute changes.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::CustomEvent;

use crate::support::{accessible_name, document, MountedElement};

const ANA: [(&str, &str); 5] = [
    ("full-name", "Ana Silva"),
    ("job-title", "Backend Engineer"),
    ("personal-email", "ana@example.com"),
    ("provisional-start-date", "2099-03-01"),
    ("country-code", "PT"),
];

#[wasm_bindgen_test]
async fn an_idle_widget_shows_one_button_named_hire_with_remote_and_a_polite_live_region() {
    let widget = MountedElement::new(&ANA).await;

    assert_eq!(accessible_name(&widget.button()), "Hire with Remote");
    assert_eq!(widget.button().type_(), "submit");
    let live = widget.query("[aria-live]").expect("a live region");
    assert_eq!(live.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(live.get_attribute("role").as_deref(), Some("status"));
    assert_eq!(widget.status(), "");
    assert!(
        widget.query(".hwr-form").is_none(),
        "no form for a complete candidate"
    );
    assert!(widget.query(".hwr--idle").is_some());
}

#[wasm_bindgen_test]
async fn the_styles_are_adopted_by_the_shadow_root_not_inlined() {
    let widget = MountedElement::new(&ANA).await;

    assert_eq!(widget.shadow.adopted_style_sheets().length(), 1);
    assert!(widget.query("style").is_none());
    assert!(widget.query("[style]").is_none());
}

#[wasm_bindgen_test]
async fn the_lang_attribute_translates_the_button_and_changing_it_re_renders() {
    let mut widget = MountedElement::new(&[("lang", "pt-PT")]).await;
    assert_eq!(accessible_name(&widget.button()), "Contratar com a Remote");

    widget.set_attribute("lang", Some("de")).await;
    assert_eq!(accessible_name(&widget.button()), "Mit Remote einstellen");

    widget.set_attribute("lang", None).await;
    assert_eq!(accessible_name(&widget.button()), "Hire with Remote");
}

/// The loader draws the idle button itself before the wasm arrives; its labels must be the ones
/// the widget renders, or the button would change its name at the hand-over.
#[wasm_bindgen_test]
async fn the_loaders_early_button_has_the_label_the_widget_renders_in_every_language() {
    const LOADER: &str = include_str!("../../loader/hire-with-remote.js");
    for tag in ["en", "pt", "de"] {
        let widget = MountedElement::new(&[("lang", tag)]).await;
        let label = accessible_name(&widget.button());
        let entry = format!("{tag}: {{ button: '{label}',");
        assert!(
            LOADER.contains(&entry),
            "the loader's STRINGS lack `{entry}`"
        );
    }
}

#[wasm_bindgen_test]
async fn a_complete_candidate_without_a_backend_fails_with_a_misconfigured_error_event() {
    let widget = MountedElement::new(&ANA).await;
    let heard = Rc::new(RefCell::new(Vec::<(String, String)>::new()));
    let sink = heard.clone();
    let listener = Closure::<dyn FnMut(CustomEvent)>::new(move |event: CustomEvent| {
        let detail = event.detail();
        let field = |name: &str| {
            js_sys::Reflect::get(&detail, &name.into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        };
        sink.borrow_mut().push((field("code"), field("message")));
    });
    document()
        .add_event_listener_with_callback("hwr:error", listener.as_ref().unchecked_ref())
        .expect("listen");

    widget.press().await;

    document()
        .remove_event_listener_with_callback("hwr:error", listener.as_ref().unchecked_ref())
        .expect("unlisten");
    let heard = heard.borrow();
    assert_eq!(heard.len(), 1, "one hwr:error reached the document");
    assert_eq!(heard[0].0, "misconfigured");
    assert!(widget.query(".hwr--error").is_some());
    assert_eq!(widget.status(), heard[0].1);
    assert!(
        widget.query(".hwr-status__retry").is_some(),
        "a retry button is offered"
    );
}

#[wasm_bindgen_test]
async fn unmounting_removes_the_rendered_widget_from_the_shadow_root() {
    let mut widget = MountedElement::new(&ANA).await;
    assert!(widget.query(".hwr-button").is_some());

    if let Some(handle) = widget.handle.take() {
        handle.unmount();
    }

    assert!(widget.query(".hwr-root").is_none());
    assert_eq!(widget.shadow.child_element_count(), 0);
}

//! The DOM events on the host: names, bubbling, `composed`, details.

use std::cell::RefCell;
use std::rc::Rc;

use hwr_widget::events::{dispatch_error, dispatch_exit, dispatch_status, dispatch_success};
use hwr_widget::{HireResponse, HireStatus};
use js_sys::Reflect;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{CustomEvent, HtmlElement};

use crate::support::document;

/// What a listener on `document` heard.
struct Heard {
    kind: String,
    bubbles: bool,
    composed: bool,
    target_is_host: bool,
    detail: JsValue,
}

/// Listens on `document` for `name` while `act` runs against a fresh host in the page.
fn listen_on_document(name: &str, act: impl FnOnce(&HtmlElement)) -> Vec<Heard> {
    let host: HtmlElement = document()
        .create_element("hire-with-remote")
        .expect("host")
        .unchecked_into();
    document()
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    let heard = Rc::new(RefCell::new(Vec::new()));
    let sink = heard.clone();
    let host_for_check = host.clone();
    let listener = Closure::<dyn FnMut(CustomEvent)>::new(move |event: CustomEvent| {
        let target_is_host = event
            .target()
            .map(|t| JsValue::from(t) == JsValue::from(host_for_check.clone()))
            .unwrap_or(false);
        sink.borrow_mut().push(Heard {
            kind: event.type_(),
            bubbles: event.bubbles(),
            composed: event.composed(),
            target_is_host,
            detail: event.detail(),
        });
    });
    let document = document();
    document
        .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
        .expect("listen");
    act(&host);
    document
        .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
        .expect("unlisten");
    host.remove();
    heard.take()
}

fn text(detail: &JsValue, key: &str) -> Option<String> {
    Reflect::get(detail, &JsValue::from_str(key))
        .ok()?
        .as_string()
}

fn flag(detail: &JsValue, key: &str) -> Option<bool> {
    Reflect::get(detail, &JsValue::from_str(key))
        .ok()?
        .as_bool()
}

#[wasm_bindgen_test]
fn success_bubbles_out_composed_with_the_hire_in_its_detail() {
    let hire = HireResponse {
        hire_id: "hire_123".into(),
        employment_id: "emp_456".into(),
        redirect_url: "https://remote.example/onboarding?x=1".into(),
        status: "created".into(),
        already_hired: false,
    };

    let heard = listen_on_document("hwr:success", |host| dispatch_success(host, &hire));

    assert_eq!(heard.len(), 1);
    let event = &heard[0];
    assert_eq!(event.kind, "hwr:success");
    assert!(event.bubbles && event.composed && event.target_is_host);
    assert_eq!(text(&event.detail, "hire_id").as_deref(), Some("hire_123"));
    assert_eq!(
        text(&event.detail, "employment_id").as_deref(),
        Some("emp_456")
    );
    assert_eq!(
        text(&event.detail, "redirect_url").as_deref(),
        Some("https://remote.example/onboarding?x=1")
    );
    assert_eq!(flag(&event.detail, "already_hired"), Some(false));
}

#[wasm_bindgen_test]
fn success_for_a_candidate_hired_before_says_so_with_a_boolean() {
    let hire = HireResponse {
        hire_id: "hire_1".into(),
        employment_id: "emp_1".into(),
        redirect_url: "https://remote.example/onboarding".into(),
        status: "invited".into(),
        already_hired: true,
    };

    let heard = listen_on_document("hwr:success", |host| dispatch_success(host, &hire));

    assert_eq!(heard.len(), 1);
    assert_eq!(flag(&heard[0].detail, "already_hired"), Some(true));
}

#[wasm_bindgen_test]
fn status_bubbles_out_composed_with_the_hire_and_its_status() {
    let hire = HireStatus {
        hire_id: "hire_9".into(),
        employment_id: "emp_9".into(),
        status: "invited".into(),
    };

    let heard = listen_on_document("hwr:status", |host| dispatch_status(host, &hire));

    assert_eq!(heard.len(), 1);
    let event = &heard[0];
    assert_eq!(event.kind, "hwr:status");
    assert!(event.bubbles && event.composed && event.target_is_host);
    assert_eq!(text(&event.detail, "hire_id").as_deref(), Some("hire_9"));
    assert_eq!(
        text(&event.detail, "employment_id").as_deref(),
        Some("emp_9")
    );
    assert_eq!(text(&event.detail, "status").as_deref(), Some("invited"));
}

#[wasm_bindgen_test]
fn error_bubbles_out_composed_with_code_and_message() {
    let heard = listen_on_document("hwr:error", |host| {
        dispatch_error(
            host,
            "unsupported_country",
            "Remote cannot hire in North Korea.",
        )
    });

    assert_eq!(heard.len(), 1);
    let event = &heard[0];
    assert!(event.bubbles && event.composed && event.target_is_host);
    assert_eq!(
        text(&event.detail, "code").as_deref(),
        Some("unsupported_country")
    );
    assert_eq!(
        text(&event.detail, "message").as_deref(),
        Some("Remote cannot hire in North Korea.")
    );
}

#[wasm_bindgen_test]
fn exit_bubbles_out_composed() {
    let heard = listen_on_document("hwr:exit", |host| dispatch_exit(host));

    assert_eq!(heard.len(), 1);
    let event = &heard[0];
    assert_eq!(event.kind, "hwr:exit");
    assert!(event.bubbles && event.composed && event.target_is_host);
}

#[wasm_bindgen_test]
fn an_event_fired_inside_a_shadow_root_reaches_the_document_because_it_is_composed() {
    let heard = listen_on_document("hwr:exit", |host| {
        let shadow = host
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .expect("shadow");
        let inner = document().create_element("span").expect("span");
        shadow.append_child(&inner).expect("append");
        dispatch_exit(&inner);
    });

    assert_eq!(heard.len(), 1);
    assert!(
        heard[0].target_is_host,
        "retargeted to the host outside the shadow root"
    );
}

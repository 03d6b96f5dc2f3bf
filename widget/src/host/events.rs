//! The DOM events the custom element fires on its host: `hwr:success`, `hwr:error`, `hwr:exit`,
//! `hwr:status`. They bubble and are `composed`, so a listener on `document` hears them through
//! the shadow root.

use hwr_protocol::HireResponse;
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, EventTarget};

use crate::backend::wire::HireStatus;

/// Fired after the hire was created, or found already made; detail `{hire_id, employment_id,
/// redirect_url, already_hired}`.
pub const SUCCESS_EVENT: &str = "hwr:success";
/// Fired when something failed; detail `{code, message}`.
pub const ERROR_EVENT: &str = "hwr:error";
/// Fired when the person closed the consent popup or denied consent; no detail.
pub const EXIT_EVENT: &str = "hwr:exit";
/// Fired once the candidate's hire is known (the page's lookup, or a hire's answer), and again
/// when its status changes; detail `{hire_id, employment_id, status}`.
pub const STATUS_EVENT: &str = "hwr:status";

/// Fires `hwr:success` on `target`.
pub fn dispatch_success(target: &EventTarget, hire: &HireResponse) {
    let detail = object(&[
        ("hire_id", hire.hire_id.as_str()),
        ("employment_id", hire.employment_id.as_str()),
        ("redirect_url", hire.redirect_url.as_str()),
    ]);
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(
        &detail,
        &JsValue::from_str("already_hired"),
        &JsValue::from_bool(hire.already_hired),
    );
    dispatch(target, SUCCESS_EVENT, &detail);
}

/// Fires `hwr:status` on `target`.
pub fn dispatch_status(target: &EventTarget, hire: &HireStatus) {
    let detail = object(&[
        ("hire_id", hire.hire_id.as_str()),
        ("employment_id", hire.employment_id.as_str()),
        ("status", hire.status.as_str()),
    ]);
    dispatch(target, STATUS_EVENT, &detail);
}

/// Fires `hwr:error` on `target`.
pub fn dispatch_error(target: &EventTarget, code: &str, message: &str) {
    let detail = object(&[("code", code), ("message", message)]);
    dispatch(target, ERROR_EVENT, &detail);
}

/// Fires `hwr:exit` on `target`.
pub fn dispatch_exit(target: &EventTarget) {
    dispatch(target, EXIT_EVENT, &JsValue::NULL);
}

fn object(entries: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (key, value) in entries {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object.into()
}

fn dispatch(target: &EventTarget, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        // A listener that throws must not break the widget; the browser reports it already.
        let _ = target.dispatch_event(&event);
    }
}

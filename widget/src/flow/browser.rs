//! The few window services the flow needs (clock, randomness, timers, navigation), wrapped once
//! so the flow reads as steps and never handles a missing `window` itself.

use hwr_protocol::CalendarDate;
use js_sys::Intl::{DisplayNames, DisplayNamesOptions, DisplayNamesType};
use js_sys::{Array, Date, Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Today in the person's time zone, which is what a start-date picker means by "today".
pub(crate) fn today() -> CalendarDate {
    let now = Date::new_0();
    CalendarDate {
        year: u16::try_from(now.get_full_year()).unwrap_or(1970),
        month: u8::try_from(now.get_month() + 1).unwrap_or(1),
        day: u8::try_from(now.get_date()).unwrap_or(1),
    }
}

/// A fresh idempotency key: a random UUID from `crypto.randomUUID()`, or, where that is missing
/// (insecure contexts), one built from `Math.random`, still unique enough for one person's clicks.
pub(crate) fn new_idempotency_key() -> String {
    let from_crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .filter(|c| js_sys::Reflect::has(c, &JsValue::from_str("randomUUID")).unwrap_or(false))
        .map(|c| c.random_uuid());
    from_crypto.unwrap_or_else(|| {
        let mut key = String::with_capacity(36);
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                key.push('-');
            }
            let nibble = (js_sys::Math::random() * 16.0) as u32;
            key.push(char::from_digit(nibble.min(15), 16).unwrap_or('0'));
        }
        key
    })
}

/// The country's name in `lang` from the browser's own CLDR data (`Intl.DisplayNames`), for an
/// alpha-2 code; `None` for alpha-3 codes, which it does not take.
pub(crate) fn country_name(code: &str, lang: &str) -> Option<String> {
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let options = DisplayNamesOptions::new();
    options.set_type(DisplayNamesType::Region);
    let names = DisplayNames::new(&Array::of1(&JsValue::from_str(lang)), &options);
    names.of(code).map(String::from)
}

/// The address of the page the widget is on (the `return_to` of redirect mode).
pub(crate) fn current_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Navigates the top window (the widget may sit in an iframe); falls back to the widget's own
/// window when the top one refuses (sandboxed or cross-origin frames).
pub(crate) fn navigate_top(url: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let top_done = window
        .top()
        .ok()
        .flatten()
        .map(|top| top.location().set_href(url).is_ok())
        .unwrap_or(false);
    if !top_done {
        let _ = window.location().set_href(url);
    }
}

/// Resolves after `ms` milliseconds, or earlier when [`WakeSlot::wake`] is called.
pub(crate) async fn sleep(ms: i32, wake: Option<&WakeSlot>) {
    let promise = Promise::new(&mut |resolve: Function, _reject: Function| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
        if let Some(slot) = wake {
            slot.0.replace(Some(resolve));
        }
    });
    let _ = JsFuture::from(promise).await;
    if let Some(slot) = wake {
        slot.0.replace(None);
    }
}

/// Lets an event cut a [`sleep`] short (a `postMessage` triggers the next poll at once).
#[derive(Default)]
pub(crate) struct WakeSlot(std::cell::RefCell<Option<Function>>);

impl WakeSlot {
    /// Ends the current sleep, if any. Resolving an already resolved promise is harmless.
    pub(crate) fn wake(&self) {
        if let Some(resolve) = self.0.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}

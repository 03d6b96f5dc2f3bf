//! The consent popup: opened blank inside the click (the only moment popup blockers allow it),
//! then sent to the backend's start form (which binds the consent to this browser and redirects
//! to Remote's consent page); its outcome learned by polling the backend, with the callback
//! page's `postMessage` only cutting the wait short. The server's answer is the truth, because
//! `window.opener` is cut by Cross-Origin-Opener-Policy and on iOS.

use std::cell::RefCell;

use hwr_protocol::{
    ConnectResponse, FlowError, FlowStatus, HireResponse, FLOW_MESSAGE_TYPE, START_FLOW_ID_FIELD,
    START_TICKET_FIELD,
};
use js_sys::Reflect;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{HtmlFormElement, HtmlInputElement, MessageEvent, Window};

use crate::backend::api::{Api, ApiError};
use crate::flow::browser::{sleep, WakeSlot};

/// Time between two polls of the flow.
const POLL_INTERVAL_MS: i32 = 1_000;
/// Polls that may fail in a row (flaky network) before the wait gives up.
const MAX_POLL_FAILURES: u32 = 5;

/// How the consent step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConsentOutcome {
    /// Tokens are stored; with the hire the backend made at the callback, if it made one.
    Connected(Option<HireResponse>),
    /// The employer clicked Deny.
    Denied,
    /// The employer closed the popup before answering.
    Closed,
    /// Nobody answered in time.
    Expired,
    /// The flow failed: why (a code), and the server's sentence, if any.
    Failed(Option<FlowError>, Option<String>),
}

/// The popup's window name and features; the loader opens the same for a click that comes
/// before the widget code.
const POPUP_NAME: &str = "hwr-consent";
const POPUP_FEATURES: &str = "popup,width=520,height=680";

thread_local! {
    /// The window the loader opened inside a click that came before the widget code, while that
    /// click is replayed (see [`with_preopened`]).
    static PREOPENED: RefCell<Option<Window>> = const { RefCell::new(None) };
}

/// Opens the blank consent popup. Must run synchronously in the click handler, before any
/// `await`; `None` means the browser blocked it. During a replayed click it is the window the
/// loader already opened.
pub(crate) fn open_popup() -> Option<Window> {
    if let Some(popup) = PREOPENED.with_borrow_mut(Option::take) {
        if !popup.closed().unwrap_or(true) {
            return Some(popup);
        }
    }
    web_sys::window()?
        .open_with_url_and_target_and_features("", POPUP_NAME, POPUP_FEATURES)
        .ok()
        .flatten()
}

/// Replays a click (`press`) with `popup` as the window [`open_popup`] hands out; a popup the
/// click did not need (already connected, fields missing) is closed again.
pub(crate) fn with_preopened(popup: Option<Window>, press: impl FnOnce()) {
    PREOPENED.set(popup);
    press();
    if let Some(unused) = PREOPENED.take() {
        let _ = unused.close();
    }
}

/// Sends the popup to the backend's start form, which redirects it to Remote's consent page.
pub(crate) fn show_consent_page(popup: &Window, started: &ConnectResponse) -> Result<(), JsValue> {
    // The window the loader opened has this name too; set it anyway, so the form finds it.
    popup.set_name(POPUP_NAME)?;
    submit_start_form(started, POPUP_NAME)
}

/// Submits `POST {start_url}` with the flow id and its one-time ticket into the window named
/// `target` (`_top` for redirect mode). A form post from this page is a top-level navigation
/// that carries this page's `Origin`, so the backend can bind the consent to this browser with
/// a cookie; the ticket never appears in a URL.
pub(crate) fn submit_start_form(started: &ConnectResponse, target: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let form: HtmlFormElement = document.create_element("form")?.dyn_into()?;
    form.set_method("post");
    form.set_action(&started.start_url);
    form.set_target(target);
    for (name, value) in [
        (START_FLOW_ID_FIELD, &started.flow_id),
        (START_TICKET_FIELD, &started.start_ticket),
    ] {
        let input: HtmlInputElement = document.create_element("input")?.dyn_into()?;
        input.set_type("hidden");
        input.set_name(name);
        input.set_value(value);
        form.append_child(&input)?;
    }
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?;
    body.append_child(&form)?;
    let submitted = form.submit();
    form.remove();
    submitted
}

/// Waits until the flow is final or the popup is closed for good.
pub(crate) async fn wait_for_consent(
    api: &Api,
    flow_id: &str,
    popup: &Window,
) -> Result<ConsentOutcome, ApiError> {
    let wake = std::rc::Rc::new(WakeSlot::default());
    let _listener = api
        .origin()
        .map(|origin| FlowMessageListener::new(origin, flow_id, wake.clone()));
    let mut closed_polls = 0;
    let mut failures = 0;
    // The first poll goes out at once: its CORS preflight is then cached (the backend allows
    // 10 minutes), so that after Allow the status is one request, not two.
    let mut first = true;
    loop {
        if !std::mem::take(&mut first) {
            sleep(POLL_INTERVAL_MS, Some(&wake)).await;
        }
        // Read before polling: a popup that closed itself after Allow must still get one more
        // poll (the grace poll) before we call it closed by the person.
        let closed = popup.closed().unwrap_or(false);
        match api.flow(flow_id).await {
            Ok(flow) => {
                failures = 0;
                match flow.status {
                    FlowStatus::Pending => {}
                    FlowStatus::Connected => return Ok(ConsentOutcome::Connected(flow.hire)),
                    FlowStatus::Denied => return Ok(ConsentOutcome::Denied),
                    FlowStatus::Expired => return Ok(ConsentOutcome::Expired),
                    FlowStatus::Failed => {
                        return Ok(ConsentOutcome::Failed(flow.error, flow.message))
                    }
                }
            }
            Err(error @ ApiError::Server(_)) => return Err(error),
            Err(error) => {
                failures += 1;
                if failures >= MAX_POLL_FAILURES {
                    return Err(error);
                }
            }
        }
        if closed {
            closed_polls += 1;
            if closed_polls >= 2 {
                return Ok(ConsentOutcome::Closed);
            }
        }
    }
}

/// Listens for the callback page's `{type: "hwr:flow", flow_id, status}` on this window and
/// wakes the poll loop; removed again when dropped.
struct FlowMessageListener {
    closure: Closure<dyn FnMut(MessageEvent)>,
}

impl FlowMessageListener {
    fn new(backend_origin: String, flow_id: &str, wake: std::rc::Rc<WakeSlot>) -> Self {
        let flow_id = flow_id.to_owned();
        let closure = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if is_flow_message(&event, &backend_origin, &flow_id) {
                wake.wake();
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
        }
        FlowMessageListener { closure }
    }
}

impl Drop for FlowMessageListener {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "message",
                self.closure.as_ref().unchecked_ref(),
            );
        }
    }
}

/// Only the backend's exact origin may speak, only about our flow.
pub(crate) fn is_flow_message(event: &MessageEvent, backend_origin: &str, flow_id: &str) -> bool {
    if event.origin() != backend_origin {
        return false;
    }
    let data = event.data();
    let field = |name: &str| {
        Reflect::get(&data, &JsValue::from_str(name))
            .ok()?
            .as_string()
    };
    field("type").as_deref() == Some(FLOW_MESSAGE_TYPE)
        && field("flow_id").as_deref() == Some(flow_id)
}

//! Redirect mode's way back. When consent ran in this window (popup blocked) and did not end on
//! Remote's onboarding page, the backend sends the person back to the job site with `hwr_status`
//! (and `hwr_error`) appended. The widget that started it shows the outcome once, and the two
//! parameters leave the URL so a reload or a shared link does not show it again.

use std::cell::RefCell;

use hwr_protocol::{
    Candidate, RETURN_ERROR_PARAM as ERROR_PARAM, RETURN_HIRE_FAILED,
    RETURN_STATUS_PARAM as STATUS_PARAM,
};
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::JsValue;
use web_sys::Window;

use crate::backend::wire::{candidate_from, candidate_object};

/// The `sessionStorage` item naming the widget that left, so the right one shows the outcome.
const STORAGE_KEY: &str = "hwr:redirect";

/// How a redirect-mode consent ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The employer clicked Deny.
    Denied,
    /// Nobody answered in time.
    Expired,
    /// The exchange with Remote failed.
    Failed,
    /// Consent was given but the hire failed, with the backend's error code.
    Error(String),
}

/// An outcome read from the URL, waiting for its widget to mount.
pub(crate) struct Returned {
    pub(crate) outcome: Outcome,
    /// The host's candidate of the widget that left (from `sessionStorage`); any widget may
    /// claim the outcome when it is unknown.
    started_by: Option<Candidate>,
    /// The attempt that left: the candidate as sent and its idempotency key, so that a retry
    /// after an error reuses the key.
    pub(crate) attempt: Option<(Candidate, String)>,
}

thread_local! {
    static PENDING: RefCell<Option<Returned>> = const { RefCell::new(None) };
}

/// Before leaving for consent in this window: which widget left, with which attempt.
pub(crate) fn remember(started_by: &Candidate, sent: &Candidate, key: &str) {
    let record = Object::new();
    let _ = Reflect::set(&record, &"for".into(), &candidate_object(started_by));
    let _ = Reflect::set(&record, &"sent".into(), &candidate_object(sent));
    let _ = Reflect::set(&record, &"key".into(), &key.into());
    let text = JSON::stringify(&record).ok().and_then(|t| t.as_string());
    if let (Some(storage), Some(text)) = (session_storage(), text) {
        // Storage may be full or disabled; then any widget shows the outcome.
        let _ = storage.set_item(STORAGE_KEY, &text);
    }
}

/// The outcome for the widget whose host candidate is `candidate`, at most once per return.
pub(crate) fn claim(candidate: &Candidate) -> Option<Returned> {
    if let Some(returned) = read_url() {
        PENDING.set(Some(returned));
    }
    PENDING.with_borrow_mut(|pending| {
        let ours = pending
            .as_ref()?
            .started_by
            .as_ref()
            .is_none_or(|started_by| started_by == candidate);
        if ours {
            pending.take()
        } else {
            None
        }
    })
}

/// Reads and removes the parameters (and the stored record), if the URL has them.
fn read_url() -> Option<Returned> {
    let window = web_sys::window()?;
    let href = window.location().href().ok()?;
    if !href.contains(STATUS_PARAM) {
        return None;
    }
    let url = web_sys::Url::new(&href).ok()?;
    let params = url.search_params();
    let status = params.get(STATUS_PARAM)?;
    let code = params.get(ERROR_PARAM).filter(|code| is_error_code(code));
    params.delete(STATUS_PARAM);
    params.delete(ERROR_PARAM);
    if let Ok(history) = window.history() {
        let state = history.state().unwrap_or(JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&url.href()));
    }
    let record = take_record(&window);
    let outcome = match status.as_str() {
        "denied" => Outcome::Denied,
        "expired" => Outcome::Expired,
        "failed" => Outcome::Failed,
        RETURN_HIRE_FAILED => {
            Outcome::Error(code.unwrap_or_else(|| "unexpected_response".to_owned()))
        }
        // "connected" without a hire to make: nothing to show.
        _ => return None,
    };
    let (started_by, attempt) = match record {
        Some((started_by, sent, key)) => (Some(started_by), Some((sent, key))),
        None => (None, None),
    };
    Some(Returned {
        outcome,
        started_by,
        attempt,
    })
}

fn take_record(window: &Window) -> Option<(Candidate, Candidate, String)> {
    let storage = window.session_storage().ok()??;
    let text = storage.get_item(STORAGE_KEY).ok()??;
    let _ = storage.remove_item(STORAGE_KEY);
    let record = JSON::parse(&text).ok()?;
    let field = |name: &str| Reflect::get(&record, &name.into()).ok();
    Some((
        candidate_from(&field("for")?)?,
        candidate_from(&field("sent")?)?,
        field("key")?.as_string()?,
    ))
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The URL is anyone's to write: only something shaped like our codes reaches the events.
fn is_error_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

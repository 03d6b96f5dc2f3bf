//! What every widget on the page shares, per backend and site token: one connection check and one
//! list of hireable countries. A job site listing fifty candidates asks the backend once, not
//! fifty times (the per-user rate limit would notice), and a consent given in one widget counts
//! for all of them.

use std::cell::RefCell;

use hwr_protocol::ConnectionStatus;
use js_sys::Promise;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::api::{Api, ApiError};
use crate::form::CountryList;

/// What the page knows about the user's connection to Remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnectionCheck {
    /// Nobody asked yet.
    Unknown,
    /// The request is in flight.
    Checking,
    /// The backend's answer.
    Known(ConnectionStatus),
    /// The request failed; asked again when a widget needs the answer. `ApiError::Network` is a
    /// backend the browser cannot reach: down, or refusing this page's origin (the browser hides
    /// that 403, which carries no CORS headers).
    Failed(ApiError),
}

/// One backend and token's shared state.
struct Entry {
    api: Api,
    connection: ConnectionCheck,
    /// Resolves when the check in flight ends; every widget that needs the answer waits on it.
    in_flight: Option<Promise>,
    /// Bumped whenever the connection is set, so a slower, older answer cannot overwrite it.
    generation: u32,
    countries: ArcRwSignal<CountryList>,
}

thread_local! {
    static ENTRIES: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

fn with_entry<R>(api: &Api, read: impl FnOnce(&mut Entry) -> R) -> R {
    ENTRIES.with_borrow_mut(|entries| {
        if !entries.iter().any(|entry| entry.api == *api) {
            entries.push(Entry {
                api: api.clone(),
                connection: ConnectionCheck::Unknown,
                in_flight: None,
                generation: 0,
                countries: ArcRwSignal::new(CountryList::NotLoaded),
            });
        }
        let entry = entries.iter_mut().rev().find(|entry| entry.api == *api);
        // Found: it was pushed above if it was missing.
        read(entry.expect("the entry exists"))
    })
}

/// The connection as the page knows it right now, without asking (the click must decide about
/// the popup synchronously).
pub(crate) fn connection(api: &Api) -> ConnectionCheck {
    with_entry(api, |entry| entry.connection.clone())
}

/// Asks the backend unless the page has its answer or a request in flight: what a widget does
/// on mount. A failed earlier check is asked again.
pub(crate) fn check_connection(api: &Api) {
    with_entry(api, |entry| {
        if !matches!(entry.connection, ConnectionCheck::Known(_)) {
            let _ = start_check(entry);
        }
    });
}

/// The connection, waiting for the check in flight or starting one unless the page knows it.
pub(crate) async fn connection_status(api: &Api) -> Result<ConnectionStatus, ApiError> {
    let pending = with_entry(api, |entry| match entry.connection {
        ConnectionCheck::Known(status) => Ok(status),
        _ => Err(start_check(entry)),
    });
    if let Err(promise) = pending {
        let _ = JsFuture::from(promise).await;
    }
    match connection(api) {
        ConnectionCheck::Known(status) => Ok(status),
        ConnectionCheck::Failed(error) => Err(error),
        ConnectionCheck::Unknown | ConnectionCheck::Checking => Err(ApiError::Unexpected),
    }
}

/// What a widget learned for everyone: consent given, or a hire answered 409 `not_connected` or
/// `reconsent_required`.
pub(crate) fn set_connection(api: &Api, status: ConnectionStatus) {
    with_entry(api, |entry| {
        entry.generation = entry.generation.wrapping_add(1);
        entry.connection = ConnectionCheck::Known(status);
        // Widgets waiting on an older request still wake up when it ends, and read this.
        entry.in_flight = None;
    });
}

fn start_check(entry: &mut Entry) -> Promise {
    if let Some(promise) = &entry.in_flight {
        return promise.clone();
    }
    entry.generation = entry.generation.wrapping_add(1);
    entry.connection = ConnectionCheck::Checking;
    let (api, generation) = (entry.api.clone(), entry.generation);
    // Runs from the microtask queue, after this borrow of the entries has ended.
    let promise = future_to_promise(async move {
        let answer = api.connection().await;
        with_entry(&api, |entry| {
            if entry.generation == generation {
                entry.connection = match answer {
                    Ok(status) => ConnectionCheck::Known(status),
                    Err(error) => ConnectionCheck::Failed(error),
                };
                entry.in_flight = None;
            }
        });
        Ok(JsValue::UNDEFINED)
    });
    entry.in_flight = Some(promise.clone());
    promise
}

/// The page's hireable countries: for every widget's country list, and the click's check.
pub(crate) fn countries(api: &Api) -> ArcRwSignal<CountryList> {
    with_entry(api, |entry| entry.countries.clone())
}

/// Fetches the hireable countries, once per page: the widgets mount with a complete-looking
/// candidate, or a form asks for the country.
pub(crate) fn load_countries(api: &Api) {
    let countries = countries(api);
    if countries.with_untracked(|list| *list != CountryList::NotLoaded) {
        return;
    }
    countries.set(CountryList::Loading);
    let api = api.clone();
    spawn_local(async move {
        let list = match api.countries().await {
            Ok(list) if !list.is_empty() => CountryList::Loaded(list),
            _ => CountryList::Unavailable,
        };
        countries.set(list);
    });
}

//! What every widget on the page shares, per backend and site token: one connection check, one
//! list of hireable countries and one form per country (who is hired already is
//! [`hire_lookup`]'s, told here whether the user is connected). A job site listing fifty
//! candidates asks the backend once, not fifty times (the per-user rate limit would notice), and
//! a consent given in one widget counts for all of them.

use std::cell::RefCell;
use std::rc::Rc;

use hwr_protocol::{ConnectionStatus, Country, CountryForm};
use js_sys::{Function, Promise};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::backend::api::{Api, ApiError};
use crate::flow::hire_lookup::{self, Book, SharedBook};

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

/// The hireable countries for the country `<select>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum CountryList {
    /// Not asked for yet.
    #[default]
    NotLoaded,
    /// Being fetched; a text input stands in.
    Loading,
    /// From `GET /api/v1/countries`.
    Loaded(Vec<Country>),
    /// The fetch failed; a text input for the ISO code stands in for good.
    Unavailable,
}

/// One backend and token's shared state.
struct Entry {
    api: Api,
    connection: ConnectionCheck,
    /// The `resolve` of each widget waiting for the check in flight.
    waiting: Vec<Function>,
    /// Bumped whenever the connection is set, so a slower, older answer cannot overwrite it.
    generation: u32,
    countries: ArcRwSignal<CountryList>,
    hires: SharedBook,
    /// The country forms asked for, by the code as the candidate gives it (upper-cased).
    forms: Vec<(String, FormSlot)>,
}

/// One country's form: being fetched (with the widgets waiting for it), or its answer.
enum FormSlot {
    Loading(Vec<Function>),
    /// `None`: the fetch failed; the hire goes ahead and the server checks the fields itself.
    /// The next click asks again.
    Known(Option<Rc<CountryForm>>),
}

impl Entry {
    /// Wakes the widgets waiting for an answer; they read it from the entry.
    fn wake(&mut self) {
        for resolve in self.waiting.drain(..) {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

type SharedEntry = Rc<RefCell<Entry>>;

thread_local! {
    static ENTRIES: RefCell<Vec<SharedEntry>> = const { RefCell::new(Vec::new()) };
}

fn entry(api: &Api) -> SharedEntry {
    ENTRIES.with_borrow_mut(|entries| {
        if let Some(entry) = entries.iter().find(|entry| entry.borrow().api == *api) {
            return entry.clone();
        }
        let entry = Rc::new(RefCell::new(Entry {
            api: api.clone(),
            connection: ConnectionCheck::Unknown,
            waiting: Vec::new(),
            generation: 0,
            countries: ArcRwSignal::new(CountryList::NotLoaded),
            hires: Rc::new(RefCell::new(Book::new(api.clone()))),
            forms: Vec::new(),
        }));
        entries.push(entry.clone());
        entry
    })
}

/// The connection as the page knows it right now, without asking (the click must decide about
/// the popup synchronously).
pub(crate) fn connection(api: &Api) -> ConnectionCheck {
    entry(api).borrow().connection.clone()
}

/// Asks the backend unless the page has its answer or a request in flight: what a widget does
/// on mount. A failed earlier check is asked again.
pub(crate) fn check_connection(api: &Api) {
    start_check(&entry(api));
}

/// The connection, waiting for the check in flight or starting one unless the page knows it.
pub(crate) async fn connection_status(api: &Api) -> Result<ConnectionStatus, ApiError> {
    let entry = entry(api);
    start_check(&entry);
    if entry.borrow().connection == ConnectionCheck::Checking {
        let answered = Promise::new(&mut |resolve, _reject| {
            entry.borrow_mut().waiting.push(resolve);
        });
        let _ = JsFuture::from(answered).await;
    }
    let check = entry.borrow().connection.clone();
    match check {
        ConnectionCheck::Known(status) => Ok(status),
        ConnectionCheck::Failed(error) => Err(error),
        ConnectionCheck::Unknown | ConnectionCheck::Checking => Err(ApiError::Unexpected),
    }
}

/// What a widget learned for everyone: consent given, or a hire answered 409 `not_connected` or
/// `reconsent_required`.
pub(crate) fn set_connection(api: &Api, status: ConnectionStatus) {
    let hires = {
        let entry = entry(api);
        let mut entry = entry.borrow_mut();
        entry.generation = entry.generation.wrapping_add(1);
        entry.connection = ConnectionCheck::Known(status);
        entry.wake();
        entry.hires.clone()
    };
    hire_lookup::connection_known(&hires, status == ConnectionStatus::Connected);
}

/// Starts a check unless the page knows the answer or one is in flight.
fn start_check(entry: &SharedEntry) {
    let (api, generation) = {
        let mut entry = entry.borrow_mut();
        if matches!(
            entry.connection,
            ConnectionCheck::Known(_) | ConnectionCheck::Checking
        ) {
            return;
        }
        entry.generation = entry.generation.wrapping_add(1);
        entry.connection = ConnectionCheck::Checking;
        (entry.api.clone(), entry.generation)
    };
    let entry = entry.clone();
    spawn_local(async move {
        let answer = api.connection().await;
        let (connected, hires) = {
            let mut entry = entry.borrow_mut();
            if entry.generation == generation {
                entry.connection = match answer {
                    Ok(status) => ConnectionCheck::Known(status),
                    Err(error) => ConnectionCheck::Failed(error),
                };
            }
            entry.wake();
            let connected = matches!(
                entry.connection,
                ConnectionCheck::Known(ConnectionStatus::Connected)
            );
            (connected, entry.hires.clone())
        };
        hire_lookup::connection_known(&hires, connected);
    });
}

/// The page's hireable countries: for every widget's country list, and the click's check.
pub(crate) fn countries(api: &Api) -> ArcRwSignal<CountryList> {
    entry(api).borrow().countries.clone()
}

/// Which of the page's candidates are hired, as [`hire_lookup`] keeps it; the page tells it
/// whenever it learns whether the user is connected.
pub(crate) fn hires(api: &Api) -> SharedBook {
    entry(api).borrow().hires.clone()
}

/// Fetches the hireable countries, once per page: the widgets mount with a complete-looking
/// candidate, or a form asks for the country.
pub(crate) fn load_countries(api: &Api) {
    let countries = countries(api);
    if countries.get_untracked() != CountryList::NotLoaded {
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

/// The country's extra fields (`GET /api/v1/countries/{code}/form`), fetched once per country
/// for every widget on the page; `None` when the backend could not say (asked again on the next
/// click). Ask only once connected: the form is read with the company's token.
pub(crate) async fn country_form(api: &Api, country: &str) -> Option<Rc<CountryForm>> {
    let entry = entry(api);
    let country = country.trim().to_ascii_uppercase();
    let (index, fetch) = {
        let mut entry = entry.borrow_mut();
        match entry.forms.iter().position(|(c, _)| *c == country) {
            Some(index) if matches!(entry.forms[index].1, FormSlot::Known(None)) => {
                entry.forms[index].1 = FormSlot::Loading(Vec::new());
                (index, true)
            }
            Some(index) => (index, false),
            None => {
                entry
                    .forms
                    .push((country.clone(), FormSlot::Loading(Vec::new())));
                (entry.forms.len() - 1, true)
            }
        }
    };
    if fetch {
        let form = api.country_form(&country).await.ok().map(Rc::new);
        let slot = FormSlot::Known(form.clone());
        let old = std::mem::replace(&mut entry.borrow_mut().forms[index].1, slot);
        if let FormSlot::Loading(waiting) = old {
            for resolve in waiting {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
        return form;
    }
    let answered = Promise::new(&mut |resolve, _reject| {
        if let FormSlot::Loading(waiting) = &mut entry.borrow_mut().forms[index].1 {
            waiting.push(resolve);
        } else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(answered).await;
    let form = match &entry.borrow().forms[index].1 {
        FormSlot::Known(form) => form.clone(),
        FormSlot::Loading(_) => None,
    };
    form
}

/// Starts fetching the country's form unless the page has it or is fetching it, so that the
/// click finds it ready.
pub(crate) fn prefetch_form(api: &Api, country: &str) {
    let known = entry(api)
        .borrow()
        .forms
        .iter()
        .any(|(c, _)| c.eq_ignore_ascii_case(country.trim()));
    if !known {
        let (api, country) = (api.clone(), country.to_owned());
        spawn_local(async move {
            let _ = country_form(&api, &country).await;
        });
    }
}

//! Which of the page's candidates are hired already (DESIGN.md "After the hire"): one
//! `GET /api/v1/hires?email=…&email=…` per backend and token for all the page's widgets, asked
//! once the page knows the user is connected. Each email has one slot that its widgets read.
//!
//! Batching: widgets register their candidate's email on mount; nothing is asked before the
//! connection check answers `connected`, and then the page waits [`BATCH_WINDOW_MS`] more, so
//! every widget of the page load shares one request. A widget added later (or an email changed)
//! after that asks once more, for the emails not asked yet. A failed lookup is not reported:
//! those buttons simply stay "Hire with Remote".

use std::cell::RefCell;
use std::rc::Rc;

use hwr_protocol::HireResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::api::Api;
use crate::backend::wire::HireStatus;
use crate::flow::browser::sleep;

/// How long a connected page waits for more widgets to register before it asks.
const BATCH_WINDOW_MS: i32 = 50;
/// The most emails one request carries, far below the URL lengths servers refuse; a page with
/// more candidates asks in several requests.
const MAX_EMAILS_PER_LOOKUP: usize = 50;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// A widget reads the slot, but its email is not one to ask about (yet).
    NotWanted,
    /// To be asked in the next lookup.
    Pending,
    /// Asked (or being asked); never asked again on this page.
    Asked,
}

struct Slot {
    /// Trimmed and ASCII-lowercased: emails match case-insensitively. (ASCII only: Unicode's
    /// case tables cost the bundle over 10 KB gzip, for the rare non-ASCII address.)
    key: String,
    /// As the first widget wrote it (trimmed), which is what the backend is asked about: it
    /// may compare emails as they were stored.
    email: String,
    lookup: Lookup,
    hire: Option<HireStatus>,
    /// Notifies the slot's widgets: a trigger beside plain data, rather than a signal of a new
    /// type, which the bundle would carry the reactive code for once more.
    changed: ArcTrigger,
}

/// One backend and token's hires, kept with the page's other shared state (`page::hires`),
/// which tells it whether the user is connected.
pub(crate) struct Book {
    api: Api,
    slots: Vec<Slot>,
    /// A lookup is waiting for its batch window or in flight.
    scheduled: bool,
    /// The page's connection check answered `connected`, and nothing said otherwise since.
    connected: bool,
}

pub(crate) type SharedBook = Rc<RefCell<Book>>;

impl Book {
    /// The hires of `api`'s backend and token, none known yet.
    pub(crate) fn new(api: Api) -> Self {
        Book {
            api,
            slots: Vec::new(),
            scheduled: false,
            connected: false,
        }
    }

    fn slot(&mut self, email: &str) -> &mut Slot {
        let email = email.trim();
        let key = email.to_ascii_lowercase();
        let index = match self.slots.iter().position(|slot| slot.key == key) {
            Some(index) => index,
            None => {
                self.slots.push(Slot {
                    key,
                    email: email.to_owned(),
                    lookup: Lookup::NotWanted,
                    hire: None,
                    changed: ArcTrigger::new(),
                });
                self.slots.len() - 1
            }
        };
        &mut self.slots[index]
    }

    /// Sets the hire of `email`'s slot unless it is the one its widgets show; answers the
    /// trigger to tell them, to be notified once the book is no longer borrowed.
    fn set(&mut self, email: &str, hire: HireStatus) -> Option<ArcTrigger> {
        let slot = self.slot(email);
        if slot.hire.as_ref() == Some(&hire) {
            return None;
        }
        slot.hire = Some(hire);
        Some(slot.changed.clone())
    }
}

/// The hire of the candidate with `email`, as the page knows it (`None`: not hired, or not
/// known); tracked, so a widget re-renders when the lookup answers.
pub(crate) fn hire(book: &SharedBook, email: &str) -> Option<HireStatus> {
    let mut book = book.borrow_mut();
    let slot = book.slot(email);
    slot.changed.track();
    slot.hire.clone()
}

/// Asks about `email` in the page's next lookup, unless it was asked already.
pub(crate) fn want(book: &SharedBook, email: &str) {
    {
        let mut book = book.borrow_mut();
        let slot = book.slot(email);
        if slot.lookup != Lookup::NotWanted {
            return;
        }
        slot.lookup = Lookup::Pending;
    }
    schedule(book);
}

/// The page learned whether the user is connected (its check answered, a consent connected
/// them, or a hire found the connection gone); once connected, the emails waiting for that are
/// asked about.
pub(crate) fn connection_known(book: &SharedBook, connected: bool) {
    book.borrow_mut().connected = connected;
    if connected {
        schedule(book);
    }
}

/// A hire's own answer (`POST /api/v1/hires`, or the flow's status after consent): from now on
/// every button of that candidate opens the hire and shows its status. An answer without a
/// status (a backend from before "After the hire") changes nothing.
pub(crate) fn record(book: &SharedBook, email: &str, answer: &HireResponse) {
    if answer.status.is_empty() {
        return;
    }
    let hire = HireStatus {
        hire_id: answer.hire_id.clone(),
        employment_id: answer.employment_id.clone(),
        status: answer.status.clone(),
    };
    let changed = book.borrow_mut().set(email, hire);
    if let Some(changed) = changed {
        changed.notify();
    }
}

/// Starts a lookup when emails are pending, the page is connected and none is scheduled.
fn schedule(book: &SharedBook) {
    {
        let book = book.borrow();
        let pending = book.slots.iter().any(|slot| slot.lookup == Lookup::Pending);
        if book.scheduled || !pending || !book.connected {
            return;
        }
    }
    book.borrow_mut().scheduled = true;
    spawn_local(look_up(book.clone()));
}

async fn look_up(book: SharedBook) {
    sleep(BATCH_WINDOW_MS, None).await;
    let emails: Vec<String> = book
        .borrow_mut()
        .slots
        .iter_mut()
        .filter(|slot| slot.lookup == Lookup::Pending)
        .map(|slot| {
            slot.lookup = Lookup::Asked;
            slot.email.clone()
        })
        .collect();
    let api = book.borrow().api.clone();
    for emails in emails.chunks(MAX_EMAILS_PER_LOOKUP) {
        // Failure is not the user's problem: those buttons stay "Hire with Remote".
        let Ok(found) = api.hires(emails).await else {
            continue;
        };
        // The backend lists a candidate's hires newest first: read oldest first, so that the
        // newest is the one left in the slot. (Widgets re-render once, after the loop.)
        for (email, hire) in found.into_iter().rev() {
            let changed = book.borrow_mut().set(&email, hire);
            if let Some(changed) = changed {
                changed.notify();
            }
        }
    }
    book.borrow_mut().scheduled = false;
    // Widgets that registered while the request was in flight get one more.
    schedule(&book);
}

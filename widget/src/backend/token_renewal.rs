//! A site token that expired on a page left open: when the backend answers 401 `unauthorized`,
//! the widget asks the host page for a fresh token through the element's `fetchToken` property
//! (`element.fetchToken = async () => "…"`), uses it from then on for every call that had the old
//! one, and retries the call once. One renewal runs at a time per token, however many calls
//! failed together.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

/// The element property the host page sets.
const PROPERTY: &str = "fetchToken";

thread_local! {
    /// The mounted elements, whose `fetchToken` may renew the token they were given.
    static HOSTS: RefCell<Vec<HtmlElement>> = const { RefCell::new(Vec::new()) };
    /// A token replaced after a 401, and its replacement (a few per page: a `Vec` is smaller
    /// in wasm than a map).
    static RENEWED: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    /// A renewal in progress, and the token it replaces.
    static PENDING: RefCell<Vec<(String, Promise)>> = const { RefCell::new(Vec::new()) };
}

/// Makes a mounted element's `fetchToken` available for its token.
pub(crate) fn register(host: &HtmlElement) {
    HOSTS.with_borrow_mut(|hosts| {
        if !hosts.iter().any(|known| known == host) {
            hosts.push(host.clone());
        }
    });
}

/// Forgets an unmounted element.
pub(crate) fn unregister(host: &HtmlElement) {
    HOSTS.with_borrow_mut(|hosts| hosts.retain(|known| known != host));
}

/// The token to send in place of `token`: its latest replacement, or itself.
pub(crate) fn current(token: &str) -> String {
    let mut latest = token.to_owned();
    // A short chain: one link per renewal, one renewal an hour on a page left open.
    for _ in 0..32 {
        match RENEWED.with_borrow(|renewed| lookup(renewed, &latest)) {
            Some(newer) if newer != latest => latest = newer,
            _ => break,
        }
    }
    latest
}

/// A fresh token to replace `stale` (the one the backend just refused), from the `fetchToken`
/// of an element whose token is `stale`; `None` when no such element has one, or it gave
/// nothing new.
pub(crate) async fn renew(stale: &str) -> Option<String> {
    let newer = current(stale);
    if newer != stale {
        // Another call renewed it meanwhile.
        return Some(newer);
    }
    let promise = match PENDING.with_borrow(|pending| lookup(pending, stale)) {
        Some(promise) => promise,
        None => {
            let promise = ask_the_page(stale)?;
            PENDING.with_borrow_mut(|pending| pending.push((stale.to_owned(), promise.clone())));
            promise
        }
    };
    let answer = JsFuture::from(promise).await;
    PENDING.with_borrow_mut(|pending| pending.retain(|(token, _)| token != stale));
    let token = answer
        .ok()?
        .as_string()
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty() && token != stale)?;
    RENEWED.with_borrow_mut(|renewed| {
        renewed.retain(|(old, _)| old != stale);
        renewed.push((stale.to_owned(), token.clone()));
    });
    Some(token)
}

fn lookup<T: Clone>(pairs: &[(String, T)], key: &str) -> Option<T> {
    pairs
        .iter()
        .find(|(known, _)| known == key)
        .map(|(_, value)| value.clone())
}

/// Calls the `fetchToken` of the first element whose token is `stale`.
fn ask_the_page(stale: &str) -> Option<Promise> {
    let hosts = HOSTS.with_borrow(Clone::clone);
    hosts.iter().find_map(|host| {
        let given = host.get_attribute("token")?;
        if current(&given) != stale {
            return None;
        }
        let fetch: Function = Reflect::get(host, &JsValue::from_str(PROPERTY))
            .ok()?
            .dyn_into()
            .ok()?;
        // A throwing or non-promise answer is fine: `Promise.resolve` takes both.
        let answer = fetch.call0(host).unwrap_or(JsValue::UNDEFINED);
        Some(Promise::resolve(&answer))
    })
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn element(token: &str) -> HtmlElement {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .expect("a document");
        let host: HtmlElement = document
            .create_element("div")
            .expect("an element")
            .dyn_into()
            .expect("an HTML element");
        host.set_attribute("token", token).expect("an attribute");
        host
    }

    #[wasm_bindgen_test]
    async fn a_refused_token_is_renewed_once_through_fetch_token_and_used_from_then_on() {
        let host = element("stale-1");
        let calls = js_sys::Array::new();
        let record = calls.clone();
        let fetch = wasm_bindgen::closure::Closure::<dyn FnMut() -> Promise>::new(move || {
            record.push(&JsValue::TRUE);
            Promise::resolve(&JsValue::from_str("fresh-1"))
        });
        Reflect::set(&host, &JsValue::from_str(PROPERTY), fetch.as_ref()).expect("set");
        register(&host);

        let (first, second) = join(renew("stale-1"), renew("stale-1")).await;

        assert_eq!(first.as_deref(), Some("fresh-1"));
        assert_eq!(second.as_deref(), Some("fresh-1"));
        assert_eq!(calls.length(), 1, "one renewal for both");
        assert_eq!(current("stale-1"), "fresh-1");
        unregister(&host);
        drop(fetch);
    }

    #[wasm_bindgen_test]
    async fn without_fetch_token_nothing_is_renewed() {
        let host = element("stale-2");
        register(&host);

        assert_eq!(renew("stale-2").await, None);
        assert_eq!(current("stale-2"), "stale-2");
        unregister(&host);
    }

    /// Polls both futures until both are done (the widget has no executor crate to join with).
    async fn join<A: std::future::Future, B: std::future::Future>(
        a: A,
        b: B,
    ) -> (A::Output, B::Output) {
        use std::task::Poll;
        let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
        let (mut a_out, mut b_out) = (None, None);
        std::future::poll_fn(|cx| {
            if a_out.is_none() {
                if let Poll::Ready(value) = a.as_mut().poll(cx) {
                    a_out = Some(value);
                }
            }
            if b_out.is_none() {
                if let Poll::Ready(value) = b.as_mut().poll(cx) {
                    b_out = Some(value);
                }
            }
            if a_out.is_some() && b_out.is_some() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        (a_out.expect("a is done"), b_out.expect("b is done"))
    }
}

//! Mounting widgets into the test page and reading what they render.

use std::cell::RefCell;
use std::rc::Rc;

use hwr_widget::{mount, WidgetHandle};
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CustomEvent, Document, Element, HtmlButtonElement, HtmlElement, ShadowRoot, ShadowRootInit,
    ShadowRootMode,
};

pub(crate) fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a browser document")
}

/// Settles until `done` holds, for at most about two seconds (the page's hire lookup waits a
/// short batch window on a timer); answers whether it held.
pub(crate) async fn settle_until(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if done() {
            return true;
        }
        sleep(20).await;
    }
    done()
}

/// Resolves after `ms` milliseconds.
pub(crate) async fn sleep(ms: i32) {
    let timeout = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    JsFuture::from(timeout).await.expect("timeout resolves");
    leptos::task::tick().await;
}

/// Lets Leptos run its effects and the browser its timers.
pub(crate) async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
        let timeout = Promise::new(&mut |resolve, _| {
            web_sys::window()
                .expect("window")
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .expect("setTimeout");
        });
        JsFuture::from(timeout).await.expect("timeout resolves");
    }
}

/// A `<hire-with-remote>` host in the page with the widget mounted in its open shadow root, as
/// the loader does it. Removed from the page when dropped.
pub(crate) struct MountedElement {
    pub(crate) host: HtmlElement,
    pub(crate) shadow: ShadowRoot,
    pub(crate) handle: Option<WidgetHandle>,
}

impl MountedElement {
    pub(crate) async fn new(attributes: &[(&str, &str)]) -> Self {
        let element = Self::attach(attributes);
        settle().await;
        element
    }

    /// Several widgets mounted in one task, as the loader mounts a page's elements once the
    /// code has arrived.
    pub(crate) async fn new_together(widgets: &[&[(&str, &str)]]) -> Vec<Self> {
        let mounted = widgets.iter().map(|w| Self::attach(w)).collect();
        settle().await;
        mounted
    }

    fn attach(attributes: &[(&str, &str)]) -> Self {
        let document = document();
        let host: HtmlElement = document
            .create_element("hire-with-remote")
            .expect("create element")
            .unchecked_into();
        for (name, value) in attributes {
            host.set_attribute(name, value).expect("set attribute");
        }
        document
            .body()
            .expect("body")
            .append_child(&host)
            .expect("append host");
        let shadow = host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .expect("shadow");
        let handle = mount(shadow.clone(), host.clone()).expect("mount");
        MountedElement {
            host,
            shadow,
            handle: Some(handle),
        }
    }

    pub(crate) fn query(&self, selector: &str) -> Option<Element> {
        self.shadow
            .query_selector(selector)
            .expect("valid selector")
    }

    pub(crate) fn query_all_text(&self, selector: &str) -> Vec<String> {
        let nodes = self
            .shadow
            .query_selector_all(selector)
            .expect("valid selector");
        (0..nodes.length())
            .filter_map(|i| nodes.item(i))
            .filter_map(|node| node.text_content())
            .map(|text| text.trim().to_owned())
            .collect()
    }

    pub(crate) fn button(&self) -> HtmlButtonElement {
        self.query("button.hwr-button")
            .expect("the main button")
            .unchecked_into()
    }

    pub(crate) fn status(&self) -> String {
        self.query("[aria-live]")
            .and_then(|e| e.text_content())
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    pub(crate) async fn press(&self) {
        self.button().click();
        settle().await;
    }

    /// Changes the host's attribute and forwards it, as `attributeChangedCallback` does.
    pub(crate) async fn set_attribute(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(value) => self.host.set_attribute(name, value).expect("set attribute"),
            None => self.host.remove_attribute(name).expect("remove attribute"),
        }
        self.handle
            .as_mut()
            .expect("mounted")
            .set_attribute(name, value.map(str::to_owned));
        settle().await;
    }
}

impl Drop for MountedElement {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.unmount();
        }
        self.host.remove();
    }
}

/// The accessible name of a button without an `aria-label`: its text.
pub(crate) fn accessible_name(button: &HtmlButtonElement) -> String {
    assert!(
        button.get_attribute("aria-label").is_none(),
        "the name comes from the text"
    );
    button.text_content().unwrap_or_default().trim().to_owned()
}

/// Watches the page's network and popups for one test: `window.fetch` and `window.open` are
/// replaced, every call is recorded, and none gets through (`fetch` never settles, like a
/// backend that has not answered yet, so a click goes the way it goes before the connection
/// check answers: a consent window and `POST /api/v1/connect`; `open` returns `null`). Restored
/// when dropped. For the claims that something sends nothing.
pub(crate) struct NetworkWatch {
    watch: JsValue,
    saved_fetch: JsValue,
    saved_open: JsValue,
}

impl NetworkWatch {
    pub(crate) fn install() -> Self {
        let (saved_fetch, saved_open) = saved_fetch_and_open();
        let install = Function::new_no_args(
            "const watch = { calls: [], opened: 0 };
             window.fetch = (request) => {
               const url = new URL(request.url ?? String(request), location.href);
               watch.calls.push((request.method ?? 'GET') + ' ' + url.pathname);
               return new Promise(() => {});
             };
             window.open = () => { watch.opened += 1; return null; };
             return watch;",
        );
        let watch = install
            .call0(&JsValue::NULL)
            .expect("install the network watch");
        NetworkWatch {
            watch,
            saved_fetch,
            saved_open,
        }
    }

    /// Every `fetch` so far, as `"GET /api/v1/connection"`.
    pub(crate) fn requests(&self) -> Vec<String> {
        recorded_calls(&self.watch)
    }

    /// How often `window.open` was called.
    pub(crate) fn popups_opened(&self) -> u32 {
        recorded_opens(&self.watch)
    }
}

impl Drop for NetworkWatch {
    fn drop(&mut self) {
        restore_fetch_and_open(&self.saved_fetch, &self.saved_open);
    }
}

/// Scripted answers in place of the backend, for one test: `window.fetch` and `window.open`
/// replaced, restored when dropped. Answers `GET /api/v1/connection` and `GET /api/v1/countries`
/// as configured, other routes as [`ScriptedBackend::answer`] sets them, 404 `not_found` to
/// anything else, and records every call.
///
/// Why it still exists: the tests that use it are about how one widget renders and reacts to an
/// answer our backend and sandbox cannot be made to give on demand, or only after a consent and
/// a company staged for each test: a status Remote has not published yet, several hires of one
/// candidate, a failing lookup, a country form with a field of every kind or with an earliest
/// start date, a 502 form, a `422` naming an extra field. What a page sends to the real backend,
/// and how often (one connection check, one country list, one hire lookup, one form per
/// country, the checks before a consent window), and how a real answer shows (a hired
/// candidate, `already_hired`), is proven in `tests/e2e/tests/14-one-page-many-buttons.test.mjs`;
/// the answers themselves are the API tests' subject.
pub(crate) struct ScriptedBackend {
    fake: JsValue,
    saved_fetch: JsValue,
    saved_open: JsValue,
}

impl ScriptedBackend {
    /// `countries`: `(alpha-3, alpha-2, name)` triples.
    pub(crate) fn install(connection: &str, countries: &[(&str, &str, &str)]) -> Self {
        let (saved_fetch, saved_open) = saved_fetch_and_open();
        let list: Vec<String> = countries
            .iter()
            .map(|(code, alpha_2, name)| {
                format!(r#"{{"code":"{code}","alpha_2_code":"{alpha_2}","name":"{name}"}}"#)
            })
            .collect();
        let routes = format!(
            r#"{{"GET /api/v1/connection":{{"status":"{connection}"}},"GET /api/v1/countries":{{"countries":[{}]}}}}"#,
            list.join(",")
        );
        let install = Function::new_with_args(
            "routes",
            "const fake = { calls: [], urls: [], bodies: [], opened: 0, routes: {} };
             for (const [call, body] of Object.entries(JSON.parse(routes))) {
               fake.routes[call] = { status: 200, body: JSON.stringify(body) };
             }
             window.fetch = (request) => {
               const url = new URL(request.url);
               const call = request.method + ' ' + url.pathname;
               fake.calls.push(call);
               fake.urls.push(call + url.search);
               const respond = () => {
                 const route = fake.routes[call];
                 if (route === undefined) {
                   return new Response(
                     '{\"error\":{\"code\":\"not_found\",\"message\":\"Not found.\"}}', { status: 404 });
                 }
                 return new Response(route.body, { status: route.status });
               };
               if (request.method === 'GET') return Promise.resolve(respond());
               return request.clone().text().then((text) => {
                 fake.bodies.push([call, text]);
                 return respond();
               });
             };
             window.open = () => { fake.opened += 1; return null; };
             return fake;",
        );
        let fake = install
            .call1(&JsValue::NULL, &routes.into())
            .expect("install the scripted backend");
        ScriptedBackend {
            fake,
            saved_fetch,
            saved_open,
        }
    }

    /// Answers `call` (`"GET /api/v1/hires"`, matched without the query) with `status` and the
    /// JSON `body` from now on.
    pub(crate) fn answer(&self, call: &str, status: u16, body: &str) {
        let route = js_sys::Object::new();
        Reflect::set(&route, &"status".into(), &status.into()).expect("status");
        Reflect::set(&route, &"body".into(), &body.into()).expect("body");
        let routes = Reflect::get(&self.fake, &"routes".into()).expect("routes");
        Reflect::set(&routes, &call.into(), &route).expect("set the route");
    }

    /// The calls to `call` (`"GET /api/v1/hires"`) so far, each with its query string.
    pub(crate) fn urls_of(&self, call: &str) -> Vec<String> {
        let urls = Reflect::get(&self.fake, &"urls".into()).expect("urls");
        Array::from(&urls)
            .iter()
            .filter_map(|url| url.as_string())
            .filter(|url| url == call || url.starts_with(&format!("{call}?")))
            .collect()
    }

    /// The bodies sent to `call` (`"POST /api/v1/hires"`) so far, parsed.
    pub(crate) fn bodies_of(&self, call: &str) -> Vec<JsValue> {
        let bodies = Reflect::get(&self.fake, &"bodies".into()).expect("bodies");
        Array::from(&bodies)
            .iter()
            .map(|pair| Array::from(&pair))
            .filter(|pair| pair.get(0).as_string().as_deref() == Some(call))
            .map(|pair| {
                js_sys::JSON::parse(&pair.get(1).as_string().unwrap_or_default())
                    .expect("a JSON body")
            })
            .collect()
    }

    /// Calls so far, as `"GET /api/v1/connection"`.
    pub(crate) fn calls(&self) -> Vec<String> {
        recorded_calls(&self.fake)
    }

    pub(crate) fn count(&self, call: &str) -> usize {
        self.calls().iter().filter(|c| *c == call).count()
    }

    /// How often `window.open` was called.
    pub(crate) fn popups_opened(&self) -> u32 {
        recorded_opens(&self.fake)
    }
}

impl Drop for ScriptedBackend {
    fn drop(&mut self) {
        restore_fetch_and_open(&self.saved_fetch, &self.saved_open);
    }
}

fn saved_fetch_and_open() -> (JsValue, JsValue) {
    let window = web_sys::window().expect("window");
    let get = |name: &str| Reflect::get(&window, &name.into()).expect("window property");
    (get("fetch"), get("open"))
}

fn restore_fetch_and_open(fetch: &JsValue, open: &JsValue) {
    let window = web_sys::window().expect("window");
    let _ = Reflect::set(&window, &"fetch".into(), fetch);
    let _ = Reflect::set(&window, &"open".into(), open);
}

fn recorded_calls(record: &JsValue) -> Vec<String> {
    let calls = Reflect::get(record, &"calls".into()).expect("calls");
    Array::from(&calls)
        .iter()
        .filter_map(|call| call.as_string())
        .collect()
}

fn recorded_opens(record: &JsValue) -> u32 {
    Reflect::get(record, &"opened".into())
        .ok()
        .and_then(|n| n.as_f64())
        .unwrap_or_default() as u32
}

/// The `hwr:*` events that reach the document while it lives, as `(type, code, message)`, and
/// each event's target and detail.
pub(crate) struct EventLog {
    heard: Rc<RefCell<Vec<(String, String, String)>>>,
    details: Rc<RefCell<Vec<(String, JsValue, JsValue)>>>,
    listener: Closure<dyn FnMut(CustomEvent)>,
}

const EVENT_NAMES: [&str; 4] = ["hwr:success", "hwr:error", "hwr:exit", "hwr:status"];

impl EventLog {
    pub(crate) fn start() -> Self {
        let heard = Rc::new(RefCell::new(Vec::new()));
        let details = Rc::new(RefCell::new(Vec::new()));
        let (sink, detail_sink) = (heard.clone(), details.clone());
        let listener = Closure::<dyn FnMut(CustomEvent)>::new(move |event: CustomEvent| {
            let detail = event.detail();
            let target = event.target().map(JsValue::from).unwrap_or_default();
            detail_sink
                .borrow_mut()
                .push((event.type_(), target, detail.clone()));
            let field = |name: &str| {
                Reflect::get(&detail, &name.into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
            };
            sink.borrow_mut()
                .push((event.type_(), field("code"), field("message")));
        });
        for name in EVENT_NAMES {
            document()
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .expect("listen");
        }
        EventLog {
            heard,
            details,
            listener,
        }
    }

    pub(crate) fn heard(&self) -> Vec<(String, String, String)> {
        self.heard.borrow().clone()
    }

    /// The `(target, detail)` of each event of type `kind`, in order.
    pub(crate) fn of(&self, kind: &str) -> Vec<(JsValue, JsValue)> {
        self.details
            .borrow()
            .iter()
            .filter(|(heard, _, _)| heard == kind)
            .map(|(_, target, detail)| (target.clone(), detail.clone()))
            .collect()
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        for name in EVENT_NAMES {
            let _ = document()
                .remove_event_listener_with_callback(name, self.listener.as_ref().unchecked_ref());
        }
    }
}

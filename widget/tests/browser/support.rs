//! Mounting widgets into the test page and reading what they render.

use hwr_widget::{mount, WidgetHandle};
use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Document, Element, HtmlButtonElement, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode,
};

pub(crate) fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a browser document")
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
        settle().await;
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

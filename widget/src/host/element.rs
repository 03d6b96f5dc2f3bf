//! What the `<hire-with-remote>` loader calls: `mount` renders the component into the element's
//! shadow root, wired to the element's attributes and turning callbacks into DOM events.

use std::any::Any;

use hwr_protocol::{Candidate, HireResponse};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot, Window};

use crate::backend::token_renewal;
use crate::backend::wire::HireStatus;
use crate::flow::consent::with_preopened;
use crate::flow::state::HireError;
use crate::flow::Redirect;
use crate::host::attributes::{ElementConfig, OBSERVED_ATTRIBUTES};
use crate::host::events::{dispatch_error, dispatch_exit, dispatch_status, dispatch_success};
use crate::i18n::Lang;
use crate::view::component::HireWithRemote;
use crate::view::style::adopt_into_shadow;

/// A mounted widget. The loader keeps it to forward attribute changes and to unmount.
#[wasm_bindgen]
pub struct WidgetHandle {
    config: ElementConfig,
    signals: ConfigSignals,
    mounted: Option<Box<dyn Any>>,
    container: web_sys::Element,
    host: HtmlElement,
}

/// The component's inputs, one signal per prop, so that an attribute change re-renders only
/// what depends on it.
struct ConfigSignals {
    backend: ArcRwSignal<String>,
    token: ArcRwSignal<String>,
    candidate: ArcRwSignal<Candidate>,
    redirect: ArcRwSignal<Redirect>,
    lang: ArcRwSignal<Lang>,
}

/// Renders the widget into `shadow` (the open shadow root of `host`) with the host's current
/// attributes. Events are dispatched on `host`.
#[wasm_bindgen]
pub fn mount(shadow: ShadowRoot, host: HtmlElement) -> Result<WidgetHandle, JsValue> {
    console_error_panic_hook::set_once();
    // The loader adopted the same stylesheet for its early button; one copy is enough.
    if shadow.adopted_style_sheets().length() == 0 {
        adopt_into_shadow(&shadow)?;
    }
    let config = read_attributes(&host);
    token_renewal::register(&host);
    let signals = ConfigSignals {
        backend: ArcRwSignal::new(config.backend.clone()),
        token: ArcRwSignal::new(config.token.clone()),
        candidate: ArcRwSignal::new(config.candidate.clone()),
        redirect: ArcRwSignal::new(config.redirect),
        lang: ArcRwSignal::new(effective_lang(&config, &host)),
    };
    let document = host
        .owner_document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let container = document.create_element("div")?;
    container.set_class_name("hwr-root");
    shadow.append_child(&container)?;

    let backend: Signal<String> = signals.backend.clone().into();
    let token: Signal<String> = signals.token.clone().into();
    let candidate: Signal<Candidate> = signals.candidate.clone().into();
    let redirect: Signal<Redirect> = signals.redirect.clone().into();
    let lang: Signal<Lang> = signals.lang.clone().into();
    let handle_host = host.clone();
    // Leptos callbacks must be Send + Sync; the host is only touched on this (the only) thread.
    let host = SendWrapper::new(host);
    let mounted = leptos::mount::mount_to(container.clone().unchecked_into(), move || {
        let (on_success_host, on_error_host) = (host.clone(), host.clone());
        let (on_exit_host, on_status_host) = (host.clone(), host);
        let on_success = Callback::new(move |hire: HireResponse| {
            dispatch_success(&on_success_host, &hire);
        });
        let on_error = Callback::new(move |error: HireError| {
            dispatch_error(&on_error_host, &error.code, &error.message);
        });
        let on_exit = Callback::new(move |()| dispatch_exit(&on_exit_host));
        let on_status = Callback::new(move |hire: HireStatus| {
            dispatch_status(&on_status_host, &hire);
        });
        view! {
            <HireWithRemote
                backend=backend
                token=token
                candidate=candidate
                redirect=redirect
                lang=lang
                on_success=on_success
                on_error=on_error
                on_exit=on_exit
                on_status=on_status
            />
        }
    });
    Ok(WidgetHandle {
        config,
        signals,
        mounted: Some(Box::new(mounted)),
        container,
        host: handle_host,
    })
}

/// The attribute names the loader's `observedAttributes` returns.
#[wasm_bindgen(js_name = observedAttributes)]
pub fn observed_attributes() -> Vec<JsValue> {
    OBSERVED_ATTRIBUTES
        .iter()
        .map(|name| JsValue::from_str(name))
        .collect()
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Forwards an attribute change (`value` is `null` when the attribute was removed); the
    /// component re-renders what depends on it.
    pub fn set_attribute(&mut self, name: &str, value: Option<String>) {
        if !self.config.apply(name, value.as_deref()) {
            return;
        }
        let config = &self.config;
        let s = &self.signals;
        match name {
            "backend" => set_if_changed(&s.backend, &config.backend),
            "token" => set_if_changed(&s.token, &config.token),
            "redirect" => set_if_changed(&s.redirect, &config.redirect),
            "lang" => {
                let host = self.container.get_root_node().dyn_into::<ShadowRoot>().ok();
                let lang = match (config.lang, host) {
                    (Some(lang), _) => lang,
                    (None, Some(shadow)) => document_lang(&shadow.host()),
                    (None, None) => Lang::En,
                };
                set_if_changed(&s.lang, &lang);
            }
            _ => set_if_changed(&s.candidate, &config.candidate),
        }
    }

    /// Presses the button for a click that came before the widget code was here. `popup` is the
    /// window the loader opened inside that click (`null` when it opened none): the flow uses it
    /// rather than opening one, and closes it when the click needs no consent.
    pub fn press(&self, popup: Option<Window>) {
        let button = self
            .container
            .query_selector(".hwr-button")
            .ok()
            .flatten()
            .and_then(|button| button.dyn_into::<HtmlElement>().ok());
        with_preopened(popup, || {
            if let Some(button) = button {
                button.click();
            }
        });
    }

    /// Removes the widget and stops its reactive work. Requests already sent still complete,
    /// but nothing is rendered or dispatched afterwards.
    pub fn unmount(mut self) {
        token_renewal::unregister(&self.host);
        self.mounted.take();
        self.container.remove();
    }
}

fn set_if_changed<T: PartialEq + Clone + Send + Sync + 'static>(
    signal: &ArcRwSignal<T>,
    value: &T,
) {
    if signal.get_untracked() != *value {
        signal.set(value.clone());
    }
}

fn read_attributes(host: &HtmlElement) -> ElementConfig {
    let pairs: Vec<(String, String)> = OBSERVED_ATTRIBUTES
        .iter()
        .filter_map(|name| {
            host.get_attribute(name)
                .map(|value| ((*name).to_owned(), value))
        })
        .collect();
    ElementConfig::from_attributes(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// The `lang` attribute wins; without it, the nearest `lang` up the page, as HTML itself does.
fn effective_lang(config: &ElementConfig, host: &web_sys::Element) -> Lang {
    config.lang.unwrap_or_else(|| document_lang(host))
}

fn document_lang(host: &web_sys::Element) -> Lang {
    host.closest("[lang]")
        .ok()
        .flatten()
        .and_then(|element| element.get_attribute("lang"))
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or_default()
}

//! The widget's markup, built with plain DOM calls and kept current by render effects.
//!
//! Leptos's `view!` compiles every element, attribute and reactive closure into its own renderer
//! type; for this small form that came to about 30 KB of the bundle's gzip size. Here a binding is
//! one boxed closure in a `RenderEffect<()>`, and the markup stays in one readable place per part.

use std::cell::RefCell;

use leptos::prelude::{document, on_cleanup, RenderEffect};
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{Element, Event, EventTarget};

/// Keeps a part's render effects and event listeners alive; dropping it stops them all.
#[derive(Default)]
pub(crate) struct Scope {
    effects: Vec<RenderEffect<()>>,
    listeners: Vec<Listener>,
}

struct Listener {
    target: EventTarget,
    events: &'static [&'static str],
    capture: bool,
    closure: Closure<dyn FnMut(Event)>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        for event in self.events {
            let _ = self.target.remove_event_listener_with_callback_and_bool(
                event,
                self.closure.as_ref().unchecked_ref(),
                self.capture,
            );
        }
    }
}

thread_local! {
    /// The scope of every rendered root element.
    static ROOTS: RefCell<Vec<(Element, Scope)>> = const { RefCell::new(Vec::new()) };
}

/// Renders into `root` with `build`, replacing what an earlier render of the same element put
/// there: Leptos rebuilds a view of the same type in place (a parent's closure that re-runs), and
/// the element's old bindings and listeners must not outlive it. Everything stops when the
/// current reactive owner is cleaned up.
pub(crate) fn render_root(root: Element, build: impl FnOnce(&mut Scope)) {
    forget_root(&root);
    root.set_text_content(None);
    let mut scope = Scope::default();
    build(&mut scope);
    ROOTS.with_borrow_mut(|roots| roots.push((root.clone(), scope)));
    let root = SendWrapper::new(root);
    on_cleanup(move || forget_root(&root));
}

fn forget_root(root: &Element) {
    let scope = ROOTS.with_borrow_mut(|roots| {
        let index = roots.iter().position(|(element, _)| element == root)?;
        Some(roots.swap_remove(index))
    });
    // Dropped once the borrow has ended.
    drop(scope);
}

impl Scope {
    /// Runs `update` now and again whenever a signal it read changes.
    pub(crate) fn effect(&mut self, mut update: impl FnMut() + 'static) {
        self.effects.push(RenderEffect::new(move |_| update()));
    }

    /// Stops everything this scope kept: the part it belonged to is being replaced.
    pub(crate) fn clear(&mut self) {
        self.effects.clear();
        self.listeners.clear();
    }

    /// Calls `handler` for each of `events` on `target`. With `capture`, events that do not
    /// bubble still reach a listener on an ancestor.
    pub(crate) fn listen(
        &mut self,
        target: &EventTarget,
        events: &'static [&'static str],
        capture: bool,
        handler: impl FnMut(Event) + 'static,
    ) {
        let closure = Closure::<dyn FnMut(Event)>::new(handler);
        for event in events {
            let _ = target.add_event_listener_with_callback_and_bool(
                event,
                closure.as_ref().unchecked_ref(),
                capture,
            );
        }
        self.listeners.push(Listener {
            target: target.clone(),
            events,
            capture,
            closure,
        });
    }
}

/// A new `<tag class="…">`, not yet in the page.
pub(crate) fn create(tag: &str, class: &str) -> Element {
    let element = document().create_element(tag).unwrap_throw();
    if !class.is_empty() {
        element.set_class_name(class);
    }
    element
}

/// A new `<tag class="…">` appended to `parent`.
pub(crate) fn child(parent: &Element, tag: &str, class: &str) -> Element {
    let element = create(tag, class);
    let _ = parent.append_child(&element);
    element
}

/// Sets the attributes, as `(name, value)` pairs.
pub(crate) fn attributes(element: &Element, pairs: &[(&str, &str)]) {
    for (name, value) in pairs {
        let _ = element.set_attribute(name, value);
    }
}

/// Adds a boolean attribute (`hidden`, `disabled`, …) when `on`, removes it otherwise.
pub(crate) fn flag(element: &Element, name: &str, on: bool) {
    let _ = element.toggle_attribute_with_force(name, on);
}

/// `"true"` or `"false"`, for `aria-*` attributes.
pub(crate) fn aria(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}

//! `HireWithRemote`, the Leptos component: the button, the inline form and the live region.
//! It only renders; the flow (`flow/mod.rs`) decides what happens on a click.

use std::sync::atomic::{AtomicU32, Ordering};

use hwr_protocol::{Candidate, HireResponse};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::backend::wire::HireStatus;
pub use crate::flow::state::HireError;
use crate::flow::state::Phase;
use crate::flow::{Flow, FlowProps, Redirect};
use crate::i18n::Lang;
use crate::view::dom::{self, Scope};
use crate::view::form::inline_form;

/// The "Hire with Remote" button.
///
/// On a click it validates the candidate (asking for missing fields in a small inline form),
/// asks the employer's consent in a popup the first time, creates the hire through the backend
/// and sends the employer to Remote's onboarding page. A candidate the company employs already
/// (the page asks once, for all its buttons) shows the hire's status, and the button, "Open in
/// Remote", takes the employer to that hire instead.
///
/// ```ignore
/// view! {
///     <HireWithRemote
///         backend="https://hire.example.com"
///         token=site_token
///         candidate=candidate
///         on_success=Callback::new(|hire: HireResponse| log!("{}", hire.hire_id))
///     />
/// }
/// ```
///
/// Styles: add [`crate::STYLESHEET`] to the page once (for example with
/// [`crate::adopt_document_styles`]); the custom element does this inside its shadow root.
#[component]
pub fn HireWithRemote(
    /// Base URL of the hire-with-remote backend, e.g. `https://hire.example.com` (no trailing
    /// slash needed).
    #[prop(into)]
    backend: Signal<String>,
    /// The site token the job site's server signed for the signed-in user; sent as
    /// `Authorization: Bearer`, never in a URL.
    #[prop(into)]
    token: Signal<String>,
    /// The candidate to hire. Missing or invalid fields are asked for before anything is sent.
    #[prop(into)]
    candidate: Signal<Candidate>,
    /// After a successful hire: navigate to onboarding ([`Redirect::Auto`], the default) or
    /// leave it to `on_success` ([`Redirect::None`]).
    #[prop(into, optional)]
    redirect: Signal<Redirect>,
    /// Display language (English by default).
    #[prop(into, optional)]
    lang: Signal<Lang>,
    /// Called once the hire exists (`already_hired`: it existed before), before any navigation.
    #[prop(optional)]
    on_success: Option<Callback<HireResponse>>,
    /// Called when something failed, with a stable code and a sentence.
    #[prop(optional)]
    on_error: Option<Callback<HireError>>,
    /// Called when the employer closed the consent popup or denied consent.
    #[prop(optional)]
    on_exit: Option<Callback<()>>,
    /// Called when the candidate's hire becomes known (the page's lookup of its candidates, or
    /// this button's hire) and again whenever its status changes.
    #[prop(optional)]
    on_status: Option<Callback<HireStatus>>,
    /// The button's state. Pass a signal to observe it, or to set it in a storybook or test;
    /// the component makes its own when absent.
    #[prop(optional)]
    phase: Option<RwSignal<Phase>>,
) -> impl IntoView {
    let phase = phase.unwrap_or_else(|| RwSignal::new(Phase::Idle));
    let flow = Flow::new(FlowProps {
        backend,
        token,
        candidate,
        redirect,
        lang,
        phase,
        on_success,
        on_error,
        on_exit,
        on_status,
    });
    flow.show_redirect_outcome();

    view! { <form use:render=flow></form> }
}

/// Fills the `<form>` Leptos created: the inline form (while it has fields to ask for), the
/// button, and the status line with its retry button.
fn render(root: Element, flow: Flow) {
    dom::render_root(root.clone(), |scope| render_widget(scope, root, flow));
}

fn render_widget(scope: &mut Scope, root: Element, flow: Flow) {
    scope.effect(move || flow.prepare_page());
    let (phase, lang) = (flow.phase, flow.lang);
    dom::attributes(&root, &[("novalidate", "")]);
    let form = root.clone();
    scope.effect(move || {
        let mut class = String::from("hwr hwr--");
        class.push_str(phase.get().modifier());
        if flow.hired().is_some() {
            class.push_str(" hwr--hired");
        }
        form.set_class_name(&class);
        let _ = form.set_attribute("lang", lang.get().tag());
    });

    // Busy is aria-disabled rather than disabled: a disabled button drops keyboard focus to the
    // page. Double submits are refused by the flow instead.
    let button = dom::child(&root, "button", "hwr-button");
    dom::attributes(&button, &[("type", "submit")]);
    let busy_button = button.clone();
    scope.effect(move || {
        let busy = dom::aria(phase.get().is_busy());
        dom::attributes(
            &busy_button,
            &[("aria-disabled", busy), ("aria-busy", busy)],
        );
    });
    let spinner = dom::child(&button, "span", "hwr-button__spinner");
    dom::attributes(&spinner, &[("aria-hidden", "true")]);
    let label = dom::child(&button, "span", "hwr-button__label");
    // The button's name, and the host told once a hire is known or its status changed.
    let mut reported = None;
    scope.effect(move || {
        let strings = lang.get().strings();
        let hired = flow.hired();
        let name = match hired {
            Some(_) => strings.open_in_remote,
            None => strings.button,
        };
        label.set_text_content(Some(name));
        if hired != reported {
            if let Some(hire) = hired.clone() {
                flow.report_status(hire);
            }
            reported = hired;
        }
    });
    inline_form(scope, &root, &button, flow, next_id_prefix());

    let status = dom::child(&root, "div", "hwr-status");
    let text = dom::child(&status, "p", "hwr-status__text");
    dom::attributes(&text, &[("role", "status"), ("aria-live", "polite")]);
    scope.effect(move || {
        let announcement = phase
            .get()
            .announcement(lang.get().strings(), flow.hired().as_ref());
        text.set_text_content(Some(&announcement));
    });
    let retry = dom::create("button", "hwr-status__retry");
    dom::attributes(&retry, &[("type", "submit")]);
    scope.effect(move || {
        if matches!(phase.get(), Phase::Failed { .. }) {
            retry.set_text_content(Some(lang.get().strings().retry));
            let _ = status.append_child(&retry);
        } else {
            retry.remove();
        }
    });

    let form = root.clone();
    scope.listen(&root, &["submit"], false, move |event| {
        event.prevent_default();
        flow.submit();
        if flow.form.has_errors() {
            focus_first_invalid(form.clone());
        }
    });
}

/// Ids must be unique per document when the component is used without a shadow root.
fn next_id_prefix() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let mut prefix = String::from("hwr-");
    prefix.push_str(&NEXT.fetch_add(1, Ordering::Relaxed).to_string());
    prefix
}

/// Moves focus to the first field with an error once the form has rendered, so keyboard and
/// screen-reader users land where the fix is needed.
fn focus_first_invalid(form: Element) {
    request_animation_frame(move || {
        // The widget may have been unmounted before the frame.
        if !form.is_connected() {
            return;
        }
        if let Ok(Some(field)) = form.query_selector("[aria-invalid='true']") {
            if let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() {
                let _ = field.focus();
            }
        }
    });
}

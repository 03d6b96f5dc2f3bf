//! `HireWithRemote`, the Leptos component: the button, the inline form and the live region.
//! It only renders; [`crate::flow`] decides what happens on a click.

use std::sync::atomic::{AtomicU32, Ordering};

use hwr_protocol::{Candidate, HireResponse};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::attributes::Redirect;
use crate::flow::{Flow, FlowProps};
use crate::form::inline_form;
use crate::i18n::Lang;
use crate::state::Phase;

/// What `on_error` receives: the same `{code, message}` as the `hwr:error` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HireError {
    /// Stable code: one of the backend's error codes, or `network_error`, `unexpected_response`,
    /// `consent_expired`, `consent_failed`, `misconfigured`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// The "Hire with Remote" button.
///
/// On a click it validates the candidate (asking for missing fields in a small inline form),
/// asks the employer's consent in a popup the first time, creates the hire through the backend
/// and sends the employer to Remote's onboarding page.
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
    /// Called once the hire exists, before any navigation.
    #[prop(optional)]
    on_success: Option<Callback<HireResponse>>,
    /// Called when something failed, with a stable code and a sentence.
    #[prop(optional)]
    on_error: Option<Callback<HireError>>,
    /// Called when the employer closed the consent popup or denied consent.
    #[prop(optional)]
    on_exit: Option<Callback<()>>,
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
    });
    flow.watch_page();
    flow.show_redirect_outcome();

    let strings = Signal::derive(move || lang.get().strings());
    let busy = Signal::derive(move || phase.with(Phase::is_busy));
    let failed = move || phase.with(|p| matches!(p, Phase::Failed { .. }));
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        flow.submit();
        if flow.form.errors.with_untracked(|errors| !errors.is_empty()) {
            focus_first_invalid(form_ref);
        }
    };

    view! {
        <form
            node_ref=form_ref
            class=move || format!("hwr hwr--{}", phase.with(Phase::modifier))
            lang=move || lang.get().tag()
            novalidate=true
            on:submit=on_submit
        >
            {inline_form(flow.form, flow.countries, strings, next_id_prefix(), busy)}
            // Busy is aria-disabled rather than disabled: a disabled button drops keyboard
            // focus to the page. Double submits are refused by the flow instead.
            <button
                type="submit"
                class="hwr-button"
                aria-disabled=move || busy.get().to_string()
                aria-busy=move || busy.get().to_string()
            >
                <span class="hwr-button__spinner" aria-hidden="true"></span>
                <span class="hwr-button__label">{move || strings.get().button}</span>
            </button>
            <div class="hwr-status">
                <p class="hwr-status__text" role="status" aria-live="polite">
                    {move || phase.with(|p| p.announcement(strings.get()))}
                </p>
                <Show when=failed>
                    <button type="submit" class="hwr-status__retry">
                        {move || strings.get().retry}
                    </button>
                </Show>
            </div>
        </form>
    }
}

/// Ids must be unique per document when the component is used without a shadow root.
fn next_id_prefix() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("hwr-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Moves focus to the first field with an error once the form has rendered, so keyboard and
/// screen-reader users land where the fix is needed.
fn focus_first_invalid(form_ref: NodeRef<leptos::html::Form>) {
    request_animation_frame(move || {
        // The widget may have been unmounted before the frame.
        let Some(Some(form)) = form_ref.try_get_untracked() else {
            return;
        };
        if let Ok(Some(field)) = form.query_selector("[aria-invalid='true']") {
            if let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() {
                let _ = field.focus();
            }
        }
    });
}

//! Each state's rendering, driven through the component's `phase` signal (no backend needed).

use hwr_widget::{Candidate, HireWithRemote, Notice, Phase};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlElement};

use crate::support::{document, settle, NetworkWatch};

struct MountedComponent {
    root: HtmlElement,
    phase: RwSignal<Phase>,
    _handle: Box<dyn std::any::Any>,
}

impl MountedComponent {
    async fn new() -> Self {
        Self::for_candidate("", "", Candidate::default()).await
    }

    /// The component for `candidate`, talking to `backend` with `token`.
    async fn for_candidate(backend: &str, token: &str, candidate: Candidate) -> Self {
        let (backend, token) = (backend.to_owned(), token.to_owned());
        let root: HtmlElement = document()
            .create_element("div")
            .expect("div")
            .unchecked_into();
        document()
            .body()
            .expect("body")
            .append_child(&root)
            .expect("append");
        let phase = RwSignal::new(Phase::Idle);
        let handle = leptos::mount::mount_to(root.clone(), move || {
            view! {
                <HireWithRemote
                    backend=backend.clone()
                    token=token.clone()
                    candidate=candidate.clone()
                    phase=phase
                />
            }
        });
        settle().await;
        MountedComponent {
            root,
            phase,
            _handle: Box::new(handle),
        }
    }

    async fn show(&self, phase: Phase) {
        self.phase.set(phase);
        settle().await;
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).expect("valid selector")
    }

    fn form_class(&self) -> String {
        self.find("form")
            .map(|f| f.class_name())
            .unwrap_or_default()
    }

    fn status(&self) -> String {
        self.find("[aria-live]")
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    fn button_attribute(&self, name: &str) -> Option<String> {
        self.find(".hwr-button").and_then(|b| b.get_attribute(name))
    }
}

impl Drop for MountedComponent {
    fn drop(&mut self) {
        self.root.remove();
    }
}

#[wasm_bindgen_test]
async fn each_busy_state_is_announced_and_marks_the_button_busy() {
    let widget = MountedComponent::new().await;
    let cases = [
        (
            Phase::Connecting,
            "hwr--connecting",
            "Waiting for your permission in the Remote window…",
        ),
        (
            Phase::Submitting,
            "hwr--submitting",
            "Sending the candidate to Remote…",
        ),
        (
            Phase::Redirecting,
            "hwr--redirecting",
            "Opening onboarding in Remote…",
        ),
        (
            Phase::ConsentInThisWindow,
            "hwr--redirecting",
            "Pop-up blocked: continuing with Remote in this window…",
        ),
    ];

    for (phase, class, announcement) in cases {
        widget.show(phase.clone()).await;

        assert!(
            widget.form_class().contains(class),
            "{phase:?}: {}",
            widget.form_class()
        );
        assert_eq!(widget.status(), announcement, "{phase:?}");
        assert_eq!(
            widget.button_attribute("aria-busy").as_deref(),
            Some("true"),
            "{phase:?}"
        );
        assert_eq!(
            widget.button_attribute("aria-disabled").as_deref(),
            Some("true"),
            "{phase:?}"
        );
        assert!(widget.find(".hwr-status__retry").is_none(), "{phase:?}");
    }
}

#[wasm_bindgen_test]
async fn the_error_state_shows_the_message_and_a_retry_button() {
    let widget = MountedComponent::new().await;

    widget
        .show(Phase::Failed {
            code: "upstream_unavailable".into(),
            message: "Remote is not answering. Try again in a minute.".into(),
        })
        .await;

    assert!(widget.form_class().contains("hwr--error"));
    assert_eq!(
        widget.status(),
        "Remote is not answering. Try again in a minute."
    );
    let retry = widget.find(".hwr-status__retry").expect("a retry button");
    assert_eq!(retry.text_content().as_deref(), Some("Try again"));
    assert_eq!(
        widget.button_attribute("aria-busy").as_deref(),
        Some("false")
    );
}

#[wasm_bindgen_test]
async fn going_back_to_idle_after_a_denied_consent_explains_why() {
    let widget = MountedComponent::new().await;

    widget.show(Phase::Notice(Notice::ConsentDenied)).await;
    assert_eq!(
        widget.status(),
        "Permission was not given, so nothing was sent to Remote."
    );
    assert_eq!(
        widget.button_attribute("aria-disabled").as_deref(),
        Some("false")
    );

    widget.show(Phase::Notice(Notice::PopupClosed)).await;
    assert_eq!(
        widget.status(),
        "The Remote window was closed, so nothing was sent."
    );

    widget.show(Phase::Idle).await;
    assert_eq!(widget.status(), "");
    assert!(widget.form_class().contains("hwr--idle"));
}

/// A complete candidate: pressing for her while idle sends a request or opens a window.
fn ana() -> Candidate {
    Candidate {
        full_name: "Ana Silva".into(),
        job_title: "Backend Engineer".into(),
        personal_email: "ana@example.com".into(),
        provisional_start_date: "2099-03-01".into(),
        country_code: "PT".into(),
        ..Candidate::default()
    }
}

#[wasm_bindgen_test]
async fn pressing_while_busy_sends_nothing_and_changes_nothing() {
    let network = NetworkWatch::install();
    let widget =
        MountedComponent::for_candidate("https://hwr.test", "token-pressed-while-busy", ana())
            .await;
    widget.show(Phase::Submitting).await;
    let before = network.requests();

    let button: HtmlElement = widget.find(".hwr-button").expect("button").unchecked_into();
    button.click();
    settle().await;

    assert_eq!(network.requests(), before, "no request");
    assert_eq!(network.popups_opened(), 0, "no window");
    assert_eq!(widget.phase.get_untracked(), Phase::Submitting);
    assert!(widget.find(".hwr-form").is_none(), "no validation ran");
}

#[wasm_bindgen_test]
async fn a_parent_that_re_renders_the_component_leaves_one_widget_with_one_submit_listener() {
    let root: HtmlElement = document()
        .create_element("div")
        .expect("div")
        .unchecked_into();
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let rerender = RwSignal::new(0);
    let errors_seen = RwSignal::new(0);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        move || {
            rerender.get();
            view! {
                <HireWithRemote
                    backend=String::new()
                    token=String::new()
                    candidate=Candidate::default()
                    on_error=Callback::new(move |_| errors_seen.update(|n| *n += 1))
                />
            }
        }
    });
    settle().await;

    rerender.set(1);
    settle().await;
    let button: HtmlElement = root
        .query_selector(".hwr-button")
        .expect("selector")
        .expect("a button")
        .unchecked_into();
    button.click();
    settle().await;

    assert_eq!(
        root.query_selector_all(".hwr-button")
            .expect("selector")
            .length(),
        1
    );
    assert_eq!(
        root.query_selector_all(".hwr-form")
            .expect("selector")
            .length(),
        1
    );
    assert_eq!(
        root.query_selector_all(".hwr-field")
            .expect("selector")
            .length(),
        5,
        "every field of the empty candidate, once"
    );
    assert_eq!(errors_seen.get_untracked(), 0, "validation, not a request");
    root.remove();
}

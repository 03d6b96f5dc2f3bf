//! What the widgets on one page share (one connection check, one country list per backend and
//! token) and what a click checks before it opens a popup: the country, and whether the backend
//! answered at all. Each test uses its own token, so the page's shared state is its own too.

use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{EventLog, FakeBackend, MountedElement};

const BACKEND: &str = "https://hwr.test";
const HIREABLE: [(&str, &str, &str); 2] = [("PRT", "PT", "Portugal"), ("DEU", "DE", "Germany")];

fn candidate<'a>(token: &'a str, name: &'a str, country: &'a str) -> [(&'a str, &'a str); 7] {
    [
        ("backend", BACKEND),
        ("token", token),
        ("full-name", name),
        ("job-title", "Engineer"),
        ("personal-email", "someone@example.com"),
        ("provisional-start-date", "2099-03-01"),
        ("country-code", country),
    ]
}

#[wasm_bindgen_test]
async fn many_widgets_on_one_page_ask_for_the_connection_and_the_countries_once() {
    let backend = FakeBackend::install("not_connected", &HIREABLE, true);
    let mut widgets = Vec::new();

    for name in ["A", "B", "C", "D", "E"] {
        widgets.push(MountedElement::new(&candidate("token-many", name, "PT")).await);
    }

    assert_eq!(
        backend.count("GET /api/v1/connection"),
        1,
        "{:?}",
        backend.calls()
    );
    assert_eq!(
        backend.count("GET /api/v1/countries"),
        1,
        "{:?}",
        backend.calls()
    );
}

#[wasm_bindgen_test]
async fn a_country_remote_cannot_hire_in_is_refused_before_any_popup_or_request() {
    let backend = FakeBackend::install("not_connected", &HIREABLE, true);
    let widget = MountedElement::new(&candidate("token-kp", "Kim", "kp")).await;
    let events = EventLog::start();

    widget.press().await;

    let message =
        "Remote cannot hire in North Korea yet. Choose another country or contact Remote.";
    assert_eq!(backend.popups_opened(), 0);
    assert!(
        backend.calls().iter().all(|c| c.starts_with("GET ")),
        "{:?}",
        backend.calls()
    );
    assert_eq!(widget.status(), message);
    assert!(widget.query(".hwr--error").is_some());
    let heard = events.heard();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(
        (heard[0].0.as_str(), heard[0].1.as_str()),
        ("hwr:error", "unsupported_country")
    );
    assert_eq!(heard[0].2, message);
    assert!(
        widget.query("select[name=country_code]").is_some(),
        "the form offers the list"
    );
    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])"),
        vec!["Choose a country Remote can hire in.".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn an_alpha_3_country_is_checked_too_and_a_hireable_one_opens_the_popup() {
    let backend = FakeBackend::install("not_connected", &HIREABLE, true);
    let refused = MountedElement::new(&candidate("token-alpha3", "Kim", "PRK")).await;
    let accepted = MountedElement::new(&candidate("token-alpha3", "Jonas", "deu")).await;

    refused.press().await;
    assert_eq!(backend.popups_opened(), 0);
    assert_eq!(
        refused.status(),
        "Remote cannot hire in PRK yet. Choose another country or contact Remote."
    );

    accepted.press().await;
    assert_eq!(backend.popups_opened(), 1, "opened inside the click");
}

#[wasm_bindgen_test]
async fn without_the_country_list_yet_the_click_goes_ahead_as_before() {
    let backend = FakeBackend::install("not_connected", &[], true);
    let widget = MountedElement::new(&candidate("token-no-list", "Kim", "KP")).await;

    widget.press().await;

    assert_eq!(
        backend.popups_opened(),
        1,
        "the server decides about the country"
    );
}

#[wasm_bindgen_test]
async fn an_unreachable_backend_is_reported_on_click_without_a_popup() {
    let backend = FakeBackend::install("not_connected", &HIREABLE, false);
    let widget = MountedElement::new(&candidate("token-unreachable", "Ana", "PT")).await;
    let events = EventLog::start();

    widget.press().await;

    assert_eq!(backend.popups_opened(), 0);
    let heard = events.heard();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0].1, "backend_unreachable");
    assert!(
        heard[0]
            .2
            .starts_with("Can't reach hire-with-remote at https://hwr.test. Check that"),
        "{}",
        heard[0].2
    );
    assert_eq!(widget.status(), heard[0].2);
    assert!(widget.query(".hwr-status__retry").is_some());
    assert_eq!(
        backend.count("GET /api/v1/connection"),
        2,
        "asked again, for the next click"
    );
}

//! Coming back from a redirect-mode consent that did not end on onboarding: the outcome in the
//! URL is shown once, by the widget that left, and the parameters leave the URL.

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{EventLog, MountedElement};

const ANA: [(&str, &str); 5] = [
    ("full-name", "Ana Silva"),
    ("job-title", "Backend Engineer"),
    ("personal-email", "ana@example.com"),
    ("provisional-start-date", "2099-03-01"),
    ("country-code", "PT"),
];
const KIM: [(&str, &str); 5] = [
    ("full-name", "Kim Hye-jin"),
    ("job-title", "Product Designer"),
    ("personal-email", "hyejin@example.com"),
    ("provisional-start-date", "2099-03-01"),
    ("country-code", "KP"),
];

/// The page's URL with `query`, for the test's duration.
struct ReturnedUrl {
    original: String,
}

impl ReturnedUrl {
    fn set(query: &str) -> Self {
        let window = web_sys::window().expect("window");
        let original = window.location().href().expect("href");
        let history = window.history().expect("history");
        history
            .replace_state_with_url(&JsValue::NULL, "", Some(query))
            .expect("replaceState");
        ReturnedUrl { original }
    }

    fn search() -> String {
        web_sys::window()
            .expect("window")
            .location()
            .search()
            .expect("search")
    }
}

impl Drop for ReturnedUrl {
    fn drop(&mut self) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&self.original));
        }
    }
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .expect("window")
        .session_storage()
        .expect("storage")
        .expect("session storage")
}

#[wasm_bindgen_test]
async fn a_denied_consent_is_explained_once_with_an_exit_event_and_leaves_the_url() {
    let _url = ReturnedUrl::set("?job=7&hwr_status=denied");
    let events = EventLog::start();

    let first = MountedElement::new(&ANA).await;
    let second = MountedElement::new(&ANA).await;

    assert_eq!(
        first.status(),
        "Permission was not given, so nothing was sent to Remote."
    );
    assert!(first.query(".hwr--notice").is_some());
    assert_eq!(second.status(), "", "shown once");
    assert_eq!(
        events.heard(),
        vec![("hwr:exit".into(), String::new(), String::new())]
    );
    assert_eq!(ReturnedUrl::search(), "?job=7");
}

#[wasm_bindgen_test]
async fn a_failed_hire_shows_its_code_on_the_widget_that_started_it() {
    let _url = ReturnedUrl::set("?hwr_status=error&hwr_error=upstream_unavailable");
    let kim = r#"{"full_name":"Kim Hye-jin","job_title":"Product Designer",
        "personal_email":"hyejin@example.com","provisional_start_date":"2099-03-01",
        "country_code":"KP"}"#;
    session_storage()
        .set_item(
            "hwr:redirect",
            &format!(r#"{{"for":{kim},"sent":{kim},"key":"key-1"}}"#),
        )
        .expect("store");
    let events = EventLog::start();

    let ana = MountedElement::new(&ANA).await;
    let kim = MountedElement::new(&KIM).await;

    assert_eq!(ana.status(), "", "not the widget that left");
    assert_eq!(
        kim.status(),
        "Remote could not complete the hire. Please try again."
    );
    assert!(kim.query(".hwr--error").is_some());
    assert!(kim.query(".hwr-status__retry").is_some());
    let heard = events.heard();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(
        (heard[0].0.as_str(), heard[0].1.as_str()),
        ("hwr:error", "upstream_unavailable")
    );
    assert_eq!(ReturnedUrl::search(), "");
    assert_eq!(
        session_storage().get_item("hwr:redirect").ok().flatten(),
        None
    );
}

#[wasm_bindgen_test]
async fn an_error_code_that_is_not_shaped_like_one_is_not_passed_on() {
    let _url = ReturnedUrl::set("?hwr_status=error&hwr_error=%3Cb%3Ehi%3C%2Fb%3E");
    let events = EventLog::start();

    let _widget = MountedElement::new(&ANA).await;

    assert_eq!(events.heard()[0].1, "unexpected_response");
}

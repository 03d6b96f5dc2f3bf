//! After the hire: how a widget shows what the page's hire lookup answered when our backend
//! cannot be made to give that answer on demand: statuses in Portuguese and German and one
//! Remote has not published yet, several hires of one candidate, a lookup that fails. The
//! answers are scripted (see [`ScriptedBackend`]). The rest is proven against the real backend
//! in `tests/e2e/tests/14-one-page-many-buttons.test.mjs`: one lookup per page for its valid
//! emails, none before it is connected, later widgets asking only for new emails, the hired
//! candidate's status beside "Open in Remote" with one `hwr:status`, a new hire turning into
//! "Open in Remote", and opening a hired one (`already_hired`). Each test has its own token, so
//! the page's shared lookup is its own too.

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{
    accessible_name, settle_until, sleep, EventLog, MountedElement, ScriptedBackend,
};

const BACKEND: &str = "https://hwr.test";
const HIREABLE: [(&str, &str, &str); 1] = [("PRT", "PT", "Portugal")];
/// Longer than the page's batch window: whatever lookup was coming has come by then.
const QUIET_MS: i32 = 300;

fn candidate<'a>(token: &'a str, name: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("backend", BACKEND),
        ("token", token),
        ("full-name", name),
        ("job-title", "Engineer"),
        ("personal-email", email),
        ("provisional-start-date", "2099-03-01"),
        ("country-code", "PT"),
        ("redirect", "none"),
    ]
}

/// One item of `GET /api/v1/hires`, as the backend lists it.
fn hire_json(hire_id: &str, email: &str, status: &str) -> String {
    format!(
        r#"{{"hire_id":"{hire_id}","employment_id":"emp-{hire_id}","user":"u1","company_id":"c1",
            "status":"{status}","candidate":{{"full_name":"X","personal_email":"{email}",
            "country_code":"PRT"}},"created_at":"2026-11-01T10:00:00Z",
            "updated_at":"2026-11-02T10:00:00Z"}}"#
    )
}

fn hires_json(items: &[String]) -> String {
    format!(r#"{{"hires":[{}]}}"#, items.join(","))
}

async fn three_candidates(token: &str) -> Vec<MountedElement> {
    let ana = candidate(token, "Ana", "Ana@Example.com");
    let bruno = candidate(token, "Bruno", "bruno@example.com");
    let carla = candidate(token, "Carla", "carla@example.com");
    MountedElement::new_together(&[&ana, &bruno, &carla]).await
}

fn text(detail: &JsValue, key: &str) -> Option<String> {
    Reflect::get(detail, &key.into()).ok()?.as_string()
}

#[wasm_bindgen_test]
async fn a_failing_lookup_leaves_every_button_hire_with_remote_and_reports_nothing() {
    let backend = ScriptedBackend::install("connected", &HIREABLE);
    backend.answer(
        "GET /api/v1/hires",
        503,
        r#"{"error":{"code":"upstream_unavailable","message":"Remote is not answering."}}"#,
    );
    let events = EventLog::start();

    let widgets = three_candidates("token-hired-failing").await;
    let asked = settle_until(|| !backend.urls_of("GET /api/v1/hires").is_empty()).await;
    sleep(QUIET_MS).await;

    assert!(asked, "the lookup was made: {:?}", backend.calls());
    for widget in &widgets {
        assert_eq!(accessible_name(&widget.button()), "Hire with Remote");
        assert_eq!(widget.status(), "");
        assert!(widget.query(".hwr--idle").is_some());
    }
    assert!(events.heard().is_empty(), "{:?}", events.heard());
    assert_eq!(backend.urls_of("GET /api/v1/hires").len(), 1, "not retried");
}

#[wasm_bindgen_test]
async fn the_status_and_the_button_read_in_portuguese_and_german_and_unknown_statuses_readably() {
    let backend = ScriptedBackend::install("connected", &HIREABLE);
    let hires = hires_json(&[
        hire_json("h-pt", "pt@example.com", "invited"),
        hire_json("h-de", "de@example.com", "invited"),
        hire_json("h-new", "new@example.com", "probation_ended"),
    ]);
    backend.answer("GET /api/v1/hires", 200, &hires);
    let token = "token-hired-languages";
    let mut pt = candidate(token, "Pia", "pt@example.com");
    pt.push(("lang", "pt"));
    let mut de = candidate(token, "Dirk", "de@example.com");
    de.push(("lang", "de"));
    let unknown = candidate(token, "Nia", "new@example.com");

    let widgets = MountedElement::new_together(&[&pt, &de, &unknown]).await;
    settle_until(|| widgets.iter().all(|w| w.status() != "")).await;

    assert_eq!(accessible_name(&widgets[0].button()), "Abrir na Remote");
    assert_eq!(widgets[0].status(), "Na Remote: Convite enviado");
    assert_eq!(accessible_name(&widgets[1].button()), "In Remote öffnen");
    assert_eq!(widgets[1].status(), "Bei Remote: Eingeladen");
    assert_eq!(widgets[2].status(), "In Remote: Probation ended");
}

#[wasm_bindgen_test]
async fn a_candidate_with_several_hires_shows_the_newest_which_the_backend_lists_first() {
    let backend = ScriptedBackend::install("connected", &HIREABLE);
    let hires = hires_json(&[
        hire_json("h-new", "hana@example.com", "active"),
        hire_json("h-old", "hana@example.com", "archived"),
    ]);
    backend.answer("GET /api/v1/hires", 200, &hires);
    let events = EventLog::start();

    let hana = candidate("token-hired-newest", "Hana", "hana@example.com");
    let widget = MountedElement::new(&hana).await;
    settle_until(|| widget.status() != "").await;
    sleep(QUIET_MS).await;

    assert_eq!(widget.status(), "In Remote: Active");
    let status = events.of("hwr:status");
    assert_eq!(status.len(), 1, "{:?}", events.heard());
    assert_eq!(text(&status[0].1, "hire_id").as_deref(), Some("h-new"));
}

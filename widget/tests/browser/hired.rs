//! After the hire: how a widget shows what the page's hire lookup answered (its status next to an
//! "Open in Remote" button, `hwr:status`) and opens such a hire through the normal hire path
//! (`200` `already_hired`). The answers are scripted (see [`ScriptedBackend`]); that a page asks
//! once, for its valid emails only, and not at all before it is connected, is counted against
//! the real backend in `tests/e2e/tests/14-one-page-many-buttons.test.mjs`. Each test has its own
//! token, so the page's shared lookup is its own too.

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

/// A connected backend whose lookup lists Ana (invited) and Bruno (active); Carla is not hired.
fn backend_with_two_hires() -> ScriptedBackend {
    let backend = ScriptedBackend::install("connected", &HIREABLE);
    let hires = hires_json(&[
        hire_json("h-ana", "ana@example.com", "invited"),
        hire_json("h-bruno", "bruno@example.com", "active"),
    ]);
    backend.answer("GET /api/v1/hires", 200, &hires);
    backend
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
async fn a_hired_candidate_shows_its_status_and_a_button_named_open_in_remote() {
    let _backend = backend_with_two_hires();

    let widgets = three_candidates("token-hired-shown").await;
    settle_until(|| widgets[0].status() != "").await;
    sleep(QUIET_MS).await;

    let (ana, bruno, carla) = (&widgets[0], &widgets[1], &widgets[2]);
    assert_eq!(accessible_name(&ana.button()), "Open in Remote");
    assert_eq!(
        ana.status(),
        "In Remote: Invited",
        "matched case-insensitively"
    );
    assert!(ana.query(".hwr--hired").is_some());
    assert_eq!(accessible_name(&bruno.button()), "Open in Remote");
    assert_eq!(bruno.status(), "In Remote: Active");
    assert_eq!(accessible_name(&carla.button()), "Hire with Remote");
    assert_eq!(carla.status(), "");
    assert!(carla.query(".hwr--hired").is_none());
    let button = ana.button();
    assert_eq!(button.type_(), "submit", "Enter and Space press it");
    assert_eq!(
        button.get_attribute("aria-disabled").as_deref(),
        Some("false")
    );
}

#[wasm_bindgen_test]
async fn each_hired_candidate_fires_one_status_event_with_its_hire() {
    let _backend = backend_with_two_hires();
    let events = EventLog::start();

    let widgets = three_candidates("token-hired-events").await;
    settle_until(|| events.of("hwr:status").len() == 2).await;
    sleep(QUIET_MS).await;

    let heard = events.of("hwr:status");
    assert_eq!(heard.len(), 2, "{:?}", events.heard());
    let detail_on = |widget: &MountedElement| {
        let host = JsValue::from(widget.host.clone());
        let found: Vec<&JsValue> = heard
            .iter()
            .filter(|(target, _)| *target == host)
            .map(|(_, detail)| detail)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one event on each hired candidate's element"
        );
        found[0].clone()
    };
    let ana = detail_on(&widgets[0]);
    assert_eq!(text(&ana, "hire_id").as_deref(), Some("h-ana"));
    assert_eq!(text(&ana, "employment_id").as_deref(), Some("emp-h-ana"));
    assert_eq!(text(&ana, "status").as_deref(), Some("invited"));
    let bruno = detail_on(&widgets[1]);
    assert_eq!(text(&bruno, "hire_id").as_deref(), Some("h-bruno"));
    assert_eq!(
        text(&bruno, "employment_id").as_deref(),
        Some("emp-h-bruno")
    );
    assert_eq!(text(&bruno, "status").as_deref(), Some("active"));
    assert_eq!(
        events.heard().len(),
        2,
        "nothing else: {:?}",
        events.heard()
    );
}

#[wasm_bindgen_test]
async fn opening_a_hired_candidate_posts_the_hire_and_reports_it_as_already_hired() {
    let backend = backend_with_two_hires();
    backend.answer(
        "POST /api/v1/hires",
        200,
        r#"{"hire_id":"h-ana","employment_id":"emp-h-ana","status":"invited",
            "redirect_url":"https://remote.example/onboarding/ana","already_hired":true}"#,
    );
    let widgets = three_candidates("token-hired-open").await;
    let ana = &widgets[0];
    settle_until(|| accessible_name(&ana.button()) == "Open in Remote").await;
    let events = EventLog::start();

    ana.press().await;
    settle_until(|| !events.of("hwr:success").is_empty()).await;

    assert_eq!(
        backend.count("POST /api/v1/hires"),
        1,
        "{:?}",
        backend.calls()
    );
    assert_eq!(backend.popups_opened(), 0, "connected: no consent");
    let success = events.of("hwr:success");
    assert_eq!(success.len(), 1, "{:?}", events.heard());
    let detail = &success[0].1;
    assert_eq!(text(detail, "hire_id").as_deref(), Some("h-ana"));
    assert_eq!(text(detail, "employment_id").as_deref(), Some("emp-h-ana"));
    assert_eq!(
        text(detail, "redirect_url").as_deref(),
        Some("https://remote.example/onboarding/ana")
    );
    let already_hired = Reflect::get(detail, &"already_hired".into()).expect("the field");
    assert_eq!(already_hired.as_bool(), Some(true));
    assert_eq!(ana.status(), "Already in Remote; nothing new was created.");
    assert!(
        events.of("hwr:status").is_empty(),
        "the status did not change"
    );
}

#[wasm_bindgen_test]
async fn a_new_hire_without_redirect_turns_its_button_into_open_in_remote() {
    let backend = ScriptedBackend::install("connected", &HIREABLE);
    backend.answer("GET /api/v1/hires", 200, r#"{"hires":[]}"#);
    backend.answer(
        "POST /api/v1/hires",
        201,
        r#"{"hire_id":"h-new","employment_id":"emp-new","status":"created",
            "redirect_url":"https://remote.example/onboarding/new","already_hired":false}"#,
    );
    let dora = candidate("token-hired-new", "Dora", "dora@example.com");
    let widget = MountedElement::new(&dora).await;
    sleep(QUIET_MS).await;
    let events = EventLog::start();

    widget.press().await;
    settle_until(|| !events.of("hwr:status").is_empty()).await;

    let success = events.of("hwr:success");
    assert_eq!(success.len(), 1, "{:?}", events.heard());
    let already_hired = Reflect::get(&success[0].1, &"already_hired".into()).expect("field");
    assert_eq!(already_hired.as_bool(), Some(false));
    assert_eq!(widget.status(), "Sent to Remote.");
    assert_eq!(accessible_name(&widget.button()), "Open in Remote");
    let status = events.of("hwr:status");
    assert_eq!(status.len(), 1, "{:?}", events.heard());
    assert_eq!(text(&status[0].1, "status").as_deref(), Some("created"));
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

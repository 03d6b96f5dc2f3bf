//! The country's extra fields: once connected, the page reads the country's form and the inline
//! form asks for the required ones before anything is sent; answers travel in the candidate's
//! `extra`. The forms are scripted (see [`ScriptedBackend`]); that a page reads each country's
//! form once, and only once connected, is counted against the real backend in
//! `tests/e2e/tests/14-one-page-many-buttons.test.mjs`. Each test has its own token, so the page's
//! shared form and lists are its own too.

use js_sys::{Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Event, HtmlInputElement, HtmlSelectElement};

use crate::support::{settle, settle_until, MountedElement, ScriptedBackend};

const BACKEND: &str = "https://hwr.test";
const HIREABLE: [(&str, &str, &str); 2] = [("PRT", "PT", "Portugal"), ("DEU", "DE", "Germany")];
const FORM_ROUTE: &str = "GET /api/v1/countries/PT/form";
const HIRE_ROUTE: &str = "POST /api/v1/hires";

/// Like Remote's Portugal at schema version 3: a select, and a countries field whose choices
/// are the hireable countries (the schema lists none).
const PORTUGAL_V3: &str = r#"{"country_code":"PRT","json_schema_version":3,"fields":[
    {"name":"tax_job_category","label":"Job category","type":"select","required":true,
     "options":[{"value":"engineering","label":"Engineering"},{"value":"sales","label":"Sales"}]},
    {"name":"nationalities","label":"Nationality","type":"countries","required":true}],
    "min_start_date":"2099-01-04"}"#;
const PORTUGAL_V1: &str = r#"{"country_code":"PRT","json_schema_version":1,"fields":[]}"#;
const HIRED: &str = r#"{"hire_id":"h1","employment_id":"e1",
    "redirect_url":"https://employ.remote.com/m/1","status":"invited"}"#;

fn ana<'a>(token: &'a str, extra: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut attributes = vec![
        ("backend", BACKEND),
        ("token", token),
        ("full-name", "Ana Silva"),
        ("job-title", "Backend Engineer"),
        ("personal-email", "ana@example.com"),
        ("provisional-start-date", "2099-03-01"),
        ("country-code", "PT"),
        ("redirect", "none"),
    ];
    if let Some(extra) = extra {
        attributes.push(("extra", extra));
    }
    attributes
}

fn connected_backend(form: &str) -> ScriptedBackend {
    let backend = ScriptedBackend::install("connected", &HIREABLE);
    backend.answer(FORM_ROUTE, 200, form);
    backend.answer(HIRE_ROUTE, 201, HIRED);
    backend.answer("GET /api/v1/hires", 200, r#"{"hires":[]}"#);
    backend
}

/// The widget mounted once the page knows it is connected (as on a page left open).
async fn mounted(attributes: &[(&str, &str)]) -> MountedElement {
    let widget = MountedElement::new(attributes).await;
    settle().await;
    widget
}

/// The `extra` of each hire body sent, as JSON text (`""` for a body without one).
fn sent_extras(backend: &ScriptedBackend) -> Vec<String> {
    backend
        .bodies_of(HIRE_ROUTE)
        .iter()
        .map(|body| {
            let extra = Reflect::get(body, &"extra".into()).unwrap_or(JsValue::UNDEFINED);
            if extra.is_undefined() {
                return String::new();
            }
            JSON::stringify(&extra)
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default()
        })
        .collect()
}

async fn press_until_form(widget: &MountedElement) {
    widget.press().await;
    assert!(
        settle_until(|| widget.query(".hwr-form").is_some()).await,
        "the inline form opens"
    );
    settle().await;
}

fn choose(widget: &MountedElement, category: &str) {
    let select: HtmlSelectElement = widget
        .query("select[name=tax_job_category]")
        .expect("the job category select")
        .unchecked_into();
    select.set_value(category);
    select
        .dispatch_event(&Event::new("change").expect("event"))
        .expect("dispatch");
}

fn tick_country(widget: &MountedElement, code: &str) {
    let checkbox: HtmlInputElement = widget
        .query(&format!("input[name=nationalities][value={code}]"))
        .expect("a nationality checkbox")
        .unchecked_into();
    checkbox.click();
}

#[wasm_bindgen_test]
async fn a_connected_hire_in_portugal_asks_for_its_extra_fields_and_sends_nothing_without_them() {
    let backend = connected_backend(PORTUGAL_V3);
    let widget = mounted(&ana("token-form-asks", None)).await;

    press_until_form(&widget).await;

    assert_eq!(
        widget.query_all_text(".hwr-field__label"),
        vec!["Job category".to_owned(), "Nationality".to_owned()]
    );
    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])"),
        vec!["Required.".to_owned(), "Required.".to_owned()]
    );
    let select = widget
        .query("select[name=tax_job_category]")
        .expect("a select");
    assert_eq!(
        select.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    let described_by = select.get_attribute("aria-describedby").expect("described");
    assert_eq!(
        widget
            .shadow
            .get_element_by_id(&described_by)
            .and_then(|m| m.text_content())
            .as_deref(),
        Some("Required.")
    );
    assert_eq!(
        widget.query_all_text(".hwr-choice__label"),
        vec!["Portugal".to_owned(), "Germany".to_owned()],
        "the hireable countries stand in for the schema's missing options"
    );
    assert_eq!(backend.count(FORM_ROUTE), 1);
    assert_only_reads(&backend, "nothing was sent");
    assert!(widget.query(".hwr--idle").is_some());

    widget.press().await;
    settle().await;

    assert_only_reads(&backend, "still nothing without the answers");
    assert_eq!(backend.count(FORM_ROUTE), 1, "the form is read once");
}

/// Nothing was sent: every request so far only read (the connection, the lists, the form), and
/// no consent window was asked for.
fn assert_only_reads(backend: &ScriptedBackend, why: &str) {
    let calls = backend.calls();
    assert!(
        calls.iter().all(|call| call.starts_with("GET ")),
        "{why}: {calls:?}"
    );
    assert_eq!(backend.count(HIRE_ROUTE), 0, "{why}: {calls:?}");
    assert_eq!(backend.popups_opened(), 0, "{why}");
}

#[wasm_bindgen_test]
async fn answered_extra_fields_are_sent_in_the_candidates_extra() {
    let backend = connected_backend(PORTUGAL_V3);
    let widget = mounted(&ana("token-form-answers", None)).await;
    press_until_form(&widget).await;

    choose(&widget, "engineering");
    tick_country(&widget, "PRT");
    settle().await;
    assert!(
        widget
            .query_all_text(".hwr-field__error:not([hidden])")
            .is_empty(),
        "answering clears the messages"
    );
    widget.press().await;

    assert!(settle_until(|| backend.count(HIRE_ROUTE) == 1).await);
    assert_eq!(
        sent_extras(&backend),
        vec![r#"{"nationalities":["PRT"],"tax_job_category":"engineering"}"#.to_owned()]
    );
}

#[wasm_bindgen_test]
async fn the_country_forms_earliest_start_date_bounds_the_date_fields() {
    let _backend = connected_backend(PORTUGAL_V3);
    let mut attributes = ana("token-form-min-start", None);
    attributes.retain(|(name, _)| *name != "provisional-start-date");
    attributes.push(("provisional-start-date", "2099-01-01"));
    let widget = mounted(&attributes).await;

    press_until_form(&widget).await;

    let date = widget
        .query("input[name=provisional_start_date]")
        .expect("the start date is asked for again");
    assert_eq!(date.get_attribute("min").as_deref(), Some("2099-01-04"));
    assert!(widget
        .query_all_text(".hwr-field__error:not([hidden])")
        .contains(&"Choose a later date: the earliest start in this country is later.".to_owned()));
}

#[wasm_bindgen_test]
async fn an_empty_country_form_changes_nothing() {
    let backend = connected_backend(PORTUGAL_V1);
    let widget = mounted(&ana("token-form-empty", None)).await;

    widget.press().await;

    assert!(settle_until(|| backend.count(HIRE_ROUTE) == 1).await);
    assert!(widget.query(".hwr-form").is_none(), "no extra fields");
    assert_eq!(sent_extras(&backend), vec![String::new()], "no extra sent");
}

#[wasm_bindgen_test]
async fn the_extra_attribute_answers_extra_fields_in_advance() {
    let backend = connected_backend(PORTUGAL_V3);
    let widget = mounted(&ana(
        "token-form-prefilled",
        Some(r#"{"tax_job_category":"sales"}"#),
    ))
    .await;

    press_until_form(&widget).await;

    assert_eq!(
        widget.query_all_text(".hwr-field__label"),
        vec!["Nationality".to_owned()],
        "only the unanswered field is asked for"
    );
    tick_country(&widget, "DEU");
    widget.press().await;
    assert!(settle_until(|| backend.count(HIRE_ROUTE) == 1).await);
    assert_eq!(
        sent_extras(&backend),
        vec![r#"{"nationalities":["DEU"],"tax_job_category":"sales"}"#.to_owned()]
    );
}

#[wasm_bindgen_test]
async fn an_extra_attribute_that_is_not_json_is_ignored() {
    let backend = connected_backend(PORTUGAL_V3);
    let widget = mounted(&ana(
        "token-form-bad-extra",
        Some("{tax_job_category: sales"),
    ))
    .await;

    press_until_form(&widget).await;

    assert_eq!(
        widget.query_all_text(".hwr-field__label"),
        vec!["Job category".to_owned(), "Nationality".to_owned()]
    );
    assert_eq!(backend.count(HIRE_ROUTE), 0);
}

#[wasm_bindgen_test]
async fn a_servers_message_about_an_extra_field_shows_that_field_with_the_current_answer() {
    let backend = connected_backend(PORTUGAL_V3);
    backend.answer(
        HIRE_ROUTE,
        422,
        r#"{"error":{"code":"validation_failed","message":"Check the fields.",
            "fields":{"tax_job_category":["is not one of the allowed values"]}}}"#,
    );
    let widget = mounted(&ana(
        "token-form-server-says",
        Some(r#"{"tax_job_category":"sales","nationalities":["PRT"]}"#),
    ))
    .await;

    widget.press().await;

    assert!(settle_until(|| widget.query("select[name=tax_job_category]").is_some()).await);
    assert_eq!(backend.count(HIRE_ROUTE), 1);
    let select: HtmlSelectElement = widget
        .query("select[name=tax_job_category]")
        .expect("the select")
        .unchecked_into();
    assert_eq!(select.value(), "sales", "the answer sent, for correction");
    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])"),
        vec!["is not one of the allowed values".to_owned()]
    );
}

/// One field of every other kind the backend sends.
const EVERY_KIND: &str = r#"{"country_code":"PRT","json_schema_version":3,"fields":[
    {"name":"tax_id","label":"Tax number","type":"text","required":true,
     "description":"The NIF, nine digits."},
    {"name":"contract_end","label":"Contract end","type":"date","required":true},
    {"name":"annual_gross_salary","label":"Salary","type":"number","required":true},
    {"name":"work_schedule","label":"Schedule","type":"radio","required":true,
     "options":[{"value":"full","label":"Full time"},{"value":"part","label":"Part time"}]},
    {"name":"languages","label":"Languages","type":"multiselect","required":true,
     "options":[{"value":"pt","label":"Portuguese"},{"value":"en","label":"English"}]},
    {"name":"nickname","label":"Nickname","type":"text","required":false}],
    "min_start_date":"2099-01-04"}"#;

fn type_into(widget: &MountedElement, selector: &str, value: &str) {
    let input: HtmlInputElement = widget
        .query(selector)
        .unwrap_or_else(|| panic!("{selector}"))
        .unchecked_into();
    input.set_value(value);
    input
        .dispatch_event(&Event::new("input").expect("event"))
        .expect("dispatch");
}

#[wasm_bindgen_test]
async fn every_kind_of_extra_field_gets_its_control_and_its_answer_is_sent_as_its_type() {
    let backend = connected_backend(EVERY_KIND);
    let widget = mounted(&ana("token-form-every-kind", None)).await;

    press_until_form(&widget).await;

    assert_eq!(
        widget.query_all_text(".hwr-field__label"),
        vec![
            "Tax number",
            "Contract end",
            "Salary",
            "Schedule",
            "Languages"
        ],
        "the required ones, in the schema's order"
    );
    let tax_id = widget.query("input[type=text][name=tax_id]").expect("text");
    let hint = tax_id.get_attribute("aria-describedby").expect("described");
    assert!(widget
        .query(&format!("label[for='{}']", tax_id.id()))
        .is_some());
    assert_eq!(tax_id.get_attribute("required").as_deref(), Some(""));
    let hint_id = hint.split(' ').nth(1).expect("the help text too");
    assert_eq!(
        widget
            .shadow
            .get_element_by_id(hint_id)
            .and_then(|h| h.text_content())
            .as_deref(),
        Some("The NIF, nine digits.")
    );
    let end = widget
        .query("input[type=date][name=contract_end]")
        .expect("date");
    assert_eq!(end.get_attribute("min").as_deref(), Some("2099-01-04"));
    assert!(widget
        .query("input[type=number][name=annual_gross_salary]")
        .is_some());
    let schedule = widget.query("fieldset.hwr-field--group").expect("a group");
    assert_eq!(
        schedule
            .query_selector("legend")
            .ok()
            .flatten()
            .and_then(|l| l.text_content())
            .as_deref(),
        Some("Schedule")
    );
    assert_eq!(
        schedule.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        schedule.get_attribute("role").as_deref(),
        Some("radiogroup")
    );
    assert_eq!(
        schedule.get_attribute("aria-required").as_deref(),
        Some("true")
    );
    assert_eq!(
        widget
            .shadow
            .query_selector_all("input[type=radio][name=work_schedule]")
            .expect("selector")
            .length(),
        2
    );

    type_into(&widget, "[name=tax_id]", "123456789");
    type_into(&widget, "[name=contract_end]", "2100-12-31");
    type_into(&widget, "[name=annual_gross_salary]", "4200000");
    for choice in [
        "input[name=work_schedule][value=part]",
        "input[name=languages][value=pt]",
        "input[name=languages][value=en]",
    ] {
        let input: HtmlInputElement = widget.query(choice).expect(choice).unchecked_into();
        input.click();
    }
    settle().await;
    widget.press().await;

    assert!(settle_until(|| backend.count(HIRE_ROUTE) == 1).await);
    assert_eq!(
        sent_extras(&backend),
        vec![concat!(
            r#"{"annual_gross_salary":4200000,"contract_end":"2100-12-31","#,
            r#""languages":["pt","en"],"tax_id":"123456789","work_schedule":"part"}"#
        )
        .to_owned()]
    );
}

#[wasm_bindgen_test]
async fn the_country_forms_own_words_are_in_the_widgets_language() {
    let _backend = connected_backend(PORTUGAL_V3);
    let mut attributes = ana("token-form-pt", None);
    attributes.push(("lang", "pt"));
    let widget = mounted(&attributes).await;

    press_until_form(&widget).await;

    let placeholder = widget
        .query("select[name=tax_job_category] option[value='']")
        .and_then(|o| o.text_content());
    assert_eq!(placeholder.as_deref(), Some("Escolha…"));
    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])"),
        vec!["Obrigatório.".to_owned(), "Obrigatório.".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn a_country_form_the_backend_cannot_give_leaves_the_check_to_the_server_and_is_asked_again()
{
    let backend = connected_backend(PORTUGAL_V3);
    backend.answer(
        FORM_ROUTE,
        502,
        r#"{"error":{"code":"upstream_unavailable","message":"Remote is unavailable."}}"#,
    );
    let widget = mounted(&ana("token-form-unavailable", None)).await;

    widget.press().await;

    assert!(settle_until(|| backend.count(HIRE_ROUTE) == 1).await);
    assert!(widget.query(".hwr-form").is_none());
    backend.answer(FORM_ROUTE, 200, PORTUGAL_V3);
    settle().await;
    widget.press().await;
    assert!(settle_until(|| backend.count(FORM_ROUTE) == 2).await);
}

//! The inline form that asks for missing or invalid fields before anything is sent.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Event, HtmlInputElement};

use crate::support::{settle, MountedElement, NetworkWatch};

const JONAS: [(&str, &str); 3] = [
    ("full-name", "Jonas Becker"),
    ("job-title", "Data Scientist"),
    ("personal-email", "jonas@example.com"),
];

#[wasm_bindgen_test]
async fn missing_country_and_start_date_open_a_form_asking_for_exactly_those() {
    let network = NetworkWatch::install();
    let mut attributes = JONAS.to_vec();
    attributes.extend([
        ("backend", "https://hwr.test"),
        ("token", "token-form-missing"),
    ]);
    let widget = MountedElement::new(&attributes).await;
    assert!(widget.query(".hwr-form").is_none());

    widget.press().await;

    let labels = widget.query_all_text(".hwr-field__label");
    assert_eq!(labels, vec!["Start date".to_owned(), "Country".to_owned()]);
    let errors = widget.query_all_text(".hwr-field__error:not([hidden])");
    assert_eq!(errors, vec!["Required.".to_owned(), "Required.".to_owned()]);
    let date = widget.query("input[type=date]").expect("a date input");
    assert_eq!(date.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(widget.query(".hwr--idle").is_some());
    let requests = network.requests();
    assert!(
        requests.iter().all(|call| call.starts_with("GET ")),
        "nothing was sent: {requests:?}"
    );
    assert_eq!(network.popups_opened(), 0, "no consent window");
}

#[wasm_bindgen_test]
async fn every_field_is_labelled_and_its_message_is_its_description() {
    let widget = MountedElement::new(&JONAS).await;
    widget.press().await;

    for input in ["input[name=provisional_start_date]", "[name=country_code]"] {
        let control = widget.query(input).expect("a control");
        let id = control.id();
        let label = widget.query(&format!("label[for='{id}']"));
        assert!(label.is_some(), "{input} has a label");
        let described_by = control
            .get_attribute("aria-describedby")
            .expect("described");
        let message = widget
            .shadow
            .get_element_by_id(&described_by)
            .expect("message element");
        assert_eq!(message.text_content().as_deref(), Some("Required."));
    }
}

#[wasm_bindgen_test]
async fn an_invalid_email_is_shown_for_correction_with_its_message() {
    let widget = MountedElement::new(&[
        ("full-name", "Ana Silva"),
        ("job-title", "Backend Engineer"),
        ("personal-email", "ana@@example"),
        ("provisional-start-date", "2099-03-01"),
        ("country-code", "PT"),
    ])
    .await;

    widget.press().await;

    let email: HtmlInputElement = widget
        .query("input[type=email]")
        .expect("an email input")
        .unchecked_into();
    assert_eq!(
        email.value(),
        "ana@@example",
        "the current value is kept for correction"
    );
    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])"),
        vec!["Enter a valid email address.".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn a_start_date_in_the_past_is_refused() {
    let widget = MountedElement::new(&[
        ("full-name", "Ana Silva"),
        ("job-title", "Backend Engineer"),
        ("personal-email", "ana@example.com"),
        ("provisional-start-date", "2001-01-01"),
        ("country-code", "PT"),
    ])
    .await;

    widget.press().await;

    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])"),
        vec!["Choose today or a later date.".to_owned()]
    );
}

#[wasm_bindgen_test]
async fn typing_into_a_field_clears_its_message_and_the_value_is_used_on_the_next_press() {
    let widget = MountedElement::new(&JONAS).await;
    widget.press().await;

    let date: HtmlInputElement = widget
        .query("input[type=date]")
        .expect("a date input")
        .unchecked_into();
    date.set_value("2099-05-01");
    date.dispatch_event(&Event::new("input").expect("event"))
        .expect("dispatch");
    settle().await;
    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])"),
        vec!["Required.".to_owned()]
    );

    widget.press().await;

    // Only the country is still missing (the country list cannot load without a backend, so a
    // text input stands in for the select).
    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])"),
        vec!["Required.".to_owned()]
    );
    let country = widget
        .query("[name=country_code]")
        .expect("country control");
    assert_eq!(
        country.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    let date = widget.query("input[type=date]").expect("still shown");
    assert_eq!(date.get_attribute("aria-invalid").as_deref(), Some("false"));
}

#[wasm_bindgen_test]
async fn the_form_speaks_the_widgets_language() {
    let mut attributes = JONAS.to_vec();
    attributes.push(("lang", "pt"));
    let widget = MountedElement::new(&attributes).await;

    widget.press().await;

    assert_eq!(
        widget.query_all_text(".hwr-field__label"),
        vec!["Data de início".to_owned(), "País".to_owned()]
    );
    assert_eq!(
        widget.query_all_text(".hwr-field__error:not([hidden])")[0],
        "Obrigatório."
    );
}

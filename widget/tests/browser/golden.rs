//! The widget's hand-written wire (`wire.rs`, read and written with the browser's `JSON`) held to
//! the protocol's golden fixtures (`protocol/fixtures/`), which `hwr-protocol`'s own tests
//! round-trip through the server's serde types: each reader decodes its fixtures into the values
//! they spell, and each writer produces JSON equal to its request fixture. A field renamed on one
//! side only fails one of the two suites.

use std::collections::BTreeMap;

use hwr_protocol::{
    Candidate, ConnectResponse, ConnectionStatus, Country, CountryForm, ExtraValue, FieldOption,
    FieldType, FlowError, FlowResponse, FlowStatus, FormField, HireResponse,
};
use hwr_widget::{wire_check as wire, HireStatus};
use js_sys::{Array, Object, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../protocol/fixtures/", $name))
    };
}

/// JSON text with object keys sorted and no spaces, so two texts compare as values.
fn canonical(text: &str) -> String {
    fn write(value: &JsValue, out: &mut String) {
        if Array::is_array(value) {
            out.push('[');
            for (i, item) in Array::from(value).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(&item, out);
            }
            out.push(']');
        } else if value.is_object() {
            let mut keys: Vec<String> = Object::keys(&Object::from(value.clone()))
                .iter()
                .filter_map(|key| key.as_string())
                .collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(&JsValue::from_str(key), out);
                out.push(':');
                write(
                    &js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap(),
                    out,
                );
            }
            out.push('}');
        } else {
            let text = JSON::stringify(value).expect("a JSON value");
            out.push_str(&String::from(text));
        }
    }
    let mut out = String::new();
    write(&JSON::parse(text).expect("JSON"), &mut out);
    out
}

fn ana(country_code: &str) -> Candidate {
    Candidate {
        full_name: "Ana Silva".into(),
        job_title: "Engineer".into(),
        personal_email: "ana@example.com".into(),
        provisional_start_date: "2099-03-01".into(),
        country_code: country_code.into(),
        extra: BTreeMap::new(),
    }
}

fn hire(id: &str, status: &str, already_hired: bool) -> HireResponse {
    HireResponse {
        hire_id: format!("hire-{id}"),
        employment_id: format!("emp-{id}"),
        redirect_url: format!("https://employ.remote.com/onboarding/emp-{id}"),
        status: status.into(),
        already_hired,
    }
}

fn option(value: &str, label: &str) -> FieldOption {
    FieldOption {
        value: value.into(),
        label: label.into(),
    }
}

fn field(name: &str, label: &str, field_type: FieldType, required: bool) -> FormField {
    FormField {
        name: name.into(),
        label: label.into(),
        field_type,
        required,
        options: Vec::new(),
        description: None,
    }
}

#[wasm_bindgen_test]
fn the_popup_connect_body_is_the_protocols_popup_request() {
    let candidate = Candidate {
        full_name: "Ana \"A\" Silva".into(),
        country_code: "PT".into(),
        ..ana("")
    };

    let body = wire::connect_popup_body(&candidate, "key-popup-1").expect("a body");

    assert_eq!(
        canonical(&body),
        canonical(fixture!("connect_request_popup.json"))
    );
}

#[wasm_bindgen_test]
fn the_redirect_connect_body_with_every_kind_of_extra_is_the_protocols_redirect_request() {
    let candidate = Candidate {
        extra: BTreeMap::from([
            ("category".to_owned(), ExtraValue::Text("eng".into())),
            ("has_seniority_date".to_owned(), ExtraValue::Flag(false)),
            (
                "nationalities".to_owned(),
                ExtraValue::Many(vec!["PRT".into(), "ESP".into()]),
            ),
            ("salary".to_owned(), ExtraValue::Number(4_200_000)),
        ]),
        ..ana("PRT")
    };

    let body = wire::connect_redirect_body(
        "https://jobs.example/candidates/1",
        &candidate,
        "key-redirect-1",
    )
    .expect("a body");

    assert_eq!(
        canonical(&body),
        canonical(fixture!("connect_request_redirect.json"))
    );
}

#[wasm_bindgen_test]
fn the_hire_body_is_the_protocols_candidate() {
    let candidate = Candidate {
        extra: BTreeMap::from([
            ("category".to_owned(), ExtraValue::Text("eng".into())),
            ("has_seniority_date".to_owned(), ExtraValue::Flag(true)),
            (
                "nationalities".to_owned(),
                ExtraValue::Many(vec!["PRT".into()]),
            ),
            ("salary".to_owned(), ExtraValue::Number(4_200_000)),
        ]),
        ..ana("PRT")
    };

    let body = wire::candidate_body(&candidate).expect("a body");

    assert_eq!(canonical(&body), canonical(fixture!("hire_request.json")));
}

#[wasm_bindgen_test]
fn the_connect_answer_is_read_from_the_protocols_fixture() {
    assert_eq!(
        wire::connect_response(fixture!("connect_response.json")),
        Some(ConnectResponse {
            flow_id: "flow-1".into(),
            start_url: "https://hwr.example/oauth/start".into(),
            start_ticket: "ticket-1".into(),
        })
    );
}

#[wasm_bindgen_test]
fn every_flow_status_is_read_from_the_protocols_fixtures() {
    let plain = |status| FlowResponse {
        status,
        error: None,
        message: None,
        hire: None,
    };
    let cases = [
        (fixture!("flow_pending.json"), plain(FlowStatus::Pending)),
        (
            fixture!("flow_connected.json"),
            plain(FlowStatus::Connected),
        ),
        (
            fixture!("flow_connected_with_hire.json"),
            FlowResponse {
                hire: Some(hire("1", "created", false)),
                ..plain(FlowStatus::Connected)
            },
        ),
        (fixture!("flow_denied.json"), plain(FlowStatus::Denied)),
        (fixture!("flow_expired.json"), plain(FlowStatus::Expired)),
        (
            fixture!("flow_failed.json"),
            FlowResponse {
                error: Some(FlowError::ConsentElsewhere),
                message: Some(
                    "The consent was given in another browser. Go back to the job site and \
                     click the button there."
                        .into(),
                ),
                ..plain(FlowStatus::Failed)
            },
        ),
    ];

    for (text, expected) in cases {
        assert_eq!(wire::flow(text), Some(expected), "{text}");
    }
}

#[wasm_bindgen_test]
fn a_new_hire_and_an_earlier_one_are_read_from_the_protocols_fixtures() {
    assert_eq!(
        wire::hire(fixture!("hire_created.json")),
        Some(hire("1", "created", false))
    );
    assert_eq!(
        wire::hire(fixture!("hire_already_hired.json")),
        Some(hire("0", "invited", true))
    );
}

#[wasm_bindgen_test]
fn the_hires_list_is_read_by_email_from_the_protocols_fixture() {
    let status = |id: &str, status: &str| HireStatus {
        hire_id: format!("hire-{id}"),
        employment_id: format!("emp-{id}"),
        status: status.into(),
    };

    assert_eq!(
        wire::hires(fixture!("hires.json")),
        Some(vec![
            ("ana@example.com".to_owned(), status("2", "invited")),
            ("bruno@example.com".to_owned(), status("1", "active")),
        ])
    );
}

#[wasm_bindgen_test]
fn every_connection_status_is_read_from_the_protocols_fixtures() {
    let cases = [
        (
            fixture!("connection_connected.json"),
            ConnectionStatus::Connected,
        ),
        (
            fixture!("connection_not_connected.json"),
            ConnectionStatus::NotConnected,
        ),
        (
            fixture!("connection_reconsent_required.json"),
            ConnectionStatus::ReconsentRequired,
        ),
    ];

    for (text, expected) in cases {
        assert_eq!(wire::connection_status(text), Some(expected), "{text}");
    }
}

#[wasm_bindgen_test]
fn the_countries_are_read_from_the_protocols_fixture() {
    let country = |code: &str, alpha_2_code: &str, name: &str| Country {
        code: code.into(),
        alpha_2_code: alpha_2_code.into(),
        name: name.into(),
    };

    assert_eq!(
        wire::countries(fixture!("countries.json")),
        Some(vec![
            country("DEU", "DE", "Germany"),
            country("PRT", "PT", "Portugal"),
        ])
    );
}

#[wasm_bindgen_test]
fn a_country_form_with_every_field_type_is_read_from_the_protocols_fixture() {
    let expected = CountryForm {
        country_code: "PRT".into(),
        json_schema_version: 3,
        fields: vec![
            FormField {
                description: Some("As on the tax card.".into()),
                ..field("tax_id", "Tax number", FieldType::Text, true)
            },
            FormField {
                options: vec![option("eng", "Engineering"), option("ops", "Operations")],
                ..field("category", "Job category", FieldType::Select, true)
            },
            FormField {
                options: vec![option("health", "Health"), option("meals", "Meals")],
                ..field("benefits", "Benefits", FieldType::Multiselect, false)
            },
            field("seniority_date", "Seniority date", FieldType::Date, false),
            FormField {
                description: Some("In cents.".into()),
                ..field("salary", "Annual salary", FieldType::Number, true)
            },
            FormField {
                options: vec![option("fixed", "Fixed term"), option("open", "Open ended")],
                ..field("contract", "Contract", FieldType::Radio, true)
            },
            FormField {
                options: vec![option("PRT", "Portugal")],
                ..field("nationalities", "Nationality", FieldType::Countries, true)
            },
        ],
        min_start_date: Some("2027-01-04".into()),
    };

    assert_eq!(
        wire::country_form(fixture!("country_form.json")),
        Some(expected)
    );
}

#[wasm_bindgen_test]
fn error_bodies_with_and_without_field_messages_are_read_from_the_protocols_fixtures() {
    let messages = |list: &[&str]| list.iter().map(|m| (*m).to_owned()).collect::<Vec<_>>();

    assert_eq!(
        wire::error(fixture!("error_validation_failed.json")),
        Some((
            "validation_failed".to_owned(),
            "Check the highlighted fields.".to_owned(),
            BTreeMap::from([
                (
                    "personal_email".to_owned(),
                    messages(&["must be a valid email address"]),
                ),
                (
                    "provisional_start_date".to_owned(),
                    messages(&["must be today or later", "must be a real date"]),
                ),
            ]),
        ))
    );
    assert_eq!(
        wire::error(fixture!("error_not_connected.json")),
        Some((
            "not_connected".to_owned(),
            "Connect your Remote account first.".to_owned(),
            BTreeMap::new(),
        ))
    );
}

#[wasm_bindgen_test]
fn the_callback_pages_message_is_recognised_from_the_protocols_fixture() {
    let text = fixture!("flow_message.json");
    let data = JSON::parse(text).expect("the fixture is JSON");
    let flow_id = js_sys::Reflect::get(&data, &JsValue::from_str("flow_id"))
        .ok()
        .and_then(|id| id.as_string())
        .expect("the fixture names its flow");
    let backend = "https://hire.example.com";
    let init = web_sys::MessageEventInit::new();
    init.set_data(&data);
    init.set_origin(backend);
    let event =
        web_sys::MessageEvent::new_with_event_init_dict("message", &init).expect("a message event");
    assert!(wire::is_flow_message(&event, backend, &flow_id));
    assert!(
        !wire::is_flow_message(&event, backend, "another-flow"),
        "a message about another flow"
    );
    assert!(
        !wire::is_flow_message(&event, "https://evil.example", &flow_id),
        "a message from another origin"
    );
}

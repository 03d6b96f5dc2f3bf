//! The golden fixtures (`protocol/fixtures/*.json`) are the wire: each one deserializes into its
//! protocol type and serializes back to the same JSON value, so a renamed, added or dropped field
//! in the serde types fails here. The widget's hand-written `wire.rs` reads and writes the same
//! files in `widget/tests/browser/golden.rs`, so the two sides cannot drift apart unnoticed.

use std::{collections::BTreeSet, fs, path::Path};

use hwr_protocol::{
    Candidate, ConnectRequest, ConnectResponse, ConnectionResponse, Countries, CountryForm,
    ErrorBody, FlowMessage, FlowResponse, HireResponse, Hires,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// Checks that a fixture's text is a faithful instance of one type; `Err` says why not.
type Check = fn(&str) -> Result<(), String>;

/// Each fixture with the check that it is a faithful instance of its type.
const FIXTURES: &[(&str, Check)] = &[
    ("connect_request_popup.json", round_trips::<ConnectRequest>),
    (
        "connect_request_redirect.json",
        round_trips::<ConnectRequest>,
    ),
    ("hire_request.json", round_trips::<Candidate>),
    ("connect_response.json", round_trips::<ConnectResponse>),
    ("flow_pending.json", round_trips::<FlowResponse>),
    ("flow_connected.json", round_trips::<FlowResponse>),
    ("flow_connected_with_hire.json", round_trips::<FlowResponse>),
    ("flow_denied.json", round_trips::<FlowResponse>),
    ("flow_expired.json", round_trips::<FlowResponse>),
    ("flow_failed.json", round_trips::<FlowResponse>),
    ("flow_message.json", round_trips::<FlowMessage>),
    ("hire_created.json", round_trips::<HireResponse>),
    ("hire_already_hired.json", round_trips::<HireResponse>),
    ("hires.json", round_trips::<Hires>),
    (
        "connection_connected.json",
        round_trips::<ConnectionResponse>,
    ),
    (
        "connection_not_connected.json",
        round_trips::<ConnectionResponse>,
    ),
    (
        "connection_reconsent_required.json",
        round_trips::<ConnectionResponse>,
    ),
    ("countries.json", round_trips::<Countries>),
    ("country_form.json", round_trips::<CountryForm>),
    ("error_validation_failed.json", round_trips::<ErrorBody>),
    ("error_not_connected.json", round_trips::<ErrorBody>),
];

fn fixtures_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

/// Deserializes `text` as `T`, serializes it again and compares the two as JSON values.
fn round_trips<T: DeserializeOwned + Serialize>(text: &str) -> Result<(), String> {
    let written: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let typed: T = serde_json::from_str(text)
        .map_err(|e| format!("not a {}: {e}", std::any::type_name::<T>()))?;
    let again = serde_json::to_value(&typed).map_err(|e| format!("does not serialize: {e}"))?;
    if again == written {
        Ok(())
    } else {
        Err(format!("serializes back as {again}"))
    }
}

#[test]
fn every_fixture_deserializes_into_its_type_and_serializes_back_to_the_same_json() {
    let failures: Vec<String> = FIXTURES
        .iter()
        .filter_map(|(name, check)| {
            let text = fs::read_to_string(fixtures_dir().join(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            check(&text).err().map(|why| format!("{name}: {why}"))
        })
        .collect();

    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_file_in_the_fixtures_folder_is_checked() {
    let on_disk: BTreeSet<String> = fs::read_dir(fixtures_dir())
        .expect("the fixtures folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let checked: BTreeSet<String> = FIXTURES
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();

    assert_eq!(on_disk, checked);
}

#[test]
fn a_fixture_with_a_renamed_field_does_not_round_trip() {
    let text = fs::read_to_string(fixtures_dir().join("flow_failed.json")).expect("the fixture");

    let renamed = text.replace("\"message\"", "\"detail\"");

    assert!(round_trips::<FlowResponse>(&text).is_ok());
    assert!(round_trips::<FlowResponse>(&renamed).is_err());
}

//! Each protocol enum's `as_str` is the name serde writes and reads, and `from_wire` inverts it:
//! the store's columns, the widget's decoder and the server's JSON all spell a value one way.

use std::fmt::Debug;

use hwr_protocol::{ConnectMode, ConnectionStatus, ErrorCode, FieldType, FlowError, FlowStatus};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// Every value's wire name is serde's, both ways, and names no other value.
fn names_agree<T>(all: &[T], as_str: fn(T) -> &'static str, from_wire: fn(&str) -> Option<T>)
where
    T: Copy + PartialEq + Debug + Serialize + DeserializeOwned,
{
    for &value in all {
        let name = as_str(value);
        assert_eq!(
            serde_json::to_value(value).expect("serializes"),
            Value::String(name.to_owned()),
            "{value:?}"
        );
        assert_eq!(
            serde_json::from_value::<T>(Value::String(name.to_owned())).expect("deserializes"),
            value
        );
        assert_eq!(from_wire(name), Some(value), "{name}");
    }
    let mut names: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len(), "two values share a name");
    assert_eq!(from_wire("no_such_value"), None);
    assert_eq!(from_wire(""), None);
}

#[test]
fn every_connection_status_is_named_as_serde_names_it() {
    names_agree(
        &ConnectionStatus::ALL,
        ConnectionStatus::as_str,
        ConnectionStatus::from_wire,
    );
}

#[test]
fn every_connect_mode_is_named_as_serde_names_it() {
    names_agree(
        &ConnectMode::ALL,
        ConnectMode::as_str,
        ConnectMode::from_wire,
    );
}

#[test]
fn every_flow_status_is_named_as_serde_names_it() {
    names_agree(&FlowStatus::ALL, FlowStatus::as_str, FlowStatus::from_wire);
}

#[test]
fn every_flow_error_is_named_as_serde_names_it() {
    names_agree(&FlowError::ALL, FlowError::as_str, FlowError::from_wire);
}

#[test]
fn every_field_type_is_named_as_serde_names_it() {
    names_agree(&FieldType::ALL, FieldType::as_str, FieldType::from_wire);
}

#[test]
fn every_error_code_is_named_as_serde_names_it() {
    names_agree(&ErrorCode::ALL, ErrorCode::as_str, ErrorCode::from_wire);
}

#[test]
fn a_wire_name_is_exact_not_case_folded_or_trimmed() {
    assert_eq!(FlowStatus::from_wire("Connected"), None);
    assert_eq!(FlowStatus::from_wire(" connected"), None);
    assert_eq!(ConnectMode::from_wire("POPUP"), None);
}

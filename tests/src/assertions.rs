//! Assertions on the contract's error body, `{"error":{"code","message","fields"?}}`, so every
//! test checks the whole shape and not only the status.

use reqwest::{Response, StatusCode};
use serde_json::Value;

/// Asserts the status, the error shape and the code; returns the inner `error` object.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    let actual = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("an error body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    assert!(
        content_type.starts_with("application/json"),
        "errors are JSON, got {content_type:?}: {text}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"));
    let error = assert_error_shape(&body);
    assert_eq!(error["code"], code, "unexpected error code: {text}");
    error
}

/// Asserts `body` has exactly the contract's error shape; returns the inner `error` object.
pub fn assert_error_shape(body: &Value) -> Value {
    let outer = body
        .as_object()
        .unwrap_or_else(|| panic!("the error body is an object: {body}"));
    assert_eq!(outer.len(), 1, "only `error` at the top level: {body}");
    let error = outer
        .get("error")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("`error` is an object: {body}"));
    assert!(
        error
            .get("code")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty()),
        "`error.code` is a non-empty string: {body}"
    );
    assert!(
        error
            .get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.trim().is_empty()),
        "`error.message` is a non-empty string: {body}"
    );
    for key in error.keys() {
        assert!(
            ["code", "message", "fields"].contains(&key.as_str()),
            "unexpected key `error.{key}`: {body}"
        );
    }
    if let Some(fields) = error.get("fields") {
        let fields = fields
            .as_object()
            .unwrap_or_else(|| panic!("`error.fields` is an object: {body}"));
        for (name, messages) in fields {
            let messages = messages
                .as_array()
                .unwrap_or_else(|| panic!("`fields.{name}` is a list: {body}"));
            assert!(
                !messages.is_empty() && messages.iter().all(Value::is_string),
                "`fields.{name}` lists sentences: {body}"
            );
        }
    }
    Value::Object(error.clone())
}

/// The names in an error's `fields`.
pub fn field_names(error: &Value) -> Vec<String> {
    error["fields"]
        .as_object()
        .map(|fields| fields.keys().cloned().collect())
        .unwrap_or_default()
}

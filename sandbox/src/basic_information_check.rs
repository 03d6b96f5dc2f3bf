//! Checking a `basic_information` object against its form's JSON Schema, for
//! `POST /v1/employments?json_schema_version=3`. It knows the part of JSON Schema that Remote's
//! forms use: `required`, `type`, choices (`const`, `oneOf`, `enum`, `anyOf`, `not`), `items`,
//! `uniqueItems`, `format` (date, email), `maxLength`, `pattern`, the seniority-date
//! `allOf` if/then/else and `additionalProperties: false`. Errors are keyed by field name, flat,
//! with the messages `employment_input` uses, as Remote's 422s are.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::FieldErrors;
use crate::text_format::{is_date, is_email, NOT_A_DATE};

const BLANK: &str = "can't be blank";
const INVALID: &str = "is invalid";

/// Checks every property of `schema` except `checked_elsewhere`, adds an error per bad field to
/// `errors`, and returns the good ones that were sent (to be stored on the employment).
pub(crate) fn check(
    schema: &Value,
    info: &Map<String, Value>,
    checked_elsewhere: &[&str],
    errors: &mut FieldErrors,
) -> Map<String, Value> {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let (required, forbidden) = obligations(schema, info);
    let mut accepted = Map::new();
    for (name, property) in properties {
        if checked_elsewhere.contains(&name.as_str()) {
            continue;
        }
        let Some(value) = info.get(name).filter(|value| !value.is_null()) else {
            if required.contains(name.as_str()) {
                add(errors, name, BLANK);
            }
            continue;
        };
        let verdict = if forbidden.contains(name.as_str()) {
            Err("must be blank".to_owned())
        } else if required.contains(name.as_str()) && is_blank(value) {
            Err(BLANK.to_owned())
        } else {
            check_value(property, value)
        };
        match verdict {
            Ok(()) => {
                accepted.insert(name.clone(), value.clone());
            }
            Err(message) => add(errors, name, &message),
        }
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        for name in info.keys().filter(|name| !properties.contains_key(*name)) {
            add(errors, name, "is not permitted");
        }
    }
    accepted
}

/// The fields that must be sent and those that must not, once the `allOf` conditions (if a
/// seniority date is declared, it must be given; if not, it must not) are applied to `info`.
fn obligations<'a>(
    schema: &'a Value,
    info: &Map<String, Value>,
) -> (BTreeSet<&'a str>, BTreeSet<&'a str>) {
    let names = |value: Option<&'a Value>| -> Vec<&'a str> {
        value
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let mut required: BTreeSet<&str> = names(schema.get("required")).into_iter().collect();
    let mut forbidden = BTreeSet::new();
    let conditions = schema.get("allOf").and_then(Value::as_array);
    for condition in conditions.into_iter().flatten() {
        let Some(test) = condition.get("if") else {
            continue;
        };
        let branch = if holds(test, info) {
            condition.get("then")
        } else {
            condition.get("else")
        };
        let Some(branch) = branch else {
            continue;
        };
        required.extend(names(branch.get("required")));
        if let Some(properties) = branch.get("properties").and_then(Value::as_object) {
            forbidden.extend(
                properties
                    .iter()
                    .filter(|(_, rule)| **rule == Value::Bool(false))
                    .map(|(name, _)| name.as_str()),
            );
        }
    }
    (required, forbidden)
}

/// Whether `info` satisfies an `if` schema: its required fields are sent and its properties hold.
fn holds(test: &Value, info: &Map<String, Value>) -> bool {
    let sent = |name: &str| info.get(name).is_some_and(|value| !value.is_null());
    let required_sent = test
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .all(sent);
    let properties_hold = test
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(name, rule)| {
            info.get(name)
                .is_none_or(|value| check_value(rule, value).is_ok())
        });
    required_sent && properties_hold
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Checks one value against one (sub)schema; the error is the 422 message.
fn check_value(schema: &Value, value: &Value) -> Result<(), String> {
    let schema = match schema {
        Value::Object(schema) => schema,
        Value::Bool(false) => return Err(INVALID.to_owned()),
        _ => return Ok(()),
    };
    let invalid = || Err(INVALID.to_owned());
    if let Some(types) = schema.get("type") {
        if !type_matches(types, value) {
            return invalid();
        }
    }
    if schema
        .get("const")
        .is_some_and(|expected| expected != value)
    {
        return invalid();
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            return invalid();
        }
    }
    for any_of in ["oneOf", "anyOf"] {
        if let Some(choices) = schema.get(any_of).and_then(Value::as_array) {
            if !choices
                .iter()
                .any(|choice| check_value(choice, value).is_ok())
            {
                return invalid();
            }
        }
    }
    if schema
        .get("not")
        .is_some_and(|not| check_value(not, value).is_ok())
    {
        return invalid();
    }
    match value {
        Value::String(text) => check_text(schema, text),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                if items
                    .iter()
                    .any(|item| check_value(item_schema, item).is_err())
                {
                    return invalid();
                }
            }
            let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
            if unique
                && items
                    .iter()
                    .enumerate()
                    .any(|(i, item)| items[..i].contains(item))
            {
                return Err("has duplicate entries".to_owned());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_text(schema: &Map<String, Value>, text: &str) -> Result<(), String> {
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        if text.chars().count() as u64 > max {
            return Err(format!("should be at most {max} character(s)"));
        }
    }
    match schema.get("format").and_then(Value::as_str) {
        Some("date") if !is_date(text) => return Err(NOT_A_DATE.to_owned()),
        Some("email") if !is_email(text) => return Err("is not a valid email address".to_owned()),
        _ => {}
    }
    match schema.get("pattern").and_then(Value::as_str) {
        Some(pattern) if !pattern_matches(pattern, text) => Err(INVALID.to_owned()),
        _ => Ok(()),
    }
}

fn type_matches(types: &Value, value: &Value) -> bool {
    let name_matches = |name: &str| match name {
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => true,
    };
    match types {
        Value::String(name) => name_matches(name),
        Value::Array(names) => names.iter().filter_map(Value::as_str).any(name_matches),
        _ => true,
    }
}

/// The regular expressions Remote's forms use, and the only ones this module understands:
/// `\S` (something not blank) and phone numbers, `^(\+CC)(P1|P2|…)?[0-9]{6,}$`. Any other
/// pattern is not checked; a test makes sure every fixture's patterns are understood.
fn pattern_matches(pattern: &str, text: &str) -> bool {
    if pattern == "\\S" {
        return text.chars().any(|c| !c.is_whitespace());
    }
    match PhonePattern::parse(pattern) {
        Some(phone) => phone.matches(text),
        None => true,
    }
}

/// `^(\+CC)(P1|P2|…)?[0-9]{6,}$`: a country calling code, optionally one of some area
/// prefixes, then at least six digits.
struct PhonePattern<'a> {
    calling_code: &'a str,
    prefixes: Vec<&'a str>,
}

impl<'a> PhonePattern<'a> {
    fn parse(pattern: &'a str) -> Option<Self> {
        let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        let rest = pattern.strip_prefix("^(\\+")?;
        let (calling_code, rest) = rest.split_once(')')?;
        let (prefixes, rest) = match rest.strip_prefix('(') {
            Some(rest) => {
                let (prefixes, rest) = rest.split_once(')')?;
                (prefixes.split('|').collect::<Vec<_>>(), rest)
            }
            None => (Vec::new(), rest),
        };
        let understood = digits(calling_code)
            && prefixes.iter().all(|prefix| digits(prefix))
            && rest == "[0-9]{6,}$";
        understood.then_some(Self {
            calling_code,
            prefixes,
        })
    }

    fn matches(&self, text: &str) -> bool {
        let Some(rest) = text
            .strip_prefix('+')
            .and_then(|rest| rest.strip_prefix(self.calling_code))
        else {
            return false;
        };
        let subscriber =
            |digits: &str| digits.len() >= 6 && digits.bytes().all(|b| b.is_ascii_digit());
        if self.prefixes.is_empty() {
            return subscriber(rest);
        }
        self.prefixes
            .iter()
            .any(|prefix| rest.strip_prefix(prefix).is_some_and(&subscriber))
    }
}

fn add(errors: &mut FieldErrors, field: &str, message: &str) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.to_owned());
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{pattern_matches, PhonePattern};
    use crate::basic_information_form::form;
    use crate::countries::countries;
    use crate::json_schema_version::JsonSchemaVersion;

    fn patterns<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner) {
                        ("pattern", Value::String(pattern)) => found.push(pattern),
                        _ => patterns(inner, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| patterns(item, found)),
            _ => {}
        }
    }

    #[test]
    fn every_pattern_in_the_forms_is_one_the_checker_understands() {
        for country in countries() {
            for version in [JsonSchemaVersion::V1, JsonSchemaVersion::V3] {
                let schema = form(country, version);
                let mut found = Vec::new();
                patterns(&schema, &mut found);
                for pattern in found {
                    assert!(
                        pattern == "\\S" || PhonePattern::parse(pattern).is_some(),
                        "{}: {pattern}",
                        country.code
                    );
                }
            }
        }
    }

    #[test]
    fn phone_patterns_need_the_calling_code_a_listed_prefix_and_six_digits() {
        assert!(pattern_matches("^(\\+49)[0-9]{6,}$", "+4915112345678"));
        assert!(!pattern_matches("^(\\+49)[0-9]{6,}$", "015112345678"));
        assert!(!pattern_matches("^(\\+49)[0-9]{6,}$", "+49 151 1234"));
        assert!(!pattern_matches("^(\\+49)[0-9]{6,}$", "+4912345"));
        let guernsey = "^(\\+44)(1481|7781|7839|7911)[0-9]{6,}$";
        assert!(pattern_matches(guernsey, "+447781123456"));
        assert!(!pattern_matches(guernsey, "+447700123456"));
        assert!(pattern_matches("\\S", " x "));
        assert!(!pattern_matches("\\S", "   "));
    }
}

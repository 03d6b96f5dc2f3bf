//! Remote's JSON Schema (`properties`, `required`, `x-jsf-order`, `x-jsf-presentation` with
//! `inputType`, choices as `oneOf`/`anyOf` of `const`/`title`) into our field list: the fields
//! beyond the five candidate ones and those the backend fills itself (`has_seniority_date`).

use hwr_protocol::{CountryForm, FieldOption, FieldType, FormField};
use serde_json::Value;

/// Remote's names of what the candidate's five fields (and the backend) already send.
pub const SENT_ALREADY: [&str; 8] = [
    "name",
    "email",
    "job_title",
    "provisional_start_date",
    "has_seniority_date",
    "full_name",
    "personal_email",
    "country_code",
];

/// The schema inside Remote's answer (`{"data":{"schema":…}}`, `{"data":…}` or the bare schema).
fn schema_of(answer: &Value) -> &Value {
    [
        "/data/schema",
        "/data/data/schema",
        "/data/data",
        "/data",
        "/schema",
    ]
    .iter()
    .filter_map(|pointer| answer.pointer(pointer))
    .find(|candidate| candidate.get("properties").is_some())
    .unwrap_or(answer)
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The choices of a property (or of its array items).
fn options(property: &Value) -> Vec<FieldOption> {
    let sources = [property, property.get("items").unwrap_or(&Value::Null)];
    for source in sources {
        for key in ["oneOf", "anyOf"] {
            if let Some(choices) = source.get(key).and_then(Value::as_array) {
                let found: Vec<FieldOption> = choices
                    .iter()
                    .filter_map(|choice| {
                        let value = match choice.get("const")? {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let label = text(choice, "title").unwrap_or_else(|| value.clone());
                        Some(FieldOption { value, label })
                    })
                    .collect();
                if !found.is_empty() {
                    return found;
                }
            }
        }
        if let Some(values) = source.get("enum").and_then(Value::as_array) {
            return values
                .iter()
                .filter_map(Value::as_str)
                .map(|v| FieldOption {
                    value: v.to_owned(),
                    label: v.to_owned(),
                })
                .collect();
        }
    }
    Vec::new()
}

fn is_array(property: &Value) -> bool {
    match property.get("type") {
        Some(Value::String(t)) => t == "array",
        Some(Value::Array(types)) => types.iter().any(|t| t == "array"),
        _ => false,
    }
}

/// Our control for a property; `None` for one the person is never asked (hidden, read-only).
fn field_type(property: &Value, has_options: bool) -> Option<FieldType> {
    let presentation = property.get("x-jsf-presentation");
    let input = presentation
        .and_then(|p| p.get("inputType"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if input == "hidden" || property.get("readOnly") == Some(&Value::Bool(true)) {
        return None;
    }
    let array = is_array(property);
    Some(match input {
        "text" | "email" | "textarea" | "tel" => FieldType::Text,
        "select" if array => FieldType::Multiselect,
        "select" => FieldType::Select,
        "multiselect" => FieldType::Multiselect,
        "date" => FieldType::Date,
        "number" | "money" => FieldType::Number,
        "radio" => FieldType::Radio,
        "countries" => FieldType::Countries,
        "checkbox" if array => FieldType::Multiselect,
        _ if array && has_options => FieldType::Multiselect,
        _ if has_options => FieldType::Select,
        _ if matches!(
            property.get("type").and_then(Value::as_str),
            Some("integer" | "number")
        ) =>
        {
            FieldType::Number
        }
        _ if property.get("format").and_then(Value::as_str) == Some("date") => FieldType::Date,
        _ => FieldType::Text,
    })
}

/// The form of `alpha3` at `version` from Remote's answer.
pub fn form(alpha3: &str, version: u32, answer: &Value) -> CountryForm {
    let schema = schema_of(answer);
    let empty = serde_json::Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut order: Vec<String> = schema
        .get("x-jsf-order")
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for name in properties.keys() {
        if !order.contains(name) {
            order.push(name.clone());
        }
    }
    let fields = order
        .iter()
        .filter(|name| !SENT_ALREADY.contains(&name.as_str()))
        .filter_map(|name| {
            let property = properties.get(name)?;
            let options = options(property);
            let field_type = field_type(property, !options.is_empty())?;
            Some(FormField {
                name: name.clone(),
                label: text(property, "title").unwrap_or_else(|| name.replace('_', " ")),
                field_type,
                required: required.contains(&name.as_str()),
                options,
                description: text(property, "description").or_else(|| {
                    property
                        .pointer("/x-jsf-presentation/description")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                }),
            })
        })
        .collect();
    let min_start_date = properties
        .get("provisional_start_date")
        .and_then(|p| p.pointer("/x-jsf-presentation/minDate"))
        .and_then(Value::as_str)
        .filter(|d| hwr_protocol::CalendarDate::parse(d).is_some())
        .map(str::to_owned);
    CountryForm {
        country_code: alpha3.to_owned(),
        json_schema_version: version,
        fields,
        min_start_date,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn portugal_v3_like() -> Value {
        json!({"data": {"schema": {
            "type": "object",
            "required": ["name", "email", "provisional_start_date", "tax_servicing_countries", "tax_job_category"],
            "x-jsf-order": ["name", "email", "tax_servicing_countries", "tax_job_category", "provisional_start_date", "has_seniority_date"],
            "properties": {
                "name": {"type": "string", "title": "Full name", "x-jsf-presentation": {"inputType": "text"}},
                "email": {"type": "string", "x-jsf-presentation": {"inputType": "email"}},
                "provisional_start_date": {"type": "string", "format": "date", "x-jsf-presentation": {"inputType": "date", "minDate": "2027-01-04"}},
                "has_seniority_date": {"type": "string", "oneOf": [{"const": "yes"}, {"const": "no"}], "x-jsf-presentation": {"inputType": "radio"}},
                "tax_servicing_countries": {"type": "array", "title": "Countries the employee services", "items": {"anyOf": [{"const": "PRT", "title": "Portugal"}, {"const": "ESP", "title": "Spain"}]}, "x-jsf-presentation": {"inputType": "countries"}},
                "tax_job_category": {"type": "string", "title": "Job category", "oneOf": [{"const": "engineering", "title": "Engineering"}, {"const": "sales", "title": "Sales"}], "x-jsf-presentation": {"inputType": "select"}},
                "internal": {"type": "string", "x-jsf-presentation": {"inputType": "hidden"}}
            }
        }}})
    }

    #[test]
    fn only_the_fields_beyond_the_candidates_are_asked_in_remotes_order() {
        let form = form("PRT", 3, &portugal_v3_like());
        let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["tax_servicing_countries", "tax_job_category"]);
        assert_eq!(form.fields[0].field_type, FieldType::Countries);
        assert_eq!(form.fields[0].options.len(), 2);
        assert_eq!(form.fields[1].field_type, FieldType::Select);
        assert_eq!(form.fields[1].options[1].label, "Sales");
        assert!(form.fields.iter().all(|f| f.required));
        assert_eq!(form.min_start_date.as_deref(), Some("2027-01-04"));
        assert_eq!(form.json_schema_version, 3);
    }

    #[test]
    fn the_five_field_schema_asks_nothing_more() {
        let v1 = json!({"data": {"schema": {"properties": {
            "name": {"type": "string"}, "email": {"type": "string"}, "job_title": {"type": "string"},
            "provisional_start_date": {"type": "string", "format": "date"},
            "has_seniority_date": {"type": "string", "enum": ["yes", "no"]}
        }, "required": ["name", "email"]}}});
        let form = form("DEU", 1, &v1);
        assert!(form.fields.is_empty());
        assert_eq!(form.min_start_date, None);
    }

    #[test]
    fn controls_follow_the_input_type_and_arrays_of_choices_are_multiselects() {
        let schema = json!({"properties": {
            "a": {"type": "array", "items": {"oneOf": [{"const": "x", "title": "X"}]}},
            "b": {"type": "integer"},
            "c": {"type": "string", "x-jsf-presentation": {"inputType": "radio"}, "oneOf": [{"const": "y"}]},
            "d": {"type": "string", "format": "date"},
            "e": {"type": "integer", "x-jsf-presentation": {"inputType": "money"}}
        }});
        let form = form("GBR", 3, &schema);
        let types: Vec<FieldType> = form.fields.iter().map(|f| f.field_type).collect();
        assert_eq!(
            types,
            [
                FieldType::Multiselect,
                FieldType::Number,
                FieldType::Radio,
                FieldType::Date,
                FieldType::Number
            ]
        );
        assert!(form.fields.iter().all(|f| !f.required));
    }

    /// Remote's published basic-information schemas, as the sandbox serves them.
    fn fixtures() -> [(&'static str, u32, Value); 3] {
        let parse = |text: &str| serde_json::from_str::<Value>(text).expect("a fixture");
        [
            (
                "PRT",
                1,
                parse(include_str!(
                    "../../../sandbox/fixtures/employment_basic_information/prt-v1.json"
                )),
            ),
            (
                "PRT",
                3,
                parse(include_str!(
                    "../../../sandbox/fixtures/employment_basic_information/prt-v3.json"
                )),
            ),
            (
                "DEU",
                3,
                parse(include_str!(
                    "../../../sandbox/fixtures/employment_basic_information/deu-v3.json"
                )),
            ),
        ]
    }

    #[test]
    fn each_fixture_asks_exactly_for_its_required_fields_beyond_the_basic_ones() {
        for (country, version, schema) in fixtures() {
            let expected: Vec<String> = schema["required"]
                .as_array()
                .expect("required")
                .iter()
                .filter_map(Value::as_str)
                .filter(|name| !SENT_ALREADY.contains(name))
                .map(str::to_owned)
                .collect();
            let form = form(country, version, &json!({ "data": schema }));
            let mut required: Vec<String> = form
                .fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name.clone())
                .collect();
            let mut wanted = expected.clone();
            required.sort();
            wanted.sort();
            assert_eq!(required, wanted, "{country} v{version}");
            for field in form.fields.iter().filter(|f| {
                matches!(
                    f.field_type,
                    FieldType::Select | FieldType::Countries | FieldType::Radio
                )
            }) {
                assert!(
                    !field.options.is_empty(),
                    "{country} v{version} {}",
                    field.name
                );
            }
        }
    }

    proptest::proptest! {
        /// Over every fixture: answers drawn from each required field's own choices pass, and
        /// leaving out any subset of required fields is refused naming exactly those fields.
        #[test]
        fn answers_from_the_choices_pass_and_each_missing_field_is_named(
            picks in proptest::collection::vec(0usize..1000, 8),
            left_out in proptest::collection::vec(proptest::bool::ANY, 8),
        ) {
            for (country, version, schema) in fixtures() {
                let form = form(country, version, &json!({ "data": schema }));
                let mut answers = std::collections::BTreeMap::new();
                let mut missing = Vec::new();
                for (i, field) in form.fields.iter().filter(|f| f.required).enumerate() {
                    if left_out[i % left_out.len()] {
                        missing.push(field.name.clone());
                        continue;
                    }
                    let choice = |options: &[hwr_protocol::FieldOption]| {
                        options[picks[i % picks.len()] % options.len()].value.clone()
                    };
                    let value = match field.field_type {
                        FieldType::Select | FieldType::Radio => hwr_protocol::ExtraValue::Text(choice(&field.options)),
                        FieldType::Multiselect | FieldType::Countries => hwr_protocol::ExtraValue::Many(vec![choice(&field.options)]),
                        FieldType::Number => hwr_protocol::ExtraValue::Number(1),
                        FieldType::Date => hwr_protocol::ExtraValue::Text("2030-01-02".into()),
                        FieldType::Text => hwr_protocol::ExtraValue::Text("+49 151 23456789".into()),
                    };
                    answers.insert(field.name.clone(), value);
                }
                let errors = super::super::validate::check(&form, &answers, "2099-01-01");
                let mut named: Vec<String> = errors.keys().cloned().collect();
                named.sort();
                missing.sort();
                proptest::prop_assert_eq!(named, missing, "{} v{}", country, version);
            }
        }
    }
}

//! A candidate's `extra` against the country's form, before anything goes upstream: unknown
//! fields, missing required ones, values outside the choices, dates and numbers of the wrong
//! shape, and a start date before the schema's minimum. Errors are keyed by field name.

use std::collections::BTreeMap;

use hwr_protocol::{CalendarDate, CountryForm, ExtraValue, FieldErrors, FieldType};

/// Longest free-text answer.
const MAX_TEXT: usize = 500;

fn is_blank(value: &ExtraValue) -> bool {
    match value {
        ExtraValue::Text(text) => text.trim().is_empty(),
        ExtraValue::Many(items) => items.is_empty(),
        ExtraValue::Number(_) | ExtraValue::Flag(_) => false,
    }
}

/// The problems of `extra` (and of the start date) under `form`; empty when it may be sent.
pub fn check(
    form: &CountryForm,
    extra: &BTreeMap<String, ExtraValue>,
    start_date: &str,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let mut add = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    for name in extra.keys() {
        if !form.fields.iter().any(|f| &f.name == name) {
            add(
                name,
                format!("is not a field Remote asks for in {}", form.country_code),
            );
        }
    }
    for field in &form.fields {
        let value = extra.get(&field.name).filter(|v| !is_blank(v));
        let Some(value) = value else {
            if field.required {
                add(&field.name, "is required".to_owned());
            }
            continue;
        };
        let allowed =
            |v: &str| field.options.is_empty() || field.options.iter().any(|o| o.value == v);
        match (field.field_type, value) {
            (FieldType::Text, ExtraValue::Text(text)) => {
                if text.chars().count() > MAX_TEXT {
                    add(
                        &field.name,
                        format!("must be at most {MAX_TEXT} characters"),
                    );
                } else if text.chars().any(char::is_control) {
                    add(
                        &field.name,
                        "must not contain control characters".to_owned(),
                    );
                }
            }
            (FieldType::Select | FieldType::Radio, ExtraValue::Text(choice)) => {
                if !allowed(choice) {
                    add(&field.name, "is not one of the choices".to_owned());
                }
            }
            (FieldType::Multiselect | FieldType::Countries, ExtraValue::Many(choices)) => {
                if choices.iter().any(|c| !allowed(c)) {
                    add(
                        &field.name,
                        "has a value that is not one of the choices".to_owned(),
                    );
                }
            }
            (FieldType::Countries, ExtraValue::Text(choice)) => {
                if !allowed(choice) {
                    add(&field.name, "is not one of the choices".to_owned());
                }
            }
            (FieldType::Date, ExtraValue::Text(date)) => {
                if CalendarDate::parse(date).is_none() {
                    add(&field.name, "must be a date like 2027-01-31".to_owned());
                }
            }
            (FieldType::Number, ExtraValue::Number(_)) => {}
            (FieldType::Number, _) => add(&field.name, "must be a whole number".to_owned()),
            (FieldType::Multiselect, _) => add(&field.name, "must be a list of choices".to_owned()),
            _ => add(&field.name, "has the wrong kind of value".to_owned()),
        }
    }
    if let (Some(min), Some(date)) = (
        form.min_start_date.as_deref().and_then(CalendarDate::parse),
        CalendarDate::parse(start_date.trim()),
    ) {
        if date < min {
            add(
                "provisional_start_date",
                format!(
                    "must be on or after {}",
                    form.min_start_date.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwr_protocol::{FieldOption, FormField};

    fn form() -> CountryForm {
        let option = |v: &str| FieldOption {
            value: v.into(),
            label: v.into(),
        };
        CountryForm {
            country_code: "PRT".into(),
            json_schema_version: 3,
            fields: vec![
                FormField {
                    name: "tax_servicing_countries".into(),
                    label: "Countries".into(),
                    field_type: FieldType::Countries,
                    required: true,
                    options: vec![option("PRT"), option("ESP")],
                    description: None,
                },
                FormField {
                    name: "tax_job_category".into(),
                    label: "Category".into(),
                    field_type: FieldType::Select,
                    required: true,
                    options: vec![option("engineering")],
                    description: None,
                },
            ],
            min_start_date: Some("2027-01-04".into()),
        }
    }

    #[test]
    fn missing_required_fields_are_named() {
        let errors = check(&form(), &BTreeMap::new(), "2027-02-01");
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["tax_job_category", "tax_servicing_countries"]
        );
    }

    #[test]
    fn answers_within_the_choices_pass_and_others_are_named() {
        let good = BTreeMap::from([
            (
                "tax_servicing_countries".to_owned(),
                ExtraValue::Many(vec!["PRT".into()]),
            ),
            (
                "tax_job_category".to_owned(),
                ExtraValue::Text("engineering".into()),
            ),
        ]);
        assert!(check(&form(), &good, "2027-02-01").is_empty());
        let bad = BTreeMap::from([
            (
                "tax_servicing_countries".to_owned(),
                ExtraValue::Many(vec!["XXX".into()]),
            ),
            ("tax_job_category".to_owned(), ExtraValue::Number(3)),
            ("shoe_size".to_owned(), ExtraValue::Text("42".into())),
        ]);
        let errors = check(&form(), &bad, "2027-01-01");
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            [
                "provisional_start_date",
                "shoe_size",
                "tax_job_category",
                "tax_servicing_countries"
            ]
        );
    }
}

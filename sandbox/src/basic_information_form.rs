//! Remote's `employment_basic_information` JSON Schemas, per country and `json_schema_version`.
//! Portugal at versions 1 and 3 and Germany at version 3 are remote-flows' published test
//! fixtures (`src/flows/Onboarding/tests/fixtures/basicInformation/v1-portugal.ts`,
//! `v3-portugal.ts`, `v3-germany.ts`), converted to JSON under `fixtures/`; Remote publishes
//! nothing for the others, so `form` derives them from the closest fixture and says how.
//! One schema serves both the GET route and the checks of `POST /v1/employments`.

use std::sync::LazyLock;

use chrono::{Datelike as _, Months, NaiveDate, Weekday};
use serde_json::{json, Value};

use crate::countries::Country;
use crate::json_schema_version::JsonSchemaVersion;
use crate::seed;

static PORTUGAL_V1: LazyLock<Value> = LazyLock::new(|| {
    fixture(include_str!(
        "../fixtures/employment_basic_information/prt-v1.json"
    ))
});
static PORTUGAL_V3: LazyLock<Value> = LazyLock::new(|| {
    fixture(include_str!(
        "../fixtures/employment_basic_information/prt-v3.json"
    ))
});
static GERMANY_V3: LazyLock<Value> = LazyLock::new(|| {
    fixture(include_str!(
        "../fixtures/employment_basic_information/deu-v3.json"
    ))
});

/// What every country's form has, whatever the version: the five fields the candidate and the
/// backend send, and the seniority date the `allOf` rule asks for when the answer is "yes".
const BASIC_FIELDS: [&str; 6] = [
    "name",
    "email",
    "job_title",
    "provisional_start_date",
    "has_seniority_date",
    "seniority_date",
];

/// The longest minimum onboarding time honoured when computing `minDate`, in working days.
const MAX_MOT: u64 = 365;

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("the basic-information fixtures are valid JSON")
}

/// The schema for `country` at `version`, as stored (see `presented` for what changes per
/// request).
pub(crate) fn form(country: &Country, version: JsonSchemaVersion) -> Value {
    let portugal = match version {
        JsonSchemaVersion::V1 => &*PORTUGAL_V1,
        JsonSchemaVersion::V3 => &*PORTUGAL_V3,
    };
    match (country.code, version) {
        ("PRT", _) => portugal.clone(),
        ("DEU", JsonSchemaVersion::V3) => GERMANY_V3.clone(),
        ("DEU", JsonSchemaVersion::V1) => germany_v1(),
        // No published UK fixture: Portugal's form of the same version (the common shape, the
        // one Korea's v3 fixture has too), renamed. Its minimum onboarding time is Portugal's,
        // not a figure Remote published for the UK.
        ("GBR", _) => with_start_date_text(
            portugal.clone(),
            &start_date_text(portugal).replace("Portugal", "the United Kingdom"),
        ),
        _ => basic_only(portugal.clone()),
    }
}

/// No published v1 fixture for Germany: Portugal's v1 form with what Germany's v3 fixture says
/// about Germany (the start-date text and minimum onboarding time, and that previous seniority
/// cannot be recognised there). The mobile number stays a v3 field.
fn germany_v1() -> Value {
    let mut schema = PORTUGAL_V1.clone();
    for pointer in [
        "/properties/provisional_start_date",
        "/properties/has_seniority_date",
    ] {
        if let (Some(target), Some(source)) =
            (schema.pointer_mut(pointer), GERMANY_V3.pointer(pointer))
        {
            *target = source.clone();
        }
    }
    schema
}

/// Any other country: the basic fields of Portugal's form of the same version, with the
/// start-date text's first sentence (Portugal's minimum onboarding time) left out.
fn basic_only(mut schema: Value) -> Value {
    let text = start_date_text(&schema);
    let neutral = text
        .split_once(". ")
        .map_or(text.as_str(), |(_, rest)| rest)
        .to_owned();
    schema = with_start_date_text(schema, &neutral);
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.retain(|name, _| BASIC_FIELDS.contains(&name.as_str()));
    }
    for list in ["required", "x-jsf-order"] {
        if let Some(names) = schema.get_mut(list).and_then(Value::as_array_mut) {
            names.retain(|name| name.as_str().is_some_and(|n| BASIC_FIELDS.contains(&n)));
        }
    }
    schema
}

fn start_date_text(schema: &Value) -> String {
    schema
        .pointer("/properties/provisional_start_date/description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn with_start_date_text(mut schema: Value, text: &str) -> Value {
    if let Some(description) = schema.pointer_mut("/properties/provisional_start_date/description")
    {
        *description = json!(text);
    }
    schema
}

/// The schema as the GET answers it on `today` for `company_id`: the fixtures' dates replaced
/// by ones computed from today (`minDate` from the minimum onboarding time `meta.mot`, in
/// working days; the seniority date's from `_maxYearsFromToday`), and the v1 form's department
/// and manager choices replaced by the company's own (the fixture's belong to someone else).
pub(crate) fn presented(mut schema: Value, company_id: &str, today: NaiveDate) -> Value {
    if let Some(presentation) = schema
        .pointer_mut("/properties/provisional_start_date/x-jsf-presentation")
        .and_then(Value::as_object_mut)
    {
        let mot = presentation
            .get("meta")
            .and_then(|meta| meta.get("mot"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let earliest = add_working_days(today, mot.min(MAX_MOT));
        presentation.insert("minDate".to_owned(), json!(earliest.to_string()));
    }
    if let Some(presentation) = schema
        .pointer_mut("/properties/seniority_date/x-jsf-presentation")
        .and_then(Value::as_object_mut)
    {
        let years = presentation
            .get("_maxYearsFromToday")
            .and_then(Value::as_u64)
            .and_then(|years| u32::try_from(years.saturating_mul(12)).ok());
        if let Some(earliest) =
            years.and_then(|months| today.checked_sub_months(Months::new(months)))
        {
            presentation.insert("minDate".to_owned(), json!(earliest.to_string()));
        }
    }
    if let Some(choices) = schema.pointer_mut("/properties/department/properties/id/oneOf") {
        *choices = json!([{ "const": null }]);
    }
    if let Some(choices) = schema.pointer_mut("/properties/manager/properties/id/oneOf") {
        let managers = seed::company(company_id).map_or(&[][..], |company| company.managers);
        *choices = managers
            .iter()
            .map(|manager| json!({ "const": manager.id, "title": manager.name }))
            .chain([json!({ "const": null })])
            .collect();
    }
    schema
}

/// `date` plus `days` working days (Monday to Friday; Remote's holidays are not modelled).
fn add_working_days(mut date: NaiveDate, days: u64) -> NaiveDate {
    let mut left = days;
    while left > 0 {
        let Some(next) = date.succ_opt() else {
            break;
        };
        date = next;
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::Value;

    use super::{add_working_days, form, presented};
    use crate::countries::{by_alpha_3, countries};
    use crate::json_schema_version::JsonSchemaVersion;

    fn required(schema: &Value) -> Vec<&str> {
        schema["required"]
            .as_array()
            .expect("a required list")
            .iter()
            .filter_map(Value::as_str)
            .collect()
    }

    #[test]
    fn every_country_has_a_form_at_both_versions_whose_required_fields_it_describes() {
        for country in countries() {
            for version in [JsonSchemaVersion::V1, JsonSchemaVersion::V3] {
                let schema = form(country, version);
                for name in required(&schema) {
                    assert!(
                        schema["properties"].get(name).is_some(),
                        "{} {version:?}: {name} is required but not a property",
                        country.code
                    );
                }
            }
        }
    }

    #[test]
    fn derived_forms_say_which_country_they_are_for() {
        let gbr = by_alpha_3("GBR").expect("GBR");
        let text = form(gbr, JsonSchemaVersion::V3)["properties"]["provisional_start_date"]
            ["description"]
            .as_str()
            .expect("a description")
            .to_owned();
        assert!(text.contains("the United Kingdom") && !text.contains("Portugal"));
        let usa = by_alpha_3("USA").expect("USA");
        let text = form(usa, JsonSchemaVersion::V1)["properties"]["provisional_start_date"]
            ["description"]
            .to_string();
        assert!(!text.contains("Portugal"), "{text}");
    }

    #[test]
    fn working_days_skip_weekends() {
        let friday = NaiveDate::from_ymd_opt(2027, 1, 8).expect("a date");
        assert_eq!(add_working_days(friday, 0), friday);
        assert_eq!(
            add_working_days(friday, 1),
            NaiveDate::from_ymd_opt(2027, 1, 11).expect("a date")
        );
        assert_eq!(
            add_working_days(friday, 20),
            NaiveDate::from_ymd_opt(2027, 2, 5).expect("a date")
        );
    }

    #[test]
    fn the_presented_dates_are_computed_from_today() {
        let today = NaiveDate::from_ymd_opt(2027, 1, 8).expect("a date");
        let deu = by_alpha_3("DEU").expect("DEU");
        let schema = presented(form(deu, JsonSchemaVersion::V3), "nobody", today);
        let properties = &schema["properties"];
        assert_eq!(
            properties["provisional_start_date"]["x-jsf-presentation"]["minDate"],
            "2027-02-05"
        );
        assert_eq!(
            properties["seniority_date"]["x-jsf-presentation"]["minDate"],
            "2022-01-08"
        );
    }
}

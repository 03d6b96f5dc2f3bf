//! The candidate a job site sends, and the checks both the widget and the backend run on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{wire_name::wire_names, CalendarDate};

/// Per-field messages, keyed by our field names.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// The candidate's basic details. Every field is a string so that partial input can be reported
/// field by field instead of failing as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Full legal name.
    #[serde(default)]
    pub full_name: String,
    /// Job title.
    #[serde(default)]
    pub job_title: String,
    /// Personal email; Remote invites the hire there.
    #[serde(default)]
    pub personal_email: String,
    /// `YYYY-MM-DD`, today or later.
    #[serde(default)]
    pub provisional_start_date: String,
    /// ISO 3166-1 alpha-2 or alpha-3, any case.
    #[serde(default)]
    pub country_code: String,
    /// The country's extra fields (`GET /api/v1/countries/{code}/form`), by field name; sent
    /// inside Remote's `basic_information`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, ExtraValue>,
}

/// One extra field's answer: text (also dates and single choices), several choices, a whole
/// number, or yes/no.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ExtraValue {
    /// Text, a date (`YYYY-MM-DD`) or one choice's value.
    Text(String),
    /// Several choices' values.
    Many(Vec<String>),
    /// A whole number (money in cents).
    Number(i64),
    /// Yes or no.
    Flag(bool),
}

/// The candidate's fields, by wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CandidateField {
    /// `full_name`
    FullName,
    /// `job_title`
    JobTitle,
    /// `personal_email`
    PersonalEmail,
    /// `provisional_start_date`
    ProvisionalStartDate,
    /// `country_code`
    CountryCode,
}

// The wire name is also the `fields` key in errors; `ALL` is in form order.
wire_names!(CandidateField, 5, {
    FullName => "full_name",
    JobTitle => "job_title",
    PersonalEmail => "personal_email",
    ProvisionalStartDate => "provisional_start_date",
    CountryCode => "country_code",
});

const MAX_TEXT_LEN: usize = 200;

impl Candidate {
    /// The value of one field.
    pub fn get(&self, field: CandidateField) -> &str {
        match field {
            CandidateField::FullName => &self.full_name,
            CandidateField::JobTitle => &self.job_title,
            CandidateField::PersonalEmail => &self.personal_email,
            CandidateField::ProvisionalStartDate => &self.provisional_start_date,
            CandidateField::CountryCode => &self.country_code,
        }
    }

    /// A copy with surrounding whitespace trimmed and the country code upper-cased.
    pub fn normalized(&self) -> Candidate {
        Candidate {
            full_name: self.full_name.trim().to_owned(),
            job_title: self.job_title.trim().to_owned(),
            personal_email: self.personal_email.trim().to_owned(),
            provisional_start_date: self.provisional_start_date.trim().to_owned(),
            country_code: self.country_code.trim().to_ascii_uppercase(),
            extra: self
                .extra
                .iter()
                .map(|(name, value)| {
                    let value = match value {
                        ExtraValue::Text(text) => ExtraValue::Text(text.trim().to_owned()),
                        ExtraValue::Many(items) => {
                            ExtraValue::Many(items.iter().map(|i| i.trim().to_owned()).collect())
                        }
                        other => other.clone(),
                    };
                    (name.trim().to_owned(), value)
                })
                .collect(),
        }
    }

    /// Checks every field's shape; `today` bounds the start date. Whether the country is hireable
    /// needs Remote's country list and is checked by the caller.
    pub fn validate(&self, today: CalendarDate) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut add = |field: CandidateField, message: &str| {
            errors
                .entry(field.as_str().to_owned())
                .or_default()
                .push(message.to_owned());
        };
        for field in [CandidateField::FullName, CandidateField::JobTitle] {
            let value = self.get(field).trim();
            if value.is_empty() {
                add(field, "is required");
            } else if value.chars().count() > MAX_TEXT_LEN {
                add(field, "must be at most 200 characters");
            } else if value.chars().any(char::is_control) {
                add(field, "must not contain control characters");
            }
        }
        let email = self.personal_email.trim();
        if email.is_empty() {
            add(CandidateField::PersonalEmail, "is required");
        } else if !email_is_valid(email) {
            add(
                CandidateField::PersonalEmail,
                "must be a valid email address",
            );
        }
        let date = self.provisional_start_date.trim();
        if date.is_empty() {
            add(CandidateField::ProvisionalStartDate, "is required");
        } else {
            match CalendarDate::parse(date) {
                None => add(
                    CandidateField::ProvisionalStartDate,
                    "must be a date in YYYY-MM-DD format",
                ),
                Some(start) if start < today => add(
                    CandidateField::ProvisionalStartDate,
                    "must not be in the past",
                ),
                Some(_) => {}
            }
        }
        let country = self.country_code.trim();
        if country.is_empty() {
            add(CandidateField::CountryCode, "is required");
        } else if !country_code_shape_is_valid(country) {
            add(
                CandidateField::CountryCode,
                "must be an ISO 3166-1 alpha-2 or alpha-3 code",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Two or three ASCII letters, any case.
pub fn country_code_shape_is_valid(code: &str) -> bool {
    matches!(code.len(), 2 | 3) && code.bytes().all(|b| b.is_ascii_alphabetic())
}

/// A pragmatic check: one `@`, a non-empty local part, a dotted domain of sane characters.
fn email_is_valid(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CalendarDate {
        CalendarDate::parse("2026-11-29").expect("valid")
    }

    fn ana() -> Candidate {
        Candidate {
            full_name: "Ana Silva".into(),
            job_title: "Backend Engineer".into(),
            personal_email: "ana@example.com".into(),
            provisional_start_date: "2027-01-11".into(),
            country_code: "pt".into(),
            extra: BTreeMap::new(),
        }
    }

    #[test]
    fn a_complete_candidate_passes() {
        assert_eq!(ana().validate(today()), Ok(()));
    }

    #[test]
    fn an_empty_candidate_reports_every_field_as_required() {
        let errors = Candidate::default().validate(today()).expect_err("invalid");
        for field in CandidateField::ALL {
            assert_eq!(
                errors[field.as_str()],
                vec!["is required".to_owned()],
                "{field:?}"
            );
        }
    }

    #[test]
    fn bad_email_date_and_country_are_reported_by_field() {
        let candidate = Candidate {
            personal_email: "ana@@example".into(),
            provisional_start_date: "2026-11-28".into(),
            country_code: "P1".into(),
            ..ana()
        };
        let errors = candidate.validate(today()).expect_err("invalid");
        assert_eq!(errors.len(), 3);
        assert_eq!(
            errors["provisional_start_date"],
            vec!["must not be in the past".to_owned()]
        );
    }

    #[test]
    fn unknown_fields_are_refused_when_parsing() {
        let parsed: Result<Candidate, _> = serde_json::from_str(r#"{"full_name":"A","salary":1}"#);
        assert!(parsed.is_err());
    }

    #[test]
    fn normalizing_trims_and_uppercases_the_country() {
        let candidate = Candidate {
            full_name: "  Ana ".into(),
            ..ana()
        }
        .normalized();
        assert_eq!(
            (
                candidate.full_name.as_str(),
                candidate.country_code.as_str()
            ),
            ("Ana", "PT")
        );
    }
}

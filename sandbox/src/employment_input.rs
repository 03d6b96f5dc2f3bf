//! Reading and validating a `POST /v1/employments` body, in either of Remote's two forms:
//! the current `basic_information` body and the older flat body of the original guide.
//! From `json_schema_version` 3 on, `basic_information` is also checked against the country's
//! form (`basic_information_check`), and only the current body is accepted: the flat one has
//! no place for the fields those versions add.
//! Errors are keyed by the field name as the client sent it, like Remote's 422s.

use serde_json::{Map, Value};

use crate::error::{ApiError, FieldErrors};
use crate::json_schema_version::JsonSchemaVersion;
use crate::text_format::{is_date, is_email, NOT_A_DATE};
use crate::{basic_information_check, basic_information_form, countries};

const BLANK: &str = "can't be blank";
const INVALID: &str = "is invalid";
/// The `basic_information` fields read by this module itself, at every version.
const PERSON_FIELDS: [&str; 4] = ["name", "email", "job_title", "provisional_start_date"];
const EMPLOYMENT_TYPES: [&str; 4] = [
    "employee",
    "contractor",
    "direct_employee",
    "global_payroll_employee",
];

/// A validated request to create an employment.
#[derive(Debug)]
pub(crate) struct NewEmployment {
    pub(crate) employment_type: String,
    pub(crate) country_code: String,
    pub(crate) full_name: String,
    pub(crate) personal_email: String,
    pub(crate) job_title: String,
    pub(crate) provisional_start_date: String,
    pub(crate) has_seniority_date: String,
    pub(crate) external_id: Option<String>,
    /// The other `basic_information` fields of the country's form that were sent (version 3).
    pub(crate) extra_basic_information: Map<String, Value>,
}

/// Parses and validates a body for the company `company_id` (the access token's), at the
/// request's `json_schema_version`.
pub(crate) fn parse(
    body: &Value,
    company_id: &str,
    version: JsonSchemaVersion,
) -> Result<NewEmployment, ApiError> {
    let Some(root) = body.as_object() else {
        return Err(ApiError::BadRequest(
            "The request body must be a JSON object.".to_owned(),
        ));
    };
    let mut errors = FieldErrors::new();
    let new = match root.get("basic_information") {
        Some(Value::Object(info)) => parse_current(root, info, version, &mut errors),
        Some(_) => {
            add(&mut errors, "basic_information", INVALID);
            None
        }
        None if version == JsonSchemaVersion::V1 => parse_flat(root, company_id, &mut errors),
        None => {
            add(&mut errors, "basic_information", BLANK);
            common(root, &mut errors);
            None
        }
    };
    match new {
        Some(new) if errors.is_empty() => Ok(new),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// `{"country_code","type","basic_information":{…},"external_id"?}`; root-level person
/// fields are ignored, as Remote does.
fn parse_current(
    root: &Map<String, Value>,
    info: &Map<String, Value>,
    version: JsonSchemaVersion,
    errors: &mut FieldErrors,
) -> Option<NewEmployment> {
    let full_name = required_text(info, "name", errors);
    let personal_email = email(info, "email", errors);
    let job_title = required_text(info, "job_title", errors);
    let provisional_start_date = date(info, "provisional_start_date", errors);
    let (employment_type, country_code, external_id) = common(root, errors);
    let (has_seniority_date, extra_basic_information) = match version {
        JsonSchemaVersion::V1 => (seniority(info, errors), Map::new()),
        JsonSchemaVersion::V3 => {
            // Without a hireable country there is no form to check against; that country is
            // already an error.
            let country = country_code.as_deref().and_then(countries::by_alpha_3)?;
            let form = basic_information_form::form(country, version);
            let mut fields = basic_information_check::check(&form, info, &PERSON_FIELDS, errors);
            let has_seniority_date = fields
                .remove("has_seniority_date")
                .and_then(|answer| answer.as_str().map(str::to_owned));
            (has_seniority_date, fields)
        }
    };
    Some(NewEmployment {
        employment_type: employment_type?,
        country_code: country_code?,
        full_name: full_name?,
        personal_email: personal_email?,
        job_title: job_title?,
        provisional_start_date: provisional_start_date?,
        has_seniority_date: has_seniority_date?,
        external_id: external_id?,
        extra_basic_information,
    })
}

/// `{"company_id","country_code","full_name","job_title","personal_email",
/// "provisional_start_date","type"?}` from the original integration guide.
fn parse_flat(
    root: &Map<String, Value>,
    company_id: &str,
    errors: &mut FieldErrors,
) -> Option<NewEmployment> {
    if let Some(sent) = required_text(root, "company_id", errors) {
        if sent != company_id {
            add(
                errors,
                "company_id",
                "does not match the company of the access token",
            );
        }
    }
    let full_name = required_text(root, "full_name", errors);
    let personal_email = email(root, "personal_email", errors);
    let job_title = required_text(root, "job_title", errors);
    let provisional_start_date = date(root, "provisional_start_date", errors);
    let (employment_type, country_code, external_id) = common(root, errors);
    Some(NewEmployment {
        employment_type: employment_type?,
        country_code: country_code?,
        full_name: full_name?,
        personal_email: personal_email?,
        job_title: job_title?,
        provisional_start_date: provisional_start_date?,
        has_seniority_date: "no".to_owned(),
        external_id: external_id?,
        extra_basic_information: Map::new(),
    })
}

type Common = (Option<String>, Option<String>, Option<Option<String>>);

/// The root fields both forms share: `type`, `country_code`, `external_id`.
fn common(root: &Map<String, Value>, errors: &mut FieldErrors) -> Common {
    let employment_type = match root.get("type") {
        None | Some(Value::Null) => Some("employee".to_owned()),
        Some(Value::String(kind)) if EMPLOYMENT_TYPES.contains(&kind.as_str()) => {
            Some(kind.clone())
        }
        Some(_) => {
            add(errors, "type", INVALID);
            None
        }
    };
    let country_code = required_text(root, "country_code", errors).and_then(|code| {
        match countries::by_alpha_3(&code) {
            Some(country) if country.eor_onboarding => Some(code),
            _ => {
                add(errors, "country_code", "is not supported");
                None
            }
        }
    });
    let external_id = match root.get("external_id") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(id)) => Some(Some(id.clone())),
        Some(_) => {
            add(errors, "external_id", INVALID);
            None
        }
    };
    (employment_type, country_code, external_id)
}

fn add(errors: &mut FieldErrors, field: &str, message: &str) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.to_owned());
}

fn required_text(
    obj: &Map<String, Value>,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    match obj.get(field) {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            add(errors, field, BLANK);
            None
        }
        Some(_) => {
            add(errors, field, INVALID);
            None
        }
    }
}

fn email(obj: &Map<String, Value>, field: &str, errors: &mut FieldErrors) -> Option<String> {
    let address = required_text(obj, field, errors)?;
    if is_email(&address) {
        Some(address)
    } else {
        add(errors, field, "is not a valid email address");
        None
    }
}

fn date(obj: &Map<String, Value>, field: &str, errors: &mut FieldErrors) -> Option<String> {
    let text = required_text(obj, field, errors)?;
    if is_date(&text) {
        Some(text)
    } else {
        add(errors, field, NOT_A_DATE);
        None
    }
}

fn seniority(info: &Map<String, Value>, errors: &mut FieldErrors) -> Option<String> {
    match info.get("has_seniority_date") {
        None | Some(Value::Null) => Some("no".to_owned()),
        Some(Value::String(answer)) if answer == "yes" || answer == "no" => Some(answer.clone()),
        Some(_) => {
            add(errors, "has_seniority_date", "must be \"yes\" or \"no\"");
            None
        }
    }
}

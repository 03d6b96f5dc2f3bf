//! The shape of Remote's `POST /v1/employments`: the body in the configured form (today's
//! `basic_information`, or the original guide's flat one) with our hire id as `external_id`, and
//! the field names of Remote's refusal mapped back onto the candidate's.

use hwr_protocol::{Candidate, FieldErrors};
use serde_json::{json, Value};

use crate::config::EmploymentBody;

/// The body for `candidate` in `form`, hired in `country_code` (alpha-3) at `company_id` under
/// our `hire_id`.
pub fn employment_body(
    form: EmploymentBody,
    candidate: &Candidate,
    country_code: &str,
    company_id: &str,
    hire_id: &str,
) -> Value {
    match form {
        EmploymentBody::BasicInformation => json!({
            "country_code": country_code,
            "type": "employee",
            "external_id": hire_id,
            "basic_information": with_extra(json!({
                "name": candidate.full_name,
                "email": candidate.personal_email,
                "job_title": candidate.job_title,
                "provisional_start_date": candidate.provisional_start_date,
                "has_seniority_date": "no",
            }), candidate),
        }),
        EmploymentBody::Flat => with_extra(
            json!({
                "company_id": company_id,
                "country_code": country_code,
                "type": "employee",
                "external_id": hire_id,
                "full_name": candidate.full_name,
                "personal_email": candidate.personal_email,
                "job_title": candidate.job_title,
                "provisional_start_date": candidate.provisional_start_date,
            }),
            candidate,
        ),
    }
}

/// `object` with the candidate's extra fields added (they never replace a basic one).
fn with_extra(mut object: Value, candidate: &Candidate) -> Value {
    if let Value::Object(fields) = &mut object {
        for (name, value) in &candidate.extra {
            if !fields.contains_key(name) {
                fields.insert(name.clone(), json!(value));
            }
        }
    }
    object
}

/// Remote's field names (`basic_information.email`, `name`) onto ours (`personal_email`).
pub fn our_field_names(errors: FieldErrors) -> FieldErrors {
    let mut ours = FieldErrors::new();
    for (key, messages) in errors {
        let bare = key.strip_prefix("basic_information.").unwrap_or(&key);
        let name = match bare {
            "name" | "full_name" => "full_name",
            "email" | "personal_email" => "personal_email",
            other => other,
        };
        ours.entry(name.to_owned()).or_default().extend(messages);
    }
    ours
}

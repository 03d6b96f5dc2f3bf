//! An employment as the sandbox stores it, and its two JSON renderings: the full object of
//! `POST`/`GET /v1/employments/{id}` and Remote's `MinimalEmployment` of the list endpoint.

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng as _;
use serde_json::{json, Map, Value};

use crate::countries;
use crate::employment_status::EmploymentStatus;

/// A stored employment.
#[derive(Debug, Clone)]
pub(crate) struct Employment {
    pub(crate) id: String,
    pub(crate) short_id: String,
    pub(crate) company_id: String,
    pub(crate) employment_type: String,
    pub(crate) country_code: String,
    pub(crate) full_name: String,
    pub(crate) personal_email: String,
    pub(crate) job_title: String,
    pub(crate) provisional_start_date: String,
    pub(crate) has_seniority_date: String,
    /// The `basic_information` fields beyond the five that the country's form (at the
    /// `json_schema_version` of the POST) took, as sent; returned inside `basic_information`.
    pub(crate) extra_basic_information: Map<String, Value>,
    pub(crate) external_id: Option<String>,
    /// Starts `created`; `PATCH /v1/sandbox/employments/{id}` and the onboarding page move it.
    pub(crate) status: EmploymentStatus,
    /// Whether it has ever been `active`, which decides what archiving it means.
    pub(crate) ever_active: bool,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl Employment {
    /// The full object, as in `{"data":{"employment":…}}`.
    pub(crate) fn to_json(&self) -> Value {
        let mut basic_information = Map::new();
        basic_information.insert("name".to_owned(), json!(self.full_name));
        basic_information.insert("email".to_owned(), json!(self.personal_email));
        basic_information.insert("job_title".to_owned(), json!(self.job_title));
        basic_information.insert(
            "provisional_start_date".to_owned(),
            json!(self.provisional_start_date),
        );
        basic_information.insert(
            "has_seniority_date".to_owned(),
            json!(self.has_seniority_date),
        );
        for (name, value) in &self.extra_basic_information {
            basic_information
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
        json!({
            "id": self.id,
            "short_id": self.short_id,
            "type": self.employment_type,
            "company_id": self.company_id,
            "country_code": self.country_code,
            "country": self.country_json(),
            "full_name": self.full_name,
            "personal_email": self.personal_email,
            "login_email": self.personal_email,
            "work_email": null,
            "job_title": self.job_title,
            "provisional_start_date": self.provisional_start_date,
            "external_id": self.external_id,
            "status": self.status.as_str(),
            "user_status": self.status.user_status(self.ever_active),
            "employment_lifecycle_stage": self.status.lifecycle_stage(),
            "employment_model": "eor",
            "basic_information": basic_information,
            "created_at": self.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "updated_at": self.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        })
    }

    /// Remote's `MinimalEmployment`, the item of `GET /v1/employments`.
    pub(crate) fn to_minimal_json(&self) -> Value {
        json!({
            "id": self.id,
            "full_name": self.full_name,
            "personal_email": self.personal_email,
            "login_email": self.personal_email,
            "work_email": null,
            "job_title": self.job_title,
            "country": self.country_json(),
            "type": self.employment_type,
            "status": self.status.as_str(),
            "employment_lifecycle_stage": self.status.lifecycle_stage(),
            "employment_model": "eor",
            "external_id": self.external_id,
            "short_id": self.short_id,
            "work_address_details": {},
        })
    }

    fn country_json(&self) -> Value {
        match countries::by_alpha_3(&self.country_code) {
            Some(country) => json!({
                "code": country.code,
                "alpha_2_code": country.alpha_2_code,
                "name": country.name,
                "region": country.region,
                "subregion": country.subregion,
            }),
            None => json!({ "code": self.country_code }),
        }
    }
}

/// A Remote-style short id: six characters from an alphabet without look-alikes.
pub(crate) fn new_short_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..6)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

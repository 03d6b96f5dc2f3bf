//! An employment as the sandbox stores it, and its two JSON renderings: the full object of
//! `POST`/`GET /v1/employments/{id}` and Remote's `MinimalEmployment` of the list endpoint.

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng as _;
use serde_json::{json, Value};

use crate::countries;

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
    pub(crate) external_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

impl Employment {
    /// Status of a freshly created employment; nothing in the sandbox advances it.
    pub(crate) const STATUS: &'static str = "created";
    const LIFECYCLE_STAGE: &'static str = "employment_creation";

    /// The full object, as in `{"data":{"employment":…}}`.
    pub(crate) fn to_json(&self) -> Value {
        let timestamp = self.created_at.to_rfc3339_opts(SecondsFormat::Secs, true);
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
            "status": Self::STATUS,
            "user_status": "created",
            "employment_lifecycle_stage": Self::LIFECYCLE_STAGE,
            "employment_model": "eor",
            "basic_information": {
                "name": self.full_name,
                "email": self.personal_email,
                "job_title": self.job_title,
                "provisional_start_date": self.provisional_start_date,
                "has_seniority_date": self.has_seniority_date,
            },
            "created_at": timestamp,
            "updated_at": timestamp,
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
            "status": Self::STATUS,
            "employment_lifecycle_stage": Self::LIFECYCLE_STAGE,
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

//! Candidates to hire: Ana, valid in every field, and variations of her.

use serde_json::{json, Value};

/// A start date this many days from today, `YYYY-MM-DD`.
pub fn days_from_today(days: u64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Days::new(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Ana Silva, a backend engineer in Portugal starting in about two months.
pub fn ana() -> Value {
    json!({
        "full_name": "Ana Silva",
        "job_title": "Backend Engineer",
        "personal_email": "ana.silva@example.com",
        "provisional_start_date": days_from_today(60),
        "country_code": "PT",
    })
}

/// Ana with one field replaced.
pub fn ana_with(field: &str, value: &str) -> Value {
    let mut candidate = ana();
    candidate[field] = Value::String(value.to_owned());
    candidate
}

/// A distinct candidate (own name and email), for tests that hire several people.
pub fn candidate_number(n: usize) -> Value {
    json!({
        "full_name": format!("Candidate {n}"),
        "job_title": "Backend Engineer",
        "personal_email": format!("candidate.{n}@example.com"),
        "provisional_start_date": days_from_today(60),
        "country_code": "PRT",
    })
}

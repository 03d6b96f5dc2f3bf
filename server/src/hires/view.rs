//! A hire as the job site reads it: the stored record with its sealed candidate opened, times in
//! RFC 3339; plus what is sealed and hashed when a hire is recorded.

use hwr_protocol::{Hire, HireCandidate};
use sha2::{Digest, Sha256};

use crate::{
    crypto::{KeyRing, Sealed},
    store::{HireDetails, HireRecord},
};

/// The associated data binding a sealed candidate to its hire.
fn candidate_context(hire_id: &str) -> String {
    format!("hires|{hire_id}|candidate")
}

/// SHA-256 (hex) of the trimmed, lower-cased email: how hires are found by email without the
/// email in an index.
pub fn email_hash(email: &str) -> String {
    Sha256::digest(email.trim().to_lowercase().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a new hire record keeps: Remote's status, the email hash and the sealed candidate.
pub fn details(
    keys: &KeyRing,
    hire_id: &str,
    candidate: &HireCandidate,
    remote_status: &str,
) -> HireDetails {
    let json = serde_json::to_string(candidate).unwrap_or_default();
    let sealed = keys.seal(&json, &candidate_context(hire_id));
    HireDetails {
        remote_status: remote_status.to_owned(),
        email_hash: email_hash(&candidate.personal_email),
        candidate_key_id: sealed.key_id,
        candidate: sealed.data,
    }
}

/// The record's candidate; empty fields when it cannot be opened (a record from before
/// candidates were kept, or a key removed from the ring).
pub fn candidate(keys: &KeyRing, record: &HireRecord) -> HireCandidate {
    let opened = match (&record.candidate_key_id, &record.candidate) {
        (Some(key_id), Some(data)) => keys
            .open(
                &Sealed {
                    key_id: key_id.clone(),
                    data: data.clone(),
                },
                &candidate_context(&record.hire_id),
            )
            .ok()
            .and_then(|json| serde_json::from_str(&json).ok()),
        _ => None,
    };
    opened.unwrap_or_else(|| HireCandidate {
        full_name: String::new(),
        personal_email: String::new(),
        country_code: String::new(),
    })
}

/// Unix seconds as RFC 3339 (UTC, whole seconds).
pub fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The record as the API answers it.
pub fn hire(keys: &KeyRing, record: &HireRecord) -> Hire {
    Hire {
        hire_id: record.hire_id.clone(),
        employment_id: record.employment_id.clone(),
        user: record.site_user.clone(),
        company_id: record.company_id.clone(),
        status: record.remote_status.clone(),
        candidate: candidate(keys, record),
        created_at: rfc3339(record.created_at),
        updated_at: rfc3339(record.updated_at),
    }
}

//! Reading employments back from Remote: one by id (the truth a webhook only hints at) and the
//! company's employments with a given email (a candidate the company already employs).

use reqwest::Method;
use secrecy::SecretString;
use serde_json::Value;

use super::{api::UpstreamError, RemoteApi};

/// An employment as Remote reports it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmploymentState {
    /// Remote's id.
    pub id: String,
    /// Remote's employment status (`created`, `invited`, `active`, …).
    pub status: String,
    /// Remote's `updated_at`, when given.
    pub updated_at: Option<String>,
    /// The candidate's personal email, when given.
    pub personal_email: Option<String>,
    /// The candidate's full name, when given.
    pub full_name: Option<String>,
    /// Alpha-3, when given.
    pub country_code: Option<String>,
    /// The `external_id` it was created with (our hire id, when we created it).
    pub external_id: Option<String>,
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl EmploymentState {
    /// Reads one employment object (the full one or the list's `MinimalEmployment`).
    fn read(employment: &Value) -> Option<EmploymentState> {
        Some(EmploymentState {
            id: text(employment, "/id")?,
            status: text(employment, "/status")
                .or_else(|| text(employment, "/user_status"))
                .unwrap_or_else(|| "created".to_owned()),
            updated_at: text(employment, "/updated_at"),
            personal_email: text(employment, "/personal_email")
                .or_else(|| text(employment, "/basic_information/email")),
            full_name: text(employment, "/full_name")
                .or_else(|| text(employment, "/basic_information/name")),
            country_code: text(employment, "/country_code")
                .or_else(|| text(employment, "/country/code"))
                .or_else(|| text(employment, "/country/alpha_3_code")),
            external_id: text(employment, "/external_id"),
        })
    }
}

impl RemoteApi {
    /// `GET /v1/employments/{id}`; `None` on a 404.
    pub async fn employment(
        &self,
        token: &SecretString,
        employment_id: &str,
    ) -> Result<Option<EmploymentState>, UpstreamError> {
        if employment_id.is_empty()
            || !employment_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Ok(None);
        }
        let path = format!("/v1/employments/{employment_id}");
        let answer = match self.call(Method::GET, &path, token, &[], None).await {
            Ok(answer) => answer,
            Err(UpstreamError::Rejected { status: 404, .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        let employment = answer.pointer("/data/employment").ok_or_else(|| {
            UpstreamError::Unexpected("the employment answer has no employment".into())
        })?;
        Ok(EmploymentState::read(employment))
    }

    /// The company's employments whose email is `email` (Remote's list filter), first pages only.
    pub async fn employments_with_email(
        &self,
        token: &SecretString,
        email: &str,
    ) -> Result<Vec<EmploymentState>, UpstreamError> {
        let query = [
            ("email", email.to_owned()),
            ("page", "1".to_owned()),
            ("page_size", "100".to_owned()),
        ];
        let answer = self
            .call(Method::GET, "/v1/employments", token, &query, None)
            .await?;
        let items = answer
            .pointer("/data/employments")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(items.iter().filter_map(EmploymentState::read).collect())
    }
}

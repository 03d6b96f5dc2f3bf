//! `--seed-duplicate`, for the test that proves the verdict bites (and left out of the usage
//! line): after the drain, one more employment at the sandbox carrying the `external_id` of a
//! hire a client was told of, posted through Remote's public `POST /v1/employments` with a live
//! token of another company when there is one, and under another email — so that neither the
//! sandbox's one-email-per-company rule nor a count by email can see it. The run must fail.

use anyhow::{bail, Context, Result};
use reqwest::Client;
use serde_json::{json, Value};

use crate::hires::{HireRecord, Outcome};

/// The employment seeded.
#[derive(Debug, Clone)]
pub(crate) struct Seeded {
    pub(crate) employment_id: String,
    pub(crate) external_id: String,
    pub(crate) company_id: String,
}

impl Seeded {
    /// One line for the log and the report.
    pub(crate) fn describe(&self) -> String {
        format!(
            "employment {} with external_id {} in company {}",
            self.employment_id, self.external_id, self.company_id
        )
    }
}

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name].as_str().unwrap_or_default()
}

/// Posts the duplicate of the first hire answered 201, as the sandbox's `state` lists it.
pub(crate) async fn seed(
    client: &Client,
    sandbox: &str,
    state: &Value,
    records: &[HireRecord],
) -> Result<Seeded> {
    let employments = state["employments"].as_array().cloned().unwrap_or_default();
    let original = records
        .iter()
        .find_map(|record| match &record.outcome {
            Outcome::Created { employment_id, .. } => {
                employments.iter().find(|e| text(e, "id") == employment_id)
            }
            _ => None,
        })
        .context("no hire of the run was created, so there is nothing to duplicate")?;
    let company = text(original, "company_id");
    let tokens: Vec<(&str, &str)> = state["issued"]["access_tokens"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["expired"] == false && t["revoked"] == false)
        .filter_map(|t| Some((t["company_id"].as_str()?, t["value"].as_str()?)))
        .collect();
    let (into, token) = tokens
        .iter()
        .find(|(other, _)| *other != company)
        .or_else(|| tokens.first())
        .copied()
        .context("the sandbox lists no live company token")?;
    let info = &original["basic_information"];
    let body = json!({
        "country_code": text(original, "country_code"),
        "type": "employee",
        "external_id": text(original, "external_id"),
        "basic_information": {
            "name": text(info, "name"),
            "email": format!("again.{}", text(info, "email")),
            "job_title": text(info, "job_title"),
            "provisional_start_date": text(info, "provisional_start_date"),
            "has_seniority_date": "no",
        },
    });
    let answer = client
        .post(format!("{sandbox}/v1/employments"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .context("the sandbox did not answer the seeded POST /v1/employments")?;
    let status = answer.status();
    let created: Value = answer.json().await.unwrap_or_default();
    let employment = &created["data"]["employment"];
    if status != 201 || text(employment, "id").is_empty() {
        bail!("the sandbox refused the seeded duplicate: {status} {created}");
    }
    Ok(Seeded {
        employment_id: text(employment, "id").to_owned(),
        external_id: text(employment, "external_id").to_owned(),
        company_id: into.to_owned(),
    })
}

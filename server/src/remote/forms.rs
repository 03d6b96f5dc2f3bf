//! Remote's form schemas: `GET /v1/countries/{alpha3}/employment_basic_information` at a
//! `json_schema_version`, read with a company token.

use reqwest::Method;
use secrecy::SecretString;
use serde_json::Value;

use super::{api::UpstreamError, RemoteApi};

impl RemoteApi {
    /// The basic-information JSON Schema for `alpha3` (Remote's answer as it came).
    pub async fn basic_information_schema(
        &self,
        token: &SecretString,
        alpha3: &str,
        json_schema_version: u32,
    ) -> Result<Value, UpstreamError> {
        if alpha3.len() != 3 || !alpha3.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(UpstreamError::Unexpected(format!(
                "{alpha3:?} is not an alpha-3 country code"
            )));
        }
        let path = format!("/v1/countries/{alpha3}/employment_basic_information");
        let query = [("json_schema_version", json_schema_version.to_string())];
        self.call(Method::GET, &path, token, &query, None).await
    }
}

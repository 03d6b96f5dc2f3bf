//! Country-specific fields: Remote's basic-information JSON Schema for a country, at the pinned
//! `HWR_REMOTE_JSON_SCHEMA_VERSION`, translated into the small field list the widget renders
//! (`GET /api/v1/countries/{code}/form`), cached per country and version like the country list
//! (served stale while Remote fails), and used to check a candidate's `extra` before anything
//! is sent upstream.

mod cache;
pub mod translate;
pub mod validate;

pub use cache::FormCache;

use hwr_protocol::CountryForm;
use secrecy::SecretString;

use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The form for `alpha3` at the configured version, optional fields included (the route shows
/// the required ones; `extra` may carry any): cached, else read from Remote with `token`.
pub async fn for_country(
    state: &AppState,
    token: &SecretString,
    alpha3: &str,
) -> ApiResult<CountryForm> {
    let version = state.config.remote.json_schema_version;
    if let Some(form) = state.forms.fresh(alpha3, version) {
        return Ok(form);
    }
    match state
        .api
        .basic_information_schema(token, alpha3, version)
        .await
    {
        Ok(schema) => {
            let form = translate::form(alpha3, version, &schema);
            state.forms.store(alpha3, version, form.clone());
            Ok(form)
        }
        Err(error) => match state.forms.stale(alpha3, version) {
            Some(form) => {
                tracing::warn!(%error, country = alpha3, "Remote's form failed; serving the cached one");
                Ok(form)
            }
            None => Err(ApiError::from_upstream(error)),
        },
    }
}

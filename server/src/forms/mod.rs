//! Country-specific fields: Remote's basic-information JSON Schema for a country, at the pinned
//! `HWR_REMOTE_JSON_SCHEMA_VERSION`, translated into the small field list the widget renders
//! (`GET /api/v1/countries/{code}/form`), cached per country and version like the country list
//! (served stale while Remote fails), and used to check a candidate's `extra` before anything
//! is sent upstream.

mod cache;
pub mod translate;
pub mod validate;

use std::{sync::Arc, time::Duration};

use hwr_protocol::CountryForm;
use secrecy::SecretString;

use self::cache::FormCache;
use crate::{
    error::{ApiError, ApiResult},
    remote::RemoteApi,
};

/// The forms' own state, a sub-state of the app's (`FromRef`): the cache, Remote's API and the
/// pinned schema version. Cheap to clone.
#[derive(Clone)]
pub struct Forms {
    cache: Arc<FormCache>,
    api: RemoteApi,
    version: u32,
}

impl Forms {
    /// Forms at `version` (`HWR_REMOTE_JSON_SCHEMA_VERSION`) read from `api`, fresh for `ttl`.
    pub fn new(ttl: Duration, api: RemoteApi, version: u32) -> Forms {
        Forms {
            cache: Arc::new(FormCache::new(ttl)),
            api,
            version,
        }
    }
}

/// The form for `alpha3` at the configured version, optional fields included (the route shows
/// the required ones; `extra` may carry any): cached, else read from Remote with `token`.
pub async fn for_country(
    forms: &Forms,
    token: &SecretString,
    alpha3: &str,
) -> ApiResult<CountryForm> {
    let version = forms.version;
    if let Some(form) = forms.cache.fresh(alpha3, version) {
        return Ok(form);
    }
    match forms
        .api
        .basic_information_schema(token, alpha3, version)
        .await
    {
        Ok(schema) => {
            let form = translate::form(alpha3, version, &schema);
            forms.cache.store(alpha3, version, form.clone());
            Ok(form)
        }
        Err(error) => match forms.cache.stale(alpha3, version) {
            Some(form) => {
                tracing::warn!(%error, country = alpha3, "Remote's form failed; serving the cached one");
                Ok(form)
            }
            None => Err(ApiError::from_upstream(error)),
        },
    }
}

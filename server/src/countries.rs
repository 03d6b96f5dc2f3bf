//! Remote's country list, cached for an hour: it decides before anything is sent whether a
//! candidate's country is known and hireable, turns alpha-2 into the alpha-3 Remote wants, and
//! feeds the widget's country picker. Fetched with a client-credentials token, or the user's own
//! token when Remote refuses client credentials.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use hwr_protocol::{Country, ErrorCode, FieldErrors};
use secrecy::SecretString;
use tokio::sync::Mutex;

use crate::{
    error::{ApiError, ApiResult},
    remote::{RemoteCountry, UpstreamError},
    state::AppState,
};

const TTL: Duration = Duration::from_secs(3600);

/// The cached list and the client-credentials token used to fetch it.
#[derive(Default)]
pub struct CountryCache {
    list: Mutex<Option<(Instant, Arc<Vec<RemoteCountry>>)>>,
}

/// Every country Remote lists (hireable or not), from cache when fresh.
pub async fn all(
    state: &AppState,
    user_token: Option<&SecretString>,
) -> ApiResult<Arc<Vec<RemoteCountry>>> {
    let mut cached = state.countries.list.lock().await;
    if let Some((at, list)) = cached.as_ref() {
        if at.elapsed() < TTL {
            return Ok(list.clone());
        }
    }
    let fetched = match state.oauth.client_credentials().await {
        Ok((token, _)) => state.api.countries(&token).await,
        Err(error) => match user_token {
            Some(token) => state.api.countries(token).await,
            None => {
                tracing::warn!(%error, "client credentials for the country list failed");
                return Err(unavailable());
            }
        },
    };
    let list = Arc::new(fetched.map_err(|error| {
        tracing::warn!(%error, "fetching Remote's country list failed");
        match error {
            UpstreamError::RateLimited { retry_after } => {
                ApiError::new(ErrorCode::RateLimited, "Remote is busy; try again shortly.")
                    .with_retry_after(retry_after.unwrap_or(5))
            }
            UpstreamError::CircuitOpen { retry_after } => {
                unavailable().with_retry_after(retry_after)
            }
            _ => unavailable(),
        }
    })?);
    *cached = Some((Instant::now(), list.clone()));
    Ok(list)
}

fn unavailable() -> ApiError {
    ApiError::new(
        ErrorCode::UpstreamUnavailable,
        "Remote's country list is not available right now. Try again in a moment.",
    )
    .with_retry_after(5)
}

/// The hireable countries, for the widget.
pub fn hireable(list: &[RemoteCountry]) -> Vec<Country> {
    list.iter()
        .filter(|c| c.eor_onboarding)
        .map(|c| Country {
            code: c.code.clone(),
            alpha_2_code: c.alpha_2_code.clone(),
            name: c.name.clone(),
        })
        .collect()
}

/// The hireable country for `code` (alpha-2 or alpha-3, any case).
pub fn resolve<'a>(list: &'a [RemoteCountry], code: &str) -> ApiResult<&'a RemoteCountry> {
    let code = code.trim().to_ascii_uppercase();
    let found = list
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(&code) || c.alpha_2_code.eq_ignore_ascii_case(&code));
    match found {
        Some(country) if country.eor_onboarding => Ok(country),
        Some(country) => Err(ApiError::new(
            ErrorCode::UnsupportedCountry,
            format!(
                "Remote cannot hire in {} yet. Choose another country or contact Remote.",
                country.name
            ),
        )
        .with_fields(FieldErrors::from([(
            "country_code".to_owned(),
            vec!["is not a country Remote can hire in".to_owned()],
        )]))),
        None => Err(ApiError::validation(FieldErrors::from([(
            "country_code".to_owned(),
            vec!["is not a known ISO 3166-1 country code".to_owned()],
        )]))),
    }
}

//! Remote's country list, cached (`HWR_COUNTRIES_TTL_SECS`, an hour by default): it decides
//! before anything is sent whether a candidate's country is known and hireable, turns alpha-2
//! into the alpha-3 Remote wants, and feeds the widget's country picker. Fetched with a
//! client-credentials token, or the user's own token when Remote refuses client credentials.
//!
//! Remote misbehaving must not queue our callers: one fetch runs at a time; while it runs, or
//! when it fails, callers get the stale list at once if there is one; with no list at all, a
//! failure is remembered for a few seconds so the callers behind it answer at once too.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use hwr_protocol::{Country, ErrorCode, FieldErrors};
use secrecy::SecretString;

use crate::{
    error::{ApiError, ApiResult},
    remote::{RemoteApi, RemoteCountry, RemoteOAuth, UpstreamError},
};

/// The country list's own state, a sub-state of the app's (`FromRef`): the cache and the two
/// Remote clients a fetch needs. Cheap to clone.
#[derive(Clone)]
pub struct Countries {
    cache: Arc<CountryCache>,
    oauth: RemoteOAuth,
    api: RemoteApi,
}

impl Countries {
    /// An empty list, fresh for `ttl` once fetched with `oauth`'s client credentials from `api`.
    pub fn new(ttl: Duration, oauth: RemoteOAuth, api: RemoteApi) -> Countries {
        Countries {
            cache: Arc::new(CountryCache::new(ttl)),
            oauth,
            api,
        }
    }
}

/// How long a failed fetch is remembered (callers answered at once, Remote not asked again).
const FAILURE_MEMORY: Duration = Duration::from_secs(5);

/// The cached list, and the one fetch allowed at a time.
struct CountryCache {
    ttl: Duration,
    state: Mutex<Cached>,
    fetching: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct Cached {
    list: Option<(Instant, Arc<Vec<RemoteCountry>>)>,
    failed: Option<(Instant, Failure)>,
}

/// Why the last fetch failed, kept to answer the next callers the same way.
#[derive(Debug, Clone, Copy)]
enum Failure {
    RateLimited(u64),
    Unavailable(u64),
}

impl Failure {
    fn error(self) -> ApiError {
        match self {
            Failure::RateLimited(wait) => {
                ApiError::new(ErrorCode::RateLimited, "Remote is busy; try again shortly.")
                    .with_retry_after(wait)
            }
            Failure::Unavailable(wait) => ApiError::new(
                ErrorCode::UpstreamUnavailable,
                "Remote's country list is not available right now. Try again in a moment.",
            )
            .with_retry_after(wait),
        }
    }
}

/// What a caller can be answered with right now, without waiting for Remote.
enum Ready {
    Fresh(Arc<Vec<RemoteCountry>>),
    /// Past its time; `retry` when no fetch failed in the last few seconds.
    Stale {
        list: Arc<Vec<RemoteCountry>>,
        retry: bool,
    },
    Failed(Failure),
    Nothing,
}

impl CountryCache {
    /// An empty cache whose list stays fresh for `ttl`.
    fn new(ttl: Duration) -> Self {
        CountryCache {
            ttl,
            state: Mutex::new(Cached::default()),
            fetching: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn ready(&self) -> Ready {
        let cached = self.lock();
        let recent_failure = cached
            .failed
            .filter(|(at, _)| at.elapsed() < FAILURE_MEMORY)
            .map(|(_, failure)| failure);
        match (&cached.list, recent_failure) {
            (Some((at, list)), _) if at.elapsed() < self.ttl => Ready::Fresh(list.clone()),
            (Some((_, list)), failure) => Ready::Stale {
                list: list.clone(),
                retry: failure.is_none(),
            },
            (None, Some(failure)) => Ready::Failed(failure),
            (None, None) => Ready::Nothing,
        }
    }

    fn store(&self, fetched: Result<Arc<Vec<RemoteCountry>>, Failure>) {
        let mut cached = self.lock();
        match fetched {
            Ok(list) => {
                cached.list = Some((Instant::now(), list));
                cached.failed = None;
            }
            Err(failure) => cached.failed = Some((Instant::now(), failure)),
        }
    }
}

/// Every country Remote lists (hireable or not): fresh from cache, else fetched once at a time.
pub async fn all(
    countries: &Countries,
    user_token: Option<&SecretString>,
) -> ApiResult<Arc<Vec<RemoteCountry>>> {
    let cache = &countries.cache;
    match cache.ready() {
        Ready::Fresh(list) => return Ok(list),
        Ready::Stale { list, retry } => {
            // Refresh behind the caller's back, unless a refresh is running already or one
            // just failed.
            if let Some(fetching) = retry
                .then(|| cache.fetching.clone().try_lock_owned().ok())
                .flatten()
            {
                let countries = countries.clone();
                let user_token = user_token.cloned();
                tokio::spawn(async move {
                    let fetched = fetch(&countries, user_token.as_ref()).await;
                    countries.cache.store(fetched);
                    drop(fetching);
                });
            }
            return Ok(list);
        }
        Ready::Failed(failure) => return Err(failure.error()),
        Ready::Nothing => {}
    }
    let _fetching = cache.fetching.lock().await;
    // Whoever held the lock before may have settled it.
    match cache.ready() {
        Ready::Fresh(list) | Ready::Stale { list, .. } => return Ok(list),
        Ready::Failed(failure) => return Err(failure.error()),
        Ready::Nothing => {}
    }
    let fetched = fetch(countries, user_token).await;
    cache.store(fetched.clone());
    fetched.map_err(Failure::error)
}

/// One fetch from Remote.
async fn fetch(
    countries: &Countries,
    user_token: Option<&SecretString>,
) -> Result<Arc<Vec<RemoteCountry>>, Failure> {
    let fetched = match countries.oauth.client_credentials().await {
        Ok((token, _)) => countries.api.countries(&token).await,
        Err(error) => match user_token {
            Some(token) => countries.api.countries(token).await,
            None => {
                tracing::warn!(%error, "client credentials for the country list failed");
                return Err(Failure::Unavailable(5));
            }
        },
    };
    fetched.map(Arc::new).map_err(|error| {
        tracing::warn!(%error, "fetching Remote's country list failed");
        match error {
            UpstreamError::RateLimited { retry_after } => {
                Failure::RateLimited(retry_after.unwrap_or(5))
            }
            UpstreamError::CircuitOpen { retry_after } => Failure::Unavailable(retry_after),
            _ => Failure::Unavailable(5),
        }
    })
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

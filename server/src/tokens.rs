//! Usable access tokens for a site user's connection: decrypted on read (and re-encrypted when
//! sealed under an old key), refreshed a margin before expiry with one refresh per connection at
//! a time — a process-local lock, plus the store's refresh lock across processes — re-reading
//! the row once the lock is held and storing the new tokens before it is released.

use std::{
    collections::HashMap,
    ops::Deref,
    sync::{Arc, Mutex},
    time::Duration,
};

use hwr_protocol::ErrorCode;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    config::RemoteConfig,
    crypto::{KeyRing, Sealed},
    error::{ApiError, ApiResult},
    metrics::Metrics,
    remote::{RemoteOAuth, TokenError},
    store::{now, AuditEvent, AuditKind, ConnectionRow, Store},
};

/// The token service's own tokens, and only what it needs: the store, Remote's token endpoint,
/// the keys, the refresh locks and the few settings the rules read. A sub-tokens of the app's
/// (`FromRef`); cheap to clone.
#[derive(Clone)]
pub struct Tokens {
    inner: Arc<TokenParts>,
}

/// What [`Tokens`] points to.
pub struct TokenParts {
    store: Store,
    oauth: RemoteOAuth,
    keys: KeyRing,
    metrics: Metrics,
    /// One refresh per connection at a time, within this process.
    locks: RefreshLocks,
    /// The Remote environment a usable connection must belong to (`HWR_REMOTE_BASE_URL`).
    environment: String,
    /// How long before expiry a token is refreshed.
    refresh_margin: Duration,
    /// The refresh lease (and the wait for another holder's): the upstream timeout twice (the
    /// refresh call, plus the connect) and ten seconds to store the result.
    lease: Duration,
}

impl Deref for Tokens {
    type Target = TokenParts;

    fn deref(&self) -> &TokenParts {
        &self.inner
    }
}

impl Tokens {
    /// The service over `store`, refreshing through `oauth` and sealing with `keys`.
    pub fn new(
        store: Store,
        oauth: RemoteOAuth,
        keys: KeyRing,
        metrics: Metrics,
        remote: &RemoteConfig,
    ) -> Tokens {
        Tokens {
            inner: Arc::new(TokenParts {
                store,
                oauth,
                keys,
                metrics,
                locks: RefreshLocks::default(),
                environment: remote.base_url.as_str().to_owned(),
                refresh_margin: remote.refresh_margin,
                lease: remote.timeout * 2 + Duration::from_secs(10),
            }),
        }
    }
}

/// Per-connection refresh locks for this process.
#[derive(Default)]
struct RefreshLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl RefreshLocks {
    fn for_user(&self, site_user: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Drop locks nobody holds, so the map stays as small as the set of active refreshes.
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        locks.entry(site_user.to_owned()).or_default().clone()
    }
}

/// A decrypted access token and the connection it belongs to.
pub struct UsableToken {
    /// The bearer token for Remote.
    pub access_token: SecretString,
    /// The stored connection (sealed columns as stored).
    pub connection: ConnectionRow,
}

/// The associated data binding a token to its row and column.
pub fn token_context(site_user: &str, environment: &str, column: &str) -> String {
    format!("connections|{site_user}|{environment}|{column}")
}

/// A usable access token for `site_user`. With `stale`, the caller saw Remote refuse that
/// (sealed) access token, so a refresh is forced unless someone already replaced it.
pub async fn access_token(
    tokens: &Tokens,
    site_user: &str,
    stale: Option<&str>,
) -> ApiResult<UsableToken> {
    let row = tokens.store.connection(site_user).await?;
    token_for(tokens, site_user, row, stale).await
}

/// [`access_token`] from `row`, the connection as the caller just read it (`None`: there is
/// none): used as it is while its token is fresh, else refreshed.
pub async fn token_for(
    tokens: &Tokens,
    site_user: &str,
    row: Option<ConnectionRow>,
    stale: Option<&str>,
) -> ApiResult<UsableToken> {
    let row = usable(tokens, row)?;
    if stale.is_none() && is_fresh(tokens, &row) {
        return open_access(tokens, row).await;
    }
    let lock = tokens.locks.for_user(site_user);
    let _held = lock.lock().await;
    // The lease outlives the slowest refresh (the upstream timeout) with room to store the
    // result; Postgres holds its lock as long as it takes.
    let lease = tokens.lease;
    let deadline = tokio::time::Instant::now() + lease;
    let lease_secs = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX);
    let held = loop {
        if let Some(held) = tokens
            .store
            .try_refresh_lock(site_user, now().saturating_add(lease_secs))
            .await?
        {
            break held;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(unavailable());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let row = usable_connection(tokens, site_user).await?;
        if is_replacement(tokens, &row, stale) {
            return open_access(tokens, row).await;
        }
    };
    let refreshed = refresh_unless_replaced(tokens, site_user, stale).await;
    if !tokens.store.release_refresh_lock(held).await? {
        tracing::warn!("a refresh outlived its lease; another process holds it now");
    }
    refreshed
}

/// With the lock held: re-read the row and refresh only if nobody did meanwhile.
async fn refresh_unless_replaced(
    tokens: &Tokens,
    site_user: &str,
    stale: Option<&str>,
) -> ApiResult<UsableToken> {
    let row = usable_connection(tokens, site_user).await?;
    if is_replacement(tokens, &row, stale) {
        return open_access(tokens, row).await;
    }
    refresh(tokens, row).await
}

/// True when `row` holds a fresh token other than the one the caller saw refused.
fn is_replacement(tokens: &Tokens, row: &ConnectionRow, stale: Option<&str>) -> bool {
    let replaced = stale.is_none_or(|seen| seen != row.access_token);
    replaced && is_fresh(tokens, row)
}

fn unavailable() -> ApiError {
    ApiError::new(
        ErrorCode::UpstreamUnavailable,
        "Remote is not answering right now. Try again in a moment.",
    )
    .with_retry_after(5)
}

async fn usable_connection(tokens: &Tokens, site_user: &str) -> ApiResult<ConnectionRow> {
    usable(tokens, tokens.store.connection(site_user).await?)
}

/// `row` if there is one and it is usable; else what the caller must do first.
fn usable(tokens: &Tokens, row: Option<ConnectionRow>) -> ApiResult<ConnectionRow> {
    let row = row.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotConnected,
            "Connect your Remote account first.",
        )
    })?;
    if !row.is_usable(&tokens.environment) {
        return Err(reconsent());
    }
    Ok(row)
}

fn reconsent() -> ApiError {
    ApiError::new(
        ErrorCode::ReconsentRequired,
        "Remote needs you to approve the connection again.",
    )
}

fn is_fresh(tokens: &Tokens, row: &ConnectionRow) -> bool {
    let margin = i64::try_from(tokens.refresh_margin.as_secs()).unwrap_or(i64::MAX);
    row.access_expires_at.saturating_sub(margin) > now()
}

/// Opens a sealed column; a tampered, swapped or unknown-key ciphertext ends the connection.
async fn open(
    tokens: &Tokens,
    row: &ConnectionRow,
    column: &str,
    data: &str,
) -> ApiResult<SecretString> {
    let sealed = Sealed {
        key_id: row.key_id.clone(),
        data: data.to_owned(),
    };
    match tokens.keys.open(
        &sealed,
        &token_context(&row.site_user, &row.environment, column),
    ) {
        Ok(plain) => Ok(SecretString::from(plain)),
        Err(error) => {
            tracing::warn!(%error, site_user = %row.site_user, "a stored token failed to decrypt; consent is required again");
            tokens
                .store
                .require_reconsent(&row.site_user, row.version)
                .await?;
            Err(reconsent())
        }
    }
}

async fn open_access(tokens: &Tokens, row: ConnectionRow) -> ApiResult<UsableToken> {
    let access_token = open(tokens, &row, "access_token", &row.access_token).await?;
    if row.key_id == tokens.keys.current_key_id() {
        return Ok(UsableToken {
            access_token,
            connection: row,
        });
    }
    let refresh_token = open(tokens, &row, "refresh_token", &row.refresh_token).await?;
    let site_user = row.site_user.clone();
    match store_tokens(tokens, row, &access_token, &refresh_token, None).await? {
        Some(row) => Ok(UsableToken {
            access_token,
            connection: row,
        }),
        // Another write re-sealed or replaced them first: use what is stored now.
        None => stored_access(tokens, &site_user).await,
    }
}

/// The connection's access token as stored now, after a write of ours lost to another (a
/// re-consent, another refresh or re-encryption): theirs is newer, so it is the one to use.
async fn stored_access(tokens: &Tokens, site_user: &str) -> ApiResult<UsableToken> {
    let row = usable_connection(tokens, site_user).await?;
    let access_token = open(tokens, &row, "access_token", &row.access_token).await?;
    Ok(UsableToken {
        access_token,
        connection: row,
    })
}

/// Seals both tokens under the current key and stores them, if the row is still as it was read
/// (`None` when another write came first: nothing was stored).
async fn store_tokens(
    tokens: &Tokens,
    mut row: ConnectionRow,
    access: &SecretString,
    refresh: &SecretString,
    expires_at: Option<i64>,
) -> ApiResult<Option<ConnectionRow>> {
    let keys = &tokens.keys;
    let access_sealed = keys.seal(
        access.expose_secret(),
        &token_context(&row.site_user, &row.environment, "access_token"),
    );
    let refresh_sealed = keys.seal(
        refresh.expose_secret(),
        &token_context(&row.site_user, &row.environment, "refresh_token"),
    );
    row.key_id = access_sealed.key_id;
    row.access_token = access_sealed.data;
    row.refresh_token = refresh_sealed.data;
    if let Some(at) = expires_at {
        row.access_expires_at = at;
    }
    match tokens.store.update_connection_tokens(&row).await? {
        Some(version) => {
            row.version = version;
            Ok(Some(row))
        }
        None => Ok(None),
    }
}

async fn refresh(tokens: &Tokens, row: ConnectionRow) -> ApiResult<UsableToken> {
    let refresh_token = open(tokens, &row, "refresh_token", &row.refresh_token).await?;
    let event = AuditEvent {
        site_user: Some(row.site_user.clone()),
        ..AuditEvent::default()
    };
    match tokens.oauth.refresh(&refresh_token).await {
        Ok(refreshed) => {
            let expires_at = now() + i64::try_from(refreshed.expires_in).unwrap_or(3600);
            let new_refresh = refreshed.refresh_token.unwrap_or(refresh_token);
            let site_user = row.site_user.clone();
            let stored = store_tokens(
                tokens,
                row,
                &refreshed.access_token,
                &new_refresh,
                Some(expires_at),
            )
            .await?;
            tokens.store.audit(AuditKind::TokenRefreshed, event).await;
            tokens.metrics.token_refresh("refreshed");
            match stored {
                Some(row) => Ok(UsableToken {
                    access_token: refreshed.access_token,
                    connection: row,
                }),
                // A re-consent (or another refresh) stored newer tokens meanwhile: they win.
                None => stored_access(tokens, &site_user).await,
            }
        }
        Err(TokenError::InvalidGrant) => {
            tokens.metrics.token_refresh("invalid_grant");
            if !tokens
                .store
                .require_reconsent(&row.site_user, row.version)
                .await?
            {
                // The refused refresh token is no longer the stored one: someone refreshed or
                // consented again meanwhile, so the connection is not lost.
                return stored_access(tokens, &row.site_user).await;
            }
            tokens
                .store
                .audit(
                    AuditKind::ConsentRevoked,
                    AuditEvent {
                        detail: Some("invalid_grant on refresh".into()),
                        ..event
                    },
                )
                .await;
            Err(reconsent())
        }
        Err(error) => {
            tokens.metrics.token_refresh("failed");
            tracing::warn!(%error, "refreshing a Remote access token failed");
            Err(unavailable())
        }
    }
}

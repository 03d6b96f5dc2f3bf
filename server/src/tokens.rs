//! Usable access tokens for a site user's connection: decrypted on read (and re-encrypted when
//! sealed under an old key), refreshed a margin before expiry with one refresh per connection at
//! a time — a process-local lock, plus the store's refresh lock across processes — re-reading
//! the row once the lock is held and storing the new tokens before it is released.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use hwr_protocol::ErrorCode;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    crypto::Sealed,
    error::{ApiError, ApiResult},
    remote::TokenError,
    state::AppState,
    store::{now, AuditEvent, AuditKind, ConnectionRow},
};

/// Per-connection refresh locks for this process.
#[derive(Default)]
pub struct RefreshLocks {
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
    state: &AppState,
    site_user: &str,
    stale: Option<&str>,
) -> ApiResult<UsableToken> {
    let row = state.store.connection(site_user).await?;
    token_for(state, site_user, row, stale).await
}

/// [`access_token`] from `row`, the connection as the caller just read it (`None`: there is
/// none): used as it is while its token is fresh, else refreshed.
pub async fn token_for(
    state: &AppState,
    site_user: &str,
    row: Option<ConnectionRow>,
    stale: Option<&str>,
) -> ApiResult<UsableToken> {
    let row = usable(state, row)?;
    if stale.is_none() && is_fresh(state, &row) {
        return open_access(state, row).await;
    }
    let lock = state.refresh_locks.for_user(site_user);
    let _held = lock.lock().await;
    // The lease outlives the slowest refresh (the upstream timeout) with room to store the
    // result; Postgres holds its lock as long as it takes.
    let lease = lease_length(state);
    let deadline = tokio::time::Instant::now() + lease;
    let lease_secs = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX);
    let held = loop {
        if let Some(held) = state
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
        let row = usable_connection(state, site_user).await?;
        if is_replacement(state, &row, stale) {
            return open_access(state, row).await;
        }
    };
    let refreshed = refresh_unless_replaced(state, site_user, stale).await;
    if !state.store.release_refresh_lock(held).await? {
        tracing::warn!("a refresh outlived its lease; another process holds it now");
    }
    refreshed
}

/// The refresh lease (and the wait for another holder's): the upstream timeout twice (the
/// refresh call, plus the connect) and ten seconds to store the result.
fn lease_length(state: &AppState) -> Duration {
    state.config.remote.timeout * 2 + Duration::from_secs(10)
}

/// With the lock held: re-read the row and refresh only if nobody did meanwhile.
async fn refresh_unless_replaced(
    state: &AppState,
    site_user: &str,
    stale: Option<&str>,
) -> ApiResult<UsableToken> {
    let row = usable_connection(state, site_user).await?;
    if is_replacement(state, &row, stale) {
        return open_access(state, row).await;
    }
    refresh(state, row).await
}

/// True when `row` holds a fresh token other than the one the caller saw refused.
fn is_replacement(state: &AppState, row: &ConnectionRow, stale: Option<&str>) -> bool {
    let replaced = stale.is_none_or(|seen| seen != row.access_token);
    replaced && is_fresh(state, row)
}

fn unavailable() -> ApiError {
    ApiError::new(
        ErrorCode::UpstreamUnavailable,
        "Remote is not answering right now. Try again in a moment.",
    )
    .with_retry_after(5)
}

async fn usable_connection(state: &AppState, site_user: &str) -> ApiResult<ConnectionRow> {
    usable(state, state.store.connection(site_user).await?)
}

/// `row` if there is one and it is usable; else what the caller must do first.
fn usable(state: &AppState, row: Option<ConnectionRow>) -> ApiResult<ConnectionRow> {
    let row = row.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotConnected,
            "Connect your Remote account first.",
        )
    })?;
    if !row.is_usable(state.config.remote.base_url.as_str()) {
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

fn is_fresh(state: &AppState, row: &ConnectionRow) -> bool {
    let margin = i64::try_from(state.config.remote.refresh_margin.as_secs()).unwrap_or(i64::MAX);
    row.access_expires_at.saturating_sub(margin) > now()
}

/// Opens a sealed column; a tampered, swapped or unknown-key ciphertext ends the connection.
async fn open(
    state: &AppState,
    row: &ConnectionRow,
    column: &str,
    data: &str,
) -> ApiResult<SecretString> {
    let sealed = Sealed {
        key_id: row.key_id.clone(),
        data: data.to_owned(),
    };
    match state.config.keys.open(
        &sealed,
        &token_context(&row.site_user, &row.environment, column),
    ) {
        Ok(plain) => Ok(SecretString::from(plain)),
        Err(error) => {
            tracing::warn!(%error, site_user = %row.site_user, "a stored token failed to decrypt; consent is required again");
            state
                .store
                .require_reconsent(&row.site_user, row.version)
                .await?;
            Err(reconsent())
        }
    }
}

async fn open_access(state: &AppState, row: ConnectionRow) -> ApiResult<UsableToken> {
    let access_token = open(state, &row, "access_token", &row.access_token).await?;
    if row.key_id == state.config.keys.current_key_id() {
        return Ok(UsableToken {
            access_token,
            connection: row,
        });
    }
    let refresh_token = open(state, &row, "refresh_token", &row.refresh_token).await?;
    let site_user = row.site_user.clone();
    match store_tokens(state, row, &access_token, &refresh_token, None).await? {
        Some(row) => Ok(UsableToken {
            access_token,
            connection: row,
        }),
        // Another write re-sealed or replaced them first: use what is stored now.
        None => stored_access(state, &site_user).await,
    }
}

/// The connection's access token as stored now, after a write of ours lost to another (a
/// re-consent, another refresh or re-encryption): theirs is newer, so it is the one to use.
async fn stored_access(state: &AppState, site_user: &str) -> ApiResult<UsableToken> {
    let row = usable_connection(state, site_user).await?;
    let access_token = open(state, &row, "access_token", &row.access_token).await?;
    Ok(UsableToken {
        access_token,
        connection: row,
    })
}

/// Seals both tokens under the current key and stores them, if the row is still as it was read
/// (`None` when another write came first: nothing was stored).
async fn store_tokens(
    state: &AppState,
    mut row: ConnectionRow,
    access: &SecretString,
    refresh: &SecretString,
    expires_at: Option<i64>,
) -> ApiResult<Option<ConnectionRow>> {
    let keys = &state.config.keys;
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
    match state.store.update_connection_tokens(&row).await? {
        Some(version) => {
            row.version = version;
            Ok(Some(row))
        }
        None => Ok(None),
    }
}

async fn refresh(state: &AppState, row: ConnectionRow) -> ApiResult<UsableToken> {
    let refresh_token = open(state, &row, "refresh_token", &row.refresh_token).await?;
    let event = AuditEvent {
        site_user: Some(row.site_user.clone()),
        ..AuditEvent::default()
    };
    match state.oauth.refresh(&refresh_token).await {
        Ok(refreshed) => {
            let expires_at = now() + i64::try_from(refreshed.expires_in).unwrap_or(3600);
            let new_refresh = refreshed.refresh_token.unwrap_or(refresh_token);
            let site_user = row.site_user.clone();
            let stored = store_tokens(
                state,
                row,
                &refreshed.access_token,
                &new_refresh,
                Some(expires_at),
            )
            .await?;
            state.store.audit(AuditKind::TokenRefreshed, event).await;
            state.metrics.token_refresh("refreshed");
            match stored {
                Some(row) => Ok(UsableToken {
                    access_token: refreshed.access_token,
                    connection: row,
                }),
                // A re-consent (or another refresh) stored newer tokens meanwhile: they win.
                None => stored_access(state, &site_user).await,
            }
        }
        Err(TokenError::InvalidGrant) => {
            state.metrics.token_refresh("invalid_grant");
            if !state
                .store
                .require_reconsent(&row.site_user, row.version)
                .await?
            {
                // The refused refresh token is no longer the stored one: someone refreshed or
                // consented again meanwhile, so the connection is not lost.
                return stored_access(state, &row.site_user).await;
            }
            state
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
            state.metrics.token_refresh("failed");
            tracing::warn!(%error, "refreshing a Remote access token failed");
            Err(unavailable())
        }
    }
}

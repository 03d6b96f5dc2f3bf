//! One webhook callback at Remote per company: registered after the company's first consent
//! (`url` = `HWR_PUBLIC_URL/webhooks/remote`, the employment events), its signing key sealed
//! like the tokens, checked against Remote's list at later consents and by the reconcile, and
//! registered again when Remote no longer lists it. Two consents racing register twice at most
//! for a moment: the loser deletes its own callback.

use secrecy::{ExposeSecret, SecretString};

use crate::{
    remote::UpstreamError,
    state::AppState,
    store::{now, RemoteWebhookRow},
};

/// The associated data binding a sealed signing key to its company and environment.
pub fn signing_key_context(environment: &str, company_id: &str) -> String {
    format!("remote_webhooks|{environment}|{company_id}|signing_key")
}

/// Where Remote delivers.
pub fn callback_url(state: &AppState) -> String {
    format!(
        "{}/webhooks/remote",
        state.config.site.public_url.as_str().trim_end_matches('/')
    )
}

/// Makes sure Remote has our callback for `company_id` (whose access token is `token`).
pub async fn ensure_registered(
    state: &AppState,
    company_id: &str,
    token: &SecretString,
) -> anyhow::Result<()> {
    let environment = state.config.remote.base_url.as_str();
    let url = callback_url(state);
    let stored = state.store.remote_webhook(environment, company_id).await?;
    let replacing = match stored {
        None => None,
        Some(row) => {
            let listed = state.api.webhook_callbacks(token).await?;
            if listed
                .iter()
                .any(|callback| callback.id == row.callback_id && callback.url == row.url)
                && row.url == url
            {
                state
                    .store
                    .touch_remote_webhook(environment, company_id, now())
                    .await?;
                return Ok(());
            }
            tracing::info!(company = %company_id, "Remote no longer lists our webhook callback; registering it again");
            Some(row.callback_id)
        }
    };
    let registered = state.api.register_webhook(token, &url).await?;
    let sealed = state.config.keys.seal(
        registered.signing_key.expose_secret(),
        &signing_key_context(environment, company_id),
    );
    let at = now();
    let row = RemoteWebhookRow {
        environment: environment.to_owned(),
        company_id: company_id.to_owned(),
        callback_id: registered.id.clone(),
        url,
        key_id: sealed.key_id,
        signing_key: sealed.data,
        checked_at: at,
    };
    if state
        .store
        .save_remote_webhook(&row, replacing.as_deref(), at)
        .await?
    {
        tracing::info!(company = %company_id, callback = %registered.id, "registered the webhook callback at Remote");
        return Ok(());
    }
    // Another consent registered first: ours is one too many.
    match state.api.delete_webhook(token, &registered.id).await {
        Ok(()) | Err(UpstreamError::Rejected { status: 404, .. }) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Runs [`ensure_registered`] in the background: a consent never waits for it, and a failure
/// is logged (the reconcile tries again).
pub fn ensure_in_background(state: &AppState, company_id: String, token: SecretString) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(error) = ensure_registered(&state, &company_id, &token).await {
            tracing::warn!(company = %company_id, error = format!("{error:#}"), "could not register the webhook callback at Remote; the reconcile tries again");
        }
    });
}

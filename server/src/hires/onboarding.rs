//! The onboarding link the employer is sent to: Remote's magic link or SSO URL as configured, a
//! plain link to Remote's app when Remote refuses.

use secrecy::SecretString;

use crate::{config::OnboardingLink, state::AppState};

/// Magic link or SSO URL as configured; a plain link to Remote's app when Remote refuses.
pub(super) async fn onboarding_link(
    state: &AppState,
    token: &SecretString,
    remote_user_id: &str,
) -> String {
    match remote_link(state, token, remote_user_id).await {
        Some(url) => url,
        None => state.config.remote_app_url.to_string(),
    }
}

/// The configured one-time link from Remote; `None` when configured `plain` or Remote refuses.
pub(super) async fn remote_link(
    state: &AppState,
    token: &SecretString,
    remote_user_id: &str,
) -> Option<String> {
    let config = &state.config;
    let link = match config.onboarding_link {
        OnboardingLink::MagicLink => {
            state
                .api
                .magic_link(token, remote_user_id, &config.onboarding_path)
                .await
        }
        OnboardingLink::SsoUrl => state.api.sso_url(token, remote_user_id).await,
        OnboardingLink::Plain => return None,
    };
    link.map_err(
        |error| tracing::warn!(%error, "no onboarding link from Remote; a plain link will do"),
    )
    .ok()
}

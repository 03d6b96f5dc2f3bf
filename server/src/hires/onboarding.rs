//! The onboarding link the employer is sent to: Remote's magic link or SSO URL as configured, a
//! plain link to Remote's app when Remote refuses. The widget navigates the job-site page to it,
//! so a link that is not on Remote's own hosts (or not https) is never passed on.

use secrecy::SecretString;
use url::{Host, Url};

use crate::{config::OnboardingLink, state::AppState};

/// True when `link` is https (or plain http where Remote's own base URL is, as in the sandbox)
/// on a host of Remote's: the API's or the app's host, or under their registrable domain
/// (`*.remote.com` for `gateway.remote.com`). IP hosts must match exactly.
fn is_remote_link(link: &str, remote: &[&Url]) -> bool {
    let Ok(link) = Url::parse(link) else {
        return false;
    };
    if !link.username().is_empty() || link.password().is_some() {
        return false;
    }
    let Some(host) = link.host_str().map(str::to_ascii_lowercase) else {
        return false;
    };
    remote.iter().any(|base| {
        let scheme_ok = link.scheme() == "https" || link.scheme() == base.scheme();
        let base_host = base.host_str().unwrap_or_default().to_ascii_lowercase();
        let domain_ok = match base.host() {
            Some(Host::Domain(_)) => {
                let labels: Vec<&str> = base_host.split('.').collect();
                let registrable = labels[labels.len().saturating_sub(2)..].join(".");
                host == base_host
                    || host == registrable
                    || host.ends_with(&format!(".{registrable}"))
            }
            _ => host == base_host && link.port_or_known_default() == base.port_or_known_default(),
        };
        scheme_ok && domain_ok
    })
}

/// Magic link or SSO URL as configured; a plain link to Remote's app when Remote refuses.
pub(super) async fn onboarding_link(
    state: &AppState,
    token: &SecretString,
    remote_user_id: &str,
) -> String {
    match remote_link(state, token, remote_user_id).await {
        Some(url) => url,
        None => state.config.remote.app_url.to_string(),
    }
}

/// The configured one-time link from Remote; `None` when configured `plain` or Remote refuses.
pub(super) async fn remote_link(
    state: &AppState,
    token: &SecretString,
    remote_user_id: &str,
) -> Option<String> {
    let config = &state.config;
    let link = match config.remote.onboarding_link {
        OnboardingLink::MagicLink => {
            state
                .api
                .magic_link(token, remote_user_id, &config.remote.onboarding_path)
                .await
        }
        OnboardingLink::SsoUrl => state.api.sso_url(token, remote_user_id).await,
        OnboardingLink::Plain => return None,
    };
    let link = link
        .map_err(
            |error| tracing::warn!(%error, "no onboarding link from Remote; a plain link will do"),
        )
        .ok()?;
    if !is_remote_link(&link, &[&config.remote.base_url, &config.remote.app_url]) {
        tracing::warn!("Remote's onboarding link is not on Remote's hosts; a plain link will do");
        return None;
    }
    Some(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_links_on_remotes_own_hosts_are_passed_on() {
        let api = Url::parse("https://gateway.remote.com").expect("a URL");
        let app = Url::parse("https://employ.remote.com").expect("a URL");
        let remote = [&api, &app];
        for good in [
            "https://employ.remote.com/magic/abc",
            "https://remote.com/dashboard",
            "https://gateway.remote.com/x",
        ] {
            assert!(is_remote_link(good, &remote), "{good}");
        }
        for bad in [
            "http://employ.remote.com/magic/abc",
            "https://evil.example/remote.com",
            "https://remote.com.evil.example/",
            "https://evilremote.com/",
            "javascript:alert(1)",
            "https://user@employ.remote.com/",
            "not a url",
        ] {
            assert!(!is_remote_link(bad, &remote), "{bad}");
        }
    }

    #[test]
    fn the_sandbox_on_loopback_may_link_to_itself_over_http() {
        let sandbox = Url::parse("http://127.0.0.1:8081").expect("a URL");
        assert!(is_remote_link(
            "http://127.0.0.1:8081/onboarding/magic/t",
            &[&sandbox]
        ));
        assert!(!is_remote_link(
            "http://127.0.0.1:9999/onboarding",
            &[&sandbox]
        ));
        assert!(!is_remote_link(
            "http://10.0.0.1:8081/onboarding",
            &[&sandbox]
        ));
    }
}

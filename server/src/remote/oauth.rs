//! OAuth 2 with Remote through the `oauth2` crate's typed client: the consent URL (state, S256
//! PKCE, exact redirect URI, Remote's scope), the code exchange and refresh (HTTP Basic client
//! auth, form bodies) and client credentials. `company_id` and `user_id` arrive only with the code
//! exchange, as typed extra fields.

use std::{sync::Arc, time::Duration};

use oauth2::{
    basic::{
        BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
        BasicTokenIntrospectionResponse, BasicTokenType,
    },
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use super::breaker::CircuitBreaker;
use crate::{config::Config, metrics::Metrics};

/// The scope Remote asks partners to request (the default of `HWR_REMOTE_SCOPES`).
pub const REMOTE_SCOPE: &str = "https://gateway.remote.com/company.manage";

/// Fields Remote adds to the authorization-code response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RemoteTokenFields {
    /// The company that consented.
    #[serde(default)]
    pub company_id: Option<String>,
    /// The manager who consented.
    #[serde(default)]
    pub user_id: Option<String>,
}

impl ExtraTokenFields for RemoteTokenFields {}

type RemoteTokenResponse = StandardTokenResponse<RemoteTokenFields, BasicTokenType>;

type TypedClient = oauth2::Client<
    BasicErrorResponse,
    RemoteTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Tokens from a code exchange.
#[derive(Debug)]
pub struct CodeGrant {
    /// Access token.
    pub access_token: SecretString,
    /// Refresh token.
    pub refresh_token: SecretString,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The company that consented.
    pub company_id: String,
    /// The manager who consented.
    pub user_id: String,
}

/// Tokens from a refresh.
#[derive(Debug)]
pub struct Refreshed {
    /// New access token.
    pub access_token: SecretString,
    /// A new refresh token when Remote rotates it.
    pub refresh_token: Option<SecretString>,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// Why a token call failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The grant is no longer valid (revoked consent, used or expired code).
    #[error("Remote refused the grant (invalid_grant)")]
    InvalidGrant,
    /// Remote is down, slow or unreachable.
    #[error("Remote's token endpoint is unavailable: {0}")]
    Unavailable(String),
    /// Anything else (misconfigured client, unexpected answer).
    #[error("Remote's token endpoint answered unexpectedly: {0}")]
    Unexpected(String),
}

/// The OAuth client for one Remote environment.
#[derive(Debug, Clone)]
pub struct RemoteOAuth {
    client: TypedClient,
    scopes: Vec<String>,
    http: reqwest::Client,
    breaker: Arc<CircuitBreaker>,
    metrics: Metrics,
}

/// Everything the consent URL carries that we must remember.
#[derive(Debug)]
pub struct ConsentStart {
    /// Where to send the person.
    pub authorize_url: Url,
    /// The one-time `state`.
    pub state: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
}

impl RemoteOAuth {
    /// A client for Remote's API host in `config`, with our credentials, scopes and redirect
    /// URI.
    pub fn new(
        config: &Config,
        http: reqwest::Client,
        breaker: Arc<CircuitBreaker>,
        metrics: Metrics,
    ) -> anyhow::Result<Self> {
        let base = config.remote.base_url.as_str().trim_end_matches('/');
        let client = oauth2::Client::new(ClientId::new(config.remote.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                config.remote.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(AuthUrl::new(format!("{base}/auth/oauth2/authorize"))?)
            .set_token_uri(TokenUrl::new(format!("{base}/auth/oauth2/token"))?)
            .set_redirect_uri(RedirectUrl::new(config.redirect_uri())?);
        Ok(RemoteOAuth {
            client,
            scopes: config.remote.scopes.clone(),
            http,
            breaker,
            metrics,
        })
    }

    /// A consent URL with a fresh `state` and S256 PKCE challenge.
    pub fn start_consent(&self) -> ConsentStart {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (authorize_url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        ConsentStart {
            authorize_url,
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        }
    }

    /// Exchanges a code; fails clearly when Remote leaves out `company_id` or `user_id`.
    pub async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<CodeGrant, TokenError> {
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&|request| {
                send(
                    self.http.clone(),
                    self.breaker.clone(),
                    self.metrics.clone(),
                    request,
                )
            })
            .await
            .map_err(classify)?;
        let refresh_token = response
            .refresh_token()
            .map(|t| SecretString::from(t.secret().clone()))
            .ok_or_else(|| {
                TokenError::Unexpected("the code exchange carried no refresh_token".into())
            })?;
        let extra = response.extra_fields();
        let company_id = extra
            .company_id
            .clone()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                TokenError::Unexpected("the code exchange carried no company_id".into())
            })?;
        let user_id = extra
            .user_id
            .clone()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| TokenError::Unexpected("the code exchange carried no user_id".into()))?;
        Ok(CodeGrant {
            access_token: SecretString::from(response.access_token().secret().clone()),
            refresh_token,
            expires_in: expires_in(&response),
            company_id,
            user_id,
        })
    }

    /// Refreshes; `TokenError::InvalidGrant` means consent is gone.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Refreshed, TokenError> {
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let response = self
            .client
            .exchange_refresh_token(&token)
            .request_async(&|request| {
                send(
                    self.http.clone(),
                    self.breaker.clone(),
                    self.metrics.clone(),
                    request,
                )
            })
            .await
            .map_err(classify)?;
        Ok(Refreshed {
            access_token: SecretString::from(response.access_token().secret().clone()),
            refresh_token: response
                .refresh_token()
                .map(|t| SecretString::from(t.secret().clone())),
            expires_in: expires_in(&response),
        })
    }

    /// A client-credentials token (for data that needs no company, like countries).
    pub async fn client_credentials(&self) -> Result<(SecretString, u64), TokenError> {
        let response = self
            .client
            .exchange_client_credentials()
            .request_async(&|request| {
                send(
                    self.http.clone(),
                    self.breaker.clone(),
                    self.metrics.clone(),
                    request,
                )
            })
            .await
            .map_err(classify)?;
        Ok((
            SecretString::from(response.access_token().secret().clone()),
            expires_in(&response),
        ))
    }
}

/// A transport failure, or an answer that says Remote is unavailable (5xx, 429).
#[derive(Debug, thiserror::Error)]
enum TransportError {
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("{0}")]
    Network(String),
    #[error("Remote has been failing; not called for {0} s")]
    CircuitOpen(u64),
}

/// Sends one token request with our no-redirect, time-limited client, through the circuit
/// breaker shared with the REST calls. 5xx and 429 become transport errors so they read as
/// "unavailable", never as a refused grant.
async fn send(
    http: reqwest::Client,
    breaker: Arc<CircuitBreaker>,
    metrics: Metrics,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, TransportError> {
    breaker.admit().map_err(TransportError::CircuitOpen)?;
    let (parts, body) = request.into_parts();
    let started = std::time::Instant::now();
    let sent = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await;
    metrics.upstream("POST /auth/oauth2/token", started.elapsed());
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            breaker.failure();
            return Err(TransportError::Network(error_chain(&error)));
        }
    };
    let status = response.status();
    if status.is_server_error() {
        breaker.failure();
    } else {
        breaker.success();
    }
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(TransportError::Status(status.as_u16()));
    }
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| TransportError::Network(error_chain(&e)))?;
    let mut built = oauth2::HttpResponse::new(body.to_vec());
    *built.status_mut() = status;
    *built.headers_mut() = headers;
    Ok(built)
}

fn expires_in(response: &RemoteTokenResponse) -> u64 {
    response
        .expires_in()
        .unwrap_or(Duration::from_secs(3600))
        .as_secs()
}

/// Recognises `invalid_grant` in RFC 6749 bodies and in Remote's generic `{"message":…}` bodies.
fn classify<E: std::error::Error + 'static>(
    error: RequestTokenError<E, BasicErrorResponse>,
) -> TokenError {
    match error {
        RequestTokenError::ServerResponse(response) => match response.error() {
            BasicErrorResponseType::InvalidGrant => TokenError::InvalidGrant,
            other => TokenError::Unexpected(format!("error {}", other.as_ref())),
        },
        RequestTokenError::Parse(_, body) => {
            let text = String::from_utf8_lossy(&body);
            if text.contains("invalid_grant") {
                TokenError::InvalidGrant
            } else if text.trim_start().starts_with('<') || text.is_empty() {
                TokenError::Unavailable("an answer that is not JSON".into())
            } else {
                TokenError::Unexpected("an answer that is not a token response".into())
            }
        }
        RequestTokenError::Request(error) => TokenError::Unavailable(error_chain(&error)),
        RequestTokenError::Other(message) => TokenError::Unavailable(message),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

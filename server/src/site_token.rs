//! Site tokens: short-lived HS256 JWTs the job site's server signs for its logged-in user. They
//! are how the widget, running on another site, says who is calling without cookies.

use std::time::Duration;

use axum::{extract::FromRequestParts, http::request::Parts};
use hwr_protocol::SITE_TOKEN_AUDIENCE;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::{error::ApiError, state::AppState};

/// The claims we read and write.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<u64>,
}

/// Signs and verifies site tokens with the shared secret.
#[derive(Clone)]
pub struct SiteTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    max_ttl: Duration,
}

impl std::fmt::Debug for SiteTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteTokens")
            .field("max_ttl", &self.max_ttl)
            .finish_non_exhaustive()
    }
}

/// The verified caller: the job site's user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteUser(pub String);

const MAX_SUB_LEN: usize = 256;

impl SiteTokens {
    /// Keys from the shared secret.
    pub fn new(secret: &SecretString, max_ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        SiteTokens {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            max_ttl,
        }
    }

    /// Mints a token for `user` that lives `ttl` (capped at the maximum).
    pub fn mint(&self, user: &str, ttl: Duration) -> anyhow::Result<String> {
        let now = now_secs();
        let claims = Claims {
            sub: user.to_owned(),
            exp: now.saturating_add(ttl.min(self.max_ttl).as_secs()),
            aud: SITE_TOKEN_AUDIENCE.to_owned(),
            iat: Some(now),
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies signature, audience, expiry and lifetime bound; returns the user.
    pub fn verify(&self, token: &str) -> Result<SiteUser, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[SITE_TOKEN_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        validation.leeway = 5;
        let data = decode::<Claims>(token, &self.decoding, &validation).map_err(|_| {
            ApiError::unauthorized(
                "The site token is missing, invalid or expired. Render the page with a fresh one.",
            )
        })?;
        let claims = data.claims;
        if claims.exp
            > now_secs()
                .saturating_add(self.max_ttl.as_secs())
                .saturating_add(5)
        {
            return Err(ApiError::unauthorized(
                "The site token lives longer than this backend allows (HWR_SITE_TOKEN_MAX_TTL).",
            ));
        }
        if claims.sub.is_empty()
            || claims.sub.len() > MAX_SUB_LEN
            || claims.sub.chars().any(char::is_control)
        {
            return Err(ApiError::unauthorized(
                "The site token's `sub` must be a non-empty user id.",
            ));
        }
        Ok(SiteUser(claims.sub))
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for SiteUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::unauthorized("Send the site token as `Authorization: Bearer <token>`.")
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("Send the site token as `Authorization: Bearer <token>`.")
            })?;
        state.site_tokens.verify(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(secret: &str) -> SiteTokens {
        SiteTokens::new(
            &SecretString::from(secret.to_owned()),
            Duration::from_secs(3600),
        )
    }

    #[test]
    fn a_minted_token_verifies_as_its_user() {
        let t = tokens("0123456789abcdef0123456789abcdef");
        let token = t.mint("user-42", Duration::from_secs(600)).expect("mints");
        assert_eq!(t.verify(&token).expect("valid"), SiteUser("user-42".into()));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let token = tokens("another-secret-another-secret-xx")
            .mint("u", Duration::from_secs(60))
            .expect("mints");
        assert!(tokens("0123456789abcdef0123456789abcdef")
            .verify(&token)
            .is_err());
    }

    #[test]
    fn a_token_living_longer_than_the_maximum_is_refused() {
        let long = SiteTokens::new(
            &SecretString::from("0123456789abcdef0123456789abcdef".to_owned()),
            Duration::from_secs(86_400),
        );
        let token = long.mint("u", Duration::from_secs(80_000)).expect("mints");
        assert!(tokens("0123456789abcdef0123456789abcdef")
            .verify(&token)
            .is_err());
    }
}

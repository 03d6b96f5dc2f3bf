//! Site tokens: short-lived HS256 JWTs the job site's server signs for its logged-in user. They
//! are how the widget, running on another site, says who is calling without cookies.

use std::time::Duration;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use hwr_protocol::SITE_TOKEN_AUDIENCE;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

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
    leeway: Duration,
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

/// Why a site token was refused; each says what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Bad signature, wrong audience, expired or not yet valid.
    Invalid,
    /// `exp` further ahead than `HWR_SITE_TOKEN_MAX_TTL` allows.
    TooLong,
    /// `sub` empty, too long, or with control or bidirectional-formatting characters.
    BadSubject,
}

impl From<TokenRefusal> for ApiError {
    fn from(refusal: TokenRefusal) -> ApiError {
        ApiError::unauthorized(match refusal {
            TokenRefusal::Missing => "Send the site token as `Authorization: Bearer <token>`.",
            TokenRefusal::Invalid => {
                "The site token is missing, invalid or expired. Render the page with a fresh one."
            }
            TokenRefusal::TooLong => {
                "The site token lives longer than this backend allows (HWR_SITE_TOKEN_MAX_TTL)."
            }
            TokenRefusal::BadSubject => "The site token's `sub` must be a non-empty user id.",
        })
    }
}

/// The request's site token, verified once (by the rate limiter) and kept in the request's
/// extensions for the [`SiteUser`] extractor.
#[derive(Debug, Clone)]
pub struct VerifiedToken(pub Result<SiteUser, TokenRefusal>);

/// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive
/// (RFC 7235), as every client may spell it.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A character that could make a user id display as another one (bidirectional overrides,
/// isolates and marks) or break a log line (controls).
fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

const MAX_SUB_LEN: usize = 256;

/// Clock leeway when none is configured: a job-site clock a minute off still works.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

impl SiteTokens {
    /// Keys from the shared secret, with the default clock leeway.
    pub fn new(secret: &SecretString, max_ttl: Duration) -> Self {
        Self::with_leeway(secret, max_ttl, DEFAULT_LEEWAY)
    }

    /// Keys from the shared secret; `leeway` is the clock skew tolerated on `exp`, `nbf` and
    /// the lifetime bound.
    pub fn with_leeway(secret: &SecretString, max_ttl: Duration, leeway: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        SiteTokens {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            max_ttl,
            leeway,
        }
    }

    /// A token for `user` that expired `ago` before now, for tests of what the widget does with
    /// one (the demo job site hands these out on request).
    pub fn mint_expired(&self, user: &str, ago: Duration) -> anyhow::Result<String> {
        let exp = now_secs().saturating_sub(ago.as_secs());
        let claims = Claims {
            sub: user.to_owned(),
            exp,
            aud: SITE_TOKEN_AUDIENCE.to_owned(),
            iat: Some(exp.saturating_sub(60)),
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The site token of a request's headers, verified.
    pub fn check(&self, headers: &axum::http::HeaderMap) -> Result<SiteUser, TokenRefusal> {
        self.verify(bearer_token(headers).ok_or(TokenRefusal::Missing)?)
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

    /// Verifies signature, audience, expiry, `nbf` and lifetime bound (all with
    /// `HWR_SITE_TOKEN_LEEWAY_SECS` of clock leeway, for a job-site clock a little off); returns
    /// the user.
    pub fn verify(&self, token: &str) -> Result<SiteUser, TokenRefusal> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[SITE_TOKEN_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        let data = decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| TokenRefusal::Invalid)?;
        let claims = data.claims;
        if claims.exp
            > now_secs()
                .saturating_add(self.max_ttl.as_secs())
                .saturating_add(self.leeway.as_secs())
        {
            return Err(TokenRefusal::TooLong);
        }
        if claims.sub.is_empty()
            || claims.sub.len() > MAX_SUB_LEN
            || claims.sub.chars().any(is_deceptive)
        {
            return Err(TokenRefusal::BadSubject);
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

/// Runs on any state the verifier can be taken from (`FromRef`), which it needs only when the
/// rate limiter has not verified the token already.
impl<S> FromRequestParts<S> for SiteUser
where
    SiteTokens: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // The rate limiter verified it already: one verification per request.
        if let Some(VerifiedToken(verified)) = parts.extensions.get::<VerifiedToken>() {
            return verified.clone().map_err(ApiError::from);
        }
        SiteTokens::from_ref(state)
            .check(&parts.headers)
            .map_err(ApiError::from)
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
    fn an_expired_token_is_refused_once_past_the_leeway() {
        let t = tokens("0123456789abcdef0123456789abcdef");
        let expired = t
            .mint_expired("u", Duration::from_secs(600))
            .expect("mints");
        let recent = t.mint_expired("u", Duration::from_secs(30)).expect("mints");
        assert_eq!(t.verify(&expired), Err(TokenRefusal::Invalid));
        assert!(t.verify(&recent).is_ok(), "30 s is within the 60 s leeway");
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

    fn signed(claims: serde_json::Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .expect("signs")
    }

    #[test]
    fn a_token_from_a_job_site_clock_thirty_seconds_fast_is_accepted_but_not_one_two_minutes_fast()
    {
        let now = now_secs();
        let fast = |by: u64| {
            signed(serde_json::json!({
                "sub": "u", "aud": SITE_TOKEN_AUDIENCE,
                "iat": now + by, "nbf": now + by, "exp": now + by + 3590,
            }))
        };
        let t = tokens("0123456789abcdef0123456789abcdef");
        assert_eq!(t.verify(&fast(30)), Ok(SiteUser("u".into())));
        assert_eq!(
            t.verify(&fast(120)),
            Err(TokenRefusal::Invalid),
            "nbf is checked"
        );
    }

    #[test]
    fn a_subject_with_bidirectional_or_control_characters_is_refused() {
        let t = tokens("0123456789abcdef0123456789abcdef");
        for sub in [
            "admin\u{202e}nimda",
            "a\u{2066}b",
            "line\nbreak",
            "rtl\u{200f}",
        ] {
            let token = signed(serde_json::json!({
                "sub": sub, "aud": SITE_TOKEN_AUDIENCE, "exp": now_secs() + 600,
            }));
            assert_eq!(t.verify(&token), Err(TokenRefusal::BadSubject), "{sub:?}");
        }
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        let mut headers = axum::http::HeaderMap::new();
        for value in ["Bearer abc", "bearer abc", "BEARER  abc "] {
            headers.insert(
                axum::http::header::AUTHORIZATION,
                value.parse().expect("a header value"),
            );
            assert_eq!(bearer_token(&headers), Some("abc"), "{value}");
        }
        headers.insert(
            axum::http::header::AUTHORIZATION,
            "Basic abc".parse().expect("a header value"),
        );
        assert_eq!(bearer_token(&headers), None);
    }
}

//! Who may read hires: a site token's user (their own hires, their company's candidates), or
//! the job site's own servers with `Authorization: Bearer <HWR_SERVER_API_KEY>` — compared in
//! constant time, and never accepted from a request that carries a browser `Origin`.

use axum::{extract::FromRequestParts, http::request::Parts};
use hwr_protocol::ErrorCode;
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::{
    error::ApiError,
    site_token::{bearer_token, SiteUser},
    state::AppState,
};

/// The authenticated reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// A site token's `sub`.
    Site(String),
    /// The job site's servers.
    Server,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let (Some(key), Some(given)) = (
            &state.config.site.server_api_key,
            bearer_token(&parts.headers),
        ) {
            let key = key.expose_secret().as_bytes();
            if key.len() == given.len() && bool::from(key.ct_eq(given.as_bytes())) {
                if parts.headers.contains_key(axum::http::header::ORIGIN) {
                    return Err(ApiError::new(
                        ErrorCode::ForbiddenOrigin,
                        "The server key is for the job site's own servers; a browser page must use a site token.",
                    ));
                }
                return Ok(Reader::Server);
            }
        }
        let SiteUser(user) = SiteUser::from_request_parts(parts, state).await?;
        Ok(Reader::Site(user))
    }
}

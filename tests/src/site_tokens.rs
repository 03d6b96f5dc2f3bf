//! Site tokens, minted the one way the harness mints them: HS256 over the shared secret with the
//! backend's own minter (what `hire-with-remote token` prints), for the in-process app, the
//! cluster and the soak alike.

use std::time::Duration;

use hire_with_remote::site_token::SiteTokens;
use secrecy::SecretString;

/// The longest lifetime the harness asks for (the backend's default `HWR_SITE_TOKEN_MAX_TTL`).
pub const MAX_SITE_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// A site token for `user`, signed with `site_secret`, valid for `ttl` (at most an hour).
pub fn site_token(site_secret: &str, user: &str, ttl: Duration) -> String {
    SiteTokens::new(&SecretString::from(site_secret), MAX_SITE_TOKEN_TTL)
        .mint(user, ttl.min(MAX_SITE_TOKEN_TTL))
        .expect("a site token")
}

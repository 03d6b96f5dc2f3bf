//! Binding a consent to the browser that asked for it. `state` protects the person who started a
//! flow from a stranger's code; it does not stop them from forwarding the consent link to an admin
//! of another company, whose Allow would connect that company. So `POST /oauth/start`, a form
//! posted from the job-site page, burns the flow's one-time ticket and sets a cookie with a fresh
//! secret (only its hash is stored), and the callback completes nothing without that cookie.

use std::time::Duration;

use subtle::ConstantTimeEq;
use url::Url;

use super::{
    messages::StartRefusal,
    secrets::{authorize_context, random_secret, secret_hash},
};
use crate::{state::AppState, store::now};

/// The binding cookie's name for a flow: one per flow, so two tabs' consents do not collide.
pub fn cookie_name(flow_id: &str) -> String {
    format!("hwr_consent_{flow_id}")
}

/// The binding cookie `POST /oauth/start` sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingCookie {
    /// [`cookie_name`] of the flow.
    pub name: String,
    /// The binding secret.
    pub value: String,
    /// The flow's remaining lifetime.
    pub max_age: Duration,
    /// Sent only over https (when `HWR_PUBLIC_URL` is https).
    pub secure: bool,
}

impl BindingCookie {
    /// The flow's cookie holding `value` for `max_age`; `Secure` when the backend's public URL
    /// is https (the one place that decides it).
    pub fn for_flow(flow_id: &str, value: String, max_age: Duration, public_url: &Url) -> Self {
        BindingCookie {
            name: cookie_name(flow_id),
            value,
            max_age,
            secure: public_url.scheme() == "https",
        }
    }

    /// The `Set-Cookie` value. `Path=/oauth` keeps it off the API; `SameSite=Lax` still sends it
    /// on Remote's top-level redirect to the callback.
    pub fn header_value(&self) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={}; HttpOnly; SameSite=Lax; Path=/oauth; Max-Age={}{secure}",
            self.name,
            self.value,
            self.max_age.as_secs()
        )
    }

    /// The `Set-Cookie` value that removes a flow's cookie once the callback has read it.
    pub fn removal(flow_id: &str, public_url: &Url) -> String {
        Self::for_flow(flow_id, String::new(), Duration::ZERO, public_url).header_value()
    }
}

/// A started consent: where to send the browser, and the cookie that binds it.
#[derive(Debug, Clone)]
pub struct BrowserStart {
    /// Remote's consent page (with `state` and the PKCE challenge).
    pub authorize_url: String,
    /// The binding cookie.
    pub cookie: BindingCookie,
}

/// The `Cookie` headers of a request, as name–value pairs.
#[derive(Debug, Clone, Default)]
pub struct RequestCookies(Vec<(String, String)>);

impl RequestCookies {
    /// Reads every `Cookie` header value.
    pub fn parse<'a>(headers: impl IntoIterator<Item = &'a str>) -> RequestCookies {
        RequestCookies(
            headers
                .into_iter()
                .flat_map(|header| header.split(';'))
                .filter_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    Some((name.trim().to_owned(), value.trim().to_owned()))
                })
                .collect(),
        )
    }

    /// Every value sent under `name` (a browser may send two cookies of one name).
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// True when the request carries the flow's binding cookie with the secret whose hash is stored.
pub fn is_bound_browser(
    cookies: &RequestCookies,
    flow_id: &str,
    binding_hash: Option<&str>,
) -> bool {
    let Some(expected) = binding_hash else {
        return false;
    };
    let name = cookie_name(flow_id);
    // Bound to a name, not returned directly: the iterator borrows `name`, which a tail
    // expression's temporaries would outlive.
    let bound = cookies
        .values(&name)
        .any(|value| bool::from(secret_hash(value).as_bytes().ct_eq(expected.as_bytes())));
    bound
}

/// `POST /oauth/start`: checks the ticket and the page's `Origin`, burns the ticket and binds
/// the flow to this browser. A refusal changes nothing, so the page that owns the ticket can
/// still use it.
pub async fn start_in_browser(
    state: &AppState,
    flow_id: &str,
    ticket: &str,
    origin: Option<&str>,
) -> anyhow::Result<Result<BrowserStart, StartRefusal>> {
    let Some(flow) = state.store.flow(flow_id).await? else {
        return Ok(Err(StartRefusal::WrongTicket));
    };
    let Some(stored_ticket) = flow.ticket_hash.as_deref() else {
        return Ok(Err(if flow.binding_hash.is_some() {
            StartRefusal::TicketUsed
        } else {
            StartRefusal::WrongTicket
        }));
    };
    if !bool::from(
        secret_hash(ticket)
            .as_bytes()
            .ct_eq(stored_ticket.as_bytes()),
    ) {
        return Ok(Err(StartRefusal::WrongTicket));
    }
    match origin {
        None => return Ok(Err(StartRefusal::NoOrigin)),
        Some("null") => return Ok(Err(StartRefusal::NullOrigin)),
        Some(origin) if origin != flow.origin => return Ok(Err(StartRefusal::OtherOrigin)),
        Some(_) => {}
    }
    let at = now();
    if flow.expires_at <= at || flow.consumed_at.is_some() || flow.status.is_final() {
        return Ok(Err(StartRefusal::FlowOver));
    }
    let Some(sealed) = flow.authorize_url.as_ref() else {
        return Ok(Err(StartRefusal::WrongTicket));
    };
    let authorize_url = state
        .config
        .keys
        .open(sealed, &authorize_context(&flow.id))
        .map_err(|_| anyhow::anyhow!("the flow's consent URL could not be opened"))?;
    let secret = random_secret();
    if !state
        .store
        .bind_flow(&flow.id, stored_ticket, &secret_hash(&secret), at)
        .await?
    {
        return Ok(Err(StartRefusal::TicketUsed));
    }
    Ok(Ok(BrowserStart {
        authorize_url,
        cookie: BindingCookie::for_flow(
            &flow.id,
            secret,
            Duration::from_secs(u64::try_from(flow.expires_at - at).unwrap_or(0)),
            &state.config.site.public_url,
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binding_cookie_is_http_only_lax_and_scoped_to_oauth() {
        let https = Url::parse("https://hire.example.com").expect("a URL");
        let http = Url::parse("http://127.0.0.1:8080").expect("a URL");
        let cookie =
            BindingCookie::for_flow("f1", "s3cret".into(), Duration::from_secs(590), &https);
        assert_eq!(
            cookie.header_value(),
            "hwr_consent_f1=s3cret; HttpOnly; SameSite=Lax; Path=/oauth; Max-Age=590; Secure"
        );
        let plain = BindingCookie::for_flow("f1", "s3cret".into(), Duration::from_secs(590), &http);
        assert!(!plain.header_value().contains("Secure"));
        assert_eq!(
            BindingCookie::removal("f1", &https),
            "hwr_consent_f1=; HttpOnly; SameSite=Lax; Path=/oauth; Max-Age=0; Secure"
        );
    }

    #[test]
    fn only_the_flows_cookie_with_the_stored_secret_binds() {
        let hash = secret_hash("right");
        let cookies = RequestCookies::parse(["a=b; hwr_consent_f1=wrong", "hwr_consent_f1=right"]);
        assert!(is_bound_browser(&cookies, "f1", Some(&hash)));
        assert!(!is_bound_browser(&cookies, "f2", Some(&hash)));
        assert!(!is_bound_browser(&cookies, "f1", None));
        let wrong = RequestCookies::parse(["hwr_consent_f1=wrong"]);
        assert!(!is_bound_browser(&wrong, "f1", Some(&hash)));
        assert!(!is_bound_browser(
            &RequestCookies::default(),
            "f1",
            Some(&hash)
        ));
    }
}

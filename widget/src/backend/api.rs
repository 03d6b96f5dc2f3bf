//! The backend's HTTP API (v1) over the browser's `fetch` (through `gloo-net`), with the site
//! token in the `Authorization` header (never in a URL) and no cookies: identity comes from the
//! token alone.

use gloo_net::http::{Method, Request};
use hwr_protocol::{
    Candidate, ConnectResponse, ConnectionStatus, Country, CountryForm, ErrorCode, FlowResponse,
    HireResponse, CONNECTION_PATH, CONNECT_PATH, COUNTRIES_PATH, COUNTRY_FORM_PATH, FLOW_PATH,
    HIRES_PATH, IDEMPOTENCY_KEY_HEADER,
};
use web_sys::{AbortSignal, RequestCredentials, RequestMode};

use crate::backend::token_renewal;
use crate::backend::wire::{self, Body, HireStatus, ServerError};

/// How long one request may take before it counts as a network failure. The backend's own
/// upstream timeouts are shorter, so this only fires when the backend itself is unreachable.
const REQUEST_TIMEOUT_MS: u32 = 30_000;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// No answer: offline, DNS, CORS refusal, timeout.
    Network,
    /// The backend answered with its error shape.
    Server(ServerError),
    /// The backend answered something we cannot read.
    Unexpected,
}

/// A client for one backend and one site token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Api {
    backend: String,
    token: String,
}

impl Api {
    /// `backend` without a trailing slash.
    pub(crate) fn new(backend: String, token: String) -> Self {
        Api { backend, token }
    }

    /// The backend's base URL, for messages that name it.
    pub(crate) fn backend(&self) -> &str {
        &self.backend
    }

    /// The backend's origin (scheme, host, port), to check `postMessage` senders against.
    pub(crate) fn origin(&self) -> Option<String> {
        web_sys::Url::new(&self.backend)
            .ok()
            .map(|url| url.origin())
    }

    /// `GET /api/v1/connection`.
    pub(crate) async fn connection(&self) -> Result<ConnectionStatus, ApiError> {
        self.call(
            Method::GET,
            CONNECTION_PATH,
            None,
            None,
            Body::connection_status,
        )
        .await
    }

    /// `GET /api/v1/countries`: the hireable countries.
    pub(crate) async fn countries(&self) -> Result<Vec<Country>, ApiError> {
        self.call(Method::GET, COUNTRIES_PATH, None, None, Body::countries)
            .await
    }

    /// `GET /api/v1/countries/{code}/form`: the country's extra candidate fields.
    pub(crate) async fn country_form(&self, country: &str) -> Result<CountryForm, ApiError> {
        let path = COUNTRY_FORM_PATH.replace(
            "{code}",
            &String::from(js_sys::encode_uri_component(country)),
        );
        self.call(Method::GET, &path, None, None, Body::country_form)
            .await
    }

    /// `POST /api/v1/connect` for a popup, with the attempt: the backend hires at the callback
    /// under this key, and the flow's status carries the hire.
    pub(crate) async fn connect_popup(
        &self,
        candidate: &Candidate,
        idempotency_key: &str,
    ) -> Result<ConnectResponse, ApiError> {
        let body =
            wire::connect_popup_body(candidate, idempotency_key).ok_or(ApiError::Unexpected)?;
        self.call(
            Method::POST,
            CONNECT_PATH,
            Some(body),
            None,
            Body::connect_response,
        )
        .await
    }

    /// `POST /api/v1/connect` in redirect mode: the backend completes the hire itself after
    /// consent, with this attempt's idempotency key, and sends the person on to onboarding.
    pub(crate) async fn connect_redirect(
        &self,
        return_to: &str,
        candidate: &Candidate,
        idempotency_key: &str,
    ) -> Result<ConnectResponse, ApiError> {
        let body = wire::connect_redirect_body(return_to, candidate, idempotency_key)
            .ok_or(ApiError::Unexpected)?;
        self.call(
            Method::POST,
            CONNECT_PATH,
            Some(body),
            None,
            Body::connect_response,
        )
        .await
    }

    /// `GET /api/v1/flows/{flow_id}`.
    pub(crate) async fn flow(&self, flow_id: &str) -> Result<FlowResponse, ApiError> {
        let path = FLOW_PATH.replace(
            "{flow_id}",
            &String::from(js_sys::encode_uri_component(flow_id)),
        );
        self.call(Method::GET, &path, None, None, Body::flow).await
    }

    /// `GET /api/v1/hires?email=…&email=…`: the hires at the user's connected company for these
    /// candidates, as `(personal_email, hire)`, newest first; none when not connected.
    pub(crate) async fn hires(
        &self,
        emails: &[String],
    ) -> Result<Vec<(String, HireStatus)>, ApiError> {
        let query: Vec<(&str, &str)> = emails.iter().map(|e| ("email", e.as_str())).collect();
        let body = self
            .answer(Method::GET, HIRES_PATH, &query, None, None)
            .await?;
        Body::hires(&body).ok_or(ApiError::Unexpected)
    }

    /// `POST /api/v1/hires` with the attempt's idempotency key: `201` for a new hire, `200` with
    /// `already_hired` for a candidate the company employs already.
    pub(crate) async fn hire(
        &self,
        candidate: &Candidate,
        idempotency_key: &str,
    ) -> Result<HireResponse, ApiError> {
        let body = wire::candidate_body(candidate).ok_or(ApiError::Unexpected)?;
        let key = Some((IDEMPOTENCY_KEY_HEADER, idempotency_key));
        self.call(Method::POST, HIRES_PATH, Some(body), key, Body::hire)
            .await
    }

    async fn call<T>(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        extra_header: Option<(&str, &str)>,
        read: fn(&Body) -> Option<T>,
    ) -> Result<T, ApiError> {
        let body = self.answer(method, path, &[], body, extra_header).await?;
        read(&body).ok_or(ApiError::Unexpected)
    }

    /// A `2xx` answer's body, or why there is none. Not generic over what is read from the
    /// body, so that the request, the renewal and the error reading exist once in the bundle,
    /// not once per endpoint.
    async fn answer(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<String>,
        extra_header: Option<(&str, &str)>,
    ) -> Result<Body, ApiError> {
        let mut renewed = false;
        let (status, text) = loop {
            let token = token_renewal::current(&self.token);
            let (status, text) = self
                .send(
                    &token,
                    method.clone(),
                    path,
                    query,
                    body.clone(),
                    extra_header,
                )
                .await
                .map_err(|_| ApiError::Network)?;
            // A site token that expired on a page left open: the host page may hand over a
            // fresh one (`fetchToken`); the call is tried once more with it.
            let refused = status == 401
                && Body::parse(&text)
                    .and_then(|b| b.error())
                    .is_some_and(|e| e.code == ErrorCode::Unauthorized.as_str());
            if refused && !renewed && token_renewal::renew(&token).await.is_some() {
                renewed = true;
                continue;
            }
            break (status, text);
        };
        let body = Body::parse(&text);
        if (200..300).contains(&status) {
            body.ok_or(ApiError::Unexpected)
        } else {
            match body.as_ref().and_then(Body::error) {
                Some(error) => Err(ApiError::Server(error)),
                None => Err(ApiError::Unexpected),
            }
        }
    }

    async fn send(
        &self,
        token: &str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<String>,
        extra_header: Option<(&str, &str)>,
    ) -> Result<(u16, String), gloo_net::Error> {
        let url = format!("{}{}", self.backend, path);
        // Query parameters through the builder: it appends a `&` to a URL that has its own.
        let mut request = Request::get(&url)
            .query(query.iter().copied())
            .method(method)
            .mode(RequestMode::Cors)
            .credentials(RequestCredentials::Omit)
            .abort_signal(Some(&AbortSignal::timeout_with_u32(REQUEST_TIMEOUT_MS)))
            .header("Accept", "application/json")
            .header("Authorization", &format!("Bearer {token}"));
        if let Some((name, value)) = extra_header {
            request = request.header(name, value);
        }
        let request = match body {
            Some(body) => request
                .header("Content-Type", "application/json")
                .body(body)?,
            None => request.build()?,
        };
        let response = request.send().await?;
        let text = response.text().await?;
        Ok((response.status(), text))
    }
}

//! One popup consent, walked as a browser walks it and checked at every hop without panicking:
//! `POST /api/v1/connect`, the start form (`POST /oauth/start`: a 303 to Remote and the flow's
//! binding cookie in the client's jar), Remote's consent page read and submitted with the manager
//! the caller picks, the 302 back, the backend's `/oauth/callback` page, then
//! `GET /api/v1/flows/{id}`. The walk returns what it saw (the flow, the form, every backend
//! answer) or which hop failed and what it answered. The tests' `connect_and_consent` helpers
//! panic with that message; the soak counts the backend's answers and keeps every `state` and the
//! callback page for its leak scan. The pieces tests use on their own for negative cases
//! (`ConnectAnswer`, `answer_consent`) check their hops with the same functions.

use std::fmt;

use hire_with_remote::routes::REQUEST_ID;
use reqwest::{
    header::{self, HeaderMap},
    Client, RequestBuilder, Response, StatusCode,
};
use serde_json::{json, Value};
use url::Url;

use crate::{
    app::JOB_SITE_ORIGIN,
    consent_page::{ConnectAnswer, ConsentForm},
};

/// How much of a body an error message quotes.
const EXCERPT: usize = 300;

/// A request the walk sends to the backend (Remote's consent page is not one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    /// `POST /api/v1/connect`.
    Connect,
    /// `POST /oauth/start`.
    Start,
    /// `GET /oauth/callback`.
    Callback,
    /// `GET /api/v1/flows/{id}`.
    Flow,
}

impl Hop {
    /// The request's method and route, e.g. `POST /oauth/start`.
    pub fn as_str(self) -> &'static str {
        match self {
            Hop::Connect => "POST /api/v1/connect",
            Hop::Start => "POST /oauth/start",
            Hop::Callback => "GET /oauth/callback",
            Hop::Flow => "GET /api/v1/flows/{id}",
        }
    }
}

impl fmt::Display for Hop {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One answer the backend gave during a walk.
#[derive(Debug, Clone)]
pub struct BackendAnswer {
    /// The request it answered.
    pub hop: Hop,
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body as text (or a note saying it could not be read).
    pub body: String,
}

impl BackendAnswer {
    async fn read(hop: Hop, response: Response) -> BackendAnswer {
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.text().await {
            Ok(body) => body,
            Err(error) => format!("<the body could not be read: {error}>"),
        };
        BackendAnswer {
            hop,
            status,
            headers,
            body,
        }
    }

    /// Fails with what the backend answered unless it is `expected`.
    fn expect(&self, expected: StatusCode) -> Result<(), String> {
        if self.status == expected {
            return Ok(());
        }
        Err(format!(
            "{} answered {}, not {expected}: {}",
            self.hop,
            self.status,
            excerpt(&self.body)
        ))
    }

    fn json(&self) -> Result<Value, String> {
        serde_json::from_str(&self.body).map_err(|error| {
            format!(
                "{} answered {} without JSON ({error}): {}",
                self.hop,
                self.status,
                excerpt(&self.body)
            )
        })
    }
}

/// A consent to walk: which backend, as which site user, what the person does.
#[derive(Debug, Clone)]
pub struct ConsentWalk<'a> {
    client: &'a Client,
    backend: &'a str,
    site_token: &'a str,
    request_id: Option<&'a str>,
}

/// A walk that went through: the flow ended `connected`.
#[derive(Debug, Clone)]
pub struct WalkedConsent {
    /// The flow's id.
    pub flow_id: String,
    /// Remote's consent page, where `POST /oauth/start` sent the browser.
    pub authorize_url: Url,
    /// The consent page's form.
    pub form: ConsentForm,
    /// The manager the form was submitted as.
    pub manager: String,
    /// Where Remote sent the browser back to (the backend's callback).
    pub callback: Url,
    /// `GET /api/v1/flows/{id}`'s answer.
    pub flow: Value,
    /// Every answer the backend gave, in order.
    pub answers: Vec<BackendAnswer>,
}

impl WalkedConsent {
    /// The backend's answer to `hop`.
    pub fn answer(&self, hop: Hop) -> Option<&BackendAnswer> {
        self.answers.iter().find(|answer| answer.hop == hop)
    }

    /// The HTML of the backend's callback page.
    pub fn callback_page(&self) -> &str {
        self.answer(Hop::Callback)
            .map_or("", |answer| answer.body.as_str())
    }

    /// Every `state` value seen, in order: the authorize URL's, the consent form's hidden
    /// input, the callback URL's.
    pub fn states(&self) -> Vec<String> {
        let mut states = query_values(&self.authorize_url, "state");
        states.extend(self.form.hidden_value("state").map(str::to_owned));
        states.extend(query_values(&self.callback, "state"));
        states
    }
}

/// A walk that stopped: which hop failed and what it answered.
#[derive(Debug, Clone)]
pub struct WalkFailure {
    /// Which hop failed and what it answered.
    pub message: String,
    /// The backend's answers up to and including the one that failed.
    pub answers: Vec<BackendAnswer>,
}

impl fmt::Display for WalkFailure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for WalkFailure {}

/// Picks the first manager the consent page lists.
pub fn first_manager(managers: &[String]) -> Option<String> {
    managers.first().cloned()
}

impl<'a> ConsentWalk<'a> {
    /// A walk through `backend` (`http://127.0.0.1:PORT`, where the callback is delivered too,
    /// whichever host Remote's redirect names) by `client`, whose cookie jar keeps the binding
    /// cookie, as the site user `site_token` names; it clicks Allow.
    pub fn new(client: &'a Client, backend: &'a str, site_token: &'a str) -> ConsentWalk<'a> {
        ConsentWalk {
            client,
            backend,
            site_token,
            request_id: None,
        }
    }

    /// Sends `request_id` as `X-Request-Id` on `POST /api/v1/connect`.
    pub fn with_request_id(mut self, request_id: &'a str) -> ConsentWalk<'a> {
        self.request_id = Some(request_id);
        self
    }

    /// Walks the consent; `pick` chooses the manager among those the consent page lists.
    pub async fn walk(
        &self,
        pick: impl FnOnce(&[String]) -> Option<String>,
    ) -> Result<WalkedConsent, WalkFailure> {
        let mut answers = Vec::new();
        match self.hops(pick, &mut answers).await {
            Ok(mut walked) => {
                walked.answers = answers;
                Ok(walked)
            }
            Err(message) => Err(WalkFailure { message, answers }),
        }
    }

    async fn hops(
        &self,
        pick: impl FnOnce(&[String]) -> Option<String>,
        answers: &mut Vec<BackendAnswer>,
    ) -> Result<WalkedConsent, String> {
        let connect = self.connect(answers).await?;
        let authorize_url = self.start(&connect, answers).await?;
        let decided = decide(self.client, &authorize_url, pick, "allow").await?;
        self.land(&decided.callback, answers).await?;
        let flow = self.read_flow(&connect.flow_id, answers).await?;
        Ok(WalkedConsent {
            flow_id: connect.flow_id,
            authorize_url,
            form: decided.form,
            manager: decided.manager,
            callback: decided.callback,
            flow,
            answers: Vec::new(),
        })
    }

    /// `POST /api/v1/connect` in popup mode: a 201 with the flow's id, start URL and ticket.
    async fn connect(&self, answers: &mut Vec<BackendAnswer>) -> Result<ConnectAnswer, String> {
        let mut request = self
            .job_site_request(self.client.post(format!("{}/api/v1/connect", self.backend)))
            .json(&json!({"mode": "popup"}));
        if let Some(request_id) = self.request_id {
            request = request.header(REQUEST_ID, request_id);
        }
        let answer = ask(Hop::Connect, request, answers).await?;
        answer.expect(StatusCode::CREATED)?;
        ConnectAnswer::try_from_answer(&answer.json()?)
            .map_err(|problem| format!("{}: {problem}", Hop::Connect))
    }

    /// The start form, submitted from the job-site page as the widget does: a 303 to Remote's
    /// consent page, and the binding cookie in the client's jar.
    async fn start(
        &self,
        connect: &ConnectAnswer,
        answers: &mut Vec<BackendAnswer>,
    ) -> Result<Url, String> {
        let request = self
            .client
            .post(connect.start_url.clone())
            .header(header::ORIGIN, JOB_SITE_ORIGIN)
            .form(&[
                ("flow_id", connect.flow_id.as_str()),
                ("ticket", connect.start_ticket.as_str()),
            ]);
        let answer = ask(Hop::Start, request, answers).await?;
        answer.expect(StatusCode::SEE_OTHER)?;
        started_redirect(&connect.flow_id, &answer.headers)
    }

    /// The backend's callback page, delivered to this walk's backend: a 200.
    async fn land(&self, callback: &Url, answers: &mut Vec<BackendAnswer>) -> Result<(), String> {
        let request = self.client.get(callback_at(self.backend, callback));
        ask(Hop::Callback, request, answers)
            .await?
            .expect(StatusCode::OK)
    }

    /// `GET /api/v1/flows/{id}`: a 200 with the status `connected`.
    async fn read_flow(
        &self,
        flow_id: &str,
        answers: &mut Vec<BackendAnswer>,
    ) -> Result<Value, String> {
        let request = self.job_site_request(
            self.client
                .get(format!("{}/api/v1/flows/{flow_id}", self.backend)),
        );
        let answer = ask(Hop::Flow, request, answers).await?;
        answer.expect(StatusCode::OK)?;
        let flow = answer.json()?;
        let status = flow["status"].as_str().unwrap_or_default();
        if status != "connected" {
            return Err(format!(
                "the flow ended {status:?}, not connected: {}",
                excerpt(&answer.body)
            ));
        }
        Ok(flow)
    }

    /// `request` as the job site's page sends it for the site user: `Origin` and the token.
    fn job_site_request(&self, request: RequestBuilder) -> RequestBuilder {
        request
            .header(header::ORIGIN, JOB_SITE_ORIGIN)
            .bearer_auth(self.site_token)
    }
}

/// Sends `request` and keeps the backend's answer in `answers`.
async fn ask(
    hop: Hop,
    request: RequestBuilder,
    answers: &mut Vec<BackendAnswer>,
) -> Result<BackendAnswer, String> {
    let response = request
        .send()
        .await
        .map_err(|error| format!("{hop} got no answer: {error}"))?;
    let answer = BackendAnswer::read(hop, response).await;
    answers.push(answer.clone());
    Ok(answer)
}

/// Where `POST /oauth/start`'s 303 (its `headers`) sends the browser, once it has set the
/// binding cookie of flow `flow_id`.
pub(crate) fn started_redirect(flow_id: &str, headers: &HeaderMap) -> Result<Url, String> {
    let binding = format!("hwr_consent_{flow_id}=");
    let cookies: Vec<&str> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    if !cookies.iter().any(|cookie| cookie.starts_with(&binding)) {
        return Err(format!(
            "{} set no binding cookie {binding}…: Set-Cookie {cookies:?}",
            Hop::Start
        ));
    }
    let location = headers
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| format!("{} sent no Location", Hop::Start))?;
    Url::parse(location).map_err(|error| {
        format!(
            "{}: Location {location:?} is not absolute: {error}",
            Hop::Start
        )
    })
}

/// What the person did on Remote's consent page.
pub(crate) struct Decided {
    /// The page's form.
    pub(crate) form: ConsentForm,
    /// The manager picked.
    pub(crate) manager: String,
    /// Where Remote's 302 sends the browser (the backend's callback).
    pub(crate) callback: Url,
}

/// Opens Remote's consent page at `authorize_url` like a browser (a 200), submits its form as
/// the manager `pick` chooses with `decision` (`allow` or `deny`), and reads the 302 back.
pub(crate) async fn decide(
    client: &Client,
    authorize_url: &Url,
    pick: impl FnOnce(&[String]) -> Option<String>,
    decision: &str,
) -> Result<Decided, String> {
    let page = client
        .get(authorize_url.clone())
        .send()
        .await
        .map_err(|error| format!("the consent page got no answer: {error}"))?;
    let status = page.status();
    let html = page
        .text()
        .await
        .map_err(|error| format!("the consent page's HTML could not be read: {error}"))?;
    if status != StatusCode::OK {
        return Err(format!(
            "the consent page answered {status}, not 200 OK: {}",
            excerpt(&html)
        ));
    }
    let form = ConsentForm::try_parse(authorize_url, &html)?;
    let manager = pick(&form.managers).ok_or_else(|| {
        format!(
            "no manager picked among those the consent page lists: {:?}",
            form.managers
        )
    })?;
    let decided = client
        .post(form.action.clone())
        .form(&form.submission_as(Some(&manager), decision))
        .send()
        .await
        .map_err(|error| format!("the consent form got no answer: {error}"))?;
    if decided.status() != StatusCode::FOUND {
        let status = decided.status();
        let body = decided.text().await.unwrap_or_default();
        return Err(format!(
            "the consent form answered {status}, not 302 Found: {}",
            excerpt(&body)
        ));
    }
    let location = decided
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| "the consent form's 302 has no Location".to_owned())?;
    let callback = Url::parse(location).map_err(|error| {
        format!("the consent form's 302 sends the browser to {location:?}, not a URL: {error}")
    })?;
    Ok(Decided {
        form,
        manager,
        callback,
    })
}

/// A popup consent for `user` (whom `site_token` names) at `backend`, as the first manager,
/// Allow; asserts the callback page opens and the flow ends `connected`, and returns its id.
pub(crate) async fn connect_and_consent(
    client: &Client,
    backend: &str,
    user: &str,
    site_token: &str,
) -> String {
    let walked = ConsentWalk::new(client, backend, site_token)
        .walk(first_manager)
        .await
        .unwrap_or_else(|failure| panic!("the consent of {user} at {backend} failed: {failure}"));
    assert_eq!(
        walked.answer(Hop::Callback).map(|answer| answer.status),
        Some(StatusCode::OK),
        "the callback page says connected"
    );
    assert_eq!(
        walked.flow["status"], "connected",
        "the flow ends connected"
    );
    walked.flow_id
}

/// `callback`'s path and query at `address`, whichever host Remote's redirect named: the
/// replica a load balancer would have picked.
pub(crate) fn callback_at(address: &str, callback: &Url) -> String {
    let query = callback
        .query()
        .map(|query| format!("?{query}"))
        .unwrap_or_default();
    format!("{address}{}{query}", callback.path())
}

/// Every value of the query parameter `name` in `url`.
fn query_values(url: &Url, name: &str) -> Vec<String> {
    url.query_pairs()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .collect()
}

/// The first few hundred characters of `body`, for an error message.
fn excerpt(body: &str) -> String {
    if body.is_empty() {
        return "<no body>".to_owned();
    }
    body.chars().take(EXCERPT).collect()
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn start_headers(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::SET_COOKIE,
            HeaderValue::from_str(cookie).expect("a header value"),
        );
        headers.insert(
            header::LOCATION,
            HeaderValue::from_static("http://127.0.0.1:1/auth/oauth2/authorize?state=s1"),
        );
        headers
    }

    #[test]
    fn a_start_redirect_without_the_flows_binding_cookie_is_refused_naming_the_hop() {
        let bound = started_redirect("f1", &start_headers("hwr_consent_f1=abc; HttpOnly"));
        let unbound = started_redirect("f1", &start_headers("hwr_consent_f2=abc; HttpOnly"));

        assert_eq!(
            bound.map(|url| url.path().to_owned()),
            Ok("/auth/oauth2/authorize".to_owned())
        );
        let problem = unbound.expect_err("another flow's cookie does not bind this one");
        assert!(
            problem.starts_with("POST /oauth/start set no binding cookie hwr_consent_f1="),
            "{problem}"
        );
    }

    #[test]
    fn every_state_is_read_from_the_authorize_url_the_form_and_the_callback_in_that_order() {
        let url = |text: &str| Url::parse(text).expect("a URL");
        let walked = WalkedConsent {
            flow_id: "f1".to_owned(),
            authorize_url: url("http://127.0.0.1:1/auth/oauth2/authorize?state=from-url&x=1"),
            form: ConsentForm {
                action: url("http://127.0.0.1:1/auth/oauth2/authorize"),
                hidden: vec![("state".to_owned(), "from-form".to_owned())],
                manager_field: "manager_id".to_owned(),
                managers: vec!["m1".to_owned()],
            },
            manager: "m1".to_owned(),
            callback: url("http://127.0.0.1:2/oauth/callback?code=c&state=from-callback"),
            flow: json!({"status": "connected"}),
            answers: Vec::new(),
        };

        assert_eq!(
            walked.states(),
            ["from-url", "from-form", "from-callback"].map(str::to_owned)
        );
        assert_eq!(walked.callback_page(), "");
    }
}

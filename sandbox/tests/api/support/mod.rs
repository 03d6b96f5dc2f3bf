//! The test harness: `spawn()` a sandbox, plus request helpers for the OAuth dance and the API,
//! a webhook `receiver` and an independent `hmac`.

pub(crate) mod hmac;
pub(crate) mod receiver;

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hwr_sandbox::{Sandbox, SandboxConfig};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use url::Url;

pub(crate) const REDIRECT_URI: &str = "http://127.0.0.1:8080/oauth/callback";

/// A running sandbox and a client that never follows redirects.
pub(crate) struct TestSandbox {
    pub(crate) sandbox: Sandbox,
    pub(crate) client: Client,
}

/// Tokens from a code exchange.
pub(crate) struct Tokens {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
}

pub(crate) async fn spawn() -> TestSandbox {
    spawn_with(|_| {}).await
}

pub(crate) async fn spawn_with(adjust: impl FnOnce(&mut SandboxConfig)) -> TestSandbox {
    let mut config = SandboxConfig::default();
    adjust(&mut config);
    let sandbox = Sandbox::start(config).await.expect("the sandbox starts");
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a reqwest client");
    TestSandbox { sandbox, client }
}

/// A random S256 pair: (verifier, challenge).
pub(crate) fn pkce_pair() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub(crate) fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// The query parameters of a redirect's `Location`.
pub(crate) fn location_params(response: &Response) -> Vec<(String, String)> {
    let location = response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .expect("an ASCII Location");
    let url = Url::parse(location).expect("an absolute Location");
    url.query_pairs().into_owned().collect()
}

pub(crate) fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
}

pub(crate) fn employee(name: &str, email: &str) -> Value {
    serde_json::json!({
        "country_code": "PRT",
        "type": "employee",
        "basic_information": {
            "name": name,
            "email": email,
            "job_title": "Backend Engineer",
            "provisional_start_date": "2027-01-11",
            "has_seniority_date": "no"
        }
    })
}

impl TestSandbox {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// Submits the consent form with `decision` for `manager_id`.
    pub(crate) async fn decide(
        &self,
        decision: &str,
        manager_id: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        let mut form = vec![
            ("client_id", "demo-client"),
            ("redirect_uri", REDIRECT_URI),
            ("response_type", "code"),
            ("state", "state-123"),
            ("manager_id", manager_id),
            ("decision", decision),
        ];
        form.extend_from_slice(extra);
        self.client
            .post(self.url("/auth/oauth2/authorize"))
            .form(&form)
            .send()
            .await
            .expect("consent form answered")
    }

    /// Consents as `manager_id` and returns the code.
    pub(crate) async fn code_for(&self, manager_id: &str, extra: &[(&str, &str)]) -> String {
        let response = self.decide("allow", manager_id, extra).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        param(&location_params(&response), "code").expect("a code in the redirect")
    }

    /// Posts a form to the token endpoint with the demo client's Basic auth.
    pub(crate) async fn token_request(&self, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url("/auth/oauth2/token"))
            .header("authorization", basic("demo-client", "demo-secret"))
            .form(form)
            .send()
            .await
            .expect("token endpoint answered")
    }

    pub(crate) async fn exchange(&self, code: &str, verifier: Option<&str>) -> Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
        ];
        if let Some(verifier) = verifier {
            form.push(("code_verifier", verifier));
        }
        self.token_request(&form).await
    }

    /// Full consent and code exchange for `manager_id`.
    pub(crate) async fn tokens_for(&self, manager_id: &str) -> Tokens {
        let code = self.code_for(manager_id, &[]).await;
        let response = self.exchange(&code, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON tokens");
        Tokens {
            access_token: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
        }
    }

    pub(crate) async fn access_token_for(&self, manager_id: &str) -> String {
        self.tokens_for(manager_id).await.access_token
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("answered")
    }

    pub(crate) async fn post_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("answered")
    }

    pub(crate) async fn patch_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("answered")
    }

    pub(crate) async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("answered")
    }

    /// Creates an employment and returns its id.
    pub(crate) async fn hire(&self, token: &str, name: &str, email: &str) -> String {
        let response = self
            .post_json("/v1/employments", token, &employee(name, email))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("JSON employment");
        body["data"]["employment"]["id"]
            .as_str()
            .expect("an employment id")
            .to_owned()
    }

    /// Registers a webhook callback and returns the create answer's `webhook_callback`.
    pub(crate) async fn subscribe(&self, token: &str, url: &str, events: &[&str]) -> Value {
        let response = self
            .post_json(
                "/v1/webhook-callbacks",
                token,
                &serde_json::json!({"url": url, "subscribed_events": events}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("JSON callback");
        body["data"]["webhook_callback"].clone()
    }

    /// `PATCH /v1/sandbox/employments/{id}`, expecting 200; returns the employment.
    pub(crate) async fn move_employment(&self, token: &str, id: &str, change: Value) -> Value {
        let response = self
            .patch_json(&format!("/v1/sandbox/employments/{id}"), token, &change)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON employment");
        body["data"]["employment"].clone()
    }

    /// `GET /__sandbox/webhooks`.
    pub(crate) async fn webhook_attempts(&self) -> Vec<Value> {
        let response = self
            .control(reqwest::Method::GET, "/__sandbox/webhooks", None)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON attempts");
        body.as_array().expect("an array of attempts").clone()
    }

    /// Waits until `/__sandbox/webhooks` holds at least `count` attempts.
    pub(crate) async fn wait_for_attempts(&self, count: usize, within: Duration) -> Vec<Value> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let attempts = self.webhook_attempts().await;
            if attempts.len() >= count {
                return attempts;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "expected {count} delivery attempts within {within:?}, got {}",
                attempts.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub(crate) async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let request = self.client.request(method, self.url(path));
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        request.send().await.expect("control answered")
    }

    pub(crate) async fn state(&self) -> Value {
        let response = self
            .control(reqwest::Method::GET, "/__sandbox/state", None)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("JSON state")
    }

    pub(crate) async fn add_fault(&self, fault: Value) {
        let response = self
            .control(reqwest::Method::POST, "/__sandbox/faults", Some(fault))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
}

//! The server side of the closed-loop rows: one `hire-with-remote sandbox` process for the whole
//! run, and backends started on demand (SQLite or Postgres, optionally with extra `HWR_*`
//! settings) on one port the sandbox redirects to, all configured by the harness's `launch`;
//! the consent walked as a browser does, and the sandbox's control surface.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use hwr_integration_tests::{
    free_port, sandbox_command, site_token, BackendSettings, ClusterClient, Secrets,
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, JOB_SITE_ORIGIN, MAX_SITE_TOKEN_TTL,
};
use hwr_protocol::IDEMPOTENCY_KEY_HEADER;
use reqwest::{header, Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use url::Url;

use crate::processes::Running;

/// The site user every closed-loop row runs as (one Remote connection).
pub(crate) const SITE_USER: &str = "bench-employer";

/// Which database a backend uses.
#[derive(Debug, Clone)]
pub(crate) enum Database {
    /// A SQLite file in this data folder.
    Sqlite(PathBuf),
    /// A Postgres URL.
    Postgres(String),
}

/// The sandbox process, the secrets every backend shares, and clients.
pub(crate) struct Servers {
    pub(crate) binary: PathBuf,
    pub(crate) dir: PathBuf,
    secrets: Secrets,
    backend_port: u16,
    pub(crate) sandbox: Running,
    pub(crate) sandbox_url: String,
    /// A browser with a cookie jar, for consent.
    browser: ClusterClient,
    /// A plain client for control calls and single requests.
    pub(crate) http: Client,
}

impl Servers {
    /// Starts the sandbox (rate limit off) with the backend's redirect URI registered.
    pub(crate) async fn start(binary: &Path, dir: &Path) -> Result<Servers> {
        std::fs::create_dir_all(dir)?;
        let secrets = Secrets::generate();
        let backend_port = free_port();
        let sandbox_port = free_port();
        let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        let redirect_uri = format!("http://127.0.0.1:{backend_port}/oauth/callback");
        let mut sandbox = Running::spawn(
            "sandbox",
            sandbox_command(binary, sandbox_port, &redirect_uri),
            dir,
        )?;
        sandbox
            .wait_ready(
                &http,
                &format!("{sandbox_url}/__sandbox/faults"),
                Instant::now(),
            )
            .await?;
        let backend_url = format!("http://127.0.0.1:{backend_port}");
        let browser = ClusterClient::for_backends(
            std::slice::from_ref(&backend_url),
            &sandbox_url,
            &secrets.site_secret,
        );
        Ok(Servers {
            binary: binary.to_owned(),
            dir: dir.to_owned(),
            secrets,
            backend_port,
            sandbox,
            sandbox_url,
            browser,
            http,
        })
    }

    /// `http://127.0.0.1:PORT` of the backend (whichever is running).
    pub(crate) fn backend_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.backend_port)
    }

    /// The backend's settings on `database`, plus `extra` `HWR_*` variables.
    fn settings(&self, database: &Database, extra: &[(&str, &str)]) -> BackendSettings {
        let data_dir = match database {
            Database::Sqlite(dir) => dir.clone(),
            Database::Postgres(_) => self.dir.join("pg-data"),
        };
        let mut settings = BackendSettings::new(
            self.backend_port,
            &self.sandbox_url,
            &self.secrets,
            &data_dir,
        );
        settings.log_filter = "info,sqlx=warn".to_owned();
        if let Database::Postgres(url) = database {
            settings.database_url = Some(url.clone());
        }
        for (name, value) in extra {
            settings = settings.with(name, value);
        }
        settings
    }

    /// Starts `binary serve` and waits for `/healthz`; returns it with its start-up time.
    pub(crate) async fn start_backend(
        &self,
        name: &str,
        binary: &Path,
        database: &Database,
        extra: &[(&str, &str)],
    ) -> Result<(Running, Duration)> {
        let settings = self.settings(database, extra);
        if let Database::Sqlite(dir) = database {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::create_dir_all(&settings.data_dir)?;
        let started = Instant::now();
        let mut backend = Running::spawn(name, settings.command(binary), &self.dir)?;
        let ready = backend
            .wait_ready(
                &self.http,
                &format!("{}/healthz", self.backend_url()),
                started,
            )
            .await?;
        Ok((backend, ready))
    }

    /// A site token for [`SITE_USER`] living an hour (a load row must not outlive it).
    pub(crate) fn site_token(&self) -> String {
        site_token(&self.secrets.site_secret, SITE_USER, MAX_SITE_TOKEN_TTL)
    }

    /// `POST /__sandbox/reset`: no tokens, employments or faults; counters zero.
    pub(crate) async fn reset_sandbox(&self) -> Result<()> {
        self.control("/__sandbox/reset", None).await
    }

    /// `POST /__sandbox/expire-tokens`: every issued access token stops working.
    pub(crate) async fn expire_tokens(&self) -> Result<()> {
        self.control("/__sandbox/expire-tokens", None).await
    }

    /// `POST /__sandbox/faults` with `fault`.
    pub(crate) async fn fault(&self, fault: Value) -> Result<()> {
        self.control("/__sandbox/faults", Some(fault)).await
    }

    async fn control(&self, path: &str, body: Option<Value>) -> Result<()> {
        let mut request = self.http.post(format!("{}{path}", self.sandbox_url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await?;
        if !answer.status().is_success() {
            bail!("POST {path} answered {}", answer.status());
        }
        Ok(())
    }

    /// `GET /__sandbox/state` (keep the sandbox small before calling: it lists employments).
    pub(crate) async fn sandbox_state(&self) -> Result<Value> {
        Ok(self
            .http
            .get(format!("{}/__sandbox/state", self.sandbox_url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// `token_requests.<grant>` from the sandbox's state.
    pub(crate) async fn token_requests(&self, grant: &str) -> Result<u64> {
        let state = self.sandbox_state().await?;
        state["token_requests"][grant]
            .as_u64()
            .with_context(|| format!("no token_requests.{grant} in the sandbox's state"))
    }

    /// The consent flow at the running backend as a browser walks it; leaves [`SITE_USER`]
    /// connected.
    pub(crate) async fn connect_backend(&self) {
        self.browser
            .connect_and_consent_at(&self.backend_url(), SITE_USER)
            .await;
    }

    /// `POST /api/v1/hires` at the running backend as the job site's page sends it, sent by
    /// `client` with `site_token`, the idempotency key `tag`, a Portuguese candidate starting on
    /// `date`.
    pub(crate) fn hire_request(
        &self,
        client: &Client,
        site_token: &str,
        tag: &str,
        date: &str,
    ) -> RequestBuilder {
        client
            .post(format!("{}/api/v1/hires", self.backend_url()))
            .bearer_auth(site_token)
            .header(header::ORIGIN, JOB_SITE_ORIGIN)
            .header(IDEMPOTENCY_KEY_HEADER, tag)
            .json(&json!({
                "full_name": format!("Bench {tag}"),
                "job_title": "Engineer",
                "personal_email": format!("{tag}@bench.example"),
                "provisional_start_date": date,
                "country_code": "PT",
            }))
    }

    /// `POST /v1/employments` straight to the sandbox, as the backend sends it for the hire
    /// [`Self::hire_request`] builds (`PRT`, the same candidate), with Remote's `access_token`.
    pub(crate) fn employment_request(
        &self,
        client: &Client,
        access_token: &str,
        tag: &str,
        date: &str,
    ) -> RequestBuilder {
        client
            .post(format!("{}/v1/employments", self.sandbox_url))
            .bearer_auth(access_token)
            .json(&json!({
                "country_code": "PRT",
                "type": "employee",
                "external_id": tag,
                "basic_information": {
                    "name": format!("Bench {tag}"),
                    "email": format!("{tag}@bench.example"),
                    "job_title": "Engineer",
                    "provisional_start_date": date,
                    "has_seniority_date": "no",
                },
            }))
    }

    /// One hire through the backend: its status and answer.
    pub(crate) async fn one_hire(&self, tag: &str, date: &str) -> Result<(StatusCode, Value)> {
        let answer = self
            .hire_request(&self.http, &self.site_token(), tag, date)
            .send()
            .await?;
        let status = answer.status();
        let body = answer.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// One hire that must be created (checks the whole path before a load).
    pub(crate) async fn hire_created(&self, tag: &str, date: &str) -> Result<Value> {
        let (status, body) = self.one_hire(tag, date).await?;
        if status != StatusCode::CREATED {
            bail!("the hire {tag} answered {status}: {body}");
        }
        Ok(body)
    }

    /// An access token for the sandbox from a consent and a code exchange made by this process
    /// (no PKCE), and the consenting manager's Remote user id.
    pub(crate) async fn direct_token(&self) -> Result<(String, String)> {
        let redirect_uri = format!("{}/oauth/callback", self.backend_url());
        let answer =
            direct_token_answer(&self.browser, &self.http, &self.sandbox_url, &redirect_uri)
                .await?;
        let field = |name: &str| {
            answer[name]
                .as_str()
                .map(str::to_owned)
                .with_context(|| format!("no {name} in the token answer"))
        };
        Ok((field("access_token")?, field("user_id")?))
    }
}

/// The sandbox's token answer for a consent and a code exchange made by this process (no PKCE),
/// as the backend makes them, minus the backend: the consent page answered Allow by `browser`,
/// then `POST /auth/oauth2/token` with the code.
pub(crate) async fn direct_token_answer(
    browser: &ClusterClient,
    http: &Client,
    sandbox_url: &str,
    redirect_uri: &str,
) -> Result<Value> {
    let authorize = Url::parse_with_params(
        &format!("{sandbox_url}/auth/oauth2/authorize"),
        [
            ("client_id", DEMO_CLIENT_ID),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("state", "bench"),
        ],
    )?;
    let callback = browser.answer_consent(&authorize, "allow").await;
    let code = callback
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, value)| value.into_owned())
        .context("no code in the consent's redirect")?;
    Ok(http
        .post(format!("{sandbox_url}/auth/oauth2/token"))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

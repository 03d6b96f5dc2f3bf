//! `spawn_app()`: a sandbox (fake Remote) and the backend on real sockets, wired as in production,
//! with one fresh database; and `TestApp`, the request helpers every test talks through.

use std::{net::TcpListener as StdTcpListener, time::Duration};

use hire_with_remote::{
    config::Settings, crypto::KeyRing, state::AppState, store::Store, Application,
};
use hwr_protocol::IDEMPOTENCY_KEY_HEADER;
use hwr_sandbox::{Sandbox, SandboxConfig};
use reqwest::{header, Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use url::Url;

use crate::{
    answers::{json_body, send},
    candidate::ana_with,
    database::{Db, TestDatabase},
    ids::new_key,
};

/// The job site's origin the backend allows; tests send it as `Origin`, like the widget would.
pub const JOB_SITE_ORIGIN: &str = "http://127.0.0.1:9";

/// An origin the backend does not allow.
pub const FOREIGN_ORIGIN: &str = "https://evil.example";

/// A running backend, its sandbox and its database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT` of the backend.
    pub address: String,
    /// The backend's port.
    pub port: u16,
    /// The fake Remote.
    pub sandbox: Sandbox,
    /// The backend's shared state (the store lives here).
    pub state: AppState,
    /// A client that follows no redirects, as the tests must see every hop.
    pub client: Client,
    /// The secret site tokens are signed with.
    pub site_secret: String,
    /// `http://ADDRESS` of the metrics listener, when `metrics_listen` was set.
    pub metrics_address: Option<String>,
    settings: Settings,
    shutdown: Option<oneshot::Sender<()>>,
    // Declared last: dropped after the app has been told to stop.
    database: TestDatabase,
}

/// A second backend process on the same database and sandbox, as behind a load balancer.
pub struct Replica {
    /// `http://127.0.0.1:PORT` of this replica.
    pub address: String,
    /// This replica's state (its own refresh locks and caches).
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

use crate::consent_page::{ConnectAnswer, StartedFlow};

/// Starts the sandbox and the backend with the default settings.
pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Starts the sandbox and the backend; `adjust` may change any backend setting first.
pub async fn spawn_app_with(db: Db, adjust: impl Fn(&mut Settings)) -> TestApp {
    spawn_app_configured(db, |_| {}, adjust).await
}

/// Starts the sandbox and the backend; `adjust_sandbox` may change the sandbox's configuration
/// (its redirect URI is set afterwards) and `adjust` any backend setting.
pub async fn spawn_app_configured(
    db: Db,
    adjust_sandbox: impl Fn(&mut SandboxConfig),
    adjust: impl Fn(&mut Settings),
) -> TestApp {
    let database = TestDatabase::create(db).await;
    let site_secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    // The redirect URI must be registered with the sandbox before the backend binds, so learn a
    // free port first; another process may take it in between, hence the retries.
    let mut last_error = None;
    for _ in 0..5 {
        let port = free_port();
        let mut sandbox_config = SandboxConfig::default();
        adjust_sandbox(&mut sandbox_config);
        sandbox_config.port = 0;
        sandbox_config.redirect_uris = vec![format!("http://127.0.0.1:{port}/oauth/callback")];
        let sandbox = Sandbox::start(sandbox_config)
            .await
            .expect("the sandbox starts");
        let mut settings = Settings {
            listen: format!("127.0.0.1:{port}"),
            public_url: Some(format!("http://127.0.0.1:{port}")),
            allowed_origins: Some(JOB_SITE_ORIGIN.to_owned()),
            site_secret: Some(site_secret.as_str().into()),
            data_dir: std::env::temp_dir(),
            encryption_keys: Some(KeyRing::generate_entry("k1").into()),
            database_url: Some(database.url().into()),
            remote_base_url: Some(sandbox.base_url()),
            remote_client_id: Some("demo-client".to_owned()),
            remote_client_secret: Some("demo-secret".into()),
            ..Settings::default()
        };
        adjust(&mut settings);
        let config = settings
            .clone()
            .validate()
            .expect("the test configuration is valid");
        let application = match Application::build(config).await {
            Ok(application) => application,
            Err(error) => {
                last_error = Some(error);
                continue;
            }
        };
        let state = application.state().clone();
        let metrics_address = application.metrics_addr().map(|a| format!("http://{a}"));
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(application.run_until(async {
            let _ = stopped.await;
        }));
        // The browser's cookie jar: `POST /oauth/start` sets the flow's binding cookie, the
        // callback needs it back.
        let client = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a reqwest client");
        return TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            sandbox,
            state,
            client,
            site_secret,
            metrics_address,
            settings,
            shutdown: Some(shutdown),
            database,
        };
    }
    panic!("the backend failed to start: {last_error:?}");
}

fn free_port() -> u16 {
    StdTcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl TestApp {
    /// Tells the backend to stop, as SIGTERM would: it refuses new connections and finishes the
    /// requests in flight.
    pub fn begin_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// Starts another backend with the same settings (database, keys, secrets, sandbox) on its
    /// own port: a second replica.
    pub async fn spawn_replica(&self) -> Replica {
        self.spawn_replica_with(|_| {}).await
    }

    /// A second replica whose settings `adjust` may change (e.g. rotated encryption keys).
    pub async fn spawn_replica_with(&self, adjust: impl Fn(&mut Settings)) -> Replica {
        let mut settings = Settings {
            listen: "127.0.0.1:0".to_owned(),
            ..self.settings.clone()
        };
        adjust(&mut settings);
        let config = settings
            .validate()
            .expect("the replica's configuration is valid");
        let application = Application::build(config)
            .await
            .expect("the replica starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        let state = application.state().clone();
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(application.run_until(async {
            let _ = stopped.await;
        }));
        Replica {
            address,
            state,
            shutdown: Some(shutdown),
        }
    }

    /// `POST /api/v1/hires` to the backend at `address` (this app or a replica).
    pub async fn hire_at(
        &self,
        address: &str,
        user: &str,
        key: &str,
        candidate: &Value,
    ) -> Response {
        send(
            self.client
                .post(format!("{address}/api/v1/hires"))
                .header(header::ORIGIN, JOB_SITE_ORIGIN)
                .bearer_auth(self.token(user))
                .header(IDEMPOTENCY_KEY_HEADER, key)
                .json(candidate),
        )
        .await
    }

    /// The backend's store.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The database this app runs on.
    pub fn database(&self) -> &TestDatabase {
        &self.database
    }

    /// A valid site token for `user`, living ten minutes.
    pub fn token(&self, user: &str) -> String {
        crate::site_token(&self.site_secret, user, Duration::from_secs(600))
    }

    /// `path` on the backend.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `path` on the sandbox.
    pub fn sandbox_url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// A request from the job site's page: `Origin` set, no site token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header(header::ORIGIN, JOB_SITE_ORIGIN)
    }

    /// A request from the job site's page on behalf of `user`.
    pub fn request_as(&self, user: &str, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(self.token(user))
    }

    /// `GET path` as `user`.
    pub async fn get(&self, user: &str, path: &str) -> Response {
        send(self.request_as(user, Method::GET, path)).await
    }

    /// `POST path` with a JSON body as `user`.
    pub async fn post(&self, user: &str, path: &str, body: &Value) -> Response {
        send(self.request_as(user, Method::POST, path).json(body)).await
    }

    /// `DELETE path` as `user`.
    pub async fn delete(&self, user: &str, path: &str) -> Response {
        send(self.request_as(user, Method::DELETE, path)).await
    }

    /// `GET /api/v1/connection` as `user`, as JSON (asserting 200).
    pub async fn connection(&self, user: &str) -> Value {
        json_body(self.get(user, "/api/v1/connection").await, StatusCode::OK).await
    }

    /// `GET /api/v1/flows/{flow_id}` as `user`, as JSON (asserting 200).
    pub async fn flow(&self, user: &str, flow_id: &str) -> Value {
        json_body(
            self.get(user, &format!("/api/v1/flows/{flow_id}")).await,
            StatusCode::OK,
        )
        .await
    }

    /// `POST /api/v1/connect` in popup mode, asserting 201.
    pub async fn start_flow(&self, user: &str) -> StartedFlow {
        self.start_flow_with(user, &json!({"mode": "popup"})).await
    }

    /// `POST /api/v1/connect` with `body`, asserting 201, then the start form submitted from the
    /// job-site page as the widget does (asserting the 303 to Remote): this client's cookie jar
    /// now holds the flow's binding cookie.
    pub async fn start_flow_with(&self, user: &str, body: &Value) -> StartedFlow {
        let answer = self.connect(user, body).await;
        answer.start_in_browser(&self.client, JOB_SITE_ORIGIN).await
    }

    /// A popup flow that carries a hire of Ana (an email no other flow uses) under a fresh key
    /// (the callback hires), started in this app's browser.
    pub async fn start_hiring_flow(&self, user: &str) -> StartedFlow {
        let email = format!("ana.{}@example.com", uuid::Uuid::new_v4().simple());
        let candidate = ana_with("personal_email", &email);
        let attempt =
            json!({"mode": "popup", "candidate": candidate, "idempotency_key": new_key()});
        self.start_flow_with(user, &attempt).await
    }

    /// `POST /api/v1/connect` with `body`, asserting 201; the start form is not submitted.
    pub async fn connect(&self, user: &str, body: &Value) -> ConnectAnswer {
        let answer = json_body(
            self.post(user, "/api/v1/connect", body).await,
            StatusCode::CREATED,
        )
        .await;
        ConnectAnswer::from_answer(&answer)
    }

    /// Opens Remote's consent page, picks the first manager and clicks `decision` (`allow` or
    /// `deny`); returns where Remote redirects the browser (the backend's callback).
    pub async fn answer_consent(&self, authorize_url: &Url, decision: &str) -> Url {
        crate::consent_page::answer_consent(&self.client, authorize_url, decision).await
    }

    /// A second browser: its own cookie jar, so none of this app's flows are bound to it.
    pub fn other_browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a reqwest client")
    }

    /// [`TestApp::answer_consent`] in `browser`.
    pub async fn answer_consent_in(
        &self,
        browser: &Client,
        authorize_url: &Url,
        decision: &str,
    ) -> Url {
        crate::consent_page::answer_consent(browser, authorize_url, decision).await
    }

    /// Follows Remote's redirect to the backend's callback, as the browser would.
    pub async fn callback(&self, url: &Url) -> Response {
        send(self.client.get(url.clone())).await
    }

    /// `GET /oauth/callback?<query>` on the backend.
    pub async fn callback_with_query(&self, query: &str) -> Response {
        send(
            self.client
                .get(self.url(&format!("/oauth/callback?{query}"))),
        )
        .await
    }

    /// A whole popup consent as the first seeded manager (see [`crate::ConsentWalk`]); asserts
    /// the flow ends `connected` and returns its id.
    pub async fn connect_and_consent(&self, user: &str) -> String {
        crate::consent_walk::connect_and_consent(
            &self.client,
            &self.address,
            user,
            &self.token(user),
        )
        .await
    }

    /// `POST /api/v1/hires` as `user` with `Idempotency-Key: key`.
    pub async fn hire(&self, user: &str, key: &str, candidate: &Value) -> Response {
        self.hire_at(&self.address, user, key, candidate).await
    }

    /// `GET /__sandbox/state`.
    pub async fn sandbox_state(&self) -> Value {
        crate::sandbox_control::state(&self.client, &self.sandbox.base_url()).await
    }

    /// Registers a fault at the sandbox (`POST /__sandbox/faults`).
    pub async fn fault(&self, fault: Value) {
        crate::sandbox_control::add_fault(&self.client, &self.sandbox.base_url(), &fault).await;
    }

    /// Removes every fault.
    pub async fn clear_faults(&self) {
        crate::sandbox_control::clear_faults(&self.client, &self.sandbox.base_url()).await;
    }

    /// `POST /__sandbox/expire-tokens`: every issued access token stops working.
    pub async fn expire_remote_tokens(&self) {
        crate::sandbox_control::expire_tokens(&self.client, &self.sandbox.base_url()).await;
    }

    /// `POST /__sandbox/revoke` with an empty body: every company's grant is revoked.
    pub async fn revoke_remote_consent(&self) {
        crate::sandbox_control::revoke_all(&self.client, &self.sandbox.base_url()).await;
    }

    /// Makes the stored access token of `user` look expired to the backend, so that it
    /// refreshes before calling Remote.
    pub async fn expire_stored_access_token(&self, user: &str) {
        let done =
            sqlx::query("UPDATE connections SET access_expires_at = $1 WHERE site_user = $2")
                .bind(0_i64)
                .bind(user)
                .execute(self.store().pool())
                .await
                .expect("the connection row is updated");
        assert_eq!(done.rows_affected(), 1, "{user} has a stored connection");
    }

    /// Every text value of every row in the backend's tables, one per line.
    pub async fn stored_text(&self) -> String {
        use sqlx::Row as _;
        let mut text = String::new();
        for table in ["connections", "flows", "hires", "audit_events"] {
            let rows = sqlx::query(&format!("SELECT * FROM {table}"))
                .fetch_all(self.store().pool())
                .await
                .unwrap_or_else(|error| panic!("failed to read {table}: {error}"));
            for row in rows {
                for index in 0..row.len() {
                    if let Ok(Some(value)) = row.try_get::<Option<String>, _>(index) {
                        text.push_str(&value);
                        text.push('\n');
                    }
                }
            }
        }
        text
    }
}

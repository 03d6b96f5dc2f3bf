//! `Cluster::start()`: three `hire-with-remote serve` processes — real processes of the built
//! binary (built first when a source is newer: see `binary`), not in-process apps — on one
//! Postgres database and one in-process sandbox, as behind a load balancer; and
//! `ClusterClient`, a client that spreads requests across the replicas.
//!
//! Every replica gets the same configuration, including `HWR_PUBLIC_URL`, which is replica A's
//! URL: the one redirect URI registered with the sandbox. Tests may still deliver a callback to
//! any replica by hand. Each replica's stdout and stderr go to files in a temporary folder, which
//! are printed when a test fails. Clusters run one at a time within a test binary (three
//! processes each are plenty for a small machine), and every process is killed on drop.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Stdio},
    sync::Arc,
    time::Duration,
};

use hwr_protocol::IDEMPOTENCY_KEY_HEADER;
use hwr_sandbox::Sandbox;
use reqwest::{header, Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection as _, PgConnection, Row as _};
use tokio::sync::{Semaphore, SemaphorePermit};
use url::Url;

mod binary;

pub use binary::server_binary;

use crate::{
    answers::{json_body, send},
    app::JOB_SITE_ORIGIN,
    consent_page::StartedFlow,
    database::{Db, TestDatabase},
    launch::{free_port, load_sandbox_config, BackendSettings, Secrets},
};

/// How many `serve` processes a cluster runs.
pub const REPLICAS: usize = 3;

/// The replicas' names, in order: A's URL is everyone's `HWR_PUBLIC_URL`.
const NAMES: [&str; REPLICAS] = ["A", "B", "C"];

/// One cluster at a time per test binary.
static SERIAL: Semaphore = Semaphore::const_new(1);

/// How long a replica may take to answer `/healthz` after it was spawned.
const STARTUP: Duration = Duration::from_secs(30);

/// Three backend processes, their sandbox and their database.
pub struct Cluster {
    /// The replicas, A, B and C.
    pub replicas: Vec<ServerProcess>,
    /// The fake Remote, in this process.
    pub sandbox: Sandbox,
    /// A client that talks to the replicas and the sandbox.
    pub client: ClusterClient,
    log_dir: PathBuf,
    // Dropped after the processes are killed, and before the next cluster may start.
    database: TestDatabase,
    _serial: SemaphorePermit<'static>,
}

/// One `hire-with-remote serve` process.
pub struct ServerProcess {
    /// `A`, `B` or `C`.
    pub name: &'static str,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    child: Option<Child>,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// What one answer to a retried hire was, for the record.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Which replica (index) the request went to.
    pub replica: usize,
    /// Its status, or the transport error's text.
    pub outcome: Result<StatusCode, String>,
    /// The error code of a non-201 answer, if it had one.
    pub code: Option<String>,
    /// A transport error after the connection was made: the replica went away mid-request.
    pub cut_off: bool,
}

/// A hire the client retried like the widget until it was created.
#[derive(Debug, Clone)]
pub struct RetriedHire {
    /// The 201 body.
    pub body: Value,
    /// Every request sent, in order (the last one is the 201).
    pub attempts: Vec<Attempt>,
}

/// Talks to the replicas and the sandbox; cheap to clone into tasks.
#[derive(Clone)]
pub struct ClusterClient {
    /// A client that follows no redirects, as tests must see every hop.
    pub http: Client,
    /// `http://127.0.0.1:PORT` of each replica, A first.
    pub addresses: Arc<[String]>,
    sandbox_url: String,
    site_secret: String,
}

impl Cluster {
    /// Starts three replicas with the default settings (rate limits off).
    pub async fn start() -> Cluster {
        Cluster::start_with(&[]).await
    }

    /// Starts three replicas; `env` adds or overrides `HWR_*` variables for all of them.
    ///
    /// # Panics
    /// When Postgres is unreachable, the binary is missing, or a replica does not come up.
    pub async fn start_with(env: &[(&str, &str)]) -> Cluster {
        let serial = SERIAL
            .acquire()
            .await
            .expect("the cluster semaphore is never closed");
        let binary = server_binary();
        let database = TestDatabase::create(Db::Postgres).await;
        let log_dir =
            std::env::temp_dir().join(format!("hwr-cluster-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&log_dir).expect("a folder for the replicas' logs");
        let secrets = Secrets::generate();

        // A port learnt from the OS may be taken by someone else before the replica binds it;
        // then the whole start is tried again (the redirect URI depends on A's port).
        let mut failures = Vec::new();
        for attempt in 1..=3 {
            let ports: Vec<u16> = (0..REPLICAS).map(|_| free_port()).collect();
            let public_url = format!("http://127.0.0.1:{}", ports[0]);
            let sandbox =
                Sandbox::start(load_sandbox_config(&format!("{public_url}/oauth/callback")))
                    .await
                    .expect("the sandbox starts");
            // All three at once: migrations must cope with replicas starting together.
            let mut replicas = Vec::new();
            for (index, port) in ports.iter().enumerate() {
                let name = NAMES[index];
                let mut settings =
                    BackendSettings::new(*port, &sandbox.base_url(), &secrets, &log_dir);
                settings.public_url = public_url.clone();
                settings.database_url = Some(database.url());
                for (variable, value) in env {
                    settings = settings.with(variable, value);
                }
                let logs = log_dir.join(format!("attempt{attempt}-{name}"));
                replicas.push(ServerProcess::spawn(&binary, name, &settings, &logs));
            }
            let client = ClusterClient::new(&replicas, &sandbox, &secrets.site_secret);
            let mut healthy = true;
            for replica in &mut replicas {
                if let Err(problem) = replica.wait_until_healthy(&client.http).await {
                    failures.push(format!("attempt {attempt}: {problem}"));
                    healthy = false;
                    break;
                }
            }
            if healthy {
                return Cluster {
                    replicas,
                    sandbox,
                    client,
                    log_dir,
                    database,
                    _serial: serial,
                };
            }
            drop(replicas);
        }
        let logs = read_logs_in(&log_dir);
        let _ = std::fs::remove_dir_all(&log_dir);
        panic!(
            "the replicas did not start:\n{}\n{logs}",
            failures.join("\n")
        );
    }

    /// `http://127.0.0.1:PORT` of replica `index` (0 = A).
    pub fn address(&self, index: usize) -> &str {
        &self.replicas[index].address
    }

    /// Kills replica `index` with SIGKILL: no graceful shutdown, in-flight requests cut off.
    pub fn kill(&mut self, index: usize) {
        self.replicas[index].kill();
    }

    /// The database the replicas share.
    pub fn database(&self) -> &TestDatabase {
        &self.database
    }

    /// A fresh connection to the replicas' database.
    pub async fn sql(&self) -> PgConnection {
        PgConnection::connect(&self.database.url())
            .await
            .expect("a connection to the cluster's database")
    }

    /// A popup consent for `user`, started, completed and read on replica A; asserts the flow
    /// ends `connected` and returns its id.
    pub async fn connect_and_consent(&self, user: &str) -> String {
        self.client
            .connect_and_consent_at(self.address(0), user)
            .await
    }

    /// Makes the stored access token of `user` look expired to every replica, so that the next
    /// hire refreshes before calling Remote.
    pub async fn expire_stored_access_token(&self, user: &str) {
        let mut sql = self.sql().await;
        let done =
            sqlx::query("UPDATE connections SET access_expires_at = $1 WHERE site_user = $2")
                .bind(0_i64)
                .bind(user)
                .execute(&mut sql)
                .await
                .expect("the connection row is updated");
        assert_eq!(done.rows_affected(), 1, "{user} has a stored connection");
        let _ = sql.close().await;
    }

    /// The stored hire records of `user`: `(idempotency_key, hire_id, status, employment_id)`.
    pub async fn hire_records(&self, user: &str) -> Vec<HireRecord> {
        let mut sql = self.sql().await;
        let rows = sqlx::query(
            "SELECT idempotency_key, hire_id, status, employment_id FROM hires WHERE site_user = $1",
        )
        .bind(user)
        .fetch_all(&mut sql)
        .await
        .expect("the hire records");
        let _ = sql.close().await;
        rows.iter()
            .map(|row| HireRecord {
                idempotency_key: row.get("idempotency_key"),
                hire_id: row.get("hire_id"),
                status: row.get("status"),
                employment_id: row.get("employment_id"),
            })
            .collect()
    }

    /// Every replica's stdout and stderr so far.
    pub fn logs(&self) -> String {
        read_logs_in(&self.log_dir)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for replica in &mut self.replicas {
            replica.kill();
        }
        if std::thread::panicking() {
            eprintln!(
                "---- the replicas' logs (kept in {}) ----\n{}",
                self.log_dir.display(),
                self.logs()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.log_dir);
        }
    }
}

/// A row of the `hires` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HireRecord {
    /// The key it was submitted under.
    pub idempotency_key: String,
    /// Our id for the hire.
    pub hire_id: String,
    /// `pending` or `created`.
    pub status: String,
    /// Remote's employment, once created.
    pub employment_id: Option<String>,
}

impl ServerProcess {
    fn spawn(
        binary: &Path,
        name: &'static str,
        settings: &BackendSettings,
        logs: &Path,
    ) -> ServerProcess {
        let stdout = logs.with_extension("stdout.log");
        let stderr = logs.with_extension("stderr.log");
        let mut command = settings.command(binary);
        command
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).expect("a stdout log file"))
            .stderr(File::create(&stderr).expect("a stderr log file"));
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("failed to run {}: {error}", binary.display()));
        ServerProcess {
            name,
            address: settings.url(),
            child: Some(child),
            stdout,
            stderr,
        }
    }

    /// Polls `/healthz` until it answers 200; fails early when the process exits.
    async fn wait_until_healthy(&mut self, http: &Client) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + STARTUP;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!(
                        "replica {} exited with {status} before it was healthy",
                        self.name
                    ));
                }
            }
            let answer = http
                .get(format!("{}/healthz", self.address))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if answer.is_ok_and(|response| response.status() == StatusCode::OK) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "replica {} did not answer /healthz within {STARTUP:?}",
                    self.name
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL, then reap it. Does nothing when it is already gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// This process's stdout and stderr so far.
    pub fn logs(&self) -> String {
        format!(
            "== replica {} ({}) stdout ==\n{}\n== replica {} stderr ==\n{}\n",
            self.name,
            self.address,
            std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            self.name,
            std::fs::read_to_string(&self.stderr).unwrap_or_default(),
        )
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Every log file in `dir`, each under its name.
fn read_logs_in(dir: &Path) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|path| path.extension().is_some_and(|ext| ext == "log"));
    files.sort();
    let mut text = String::new();
    for file in files {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let content = std::fs::read_to_string(&file).unwrap_or_default();
        text.push_str(&format!("== {name} ==\n{content}\n"));
    }
    text
}

impl ClusterClient {
    fn new(replicas: &[ServerProcess], sandbox: &Sandbox, site_secret: &str) -> ClusterClient {
        let addresses: Vec<String> = replicas.iter().map(|r| r.address.clone()).collect();
        ClusterClient::for_backends(&addresses, &sandbox.base_url(), site_secret)
    }

    /// A client for backends already running at `addresses` (the first is the one the sandbox
    /// redirects to), their sandbox at `sandbox_url`, site tokens signed with `site_secret`.
    pub fn for_backends(
        addresses: &[String],
        sandbox_url: &str,
        site_secret: &str,
    ) -> ClusterClient {
        ClusterClient {
            http: Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a reqwest client"),
            addresses: addresses.iter().cloned().collect(),
            sandbox_url: sandbox_url.to_owned(),
            site_secret: site_secret.to_owned(),
        }
    }

    /// A popup consent for `user`, started, completed and read at `address` as a browser walks
    /// it (the start form, Remote's consent page, Allow, the callback; see [`crate::ConsentWalk`]);
    /// asserts the flow ends `connected` and returns its id.
    pub async fn connect_and_consent_at(&self, address: &str, user: &str) -> String {
        crate::consent_walk::connect_and_consent(&self.http, address, user, &self.token(user)).await
    }

    /// The replica request number `n` goes to: A, B, C, A, B, …
    pub fn spread(&self, n: usize) -> &str {
        &self.addresses[n % self.addresses.len()]
    }

    /// A valid site token for `user`, living ten minutes.
    pub fn token(&self, user: &str) -> String {
        crate::site_token(&self.site_secret, user, Duration::from_secs(600))
    }

    /// A request from the job site's page on behalf of `user` to `path` on `address`.
    pub fn request_at(
        &self,
        address: &str,
        user: &str,
        method: Method,
        path: &str,
    ) -> RequestBuilder {
        self.http
            .request(method, format!("{address}{path}"))
            .header(header::ORIGIN, JOB_SITE_ORIGIN)
            .bearer_auth(self.token(user))
    }

    /// `POST /api/v1/connect` in popup mode at `address`, asserting 201.
    pub async fn start_flow_at(&self, address: &str, user: &str) -> StartedFlow {
        let answer = json_body(
            send(
                self.request_at(address, user, Method::POST, "/api/v1/connect")
                    .json(&json!({"mode": "popup"})),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        crate::consent_page::ConnectAnswer::from_answer(&answer)
            .start_in_browser(&self.http, JOB_SITE_ORIGIN)
            .await
    }

    /// Opens Remote's consent page like a browser, picks the first manager and clicks
    /// `decision`; returns where Remote redirects the browser.
    pub async fn answer_consent(&self, authorize_url: &Url, decision: &str) -> Url {
        crate::consent_page::answer_consent(&self.http, authorize_url, decision).await
    }

    /// Sends the callback's path and query to `address`, whichever host the redirect named:
    /// the load balancer picked that replica.
    pub async fn deliver_callback(&self, address: &str, callback: &Url) -> Response {
        send(
            self.http
                .get(crate::consent_walk::callback_at(address, callback)),
        )
        .await
    }

    /// `GET /api/v1/flows/{flow_id}` at `address`, as JSON (asserting 200).
    pub async fn flow_at(&self, address: &str, user: &str, flow_id: &str) -> Value {
        let path = format!("/api/v1/flows/{flow_id}");
        json_body(
            send(self.request_at(address, user, Method::GET, &path)).await,
            StatusCode::OK,
        )
        .await
    }

    /// `GET /api/v1/connection` at `address`, as JSON (asserting 200).
    pub async fn connection_at(&self, address: &str, user: &str) -> Value {
        json_body(
            send(self.request_at(address, user, Method::GET, "/api/v1/connection")).await,
            StatusCode::OK,
        )
        .await
    }

    /// `POST /api/v1/hires` at `address`; a transport error is returned, not a failure.
    pub async fn try_hire_at(
        &self,
        address: &str,
        user: &str,
        key: &str,
        candidate: &Value,
    ) -> reqwest::Result<Response> {
        self.request_at(address, user, Method::POST, "/api/v1/hires")
            .header(IDEMPOTENCY_KEY_HEADER, key)
            .json(candidate)
            .send()
            .await
    }

    /// `POST /api/v1/hires` at `address`, failing the test on a transport error.
    pub async fn hire_at(
        &self,
        address: &str,
        user: &str,
        key: &str,
        candidate: &Value,
    ) -> Response {
        self.try_hire_at(address, user, key, candidate)
            .await
            .expect("the hire got an answer")
    }

    /// Submits a hire like the widget: the same key every time; after a transport error, a 5xx,
    /// a 409 `hire_in_progress` or a 429 the next try goes to the next replica (starting at
    /// `first`), after a short pause. Any other answer but 201 fails the test, and so does
    /// still having no 201 after `budget`.
    pub async fn hire_with_retries(
        &self,
        user: &str,
        key: &str,
        candidate: &Value,
        first: usize,
        budget: Duration,
    ) -> RetriedHire {
        let deadline = tokio::time::Instant::now() + budget;
        let mut attempts = Vec::new();
        let mut replica = first % self.addresses.len();
        loop {
            let answer = self
                .try_hire_at(&self.addresses[replica], user, key, candidate)
                .await;
            match answer {
                Err(error) => attempts.push(Attempt {
                    replica,
                    cut_off: !error.is_connect(),
                    outcome: Err(error.to_string()),
                    code: None,
                }),
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    let code = body["error"]["code"].as_str().map(str::to_owned);
                    attempts.push(Attempt {
                        replica,
                        outcome: Ok(status),
                        code: code.clone(),
                        cut_off: false,
                    });
                    if status == StatusCode::CREATED {
                        return RetriedHire { body, attempts };
                    }
                    let retryable = status.is_server_error()
                        || status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::CONFLICT
                            && code.as_deref() == Some("hire_in_progress"));
                    assert!(
                        retryable,
                        "hire {key}: {status} is not retryable: {text}\nattempts: {attempts:?}"
                    );
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "hire {key} was not created within {budget:?}; attempts: {attempts:?}"
            );
            replica = (replica + 1) % self.addresses.len();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `path` on the sandbox.
    pub fn sandbox_url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox_url)
    }

    /// `GET /__sandbox/state`.
    pub async fn sandbox_state(&self) -> Value {
        crate::sandbox_control::state(&self.http, &self.sandbox_url).await
    }

    /// Registers a fault at the sandbox (`POST /__sandbox/faults`).
    pub async fn fault(&self, fault: Value) {
        crate::sandbox_control::add_fault(&self.http, &self.sandbox_url, &fault).await;
    }

    /// Removes every fault (`DELETE /__sandbox/faults`).
    pub async fn clear_faults(&self) {
        crate::sandbox_control::clear_faults(&self.http, &self.sandbox_url).await;
    }

    /// `POST /__sandbox/expire-tokens`: every issued access token stops working.
    pub async fn expire_remote_tokens(&self) {
        crate::sandbox_control::expire_tokens(&self.http, &self.sandbox_url).await;
    }
}

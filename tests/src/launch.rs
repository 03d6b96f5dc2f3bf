//! How our processes are started, in one place: `hire-with-remote serve` with only the `HWR_*`
//! variables [`BackendSettings`] builds (nothing inherited from the shell), the sandbox for loads
//! (in this process, or as `hire-with-remote sandbox` when its CPU is measured apart), and the
//! secrets they share. The cluster, the soak, the bench and the container image's smoke test all
//! start their backends from here, so renaming a setting touches this file only.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
};

use hire_with_remote::crypto::KeyRing;
use hwr_sandbox::SandboxConfig;

use crate::app::JOB_SITE_ORIGIN;

/// The OAuth client the sandbox registers by default.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// Its secret.
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";

/// The backend's configuration for a harness run: rate limits off (loads from one company and
/// one address are the point), the job site at [`JOB_SITE_ORIGIN`], the demo OAuth client.
#[derive(Debug, Clone)]
pub struct BackendSettings {
    /// The loopback port it listens on.
    pub port: u16,
    /// `HWR_PUBLIC_URL`; `http://127.0.0.1:PORT` unless set otherwise (replicas share one).
    pub public_url: String,
    /// `HWR_SITE_SECRET`.
    pub site_secret: String,
    /// `HWR_ENCRYPTION_KEYS`.
    pub encryption_keys: String,
    /// `HWR_REMOTE_BASE_URL`: the sandbox.
    pub remote_base_url: String,
    /// `HWR_DATA_DIR` (the SQLite file lives here unless a database URL is given).
    pub data_dir: PathBuf,
    /// `HWR_DATABASE_URL`, when the backend runs on Postgres.
    pub database_url: Option<String>,
    /// `RUST_LOG`.
    pub log_filter: String,
    /// Further `HWR_*` variables, applied last (so they override the ones above).
    pub extra: Vec<(String, String)>,
}

impl BackendSettings {
    /// A backend on `port` talking to the sandbox at `remote_base_url`, with data in `data_dir`.
    pub fn new(
        port: u16,
        remote_base_url: &str,
        secrets: &Secrets,
        data_dir: &Path,
    ) -> BackendSettings {
        BackendSettings {
            port,
            public_url: format!("http://127.0.0.1:{port}"),
            site_secret: secrets.site_secret.clone(),
            encryption_keys: secrets.encryption_keys.clone(),
            remote_base_url: remote_base_url.to_owned(),
            data_dir: data_dir.to_owned(),
            database_url: None,
            log_filter: "warn".to_owned(),
            extra: Vec::new(),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The redirect URI the sandbox must register for this backend.
    pub fn redirect_uri(&self) -> String {
        format!("{}/oauth/callback", self.public_url)
    }

    /// Adds (or overrides) a variable.
    pub fn with(mut self, name: &str, value: &str) -> BackendSettings {
        self.extra.retain(|(existing, _)| existing != name);
        self.extra.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Every variable the backend is started with, `RUST_LOG` included.
    pub fn variables(&self) -> Vec<(String, String)> {
        let mut variables: Vec<(String, String)> = [
            ("RUST_LOG", self.log_filter.clone()),
            ("HWR_LISTEN", format!("127.0.0.1:{}", self.port)),
            ("HWR_PUBLIC_URL", self.public_url.clone()),
            ("HWR_ALLOWED_ORIGINS", JOB_SITE_ORIGIN.to_owned()),
            ("HWR_SITE_SECRET", self.site_secret.clone()),
            ("HWR_ENCRYPTION_KEYS", self.encryption_keys.clone()),
            ("HWR_DATA_DIR", self.data_dir.display().to_string()),
            ("HWR_REMOTE_BASE_URL", self.remote_base_url.clone()),
            ("HWR_REMOTE_CLIENT_ID", DEMO_CLIENT_ID.to_owned()),
            ("HWR_REMOTE_CLIENT_SECRET", DEMO_CLIENT_SECRET.to_owned()),
            ("HWR_RATE_LIMIT_USER_PER_MIN", "0".to_owned()),
            ("HWR_RATE_LIMIT_IP_PER_MIN", "0".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        if let Some(url) = &self.database_url {
            variables.push(("HWR_DATABASE_URL".to_owned(), url.clone()));
        }
        for (name, value) in &self.extra {
            variables.retain(|(existing, _)| existing != name);
            variables.push((name.clone(), value.clone()));
        }
        variables
    }

    /// [`Self::variables`] for `serve` in the container image: without `HWR_DATA_DIR`, which the
    /// image sets to its `/data` volume (`data_dir` is a path on this host, not in the image).
    pub fn image_variables(&self) -> Vec<(String, String)> {
        let mut variables = self.variables();
        variables.retain(|(name, _)| name != "HWR_DATA_DIR");
        variables
    }

    /// `binary serve` with exactly [`Self::variables`] among the `HWR_*` ones (stdio left to the
    /// caller).
    pub fn command(&self, binary: &Path) -> Command {
        let mut command = Command::new(binary);
        command.arg("serve");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("HWR_") {
                command.env_remove(name);
            }
        }
        command.envs(self.variables());
        command
    }
}

/// The secrets a backend is started with (and the bench or soak mint tokens with).
#[derive(Debug, Clone)]
pub struct Secrets {
    /// `HWR_SITE_SECRET`: 64 random hex digits.
    pub site_secret: String,
    /// `HWR_ENCRYPTION_KEYS`: one fresh key.
    pub encryption_keys: String,
}

impl Secrets {
    /// Fresh random secrets.
    pub fn generate() -> Secrets {
        Secrets {
            site_secret: random_hex_64(),
            encryption_keys: KeyRing::generate_entry("k1"),
        }
    }
}

/// 64 random hex digits (256 bits).
pub fn random_hex_64() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The in-process sandbox for loads: `redirect_uri` registered, its rate limit off (hundreds of
/// hires a minute from one company are the point).
pub fn load_sandbox_config(redirect_uri: &str) -> SandboxConfig {
    SandboxConfig {
        port: 0,
        redirect_uris: vec![redirect_uri.to_owned()],
        rate_limit_per_minute: 0,
        ..SandboxConfig::default()
    }
}

/// The same sandbox as its own process, `binary sandbox` on `port` (for when its CPU is
/// measured apart from ours).
pub fn sandbox_command(binary: &Path, port: u16, redirect_uri: &str) -> Command {
    let mut command = Command::new(binary);
    command
        .args(["sandbox", "--port", &port.to_string()])
        .args(["--redirect-uri", redirect_uri])
        .args(["--rate-limit", "0"])
        .env("RUST_LOG", "warn");
    command
}

/// A free loopback port (bound and released: another process may take it first, rarely, so
/// callers retry a start that fails to bind).
///
/// # Panics
/// When no port can be bound at all.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

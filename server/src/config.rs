//! Configuration of `hire-with-remote serve`: read from `HWR_*` environment variables or the
//! matching flags, then checked once at start so that every mistake gets its own clear message.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use anyhow::bail;
use clap::{Args, FromArgMatches, ValueEnum};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::connections::ConnectionLimits;
use crate::crypto::KeyRing;
use crate::origin::AllowedOrigins;
use crate::webhooks::OutboundWebhooks;

/// Which body `POST /v1/employments` is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum EmploymentBody {
    /// The current body, with `basic_information`.
    BasicInformation,
    /// The original integration guide's flat body.
    Flat,
}

/// How the employer is sent into Remote after a hire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum OnboardingLink {
    /// `POST /v1/magic-link` (falls back to `plain` when Remote refuses).
    MagicLink,
    /// `GET /v1/sso-url` (falls back to `plain` when Remote refuses).
    SsoUrl,
    /// A plain link to Remote's app; the employer logs in as usual.
    Plain,
}

/// The raw settings, as flags or `HWR_*` variables. [`Settings::validate`] turns them into a
/// [`Config`]. The secrets are [`SecretString`]s from the moment clap reads them, so `Debug`
/// shows only that they are set.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "HWR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Address of the separate metrics listener (Prometheus text at `/metrics`); none: off.
    #[arg(long, env = "HWR_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// Public base URL of this backend; the OAuth redirect URI is `<this>/oauth/callback`.
    #[arg(long, env = "HWR_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Comma-separated exact origins of the job site pages that embed the widget.
    #[arg(long, env = "HWR_ALLOWED_ORIGINS")]
    pub allowed_origins: Option<String>,
    /// Secret shared with the job site's server to sign site tokens (at least 32 bytes).
    #[arg(long, env = "HWR_SITE_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub site_secret: Option<SecretString>,
    /// Longest lifetime accepted for a site token, in seconds.
    #[arg(long, env = "HWR_SITE_TOKEN_MAX_TTL", default_value_t = 3600)]
    pub site_token_max_ttl: u64,
    /// Seconds a whole request may take before it is answered 408 (work that must finish, like a
    /// hire, still does).
    #[arg(long, env = "HWR_REQUEST_TIMEOUT_SECS", default_value_t = 120)]
    pub request_timeout_secs: u64,
    /// Seconds a request's head may take to arrive.
    #[arg(long, env = "HWR_HEADER_READ_TIMEOUT_SECS", default_value_t = 30)]
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may carry no traffic before it is closed.
    #[arg(long, env = "HWR_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Connections open at once; one more gets a 503.
    #[arg(long, env = "HWR_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Days a consent flow is kept after it expired (candidate details are dropped when it ends).
    #[arg(long, env = "HWR_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u32,
    /// Days audit rows are kept.
    #[arg(long, env = "HWR_AUDIT_RETENTION_DAYS", default_value_t = 90)]
    pub audit_retention_days: u32,
    /// How long Remote's country list is cached, in seconds.
    #[arg(long, env = "HWR_COUNTRIES_TTL_SECS", default_value_t = 3600)]
    pub countries_ttl_secs: u64,
    /// Clock skew tolerated on a site token's `exp`, `nbf` and lifetime bound, in seconds.
    #[arg(long, env = "HWR_SITE_TOKEN_LEEWAY_SECS", default_value_t = 60)]
    pub site_token_leeway_secs: u64,
    /// Folder for the SQLite database and the demo's generated secrets.
    #[arg(long, env = "HWR_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Comma-separated `kid:base64-32-bytes`; the first encrypts, all decrypt.
    #[arg(long, env = "HWR_ENCRYPTION_KEYS", hide_env_values = true, value_parser = parse_secret)]
    pub encryption_keys: Option<SecretString>,
    /// `sqlite://…` (default `sqlite://<data dir>/hire-with-remote.db`) or `postgres://…`.
    #[arg(long, env = "HWR_DATABASE_URL", hide_env_values = true, value_parser = parse_secret)]
    pub database_url: Option<SecretString>,
    /// Remote's API host, e.g. `https://gateway.remote-sandbox.com`.
    #[arg(long, env = "HWR_REMOTE_BASE_URL")]
    pub remote_base_url: Option<String>,
    /// Remote's app, where a plain onboarding link points.
    #[arg(long, env = "HWR_REMOTE_APP_URL")]
    pub remote_app_url: Option<String>,
    /// OAuth client id issued by Remote.
    #[arg(long, env = "HWR_REMOTE_CLIENT_ID")]
    pub remote_client_id: Option<String>,
    /// OAuth client secret issued by Remote.
    #[arg(long, env = "HWR_REMOTE_CLIENT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub remote_client_secret: Option<SecretString>,
    /// OAuth scopes asked for at consent, space-separated.
    #[arg(long, env = "HWR_REMOTE_SCOPES", default_value = crate::remote::REMOTE_SCOPE)]
    pub remote_scopes: String,
    /// Remote's basic-information JSON Schema version: sent as `json_schema_version` on every
    /// employment POST and form read.
    #[arg(long, env = "HWR_REMOTE_JSON_SCHEMA_VERSION", default_value_t = 1)]
    pub remote_json_schema_version: u32,
    /// Body used for `POST /v1/employments`.
    #[arg(
        long,
        env = "HWR_EMPLOYMENT_BODY",
        value_enum,
        default_value = "basic_information"
    )]
    pub employment_body: EmploymentBody,
    /// How employers are sent into Remote's onboarding.
    #[arg(
        long,
        env = "HWR_ONBOARDING_LINK",
        value_enum,
        default_value = "magic_link"
    )]
    pub onboarding_link: OnboardingLink,
    /// Path passed to the magic link.
    #[arg(
        long,
        env = "HWR_ONBOARDING_PATH",
        default_value = "/dashboard/people/add?employmentType=full_time&entityType=remote_entity"
    )]
    pub onboarding_path: String,
    /// Seconds allowed to connect to Remote.
    #[arg(long, env = "HWR_UPSTREAM_CONNECT_TIMEOUT_SECS", default_value_t = 5)]
    pub upstream_connect_timeout_secs: u64,
    /// Seconds allowed for one call to Remote, end to end.
    #[arg(long, env = "HWR_UPSTREAM_TIMEOUT_SECS", default_value_t = 15)]
    pub upstream_timeout_secs: u64,
    /// Refresh access tokens this many seconds before they expire.
    #[arg(long, env = "HWR_REFRESH_MARGIN_SECS", default_value_t = 120)]
    pub refresh_margin_secs: u64,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "HWR_MAX_BODY_BYTES", default_value_t = 16 * 1024)]
    pub max_body_bytes: usize,
    /// Postgres pool size per replica.
    #[arg(long, env = "HWR_DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    pub database_max_connections: u32,
    /// API requests per minute per site user (0 turns the limit off).
    #[arg(long, env = "HWR_RATE_LIMIT_USER_PER_MIN", default_value_t = 300)]
    pub rate_limit_user_per_min: u32,
    /// API requests per minute per client IP, for requests without a valid site token
    /// (0 turns it off).
    #[arg(long, env = "HWR_RATE_LIMIT_IP_PER_MIN", default_value_t = 600)]
    pub rate_limit_ip_per_min: u32,
    /// Comma-separated proxy IPs whose `X-Forwarded-For` is believed.
    #[arg(long, env = "HWR_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// The job site's endpoint for `hire.created` and `hire.status_changed` webhooks (none: off).
    #[arg(long, env = "HWR_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// `whsec_<base64>`: the Standard Webhooks signing secret shared with that endpoint.
    #[arg(long, env = "HWR_WEBHOOK_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub webhook_secret: Option<SecretString>,
    /// Seconds between a webhook's attempts, comma-separated (after the last, it is given up).
    #[arg(
        long,
        env = "HWR_WEBHOOK_RETRY_SCHEDULE",
        default_value = "5,300,1800,7200,18000,36000,36000"
    )]
    pub webhook_retry_schedule: String,
    /// Secret the job site's own servers send as `Authorization: Bearer …` to read hires
    /// (at least 32 characters; none: server reads are off).
    #[arg(long, env = "HWR_SERVER_API_KEY", hide_env_values = true, value_parser = parse_secret)]
    pub server_api_key: Option<SecretString>,
}

/// The listeners and the limits of the HTTP server itself.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `HWR_LISTEN`: the address to bind.
    pub listen: SocketAddr,
    /// `HWR_METRICS_LISTEN`.
    pub metrics_listen: Option<SocketAddr>,
    /// `HWR_REQUEST_TIMEOUT_SECS`.
    pub request_timeout: Duration,
    /// `HWR_HEADER_READ_TIMEOUT_SECS`, `HWR_IDLE_TIMEOUT_SECS`, `HWR_MAX_CONNECTIONS`.
    pub connection_limits: ConnectionLimits,
    /// `HWR_MAX_BODY_BYTES`: the request body limit.
    pub max_body_bytes: usize,
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `HWR_DATABASE_URL`, or the SQLite file in `HWR_DATA_DIR` (secret: it may carry a
    /// password).
    pub url: SecretString,
    /// `HWR_DATABASE_MAX_CONNECTIONS`: the Postgres pool size.
    pub max_connections: u32,
}

/// The job site: this backend's public URL, who may call it, and the site tokens' rules.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// `HWR_PUBLIC_URL`: public base URL, without a trailing slash.
    pub public_url: Url,
    /// `HWR_ALLOWED_ORIGINS`: origins allowed to call the API.
    pub allowed_origins: AllowedOrigins,
    /// `HWR_SITE_SECRET`: HS256 secret for site tokens.
    pub secret: SecretString,
    /// `HWR_SITE_TOKEN_MAX_TTL`: longest accepted site-token lifetime.
    pub token_max_ttl: Duration,
    /// `HWR_SITE_TOKEN_LEEWAY_SECS`.
    pub token_leeway: Duration,
    /// `HWR_SERVER_API_KEY`.
    pub server_api_key: Option<SecretString>,
}

/// Remote: where it is, our OAuth client, and how we call it.
#[derive(Debug, Clone)]
pub struct RemoteConfig {
    /// `HWR_REMOTE_BASE_URL`: the API (also the environment stored with each connection).
    pub base_url: Url,
    /// `HWR_REMOTE_APP_URL`: Remote's app, for plain onboarding links.
    pub app_url: Url,
    /// `HWR_REMOTE_CLIENT_ID`.
    pub client_id: String,
    /// `HWR_REMOTE_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// `HWR_REMOTE_SCOPES`, one entry per scope.
    pub scopes: Vec<String>,
    /// `HWR_REMOTE_JSON_SCHEMA_VERSION`.
    pub json_schema_version: u32,
    /// `HWR_EMPLOYMENT_BODY`: the employment body's form.
    pub employment_body: EmploymentBody,
    /// `HWR_ONBOARDING_LINK`: the onboarding link's kind.
    pub onboarding_link: OnboardingLink,
    /// `HWR_ONBOARDING_PATH`: the magic link's path.
    pub onboarding_path: String,
    /// `HWR_UPSTREAM_CONNECT_TIMEOUT_SECS`.
    pub connect_timeout: Duration,
    /// `HWR_UPSTREAM_TIMEOUT_SECS`: a whole call.
    pub timeout: Duration,
    /// `HWR_REFRESH_MARGIN_SECS`: refresh this long before expiry.
    pub refresh_margin: Duration,
    /// `HWR_COUNTRIES_TTL_SECS`.
    pub countries_ttl: Duration,
}

/// The job site's webhooks.
#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    /// `HWR_WEBHOOK_URL` and `HWR_WEBHOOK_SECRET`, when both are set.
    pub outbound: Option<OutboundWebhooks>,
    /// `HWR_WEBHOOK_RETRY_SCHEDULE`: seconds before each retry.
    pub retry_schedule: Vec<i64>,
}

/// Request limits.
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// `HWR_RATE_LIMIT_USER_PER_MIN`: per-user requests per minute (0: off).
    pub user_per_min: u32,
    /// `HWR_RATE_LIMIT_IP_PER_MIN`: per-client-IP requests per minute without a valid site token
    /// (0: off).
    pub ip_per_min: u32,
    /// `HWR_TRUSTED_PROXIES`: proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

/// How long what we keep is kept.
#[derive(Debug, Clone)]
pub struct RetentionConfig {
    /// `HWR_RETENTION_DAYS`.
    pub days: u32,
    /// `HWR_AUDIT_RETENTION_DAYS`.
    pub audit_days: u32,
}

/// Validated configuration: one group per concern, each built and checked by its own function
/// below.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listeners and HTTP limits.
    pub server: ServerConfig,
    /// The database.
    pub database: DatabaseConfig,
    /// The job site and its site tokens.
    pub site: SiteConfig,
    /// Token encryption keys.
    pub keys: KeyRing,
    /// Remote.
    pub remote: RemoteConfig,
    /// The job site's webhooks.
    pub webhooks: WebhooksConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// Retention.
    pub retention: RetentionConfig,
}

impl Config {
    /// The exact redirect URI registered with Remote.
    pub fn redirect_uri(&self) -> String {
        format!(
            "{}{}",
            self.site.public_url.as_str().trim_end_matches('/'),
            hwr_protocol::CALLBACK_PATH
        )
    }
}

/// One message per mistake, collected so that a start shows all of them at once.
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    /// A required setting, trimmed; reported as not set (saying `what` to set) when absent or
    /// blank.
    fn require(&mut self, value: Option<&str>, name: &str, what: &str) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty());
        if value.is_none() {
            self.push(format!("{name} is not set: {what}"));
        }
        value.map(str::to_owned)
    }

    /// A parsed value, or its problem recorded.
    fn take<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.push(problem)).ok()
    }

    /// Every problem, as the one error `serve` stops with.
    fn into_result(self) -> anyhow::Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        bail!(
            "the configuration has {} problem(s):\n  - {}",
            self.0.len(),
            self.0.join("\n  - ")
        )
    }
}

impl Settings {
    /// Checks every setting and collects one clear message per mistake.
    pub fn validate(self) -> anyhow::Result<Config> {
        let mut problems = Problems::default();
        let site = self.site(&mut problems);
        let keys = self.keys(&mut problems);
        let remote = self.remote(&mut problems);
        let server = self.server(&mut problems);
        let database = self.database(&mut problems);
        let webhooks = self.webhooks(&mut problems);
        problems.into_result()?;
        let (Some(site), Some(keys), Some(remote), Some(server), Some(database), Some(webhooks)) =
            (site, keys, remote, server, database, webhooks)
        else {
            bail!("the configuration is invalid");
        };
        Ok(Config {
            server,
            database,
            site,
            keys,
            remote,
            webhooks,
            limits: LimitsConfig {
                user_per_min: self.rate_limit_user_per_min,
                ip_per_min: self.rate_limit_ip_per_min,
                trusted_proxies: self.trusted_proxies,
            },
            retention: RetentionConfig {
                days: self.retention_days,
                audit_days: self.audit_retention_days,
            },
        })
    }

    /// The job site: this backend's public URL, the origins allowed to call it, the site-token
    /// secret and its lifetimes, and the server key.
    fn site(&self, problems: &mut Problems) -> Option<SiteConfig> {
        let public_url = problems
            .require(
                self.public_url.as_deref(),
                "HWR_PUBLIC_URL",
                "set it to this backend's public base URL, e.g. https://hire.example.com",
            )
            .and_then(|url| problems.take(parse_base_url("HWR_PUBLIC_URL", &url)));
        let allowed_origins = problems
            .require(
                self.allowed_origins.as_deref(),
                "HWR_ALLOWED_ORIGINS",
                "list the job site's origins, e.g. https://jobs.example.com",
            )
            .and_then(|origins| {
                problems.take(
                    AllowedOrigins::parse(&origins)
                        .map_err(|e| format!("HWR_ALLOWED_ORIGINS: {e}")),
                )
            });
        let site_secret = problems.require(
            exposed(&self.site_secret),
            "HWR_SITE_SECRET",
            "share a random secret of at least 32 bytes with the job site's server",
        );
        if site_secret.as_ref().is_some_and(|secret| secret.len() < 32) {
            problems.push("HWR_SITE_SECRET is shorter than 32 bytes: use a longer random secret");
        }
        if self.site_token_max_ttl == 0 || self.site_token_max_ttl > 86_400 {
            problems.push(
                "HWR_SITE_TOKEN_MAX_TTL must be between 1 and 86400 seconds (site tokens are short-lived)",
            );
        }
        let server_api_key = exposed(&self.server_api_key)
            .map(str::trim)
            .filter(|key| !key.is_empty());
        if server_api_key.is_some_and(|key| key.len() < 32) {
            problems
                .push("HWR_SERVER_API_KEY is shorter than 32 characters: use a long random secret");
        }
        Some(SiteConfig {
            public_url: public_url?,
            allowed_origins: allowed_origins?,
            secret: SecretString::from(site_secret?),
            token_max_ttl: Duration::from_secs(self.site_token_max_ttl),
            token_leeway: Duration::from_secs(self.site_token_leeway_secs),
            server_api_key: server_api_key.map(|key| SecretString::from(key.to_owned())),
        })
    }

    /// The keys that seal tokens and flow secrets at rest.
    fn keys(&self, problems: &mut Problems) -> Option<KeyRing> {
        problems
            .require(
                exposed(&self.encryption_keys),
                "HWR_ENCRYPTION_KEYS",
                "generate one with `hire-with-remote keygen` and set kid:base64",
            )
            .and_then(|keys| {
                problems
                    .take(KeyRing::parse(&keys).map_err(|e| format!("HWR_ENCRYPTION_KEYS: {e}")))
            })
    }

    /// Remote: its API and app URLs, the OAuth client, and how we call it (scopes, schema
    /// version, onboarding path, timeouts).
    fn remote(&self, problems: &mut Problems) -> Option<RemoteConfig> {
        let base_url = problems
            .require(
                self.remote_base_url.as_deref(),
                "HWR_REMOTE_BASE_URL",
                "e.g. https://gateway.remote-sandbox.com or https://gateway.remote.com",
            )
            .and_then(|url| problems.take(parse_base_url("HWR_REMOTE_BASE_URL", &url)));
        let client_id = problems.require(
            self.remote_client_id.as_deref(),
            "HWR_REMOTE_CLIENT_ID",
            "the client id Remote issued",
        );
        let client_secret = problems.require(
            exposed(&self.remote_client_secret),
            "HWR_REMOTE_CLIENT_SECRET",
            "the client secret Remote issued",
        );
        let app_url = match self.remote_app_url.as_deref() {
            Some(app) => problems.take(parse_base_url("HWR_REMOTE_APP_URL", app)),
            None => Some(default_app_url(base_url.as_ref())),
        };
        if !self.onboarding_path.starts_with('/')
            || self.onboarding_path.ends_with('/')
            || self.onboarding_path.len() > 255
        {
            problems.push(
                "HWR_ONBOARDING_PATH must start with '/', not end with '/', and be at most 255 characters",
            );
        }
        if self.upstream_timeout_secs == 0 || self.upstream_connect_timeout_secs == 0 {
            problems.push("upstream timeouts must be at least 1 second");
        }
        if self.remote_scopes.split_whitespace().next().is_none() {
            problems.push("HWR_REMOTE_SCOPES must name at least one scope");
        }
        if !(1..=99).contains(&self.remote_json_schema_version) {
            problems.push("HWR_REMOTE_JSON_SCHEMA_VERSION must be a version number from 1 to 99 (Remote publishes 1 to 4)");
        }
        Some(RemoteConfig {
            base_url: base_url?,
            app_url: app_url?,
            client_id: client_id?,
            client_secret: SecretString::from(client_secret?),
            scopes: self
                .remote_scopes
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            json_schema_version: self.remote_json_schema_version,
            employment_body: self.employment_body,
            onboarding_link: self.onboarding_link,
            onboarding_path: self.onboarding_path.clone(),
            connect_timeout: Duration::from_secs(self.upstream_connect_timeout_secs),
            timeout: Duration::from_secs(self.upstream_timeout_secs),
            refresh_margin: Duration::from_secs(self.refresh_margin_secs),
            countries_ttl: Duration::from_secs(self.countries_ttl_secs),
        })
    }

    /// The HTTP server: its listeners, timeouts and limits.
    fn server(&self, problems: &mut Problems) -> Option<ServerConfig> {
        let listen = problems.take(self.listen.parse::<SocketAddr>().map_err(|_| {
            format!(
                "HWR_LISTEN={:?} is not an address like 127.0.0.1:8080",
                self.listen
            )
        }));
        let metrics_listen = match self.metrics_listen.as_deref().filter(|v| !v.is_empty()) {
            None => Some(None),
            Some(address) => problems
                .take(address.parse::<SocketAddr>().map_err(|_| {
                    format!("HWR_METRICS_LISTEN={address:?} is not an address like 127.0.0.1:9464")
                }))
                .map(Some),
        };
        if self.request_timeout_secs == 0 {
            problems.push("HWR_REQUEST_TIMEOUT_SECS must be at least 1");
        }
        if self.header_read_timeout_secs == 0 || self.idle_timeout_secs == 0 {
            problems
                .push("HWR_HEADER_READ_TIMEOUT_SECS and HWR_IDLE_TIMEOUT_SECS must be at least 1");
        }
        if self.max_connections == 0 {
            problems.push("HWR_MAX_CONNECTIONS must be at least 1");
        }
        if self.max_body_bytes < 1024 {
            problems.push("HWR_MAX_BODY_BYTES must be at least 1024");
        }
        Some(ServerConfig {
            listen: listen?,
            metrics_listen: metrics_listen?,
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            connection_limits: ConnectionLimits {
                header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
                idle_timeout: Duration::from_secs(self.idle_timeout_secs),
                max_connections: self.max_connections,
            },
            max_body_bytes: self.max_body_bytes,
        })
    }

    /// The database: SQLite (by default, in the data folder) or Postgres.
    fn database(&self, problems: &mut Problems) -> Option<DatabaseConfig> {
        let url = exposed(&self.database_url)
            .map(str::to_owned)
            .unwrap_or_else(|| default_database_url(&self.data_dir));
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            problems.push("HWR_DATABASE_URL must start with sqlite: or postgres://");
            return None;
        }
        Some(DatabaseConfig {
            url: SecretString::from(url),
            max_connections: self.database_max_connections,
        })
    }

    /// The job site's webhooks: where, signed with what, retried when.
    fn webhooks(&self, problems: &mut Problems) -> Option<WebhooksConfig> {
        let webhooks = problems.take(OutboundWebhooks::parse(
            self.webhook_url.as_deref(),
            exposed(&self.webhook_secret),
        ));
        let schedule = problems.take(parse_retry_schedule(&self.webhook_retry_schedule));
        Some(WebhooksConfig {
            outbound: webhooks?,
            retry_schedule: schedule?,
        })
    }
}

impl Default for Settings {
    /// clap's defaults, the one place they are written, without reading the environment: what
    /// `serve` would run with given no flag and no `HWR_*` variable.
    fn default() -> Self {
        let command = Settings::augment_args(clap::Command::new("hire-with-remote"))
            .mut_args(|arg| arg.env(None));
        let matches = command
            .try_get_matches_from(["hire-with-remote"])
            .unwrap_or_else(|error| unreachable!("no argument is required: {error}"));
        Settings::from_arg_matches(&matches)
            .unwrap_or_else(|error| unreachable!("clap's defaults parse: {error}"))
    }
}

/// `HWR_WEBHOOK_RETRY_SCHEDULE`: 1 to 30 whole numbers of seconds, each at least 1.
fn parse_retry_schedule(text: &str) -> Result<Vec<i64>, String> {
    let delays: Result<Vec<i64>, _> = text.split(',').map(|d| d.trim().parse::<i64>()).collect();
    match delays {
        Ok(delays) if (1..=30).contains(&delays.len()) && delays.iter().all(|d| *d >= 1) => {
            Ok(delays)
        }
        _ => Err(format!(
            "HWR_WEBHOOK_RETRY_SCHEDULE={text:?} must be 1 to 30 comma-separated numbers of seconds, each at least 1"
        )),
    }
}

fn parse_base_url(name: &str, value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim_end_matches('/'))
        .map_err(|e| format!("{name}={value:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "{name}={value:?} must be an http(s) URL with a host"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "{name}={value:?} must not carry a query, fragment or user info"
        ));
    }
    Ok(url)
}

/// Remote's app for the gateway in use; for anything else (the sandbox), the gateway itself.
fn default_app_url(remote_base: Option<&Url>) -> Url {
    let app = match remote_base.and_then(Url::host_str) {
        Some("gateway.remote.com") => "https://employ.remote.com",
        Some(host) if host.ends_with("remote-sandbox.com") => "https://employ.remote-sandbox.com",
        _ => return remote_base.cloned().unwrap_or_else(fallback_app_url),
    };
    Url::parse(app).unwrap_or_else(|_| fallback_app_url())
}

fn fallback_app_url() -> Url {
    #[allow(clippy::expect_used)]
    Url::parse("https://employ.remote.com").expect("a constant URL parses")
}

/// clap's parser for a secret setting: the text goes straight into a [`SecretString`].
pub fn parse_secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}

/// A secret setting's text, for validation.
fn exposed(value: &Option<SecretString>) -> Option<&str> {
    value.as_ref().map(|secret| secret.expose_secret())
}

/// The SQLite file in `data_dir` used when `HWR_DATABASE_URL` is not set.
pub fn default_database_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}/hire-with-remote.db", data_dir.display())
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn complete() -> Settings {
        Settings {
            public_url: Some("https://hire.example.com".into()),
            allowed_origins: Some("https://jobs.example.com".into()),
            site_secret: Some("0123456789abcdef0123456789abcdef".into()),
            encryption_keys: Some(KeyRing::generate_entry("k1").into()),
            remote_base_url: Some("https://gateway.remote-sandbox.com".into()),
            remote_client_id: Some("client".into()),
            remote_client_secret: Some("secret".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn the_defaults_are_claps_own() {
        let settings = Settings::default();

        assert_eq!(settings.listen, "127.0.0.1:8080");
        assert_eq!(settings.data_dir, PathBuf::from("./data"));
        assert_eq!(settings.site_token_max_ttl, 3600);
        assert_eq!(settings.employment_body, EmploymentBody::BasicInformation);
        assert_eq!(settings.onboarding_link, OnboardingLink::MagicLink);
        assert_eq!(settings.max_body_bytes, 16 * 1024);
        assert_eq!(settings.rate_limit_user_per_min, 300);
        assert!(settings.site_secret.is_none() && settings.trusted_proxies.is_empty());
    }

    #[test]
    fn a_complete_configuration_validates_with_derived_values() {
        let config = complete().validate().expect("valid");
        assert_eq!(
            config.redirect_uri(),
            "https://hire.example.com/oauth/callback"
        );
        assert_eq!(
            config.remote.app_url.as_str(),
            "https://employ.remote-sandbox.com/"
        );
        assert!(config.database.url.expose_secret().starts_with("sqlite://"));
    }

    #[test]
    fn every_missing_setting_is_reported_once_by_name() {
        let error = Settings::default()
            .validate()
            .expect_err("invalid")
            .to_string();
        for name in [
            "HWR_PUBLIC_URL",
            "HWR_ALLOWED_ORIGINS",
            "HWR_SITE_SECRET",
            "HWR_ENCRYPTION_KEYS",
            "HWR_REMOTE_BASE_URL",
            "HWR_REMOTE_CLIENT_ID",
            "HWR_REMOTE_CLIENT_SECRET",
        ] {
            assert_eq!(error.matches(name).count(), 1, "{name} in {error}");
        }
    }

    #[test]
    fn a_secret_given_as_a_flag_is_read_into_a_secret_string() {
        let command = Settings::augment_args(clap::Command::new("hire-with-remote"))
            .mut_args(|arg| arg.env(None));
        let matches = command
            .try_get_matches_from([
                "hire-with-remote",
                "--site-secret",
                "flag-secret-0123456789abcdef0123",
                "--database-url",
                "postgres://hwr:flag-password@127.0.0.1/hwr",
            ])
            .expect("the flags parse");
        let settings = Settings::from_arg_matches(&matches).expect("settings");

        assert_eq!(
            exposed(&settings.site_secret),
            Some("flag-secret-0123456789abcdef0123")
        );
        assert_eq!(
            exposed(&settings.database_url),
            Some("postgres://hwr:flag-password@127.0.0.1/hwr")
        );
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("flag-secret") && !shown.contains("flag-password"),
            "{shown}"
        );
    }

    #[test]
    fn malformed_settings_each_get_their_own_message() {
        let settings = Settings {
            public_url: Some("ftp://hire.example.com".into()),
            allowed_origins: Some("https://jobs.example.com/path".into()),
            site_secret: Some("short".into()),
            database_url: Some("mysql://db".into()),
            ..complete()
        };
        let error = settings.validate().expect_err("invalid").to_string();
        assert!(error.contains("4 problem(s)"), "{error}");
    }

    #[test]
    fn neither_the_settings_nor_the_config_show_a_secret_in_debug() {
        let site_secret = "site-secret-0123456789abcdef0123456789";
        let client_secret = "client-secret-never-printed";
        let server_key = "server-key-0123456789abcdef0123456789";
        let webhook_secret = "whsec_c2lnbmluZy1rZXktbmV2ZXItcHJpbnRlZA==";
        let encryption_keys = KeyRing::generate_entry("k1");
        let key_material = encryption_keys
            .split_once(':')
            .map(|(_, key)| key.to_owned());
        let settings = Settings {
            site_secret: Some(site_secret.into()),
            remote_client_secret: Some(client_secret.into()),
            server_api_key: Some(server_key.into()),
            webhook_url: Some("https://jobs.example.com/hooks".into()),
            webhook_secret: Some(webhook_secret.into()),
            encryption_keys: Some(encryption_keys.clone().into()),
            database_url: Some("postgres://hwr:db-password@127.0.0.1/hwr".into()),
            ..complete()
        };

        let shown_settings = format!("{settings:?}");
        let shown_config = format!("{:?}", settings.validate().expect("valid"));

        for shown in [&shown_settings, &shown_config] {
            for secret in [
                site_secret,
                client_secret,
                server_key,
                webhook_secret,
                "c2lnbmluZy1rZXktbmV2ZXItcHJpbnRlZA",
                "db-password",
                key_material.as_deref().expect("kid:key"),
            ] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
        assert!(shown_settings.contains("https://jobs.example.com/hooks"));
        assert!(shown_config.contains("hire.example.com"));
    }
}

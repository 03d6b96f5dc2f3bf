//! The `hire-with-remote` binary: `serve`, `token`, `erase`, `webhooks` and `keygen`; with the
//! `demo` feature (on by default) also `demo` and `sandbox`, which run the fake Remote.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use clap::{Parser, Subcommand};
use hire_with_remote::{
    config::{default_database_url, parse_secret, Settings},
    crypto::KeyRing,
    hires::view::rfc3339,
    site_token::SiteTokens,
    store::{now, OutboxFilter, Store},
    Application,
};
use secrecy::{ExposeSecret, SecretString};
#[cfg(feature = "demo")]
use {
    hire_with_remote::demo::{self, DemoOptions, DemoSecrets},
    hwr_sandbox::SandboxConfig,
};

/// Hire with Remote: the backend a job site runs, plus a demo and a local fake of Remote.
#[derive(Parser)]
#[command(version, about)]
#[cfg_attr(
    not(feature = "demo"),
    command(about = "Hire with Remote: the backend a job site runs.")
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the backend (configured with HWR_* variables or the flags below).
    Serve(Box<Settings>),
    /// Run backend, sandbox and a demo job site, with nothing to configure.
    #[cfg(feature = "demo")]
    Demo {
        /// Backend port; the sandbox takes PORT+1 and the job site PORT+2.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Sandbox port.
        #[arg(long)]
        sandbox_port: Option<u16>,
        /// Demo job-site port.
        #[arg(long)]
        site_port: Option<u16>,
        /// Where generated secrets and the database live.
        #[arg(long, env = "HWR_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Run the fake Remote API alone.
    #[cfg(feature = "demo")]
    Sandbox {
        /// Port.
        #[arg(long, default_value_t = 8081)]
        port: u16,
        /// Registered OAuth client id.
        #[arg(long, default_value = "demo-client")]
        client_id: String,
        /// Registered OAuth client secret.
        #[arg(long, default_value = "demo-secret")]
        client_secret: String,
        /// Registered redirect URI (repeatable).
        #[arg(long = "redirect-uri", default_values_t = vec!["http://127.0.0.1:8080/oauth/callback".to_owned()])]
        redirect_uris: Vec<String>,
        /// Requests per minute per company (0 turns the limit off).
        #[arg(long, default_value_t = 250)]
        rate_limit: u32,
    },
    /// Mint a site token for a user (for integrators' tests).
    Token {
        /// The job site's user id (`sub`).
        #[arg(long)]
        user: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// The shared secret; defaults to the demo's generated one in the data folder.
        #[arg(long, env = "HWR_SITE_SECRET", hide_env_values = true, value_parser = parse_secret)]
        site_secret: Option<SecretString>,
        /// Data folder holding the demo's secrets.
        #[arg(long, env = "HWR_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Remove everything stored about one job-site user: their Remote connection, consent flows,
    /// hire records and audit rows (Remote keeps its own employment records).
    Erase {
        /// The job site's user id (`sub`).
        #[arg(long)]
        user: String,
        /// The database; default: the SQLite file in the data folder.
        #[arg(long, env = "HWR_DATABASE_URL", hide_env_values = true, value_parser = parse_secret)]
        database_url: Option<SecretString>,
        /// Data folder (for the default SQLite file).
        #[arg(long, env = "HWR_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// List the webhooks queued for the job site, or queue failed ones again.
    Webhooks {
        #[command(subcommand)]
        action: WebhooksAction,
        /// The database; default: the SQLite file in the data folder.
        #[arg(
            long,
            env = "HWR_DATABASE_URL",
            hide_env_values = true,
            global = true,
            value_parser = parse_secret
        )]
        database_url: Option<SecretString>,
        /// Data folder (for the default SQLite file).
        #[arg(long, env = "HWR_DATA_DIR", default_value = "./data", global = true)]
        data_dir: PathBuf,
    },
    /// Print a fresh encryption key for HWR_ENCRYPTION_KEYS.
    Keygen {
        /// Key id.
        #[arg(long, default_value = "k1")]
        id: String,
    },
}

#[derive(Subcommand)]
enum WebhooksAction {
    /// One line per event, newest first: id, type, hire, state, attempts, last answer.
    List {
        /// Only events given up after every retry.
        #[arg(long)]
        failed: bool,
        /// Only events not delivered yet (waiting for a retry, or given up).
        #[arg(long, conflicts_with = "failed")]
        undelivered: bool,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Queue an event again now (its retries start over): one by id, or every failed one.
    Redeliver {
        /// The event's `webhook-id` (msg_…).
        #[arg(required_unless_present = "failed")]
        id: Option<String>,
        /// Every event that was given up.
        #[arg(long, conflicts_with = "id")]
        failed: bool,
    },
}

#[tokio::main]
async fn main() {
    // `./.env`, when there is one, fills in settings the environment does not set (variables
    // already set win), before anything reads them — log settings included.
    let dotenv = dotenvy::dotenv();
    let json = init_logs();
    match dotenv {
        Ok(path) => tracing::info!(path = %path.display(), "read settings from .env"),
        Err(error) if error.not_found() => {}
        Err(error) => tracing::warn!(%error, "could not read .env; continuing without it"),
    }
    if let Err(error) = run(Cli::parse()).await {
        if json {
            tracing::error!(error = format!("{error:#}"), "hire-with-remote stopped");
        } else {
            eprintln!("error: {error:#}");
        }
        std::process::exit(1);
    }
}

/// Logs to stderr: human-readable lines, or with `HWR_LOG_FORMAT=json` one JSON object per line
/// (start-up and failures included). `RUST_LOG` sets the levels (default `info,sqlx=warn`).
/// True when logging JSON.
fn init_logs() -> bool {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let format = std::env::var("HWR_LOG_FORMAT").unwrap_or_default();
    let json = format.eq_ignore_ascii_case("json");
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        logs.json().with_current_span(false).init();
    } else {
        logs.init();
        if !format.is_empty() && !format.eq_ignore_ascii_case("text") {
            tracing::warn!("HWR_LOG_FORMAT is {format:?}; use `json` or `text` (logging text)");
        }
    }
    json
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(settings) => {
            let app = Application::build(settings.validate()?).await?;
            tracing::info!(address = %app.local_addr()?, "hire-with-remote is listening");
            if let Some(metrics) = app.metrics_addr() {
                tracing::info!(address = %metrics, "metrics at /metrics");
            }
            app.run_until(hire_with_remote::shutdown_signal()).await
        }
        #[cfg(feature = "demo")]
        Command::Demo {
            port,
            sandbox_port,
            site_port,
            data_dir,
        } => {
            demo::run(DemoOptions {
                port,
                sandbox_port,
                site_port,
                data_dir,
            })
            .await
        }
        #[cfg(feature = "demo")]
        Command::Sandbox {
            port,
            client_id,
            client_secret,
            redirect_uris,
            rate_limit,
        } => {
            hwr_sandbox::run_until_ctrl_c(SandboxConfig {
                port,
                client_id,
                client_secret,
                redirect_uris,
                rate_limit_per_minute: rate_limit,
                ..SandboxConfig::default()
            })
            .await
        }
        Command::Token {
            user,
            ttl,
            site_secret,
            data_dir,
        } => {
            let secret = match site_secret {
                Some(secret) => secret,
                None => demo_site_secret(&data_dir)?,
            };
            let tokens = SiteTokens::new(&secret, Duration::from_secs(ttl));
            println!("{}", tokens.mint(&user, Duration::from_secs(ttl))?);
            Ok(())
        }
        Command::Erase {
            user,
            database_url,
            data_dir,
        } => {
            let url = database_or_default(database_url, &data_dir);
            let store = Store::connect(&url, 2).await?;
            let erased = store
                .erase_site_user(&user)
                .await
                .context("failed to erase the user")?;
            store.close().await;
            println!(
                "erased {user:?}: {} connection(s), {} flow(s), {} hire record(s), {} webhook(s), {} audit row(s)",
                erased.connections, erased.flows, erased.hires, erased.webhooks, erased.audit_events
            );
            Ok(())
        }
        Command::Webhooks {
            action,
            database_url,
            data_dir,
        } => {
            let url = database_or_default(database_url, &data_dir);
            let store = Store::connect(&url, 2).await?;
            let done = webhooks_command(&store, action).await;
            store.close().await;
            done
        }
        Command::Keygen { id } => {
            println!("{}", KeyRing::generate_entry(&id));
            Ok(())
        }
    }
}

/// The demo's generated site secret, for `token` without `HWR_SITE_SECRET`.
#[cfg(feature = "demo")]
fn demo_site_secret(data_dir: &std::path::Path) -> anyhow::Result<SecretString> {
    Ok(DemoSecrets::load_or_create(data_dir)
        .context("set HWR_SITE_SECRET, or run the demo once")?
        .site_secret
        .into())
}

/// Without the demo there are no generated secrets: the site secret must be given.
#[cfg(not(feature = "demo"))]
fn demo_site_secret(_data_dir: &std::path::Path) -> anyhow::Result<SecretString> {
    anyhow::bail!("set HWR_SITE_SECRET (this build has no demo secrets)")
}

/// `hire-with-remote webhooks …`.
async fn webhooks_command(store: &Store, action: WebhooksAction) -> anyhow::Result<()> {
    match action {
        WebhooksAction::List {
            failed,
            undelivered,
            limit,
        } => {
            let filter = if failed {
                OutboxFilter::Failed
            } else if undelivered {
                OutboxFilter::Undelivered
            } else {
                OutboxFilter::All
            };
            let events = store
                .outbox_events(filter, limit.clamp(1, 10_000))
                .await
                .context("failed to read the webhook outbox")?;
            if events.is_empty() {
                println!("no webhooks");
            }
            for event in events {
                let state = match (event.delivered_at, event.failed_at) {
                    (Some(_), _) => "delivered".to_owned(),
                    (None, Some(_)) => "failed".to_owned(),
                    (None, None) => {
                        format!("waiting (next attempt {})", rfc3339(event.next_attempt_at))
                    }
                };
                let last = match (event.last_status, event.last_error.as_deref()) {
                    (_, Some(error)) => error.to_owned(),
                    (Some(status), None) => format!("HTTP {status}"),
                    (None, None) => "-".to_owned(),
                };
                println!(
                    "{}  {}  hire {}  {}  {} attempt(s)  {}  created {}",
                    event.id,
                    event.event_type,
                    event.hire_id,
                    state,
                    event.attempts,
                    last,
                    rfc3339(event.created_at)
                );
            }
            Ok(())
        }
        WebhooksAction::Redeliver { id, failed } => {
            let queued = store
                .redeliver_events(if failed { None } else { id.as_deref() }, now())
                .await
                .context("failed to queue the webhooks again")?;
            if queued == 0 {
                anyhow::bail!("no such webhook: list them with `hire-with-remote webhooks list`");
            }
            println!(
                "queued {queued} webhook(s) again; a running backend delivers them within seconds"
            );
            Ok(())
        }
    }
}

/// `HWR_DATABASE_URL`'s text, or the SQLite file in the data folder.
fn database_or_default(url: Option<SecretString>, data_dir: &std::path::Path) -> String {
    url.map(|url| url.expose_secret().to_owned())
        .unwrap_or_else(|| default_database_url(data_dir))
}

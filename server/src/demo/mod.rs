//! `hire-with-remote demo`: the whole flow offline, with nothing to configure. Three origins,
//! like real life: the backend on PORT, the sandbox (fake Remote) on PORT+1, and a demo job site
//! on PORT+2 whose server holds the site secret, renders each page with a fresh site token, and
//! receives and verifies the backend's webhooks (`HWR_WEBHOOK_URL`, `HWR_WEBHOOK_SECRET` and
//! `HWR_SERVER_API_KEY` in the environment override the demo's own; so does
//! `HWR_REMOTE_JSON_SCHEMA_VERSION`).

mod job_site;
mod secrets;
mod webhook_inbox;

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::PathBuf,
};

use anyhow::Context;
use hwr_sandbox::{Sandbox, SandboxConfig};

pub use secrets::DemoSecrets;

use crate::{config::Settings, site_token::SiteTokens, Application};
use job_site::JobSite;
use webhook_inbox::WebhookInbox;

/// The demo's ports and data folder.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Backend port.
    pub port: u16,
    /// Sandbox port (default PORT+1).
    pub sandbox_port: Option<u16>,
    /// Job-site port (default PORT+2).
    pub site_port: Option<u16>,
    /// Where the generated secrets and the SQLite database live.
    pub data_dir: PathBuf,
}

/// The user the demo job site signs tokens for.
pub const DEMO_USER: &str = "demo-employer";

/// Where the demo job site receives the backend's webhooks.
const WEBHOOKS_PATH: &str = "/demo/webhooks";

/// The "after the hire" settings the backend runs with: each one the environment's when it is
/// set there (and not blank), else the demo's own (the job site's endpoint, the generated
/// secrets).
struct AfterTheHire {
    webhook_url: String,
    webhook_secret: String,
    server_api_key: String,
    /// The names that came from the environment.
    from_environment: Vec<&'static str>,
}

impl AfterTheHire {
    fn resolve(
        environment: impl Fn(&str) -> Option<String>,
        site_url: &str,
        secrets: &DemoSecrets,
    ) -> AfterTheHire {
        let mut from_environment = Vec::new();
        let mut pick = |name: &'static str, own: &str| match environment(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
        {
            Some(value) => {
                from_environment.push(name);
                value
            }
            None => own.to_owned(),
        };
        let webhook_url = pick("HWR_WEBHOOK_URL", &format!("{site_url}{WEBHOOKS_PATH}"));
        let webhook_secret = pick("HWR_WEBHOOK_SECRET", &secrets.webhook_secret);
        let server_api_key = pick("HWR_SERVER_API_KEY", &secrets.server_api_key);
        AfterTheHire {
            webhook_url,
            webhook_secret,
            server_api_key,
            from_environment,
        }
    }

    fn overridden(&self, name: &str) -> bool {
        self.from_environment.contains(&name)
    }
}

/// `HWR_REMOTE_JSON_SCHEMA_VERSION` from the environment (e.g. `3` to try Portugal's tax
/// fields in the demo), else the default.
fn schema_version_from_environment() -> anyhow::Result<u32> {
    match std::env::var("HWR_REMOTE_JSON_SCHEMA_VERSION") {
        Ok(value) if !value.trim().is_empty() => value.trim().parse().with_context(|| {
            format!("HWR_REMOTE_JSON_SCHEMA_VERSION={value:?} is not a version number")
        }),
        _ => Ok(Settings::default().remote_json_schema_version),
    }
}

/// Runs the three servers until Ctrl-C.
pub async fn run(options: DemoOptions) -> anyhow::Result<()> {
    let sandbox_port = options
        .sandbox_port
        .unwrap_or(options.port.saturating_add(1));
    let site_port = options.site_port.unwrap_or(options.port.saturating_add(2));
    let backend_url = format!("http://127.0.0.1:{}", options.port);
    let site_url = format!("http://127.0.0.1:{site_port}");
    let secrets = DemoSecrets::load_or_create(&options.data_dir)?;
    let after = AfterTheHire::resolve(|name| std::env::var(name).ok(), &site_url, &secrets);

    let sandbox = Sandbox::start(SandboxConfig {
        port: sandbox_port,
        redirect_uris: vec![format!("{backend_url}{}", hwr_protocol::CALLBACK_PATH)],
        ..SandboxConfig::default()
    })
    .await
    .context("failed to start the sandbox")?;
    let defaults = SandboxConfig::default();

    let settings = Settings {
        listen: format!("127.0.0.1:{}", options.port),
        public_url: Some(backend_url.clone()),
        allowed_origins: Some(site_url.clone()),
        site_secret: Some(secrets.site_secret.as_str().into()),
        data_dir: options.data_dir.clone(),
        encryption_keys: Some(secrets.encryption_keys.as_str().into()),
        database_url: Some(format!("sqlite://{}/demo.db", options.data_dir.display()).into()),
        remote_base_url: Some(sandbox.base_url()),
        remote_client_id: Some(defaults.client_id.clone()),
        remote_client_secret: Some(defaults.client_secret.as_str().into()),
        webhook_url: Some(after.webhook_url.clone()),
        webhook_secret: Some(after.webhook_secret.as_str().into()),
        server_api_key: Some(after.server_api_key.as_str().into()),
        remote_json_schema_version: schema_version_from_environment()?,
        ..Settings::default()
    };
    let config = settings.validate()?;
    let site_tokens = SiteTokens::with_leeway(
        &config.site.secret,
        config.site.token_max_ttl,
        config.site.token_leeway,
    );
    // The job site verifies with the key the backend signs with, parsed in one place.
    let webhook_key = config
        .webhooks
        .outbound
        .as_ref()
        .map(|webhooks| webhooks.key.clone())
        .context("the demo's webhook settings did not take")?;
    let app = Application::build(config).await?;
    let site = JobSite {
        backend_url: backend_url.clone(),
        tokens: site_tokens,
    };
    let site_listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, site_port)))
            .await
            .with_context(|| {
                format!(
                    "failed to listen on port {site_port} for the demo job site (use --site-port)"
                )
            })?;

    println!("hire-with-remote demo is running:");
    println!("  backend   {backend_url}");
    println!(
        "  sandbox   {} (fake Remote; control surface under /__sandbox)",
        sandbox.base_url()
    );
    println!("  job site  {site_url}");
    if after.overridden("HWR_WEBHOOK_URL") {
        println!("  webhooks  to HWR_WEBHOOK_URL, from the environment");
    } else {
        println!("  webhooks  {site_url}{WEBHOOKS_PATH} (the job site verifies and lists them)");
    }
    // Where, never what: the secrets stay in their file.
    let from_environment = if after.from_environment.is_empty() {
        String::new()
    } else {
        format!(
            "; {} from the environment",
            after.from_environment.join(", ")
        )
    };
    println!(
        "  secrets   generated in {}{from_environment}",
        options.data_dir.display()
    );
    println!();
    println!("Open {site_url}/ and click “Hire with Remote”. Ctrl-C stops everything.");

    let site_server = axum::serve(
        site_listener,
        job_site::router(site, WebhookInbox::new(webhook_key)),
    )
    .with_graceful_shutdown(crate::shutdown_signal());
    let (backend, site) = tokio::join!(app.run_until(crate::shutdown_signal()), site_server);
    backend?;
    site.context("the demo job site failed")?;
    drop(sandbox);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_secrets() -> DemoSecrets {
        DemoSecrets {
            site_secret: "s".repeat(64),
            encryption_keys: "demo1:AAAA".into(),
            webhook_secret: "whsec_own".into(),
            server_api_key: "own-key".into(),
        }
    }

    #[test]
    fn with_nothing_in_the_environment_the_webhooks_go_to_the_job_site_signed_with_our_secret() {
        let after = AfterTheHire::resolve(|_| None, "http://127.0.0.1:8082", &own_secrets());

        assert_eq!(after.webhook_url, "http://127.0.0.1:8082/demo/webhooks");
        assert_eq!(after.webhook_secret, "whsec_own");
        assert_eq!(after.server_api_key, "own-key");
        assert!(after.from_environment.is_empty());
    }

    #[test]
    fn each_setting_in_the_environment_overrides_the_demos_own_and_a_blank_one_does_not() {
        let environment = |name: &str| match name {
            "HWR_WEBHOOK_SECRET" => Some("whsec_theirs".to_owned()),
            "HWR_SERVER_API_KEY" => Some("  ".to_owned()),
            _ => None,
        };

        let after = AfterTheHire::resolve(environment, "http://127.0.0.1:8082", &own_secrets());

        assert_eq!(after.webhook_url, "http://127.0.0.1:8082/demo/webhooks");
        assert_eq!(after.webhook_secret, "whsec_theirs");
        assert_eq!(after.server_api_key, "own-key");
        assert_eq!(after.from_environment, ["HWR_WEBHOOK_SECRET"]);
    }
}

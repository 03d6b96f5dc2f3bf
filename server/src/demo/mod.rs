//! `hire-with-remote demo`: the whole flow offline, with nothing to configure. Three origins,
//! like real life: the backend on PORT, the sandbox (fake Remote) on PORT+1, and a demo job site
//! on PORT+2 whose server holds the site secret and renders each page with a fresh site token.

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context;
use axum::{
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Json, Router,
};
use hwr_sandbox::{Sandbox, SandboxConfig};
use serde::{Deserialize, Serialize};

use crate::{
    assets::{DEMO_ASSETS, DEMO_INDEX},
    config::Settings,
    crypto::KeyRing,
    site_token::SiteTokens,
    Application,
};

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

/// Secrets generated on first run and kept in the data folder.
#[derive(Debug, Serialize, Deserialize)]
pub struct DemoSecrets {
    /// HS256 secret shared by the job site and the backend.
    pub site_secret: String,
    /// `kid:base64` encryption key.
    pub encryption_keys: String,
}

impl DemoSecrets {
    /// Loads `demo-secrets.json` from `data_dir`, creating it on first run.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<DemoSecrets> {
        let path = data_dir.join("demo-secrets.json");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return serde_json::from_str(&text).with_context(|| {
                format!("{} is damaged: delete it to start afresh", path.display())
            });
        }
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("failed to create {}", data_dir.display()))?;
        let secrets = DemoSecrets {
            site_secret: random_secret(),
            encryption_keys: KeyRing::generate_entry("demo1"),
        };
        std::fs::write(&path, serde_json::to_string_pretty(&secrets)?)
            .with_context(|| format!("failed to write {}", path.display()))?;
        restrict_permissions(&path);
        Ok(secrets)
    }
}

fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

/// Runs the three servers until Ctrl-C.
pub async fn run(options: DemoOptions) -> anyhow::Result<()> {
    let sandbox_port = options
        .sandbox_port
        .unwrap_or(options.port.saturating_add(1));
    let site_port = options.site_port.unwrap_or(options.port.saturating_add(2));
    let backend_url = format!("http://127.0.0.1:{}", options.port);
    let site_url = format!("http://127.0.0.1:{site_port}");
    let secrets = DemoSecrets::load_or_create(&options.data_dir)?;

    let sandbox = Sandbox::start(SandboxConfig {
        port: sandbox_port,
        redirect_uris: vec![format!("{backend_url}/oauth/callback")],
        ..SandboxConfig::default()
    })
    .await
    .context("failed to start the sandbox")?;
    let defaults = SandboxConfig::default();

    let settings = Settings {
        listen: format!("127.0.0.1:{}", options.port),
        public_url: Some(backend_url.clone()),
        allowed_origins: Some(site_url.clone()),
        site_secret: Some(secrets.site_secret.clone()),
        data_dir: options.data_dir.clone(),
        encryption_keys: Some(secrets.encryption_keys.clone()),
        database_url: Some(format!("sqlite://{}/demo.db", options.data_dir.display())),
        remote_base_url: Some(sandbox.base_url()),
        remote_client_id: Some(defaults.client_id.clone()),
        remote_client_secret: Some(defaults.client_secret.clone()),
        ..Settings::default()
    };
    let config = settings.validate()?;
    let site_tokens = SiteTokens::with_leeway(
        &config.site_secret,
        config.site_token_max_ttl,
        config.site_token_leeway,
    );
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
    println!();
    println!("Open {site_url}/ and click “Hire with Remote”. Ctrl-C stops everything.");

    let site_server = axum::serve(site_listener, job_site_router(site))
        .with_graceful_shutdown(crate::shutdown_signal());
    let (backend, site) = tokio::join!(app.run_until(crate::shutdown_signal()), site_server);
    backend?;
    site.context("the demo job site failed")?;
    drop(sandbox);
    Ok(())
}

/// The demo job site: a page rendered with a fresh site token, its static files, and a token
/// endpoint for tests.
#[derive(Clone)]
struct JobSite {
    backend_url: String,
    tokens: SiteTokens,
}

fn job_site_router(site: JobSite) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/demo/token", get(token))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/{file}", get(static_file))
        .with_state(site)
}

async fn index(State(site): State<JobSite>) -> Response {
    let Some(template) = DEMO_INDEX else {
        return (
            StatusCode::NOT_FOUND,
            "The demo page was not built into this binary.",
        )
            .into_response();
    };
    let Ok(token) = site.tokens.mint(DEMO_USER, Duration::from_secs(3600)) else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Could not sign a site token.",
        )
            .into_response();
    };
    let page = template
        .replace("__HWR_BACKEND__", &site.backend_url)
        .replace("__HWR_SITE_TOKEN__", &token);
    let mut response = Html(page).into_response();
    // The strict CSP a host page can use: no 'unsafe-inline', wasm allowed, the backend named.
    let csp = format!(
        "default-src 'self'; script-src 'self' {b} 'wasm-unsafe-eval'; connect-src 'self' {b}; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        b = site.backend_url
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Deserialize)]
struct TokenQuery {
    user: Option<String>,
    /// `true`: a token that expired ten minutes ago, for trying what a page left open does.
    #[serde(default)]
    expired: bool,
}

async fn token(State(site): State<JobSite>, Query(query): Query<TokenQuery>) -> Response {
    let user = query
        .user
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEMO_USER.to_owned());
    let minted = if query.expired {
        site.tokens.mint_expired(&user, Duration::from_secs(600))
    } else {
        site.tokens.mint(&user, Duration::from_secs(3600))
    };
    match minted {
        Ok(token) => {
            let mut response = Json(serde_json::json!({"token": token})).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Could not sign a site token.",
        )
            .into_response(),
    }
}

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let Some((_, bytes)) = DEMO_ASSETS.iter().find(|(name, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    let content_type = match file.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, content_type)], *bytes).into_response()
}

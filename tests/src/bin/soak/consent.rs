//! Site tokens (HS256, signed here with the shared secret as a job site's server would) and the
//! consent of every site user, done like a browser: `POST /api/v1/connect`, open the sandbox's
//! consent page, submit its form with a manager and `decision=allow`, follow the 302 to the
//! backend's `/oauth/callback`. Every `state` seen and every page the backend served are kept
//! for the leak scan.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use hwr_integration_tests::ConsentForm;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::{header, Client};
use serde::Serialize;
use serde_json::json;
use url::Url;

use crate::{observe::Observer, ORIGIN};

/// Lifetime of the site tokens minted for the run (the backend accepts up to an hour).
pub(crate) const SITE_TOKEN_TTL: Duration = Duration::from_secs(50 * 60);

/// A site user and its token.
#[derive(Debug, Clone)]
pub(crate) struct SiteUser {
    pub(crate) id: String,
    pub(crate) token: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: u64,
    aud: &'a str,
}

/// `count` site users with fresh tokens.
pub(crate) fn site_tokens(secret: &str, count: usize) -> Result<Vec<SiteUser>> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the clock is before 1970")?
        .as_secs();
    let run = uuid::Uuid::new_v4().simple().to_string();
    (0..count)
        .map(|index| {
            let id = format!("soak-{}-{index:03}", &run[..8]);
            let claims = Claims {
                sub: &id,
                exp: now + SITE_TOKEN_TTL.as_secs(),
                aud: "hire-with-remote",
            };
            let token = encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(secret.as_bytes()),
            )
            .context("failed to sign a site token")?;
            Ok(SiteUser { id, token })
        })
        .collect()
}

/// What consent left behind for the leak scan.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    /// Every `state` value seen (authorize URL, consent form, callback URL).
    pub(crate) states: Vec<String>,
    /// Every page the backend served, as (what, HTML).
    pub(crate) pages: Vec<(String, String)>,
}

/// Connects every user, one after the other (manager picked round-robin, so both seeded
/// companies get connections).
pub(crate) async fn connect_all(
    client: &Client,
    backend: &str,
    users: &[SiteUser],
    observer: &Observer,
) -> Result<Evidence> {
    let mut evidence = Evidence::default();
    for (index, user) in users.iter().enumerate() {
        connect(client, backend, user, index, observer, &mut evidence)
            .await
            .with_context(|| format!("consent for {} failed", user.id))?;
    }
    Ok(evidence)
}

async fn connect(
    client: &Client,
    backend: &str,
    user: &SiteUser,
    index: usize,
    observer: &Observer,
    evidence: &mut Evidence,
) -> Result<()> {
    let started = observer
        .read(
            "POST /api/v1/connect",
            client
                .post(format!("{backend}/api/v1/connect"))
                .header(header::ORIGIN, ORIGIN)
                .bearer_auth(&user.token)
                .json(&json!({"mode": "popup"}))
                .send()
                .await?,
        )
        .await;
    if started.status != 201 {
        bail!(
            "POST /api/v1/connect answered {}: {}",
            started.status,
            started.body
        );
    }
    let json = started.json.unwrap_or_default();
    let flow_id = json["flow_id"].as_str().context("no flow_id")?.to_owned();
    let start_url = json["start_url"].as_str().context("no start_url")?;
    let ticket = json["start_ticket"].as_str().context("no start_ticket")?;

    // The start form, submitted from the job-site page like the widget does; the binding
    // cookie it sets stays in the client's jar for the callback.
    let bound = observer
        .read(
            "POST /oauth/start",
            client
                .post(start_url)
                .header(header::ORIGIN, ORIGIN)
                .form(&[("flow_id", flow_id.as_str()), ("ticket", ticket)])
                .send()
                .await?,
        )
        .await;
    if bound.status != 303 {
        bail!(
            "POST /oauth/start answered {}: {}",
            bound.status,
            bound.body
        );
    }
    let authorize_url = Url::parse(
        bound
            .location
            .as_deref()
            .context("POST /oauth/start sent no Location")?,
    )?;
    keep_state(&authorize_url, evidence);

    // The consent page, read and submitted like a browser.
    let page = client.get(authorize_url.clone()).send().await?;
    if page.status() != 200 {
        bail!("the consent page answered {}", page.status());
    }
    let html = page.text().await?;
    let form = ConsentForm::parse(&authorize_url, &html);
    if let Some(state) = form.hidden_value("state") {
        push_unique(&mut evidence.states, state);
    }
    let manager = form
        .managers
        .get(index % form.managers.len().max(1))
        .context("the consent page lists no manager")?
        .clone();
    let mut body = form.hidden.clone();
    body.push((form.manager_field.clone(), manager));
    body.push(("decision".to_owned(), "allow".to_owned()));
    let decided = client.post(form.action.clone()).form(&body).send().await?;
    if decided.status() != 302 {
        bail!("the consent form answered {}, not 302", decided.status());
    }
    let location = decided
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .context("the consent redirect has no Location")?;
    let callback = Url::parse(location)?;
    keep_state(&callback, evidence);

    // The backend's callback page.
    let landed = observer
        .read("GET /oauth/callback", client.get(callback).send().await?)
        .await;
    evidence.pages.push((
        format!("callback page for {}", user.id),
        landed.body.clone(),
    ));
    if landed.status != 200 {
        bail!(
            "the callback answered {}: {}",
            landed.status,
            landed.body.chars().take(300).collect::<String>()
        );
    }
    let flow = observer
        .read(
            "GET /api/v1/flows/{id}",
            client
                .get(format!("{backend}/api/v1/flows/{flow_id}"))
                .header(header::ORIGIN, ORIGIN)
                .bearer_auth(&user.token)
                .send()
                .await?,
        )
        .await;
    let status = flow
        .json
        .as_ref()
        .and_then(|j| j["status"].as_str())
        .unwrap_or_default()
        .to_owned();
    if status != "connected" {
        bail!("the flow ended {status:?}, not connected: {}", flow.body);
    }
    Ok(())
}

fn keep_state(url: &Url, evidence: &mut Evidence) {
    for (name, value) in url.query_pairs() {
        if name == "state" {
            push_unique(&mut evidence.states, &value);
        }
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

//! Site tokens (the harness's, signed with the shared secret as a job site's server signs them)
//! and the consent of every site user, done like a browser: `POST /api/v1/connect`, open the sandbox's
//! consent page, submit its form with a manager and `decision=allow`, follow the 302 to the
//! backend's `/oauth/callback`. The users take turns over the sandbox's companies, so that the
//! run hires into all of them. Every `state` seen and every page the backend served are kept
//! for the leak scan, and the first connect carries a request id the scan must find.

use std::{collections::BTreeMap, time::Duration};

use anyhow::{bail, Context, Result};
use hire_with_remote::routes::REQUEST_ID;
use hwr_integration_tests::{site_token, ConsentForm};
use hwr_sandbox::seed;
use reqwest::{header, Client};
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

/// `count` site users with fresh tokens.
pub(crate) fn site_tokens(secret: &str, count: usize) -> Vec<SiteUser> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    (0..count)
        .map(|index| {
            let id = format!("soak-{}-{index:03}", &run[..8]);
            let token = site_token(secret, &id, SITE_TOKEN_TTL);
            SiteUser { id, token }
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
    /// The `X-Request-Id` the first connect was sent with (no secret; the access log and the
    /// audit trail must hold it).
    pub(crate) request_id: String,
    /// Site users per company they consented into, by company name.
    pub(crate) users_per_company: BTreeMap<String, usize>,
}

/// Connects every user, one after the other (see [`manager_for`]).
pub(crate) async fn connect_all(
    client: &Client,
    backend: &str,
    users: &[SiteUser],
    observer: &Observer,
) -> Result<Evidence> {
    let mut evidence = Evidence {
        request_id: format!("soak-control-{}", uuid::Uuid::new_v4().simple()),
        ..Evidence::default()
    };
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
    let mut connect = client
        .post(format!("{backend}/api/v1/connect"))
        .header(header::ORIGIN, ORIGIN)
        .bearer_auth(&user.token)
        .json(&json!({"mode": "popup"}));
    if index == 0 {
        connect = connect.header(REQUEST_ID, &evidence.request_id);
    }
    let started = observer
        .read("POST /api/v1/connect", connect.send().await?)
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
    let (manager, company) =
        manager_for(index, &form.managers).context("the consent page lists no manager")?;
    *evidence.users_per_company.entry(company).or_default() += 1;
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

/// The manager user `index` consents as, and the name of their company: the companies the page
/// lists take turns (user 0 the first, user 1 the second, …), and within a company its managers
/// do.
fn manager_for(index: usize, managers: &[String]) -> Option<(String, String)> {
    let mut companies: Vec<(String, Vec<&String>)> = Vec::new();
    for manager in managers {
        let company = seed::manager(manager).map_or_else(
            || "a company the sandbox did not seed".to_owned(),
            |(company, _)| company.name.to_owned(),
        );
        match companies.iter_mut().find(|(name, _)| *name == company) {
            Some((_, list)) => list.push(manager),
            None => companies.push((company, vec![manager])),
        }
    }
    let (company, list) = companies.get(index % companies.len().max(1))?;
    let manager = list[(index / companies.len()) % list.len()];
    Some((manager.clone(), company.clone()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_take_turns_over_the_companies_then_over_their_managers() {
        let managers: Vec<String> = [
            seed::MARIA_MANAGER_ID,
            seed::OLIVIA_OWNER_ID,
            seed::GREG_ADMIN_ID,
        ]
        .map(str::to_owned)
        .to_vec();
        let picked: Vec<String> = (0..4)
            .map(|index| manager_for(index, &managers).expect("a manager").0)
            .collect();
        assert_eq!(
            picked,
            [
                seed::MARIA_MANAGER_ID,
                seed::GREG_ADMIN_ID,
                seed::OLIVIA_OWNER_ID,
                seed::GREG_ADMIN_ID
            ]
        );
        assert_eq!(manager_for(0, &[]), None);
    }
}

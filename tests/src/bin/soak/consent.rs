//! Site tokens (the harness's, signed with the shared secret as a job site's server signs them)
//! and the consent of every site user, walked with the harness's consent walk
//! (`hwr_integration_tests::ConsentWalk`: connect, the start form, the sandbox's consent page
//! submitted with a manager and Allow, the backend's `/oauth/callback`, the flow read back). The
//! users take turns over the sandbox's companies, so that the run hires into all of them. Every
//! backend answer of the walk goes through the `Observer`; every `state` seen and every page the
//! backend served are kept for the leak scan, and the first connect carries a request id the scan
//! must find.

use std::{collections::BTreeMap, time::Duration};

use anyhow::{Context, Result};
use hwr_integration_tests::{site_token, ConsentWalk};
use hwr_sandbox::seed;
use reqwest::Client;

use crate::observe::Observer;

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

/// Walks the consent of `user` with the harness's walk, as the manager [`manager_for`] picks;
/// every backend answer goes through `observer`, every `state` and the callback page into
/// `evidence`.
async fn connect(
    client: &Client,
    backend: &str,
    user: &SiteUser,
    index: usize,
    observer: &Observer,
    evidence: &mut Evidence,
) -> Result<()> {
    let mut walk = ConsentWalk::new(client, backend, &user.token);
    if index == 0 {
        walk = walk.with_request_id(&evidence.request_id);
    }
    let mut company = None;
    let outcome = walk
        .walk(|managers| {
            let (manager, name) = manager_for(index, managers)?;
            company = Some(name);
            Some(manager)
        })
        .await;
    let answers = match &outcome {
        Ok(walked) => &walked.answers,
        Err(failure) => &failure.answers,
    };
    for answer in answers {
        observer.record_walked(answer);
    }
    let walked = outcome?;
    for state in walked.states() {
        push_unique(&mut evidence.states, &state);
    }
    let company = company.context("the walk went through without picking a manager")?;
    *evidence.users_per_company.entry(company).or_default() += 1;
    evidence.pages.push((
        format!("callback page for {}", user.id),
        walked.callback_page().to_owned(),
    ));
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

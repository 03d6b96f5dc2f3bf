//! The leak scan: every code, access token and refresh token the sandbox issued, every OAuth
//! `state` seen, the client secret, the site secret, the webhook secret and the encryption key
//! (plus, beyond that, the site tokens and the one-time onboarding links), searched for in the
//! backend's log, its database (the raw bytes of a SQLite file — tokens are stored AES-GCM
//! encrypted, so a plain search over the whole file is right — or every row of every table on
//! Postgres), its audit trail and every HTML page it served. Zero hits required; and values that
//! are no secret but must be there (a site user id, a request id we sent) must be found in the
//! audit trail and in the log, or the scan is blind.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::Path,
};

use anyhow::{Context, Result};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use serde_json::Value;
use sqlx::Row as _;

use crate::{
    consent::Evidence, consent::SiteUser, database::Database, hires::HireRecord, Secrets,
    CLIENT_SECRET,
};

/// Needles shorter than this are not searched (they would match by chance).
const MIN_NEEDLE: usize = 8;

/// The kind of a value that is no secret and must be found (a site user id, which the audit
/// trail and the database hold by design; a request id we sent, which the access log and the
/// audit trail hold): proof that the scan reads what it claims to read.
const CANARY: &str = "canary";

/// The places a control value must be found in, by the start of their names.
const MUST_SEE: [(&str, &str); 2] = [("audit trail", "the audit trail"), ("log ", "the log")];

/// One secret to look for.
#[derive(Debug, Clone)]
pub(crate) struct Needle {
    pub(crate) kind: &'static str,
    pub(crate) bytes: Vec<u8>,
}

/// Where one was found.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) kind: &'static str,
    /// The first characters of the secret (enough to find it, not enough to use it).
    pub(crate) preview: String,
    pub(crate) place: String,
    pub(crate) offset: usize,
    /// The text around it.
    pub(crate) context: String,
}

/// What the scan covered and found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Secrets searched for, by kind.
    pub(crate) needles: BTreeMap<&'static str, usize>,
    /// Secrets too short to search for.
    pub(crate) skipped: usize,
    /// Places searched, with their size in bytes.
    pub(crate) places: Vec<(String, usize)>,
    /// Audit events, by kind.
    pub(crate) audit_kinds: BTreeMap<String, u64>,
    /// Hire ids with a `hire.created` audit event.
    pub(crate) audited_created: HashSet<String>,
    /// Places where the canary was found.
    pub(crate) canary_found_in: Vec<String>,
    /// Lines of the backend's log that mention a panic (the first few).
    pub(crate) panics: Vec<String>,
    /// How many lines of the backend's log mention a panic.
    pub(crate) panic_count: usize,
    /// Log lines at ERROR level.
    pub(crate) error_lines: usize,
    /// The first few of them.
    pub(crate) errors: Vec<String>,
    pub(crate) hits: Vec<Hit>,
}

impl Scan {
    /// The places (of the audit trail and the log) where no control value was found: the scan
    /// did not read what it claims to there, so its zero means nothing.
    pub(crate) fn blind_in(&self) -> Vec<&'static str> {
        MUST_SEE
            .iter()
            .filter(|(prefix, _)| {
                !self
                    .canary_found_in
                    .iter()
                    .any(|place| place.starts_with(prefix))
            })
            .map(|(_, name)| *name)
            .collect()
    }
}

/// Every secret the run produced.
pub(crate) fn needles(
    state: &Value,
    evidence: &Evidence,
    secrets: &Secrets,
    records: &[HireRecord],
    users: &[SiteUser],
) -> Vec<Needle> {
    let mut needles = Vec::new();
    let mut push = |kind: &'static str, value: &str| {
        if !value.is_empty() {
            needles.push(Needle {
                kind,
                bytes: value.as_bytes().to_vec(),
            });
        }
    };
    for (list, kind) in [
        ("codes", "authorization code"),
        ("access_tokens", "access token"),
        ("refresh_tokens", "refresh token"),
    ] {
        for issued in state["issued"][list].as_array().into_iter().flatten() {
            if let Some(value) = issued["value"].as_str() {
                push(kind, value);
            }
        }
    }
    for state in &evidence.states {
        push("state", state);
    }
    push("client secret", CLIENT_SECRET);
    push("site secret", &secrets.site_secret);
    push("webhook secret", &secrets.webhook_secret);
    if let Some(material) = secrets.webhook_secret.strip_prefix("whsec_") {
        push("webhook secret", material);
    }
    for entry in secrets.encryption_keys.split(',') {
        let material = entry.split_once(':').map_or(entry, |(_, key)| key);
        push("encryption key", material);
        let encoded: String = url::form_urlencoded::byte_serialize(material.as_bytes()).collect();
        if encoded != material {
            push("encryption key", &encoded);
        }
    }
    for user in users {
        push("site token", &user.token);
    }
    if let Some(user) = users.first() {
        push(CANARY, &user.id);
    }
    push(CANARY, &evidence.request_id);
    for record in records {
        for link in &record.redirect_urls {
            // The one-time part of the link (its last path segment).
            if let Some(secret) = link.rsplit('/').next().filter(|s| s.len() >= 16) {
                push("onboarding link", secret);
            }
        }
    }
    // The raw key bytes, for the binary files.
    if let Some(Ok(raw)) = secrets
        .webhook_secret
        .strip_prefix("whsec_")
        .map(|material| STANDARD.decode(material))
    {
        needles.push(Needle {
            kind: "webhook secret (raw bytes)",
            bytes: raw,
        });
    }
    for entry in secrets.encryption_keys.split(',') {
        let material = entry.split_once(':').map_or(entry, |(_, key)| key);
        if let Ok(raw) = STANDARD.decode(material) {
            needles.push(Needle {
                kind: "encryption key (raw bytes)",
                bytes: raw,
            });
        }
    }
    needles
}

/// Searches every place; the backend must be stopped (its files are read as they are).
pub(crate) async fn scan(
    needles: &[Needle],
    log: &Path,
    database: &Database,
    evidence: &Evidence,
) -> Result<Scan> {
    let mut scan = Scan::default();
    let (searchable, skipped): (Vec<&Needle>, Vec<&Needle>) =
        needles.iter().partition(|n| n.bytes.len() >= MIN_NEEDLE);
    scan.skipped = skipped.len();
    for needle in searchable.iter().filter(|n| n.kind != CANARY) {
        *scan.needles.entry(needle.kind).or_default() += 1;
    }
    let index = Index::new(&searchable);

    let log_bytes =
        std::fs::read(log).with_context(|| format!("failed to read {}", log.display()))?;
    let log_text = String::from_utf8_lossy(&log_bytes);
    let panics: Vec<&str> = log_text
        .lines()
        .filter(|l| l.contains("panicked"))
        .collect();
    scan.panic_count = panics.len();
    scan.panics = panics
        .iter()
        .take(10)
        .map(|l| l.chars().take(300).collect())
        .collect();
    let errors: Vec<&str> = log_text.lines().filter(|l| l.contains(" ERROR ")).collect();
    scan.error_lines = errors.len();
    scan.errors = errors
        .iter()
        .take(10)
        .map(|l| l.chars().take(300).collect())
        .collect();
    search(
        &index,
        &format!("log {}", log.display()),
        &log_bytes,
        &mut scan,
    );

    // The raw database files, read before anything opens the database again.
    for path in database.raw_files() {
        if let Ok(bytes) = std::fs::read(&path) {
            search(
                &index,
                &format!("database file {}", path.display()),
                &bytes,
                &mut scan,
            );
        }
    }
    for (table, rows) in database.table_rows().await? {
        search(
            &index,
            &format!("database table {table}"),
            rows.as_bytes(),
            &mut scan,
        );
    }

    let (audit, kinds, created) = audit_trail(database).await?;
    scan.audit_kinds = kinds;
    scan.audited_created = created;
    search(
        &index,
        "audit trail (SELECT * FROM audit_events)",
        audit.as_bytes(),
        &mut scan,
    );

    for (name, html) in &evidence.pages {
        search(&index, name, html.as_bytes(), &mut scan);
    }
    Ok(scan)
}

/// Every column of every audit event as text, one row a line; the events by kind; the hire ids
/// of the `hire.created` events (their detail reads `hire <id> employment <id>`).
async fn audit_trail(
    database: &Database,
) -> Result<(String, BTreeMap<String, u64>, HashSet<String>)> {
    let rows = database
        .audit_events()
        .await
        .context("failed to read audit_events")?;
    let mut text = String::new();
    let mut kinds = BTreeMap::new();
    let mut created = HashSet::new();
    for row in &rows {
        if let Ok(kind) = row.try_get::<String, _>("kind") {
            if kind == "hire.created" {
                if let Ok(Some(detail)) = row.try_get::<Option<String>, _>("detail") {
                    if let Some(hire_id) = detail.split_whitespace().nth(1) {
                        created.insert(hire_id.to_owned());
                    }
                }
            }
            *kinds.entry(kind).or_default() += 1;
        }
        for column in 0..row.len() {
            if let Ok(Some(value)) = row.try_get::<Option<String>, _>(column) {
                text.push_str(&value);
            } else if let Ok(Some(value)) = row.try_get::<Option<i64>, _>(column) {
                text.push_str(&value.to_string());
            }
            text.push('\t');
        }
        text.push('\n');
    }
    Ok((text, kinds, created))
}

/// Needles by their first [`MIN_NEEDLE`] bytes, so that one pass over a place finds them all.
struct Index<'a> {
    by_prefix: HashMap<u64, Vec<&'a Needle>>,
}

fn prefix_key(bytes: &[u8]) -> u64 {
    let mut key = [0u8; MIN_NEEDLE];
    key.copy_from_slice(&bytes[..MIN_NEEDLE]);
    u64::from_le_bytes(key)
}

impl<'a> Index<'a> {
    fn new(needles: &[&'a Needle]) -> Index<'a> {
        let mut by_prefix: HashMap<u64, Vec<&'a Needle>> = HashMap::new();
        for needle in needles {
            by_prefix
                .entry(prefix_key(&needle.bytes))
                .or_default()
                .push(needle);
        }
        Index { by_prefix }
    }
}

fn search(index: &Index<'_>, place: &str, haystack: &[u8], scan: &mut Scan) {
    scan.places.push((place.to_owned(), haystack.len()));
    if haystack.len() < MIN_NEEDLE || index.by_prefix.is_empty() {
        return;
    }
    for at in 0..=haystack.len() - MIN_NEEDLE {
        let Some(candidates) = index.by_prefix.get(&prefix_key(&haystack[at..])) else {
            continue;
        };
        for needle in candidates {
            if haystack[at..].starts_with(&needle.bytes) && needle.kind == CANARY {
                if !scan.canary_found_in.iter().any(|p| p == place) {
                    scan.canary_found_in.push(place.to_owned());
                }
            } else if haystack[at..].starts_with(&needle.bytes) {
                // The text around it, with every secret in it masked.
                let end = at + needle.bytes.len();
                let from = at.saturating_sub(60);
                let to = (end + 60).min(haystack.len());
                let context = mask(index, &haystack[from..to]);
                scan.hits.push(Hit {
                    kind: needle.kind,
                    preview: String::from_utf8_lossy(&needle.bytes[..6]).into_owned(),
                    place: place.to_owned(),
                    offset: at,
                    context,
                });
            }
        }
    }
}

/// `bytes` as text, each secret in it replaced by `[its kind]`.
fn mask(index: &Index<'_>, bytes: &[u8]) -> String {
    let mut text = String::new();
    let mut plain_from = 0;
    let mut at = 0;
    while at + MIN_NEEDLE <= bytes.len() {
        let found = index
            .by_prefix
            .get(&prefix_key(&bytes[at..]))
            .and_then(|candidates| {
                candidates
                    .iter()
                    .find(|n| n.kind != CANARY && bytes[at..].starts_with(&n.bytes))
            });
        match found {
            Some(needle) => {
                text.push_str(&String::from_utf8_lossy(&bytes[plain_from..at]));
                text.push_str(&format!("[{}]", needle.kind));
                at += needle.bytes.len();
                plain_from = at;
            }
            None => at += 1,
        }
    }
    text.push_str(&String::from_utf8_lossy(&bytes[plain_from..]));
    text.replace(|c: char| c.is_control(), " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needle(kind: &'static str, value: &str) -> Needle {
        Needle {
            kind,
            bytes: value.as_bytes().to_vec(),
        }
    }

    #[test]
    fn every_needle_is_found_wherever_it_is_and_canaries_are_no_leaks() {
        let needles = [
            needle("state", "sbx_state_abcdefgh"),
            needle("access token", "sbx_at_0123456789"),
            needle("access token", "sbx_at_0123456788"),
            needle(CANARY, "soak-user-1"),
            needle("short", "abc"),
        ];
        let searchable: Vec<&Needle> = needles
            .iter()
            .filter(|n| n.bytes.len() >= MIN_NEEDLE)
            .collect();
        let index = Index::new(&searchable);
        let mut scan = Scan::default();
        let haystack =
            b"\x00\xffsoak-user-1 x=sbx_at_0123456788;sbx_state_abcdefgh\nsbx_at_0123456789";
        search(&index, "log", haystack, &mut scan);
        let mut found: Vec<(&str, usize)> = scan.hits.iter().map(|h| (h.kind, h.offset)).collect();
        found.sort();
        assert_eq!(
            found,
            vec![("access token", 16), ("access token", 53), ("state", 34)]
        );
        assert_eq!(scan.canary_found_in, vec!["log".to_owned()]);
        assert!(scan.hits.iter().all(|h| !h.context.contains("sbx_at_0123")));
        search(&index, "tiny", b"sbx", &mut scan);
        assert_eq!(scan.hits.len(), 3);
    }

    #[test]
    fn a_scan_that_finds_no_control_value_in_the_log_or_the_audit_trail_is_blind_there() {
        let needles = [needle(CANARY, "soak-control-0123456789")];
        let searchable: Vec<&Needle> = needles.iter().collect();
        let index = Index::new(&searchable);
        let mut scan = Scan::default();
        search(&index, "log backend.log", b"nothing here", &mut scan);
        search(
            &index,
            "audit trail (SELECT * FROM audit_events)",
            b"request soak-control-0123456789",
            &mut scan,
        );
        assert_eq!(scan.blind_in(), vec!["the log"]);
        search(
            &index,
            "log backend.log",
            b"request_id=soak-control-0123456789",
            &mut scan,
        );
        assert!(scan.blind_in().is_empty(), "{:?}", scan.canary_found_in);
    }
}

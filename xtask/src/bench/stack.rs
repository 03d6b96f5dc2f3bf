//! The server side of a bench run: `hire-with-remote sandbox` (fake Remote, rate limit off) and
//! `hire-with-remote serve` (SQLite or Postgres, rate limits off) on loopback ports, the consent
//! flow over HTTP, and a direct OAuth code exchange against the sandbox for the baseline.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::http;
use super::procs::{free_port, Proc};
use crate::process::output;

/// The OAuth client the sandbox registers by default.
const CLIENT_ID: &str = "demo-client";
const CLIENT_SECRET: &str = "demo-secret";
/// The job site the bench backend allows; the consent walk posts from it.
const JOB_SITE_ORIGIN: &str = "http://127.0.0.1:9";
/// The site user every load runs as (one Remote connection).
pub(crate) const SITE_USER: &str = "bench-employer";

/// Secrets and paths shared by every backend of a run.
pub(crate) struct Stack {
    pub(crate) binary: PathBuf,
    pub(crate) dir: PathBuf,
    site_secret: String,
    keys: String,
    /// A site token for [`SITE_USER`] (valid for the whole run).
    pub(crate) site_token: String,
    /// The sandbox (fake Remote) every backend talks to.
    pub(crate) sandbox: Proc,
    pub(crate) sandbox_url: String,
    /// The backend's port (the sandbox's registered redirect URI points at it).
    pub(crate) backend_port: u16,
}

/// Which database a backend uses.
#[derive(Debug, Clone)]
pub(crate) enum Database {
    /// A SQLite file in the given data folder.
    Sqlite(PathBuf),
    /// A Postgres URL.
    Postgres(String),
}

impl Stack {
    /// Starts the sandbox and prepares secrets and a site token.
    pub(crate) fn start(binary: &Path, dir: &Path) -> Result<Stack> {
        let site_secret = random_hex(32)?;
        let keys = output(Command::new(binary).args(["keygen", "--id", "bench"]))?
            .trim()
            .to_owned();
        let site_token = output(
            Command::new(binary)
                .env_remove("HWR_SITE_SECRET")
                .args(["token", "--user", SITE_USER, "--ttl", "3600"])
                .args(["--site-secret", &site_secret]),
        )?
        .trim()
        .to_owned();
        let backend_port = free_port()?;
        let sandbox_port = free_port()?;
        let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");
        let mut sandbox = Proc::spawn(
            "sandbox",
            Command::new(binary)
                .args(["sandbox", "--port", &sandbox_port.to_string()])
                .args([
                    "--redirect-uri",
                    &format!("http://127.0.0.1:{backend_port}/oauth/callback"),
                ])
                .args(["--rate-limit", "0"])
                .env("RUST_LOG", "warn"),
            dir,
        )?;
        sandbox.wait_ready(&format!("{sandbox_url}/__sandbox/faults"), Instant::now())?;
        Ok(Stack {
            binary: binary.to_owned(),
            dir: dir.to_owned(),
            site_secret,
            keys,
            site_token,
            sandbox,
            sandbox_url,
            backend_port,
        })
    }

    pub(crate) fn backend_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.backend_port)
    }

    /// `hire-with-remote serve` configured for loads (rate limits off), not yet waited for.
    pub(crate) fn backend_command(&self, binary: &Path, database: &Database) -> Command {
        let mut command = Command::new(binary);
        for (key, _) in std::env::vars() {
            if key.starts_with("HWR_") {
                command.env_remove(key);
            }
        }
        let url = self.backend_url();
        command
            .arg("serve")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("HWR_LISTEN", format!("127.0.0.1:{}", self.backend_port))
            .env("HWR_PUBLIC_URL", &url)
            .env("HWR_ALLOWED_ORIGINS", JOB_SITE_ORIGIN)
            .env("HWR_SITE_SECRET", &self.site_secret)
            .env("HWR_ENCRYPTION_KEYS", &self.keys)
            .env("HWR_REMOTE_BASE_URL", &self.sandbox_url)
            .env("HWR_REMOTE_CLIENT_ID", CLIENT_ID)
            .env("HWR_REMOTE_CLIENT_SECRET", CLIENT_SECRET)
            .env("HWR_RATE_LIMIT_USER_PER_MIN", "0")
            .env("HWR_RATE_LIMIT_IP_PER_MIN", "0");
        match database {
            Database::Sqlite(data_dir) => {
                command.env("HWR_DATA_DIR", data_dir);
            }
            Database::Postgres(database_url) => {
                let data_dir = self.dir.join("pg-data");
                command
                    .env("HWR_DATA_DIR", data_dir)
                    .env("HWR_DATABASE_URL", database_url);
            }
        }
        command
    }

    /// Starts a backend and waits for `/healthz`; returns it with its start-up time.
    pub(crate) fn start_backend(
        &self,
        name: &str,
        binary: &Path,
        database: &Database,
    ) -> Result<(Proc, Duration)> {
        let started = Instant::now();
        let mut backend =
            Proc::spawn(name, &mut self.backend_command(binary, database), &self.dir)?;
        let ready = backend.wait_ready(&format!("{}/healthz", self.backend_url()), started)?;
        Ok((backend, ready))
    }

    // --- the sandbox's control surface ---------------------------------------------------------

    /// `POST /__sandbox/reset`: no tokens, employments or faults; counters zero.
    pub(crate) fn reset_sandbox(&self) -> Result<()> {
        http::post_json(&format!("{}/__sandbox/reset", self.sandbox_url), &[], "")?
            .expect(204, "POST /__sandbox/reset")?;
        Ok(())
    }

    /// `POST /__sandbox/expire-tokens`.
    pub(crate) fn expire_tokens(&self) -> Result<()> {
        http::post_json(
            &format!("{}/__sandbox/expire-tokens", self.sandbox_url),
            &[],
            "",
        )?
        .expect(200, "POST /__sandbox/expire-tokens")?;
        Ok(())
    }

    /// `GET /__sandbox/state` (keep the sandbox small before calling: it lists employments).
    pub(crate) fn sandbox_state(&self) -> Result<String> {
        Ok(
            http::get(&format!("{}/__sandbox/state", self.sandbox_url), &[])?
                .expect(200, "GET /__sandbox/state")?
                .body,
        )
    }

    /// `token_requests.<grant>` from the sandbox's state.
    pub(crate) fn token_requests(&self, grant: &str) -> Result<u64> {
        let state = self.sandbox_state()?;
        let counts = &state[state
            .find("\"token_requests\"")
            .context("no token_requests")?..];
        Ok(http::json_num(counts, grant).context("no count")? as u64)
    }

    // --- consent ---------------------------------------------------------------------------

    /// The consent flow as a browser would run it, over HTTP: connect, the start form from the
    /// job-site page (its binding cookie kept), the consent page, Allow, the backend's callback
    /// with that cookie. Leaves [`SITE_USER`] connected.
    pub(crate) fn connect_backend(&self) -> Result<()> {
        let backend = self.backend_url();
        let bearer = format!("Bearer {}", self.site_token);
        let started = http::post_json(
            &format!("{backend}/api/v1/connect"),
            &[("Authorization", &bearer), ("Origin", JOB_SITE_ORIGIN)],
            r#"{"mode":"popup"}"#,
        )?
        .expect(201, "POST /api/v1/connect")?;
        let field =
            |name: &str| http::json_str(&started.body, name).with_context(|| format!("no {name}"));
        let bound = http::post_form(
            &field("start_url")?,
            &[("Origin", JOB_SITE_ORIGIN)],
            &[
                ("flow_id".to_owned(), field("flow_id")?),
                ("ticket".to_owned(), field("start_ticket")?),
            ],
        )?
        .expect(303, "POST /oauth/start")?;
        let cookie = bound
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .context("POST /oauth/start set no cookie")?
            .to_owned();
        let authorize_url = bound.header("location").context("no Location")?.to_owned();
        let callback = self.allow(&authorize_url)?;
        let page = http::get(&callback, &[("Cookie", &cookie)])?;
        if page.status != 200 {
            bail!(
                "the backend's callback answered {}: {}",
                page.status,
                page.body
            );
        }
        let connection = http::get(
            &format!("{backend}/api/v1/connection"),
            &[("Authorization", &bearer)],
        )?
        .expect(200, "GET /api/v1/connection")?;
        if http::json_str(&connection.body, "status").as_deref() != Some("connected") {
            bail!("not connected after consent: {}", connection.body);
        }
        Ok(())
    }

    /// Opens the consent page at `authorize_url`, clicks Allow for the first manager, and returns
    /// the redirect (the callback URL with `code` and `state`).
    fn allow(&self, authorize_url: &str) -> Result<String> {
        let page = http::get(authorize_url, &[])?.expect(200, "the consent page")?;
        let mut fields = http::consent_form(&page.body)?;
        fields.push(("decision".to_owned(), "allow".to_owned()));
        let answer = http::post_form(
            &format!("{}/auth/oauth2/authorize", self.sandbox_url),
            &[],
            &fields,
        )?;
        if answer.status != 302 {
            bail!("Allow answered {}: {}", answer.status, answer.body);
        }
        let location = answer.header("location").context("no Location")?;
        if location.contains("error=") {
            bail!("consent failed: {location}");
        }
        Ok(location.to_owned())
    }

    /// An access token for the sandbox, obtained through consent and a code exchange by this
    /// process (no PKCE), and the consenting manager's Remote user id.
    pub(crate) fn direct_token(&self) -> Result<(String, String)> {
        let redirect_uri = format!("{}/oauth/callback", self.backend_url());
        let authorize_url = format!(
            "{}/auth/oauth2/authorize?client_id={CLIENT_ID}&redirect_uri={}&response_type=code&state=bench",
            self.sandbox_url,
            http::form_encode(&redirect_uri)
        );
        let callback = self.allow(&authorize_url)?;
        let code = http::query_param(&callback, "code").context("no code in the redirect")?;
        let basic = format!(
            "Basic {}",
            http::base64(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes())
        );
        let answer = http::post_form(
            &format!("{}/auth/oauth2/token", self.sandbox_url),
            &[("Authorization", &basic)],
            &[
                ("grant_type".to_owned(), "authorization_code".to_owned()),
                ("code".to_owned(), code),
                ("redirect_uri".to_owned(), redirect_uri),
            ],
        )?
        .expect(200, "POST /auth/oauth2/token")?;
        let token = http::json_str(&answer.body, "access_token").context("no access_token")?;
        let user = http::json_str(&answer.body, "user_id").context("no user_id")?;
        Ok((token, user))
    }

    /// One hire through the backend (checks the whole path works before a load).
    pub(crate) fn one_hire(&self, tag: &str, date: &str) -> Result<http::Response> {
        let body = format!(
            r#"{{"full_name":"Bench {tag}","job_title":"Engineer","personal_email":"{tag}@bench.example","provisional_start_date":"{date}","country_code":"PT"}}"#
        );
        http::post_json(
            &format!("{}/api/v1/hires", self.backend_url()),
            &[
                ("Authorization", &format!("Bearer {}", self.site_token)),
                ("Idempotency-Key", tag),
            ],
            &body,
        )
    }
}

/// `n` random bytes as hex, from /dev/urandom.
fn random_hex(n: usize) -> Result<String> {
    use std::io::Read;
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Creates a fresh Postgres database on 127.0.0.1:5432 (trust auth, user postgres); dropped by
/// [`drop_database`].
pub(crate) fn create_database(name: &str) -> Result<String> {
    psql(&format!("CREATE DATABASE {name}"))
        .context("Postgres at 127.0.0.1:5432 (trust auth, user postgres) is needed")?;
    Ok(format!("postgres://postgres@127.0.0.1:5432/{name}"))
}

pub(crate) fn drop_database(name: &str) {
    let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// Transactions committed and rows written so far in database `name` (from pg_stat_database).
pub(crate) fn pg_counters(name: &str) -> Result<(u64, u64)> {
    let text = psql(&format!(
        "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = '{name}'"
    ))?;
    let mut cols = text.trim().split('|');
    let commits = cols
        .next()
        .and_then(|c| c.parse().ok())
        .context("no xact_commit")?;
    let rows = cols
        .next()
        .and_then(|c| c.parse().ok())
        .context("no row counts")?;
    Ok((commits, rows))
}

/// Milliseconds per single-row autocommitted INSERT in database `name`, with
/// `synchronous_commit` on (each commit waits for the WAL to be flushed to disk) and off.
pub(crate) fn pg_commit_latency(name: &str) -> Result<(f64, f64)> {
    const N: usize = 100;
    let run = |sync: &str| -> Result<f64> {
        let mut script =
            format!("SET synchronous_commit = {sync};\nCREATE TEMP TABLE bench_commit (v int);\n");
        for i in 0..N {
            script.push_str(&format!("INSERT INTO bench_commit VALUES ({i});\n"));
        }
        let path =
            std::env::temp_dir().join(format!("hwr-bench-commit-{}.sql", std::process::id()));
        std::fs::write(&path, script)?;
        let started = Instant::now();
        let result = output(
            Command::new("psql")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-d",
                    name,
                    "-qX",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-f",
                ])
                .arg(&path),
        );
        let elapsed = started.elapsed().as_secs_f64() * 1e3;
        let _ = std::fs::remove_file(&path);
        result?;
        Ok(elapsed / N as f64)
    };
    Ok((run("on")?, run("off")?))
}

fn psql(sql: &str) -> Result<String> {
    output(Command::new("psql").args([
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-v",
        "ON_ERROR_STOP=1",
        "-qAtc",
        sql,
    ]))
}

/// A start date a month ahead (`date`'s arithmetic, so no calendar code here).
pub(crate) fn start_date() -> Result<String> {
    Ok(
        output(Command::new("date").args(["-u", "-d", "+45 days", "+%F"]))?
            .trim()
            .to_owned(),
    )
}

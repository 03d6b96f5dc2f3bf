//! What only the real binary can show about its settings: `HWR_DATABASE_MAX_CONNECTIONS` caps how
//! many Postgres connections one process opens however much load it gets (counted by Postgres, in
//! `pg_stat_activity`), `RUST_LOG` picks the log levels per target, `info,sqlx=warn` when unset
//! (read from the process's own stderr), and `serve --help` shows the environment's value of
//! every setting but the secrets.

use std::{
    net::TcpListener,
    path::Path,
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

use hwr_integration_tests::{server_binary, unique_user, Cluster};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::{PgConnection, Row as _};

/// Concurrent requests per round of load, and rounds.
const CONCURRENT: usize = 48;
const ROUNDS: usize = 6;

#[tokio::test]
async fn a_process_never_opens_more_postgres_connections_than_database_max_connections() {
    // Arrange: one replica left (B and C killed, so every connection to the database that is
    // not ours is A's), with a pool of 3.
    let mut cluster = Cluster::start_with(&[("HWR_DATABASE_MAX_CONNECTIONS", "3")]).await;
    cluster.kill(1);
    cluster.kill(2);
    let user = unique_user();
    let a = cluster.address(0).to_owned();
    let mut sql = cluster.sql().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while others(&mut sql).await > 3 && tokio::time::Instant::now() < deadline {
        // The killed replicas' server processes go away once Postgres sees their sockets close.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let most = Arc::new(AtomicI64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (most, done) = (most.clone(), done.clone());
        async move {
            let mut samples = 0_u32;
            while !done.load(Ordering::Relaxed) {
                most.fetch_max(others(&mut sql).await, Ordering::Relaxed);
                samples += 1;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            most.fetch_max(others(&mut sql).await, Ordering::Relaxed);
            samples
        }
    });

    // Act: rounds of concurrent flow starts (a write each) and connection reads on A.
    let mut answers = Vec::new();
    for _ in 0..ROUNDS {
        let mut round = Vec::new();
        for n in 0..CONCURRENT {
            let request = if n % 2 == 0 {
                cluster
                    .client
                    .request_at(&a, &user, Method::POST, "/api/v1/connect")
                    .json(&json!({"mode": "popup"}))
            } else {
                cluster
                    .client
                    .request_at(&a, &user, Method::GET, "/api/v1/connection")
            };
            round.push(tokio::spawn(request.send()));
        }
        for task in round {
            let answer = task.await.expect("the request task").expect("an answer");
            answers.push(answer.status());
        }
    }
    done.store(true, Ordering::Relaxed);
    let samples = sampler.await.expect("the sampler");

    // Assert
    assert_eq!(answers.len(), CONCURRENT * ROUNDS);
    assert!(
        answers
            .iter()
            .all(|status| *status == StatusCode::CREATED || *status == StatusCode::OK),
        "every request was served: {answers:?}"
    );
    let most = most.load(Ordering::Relaxed);
    assert!(
        samples > 10,
        "the connections were counted often ({samples})"
    );
    assert!(
        most >= 2,
        "the count sees the replica's connections ({most})"
    );
    assert!(
        most <= 3,
        "replica A had {most} connections open with HWR_DATABASE_MAX_CONNECTIONS=3"
    );
}

#[tokio::test]
async fn rust_log_sets_levels_per_target_and_unset_logs_every_request_at_info() {
    // Act
    let unset = demo_logs(None).await;
    let warn = demo_logs(Some("warn")).await;
    let access_only = demo_logs(Some("warn,hwr::access=info")).await;

    // Assert: the access line (at INFO, target `hwr::access`) names the request id.
    let access = "log-levels";
    assert!(
        unset.contains(access) && unset.contains("INFO"),
        "unset: the access line at INFO\n{unset}"
    );
    assert!(!warn.contains(access), "warn: no access line\n{warn}");
    assert!(
        access_only.contains(access),
        "warn,hwr::access=info: the access target at INFO under a global warn\n{access_only}"
    );
}

#[test]
fn serve_help_shows_settings_from_the_environment_but_hides_the_secret_ones() {
    // Arrange: every secret setting set to a value recognisable in the text, and one that is not
    // a secret.
    let secrets = [
        ("HWR_SITE_SECRET", "site-secret-value-in-the-environment"),
        (
            "HWR_ENCRYPTION_KEYS",
            "k1:encryption-key-value-in-the-environment",
        ),
        (
            "HWR_REMOTE_CLIENT_SECRET",
            "client-secret-value-in-the-environment",
        ),
        (
            "HWR_WEBHOOK_SECRET",
            "webhook-secret-value-in-the-environment",
        ),
        (
            "HWR_SERVER_API_KEY",
            "server-api-key-value-in-the-environment",
        ),
        (
            "HWR_DATABASE_URL",
            "postgres://hwr:database-password-in-the-environment@db.example/hwr",
        ),
    ];
    let client_id = "client-id-value-in-the-environment";
    let mut command = Command::new(server_binary());
    command.args(["serve", "--help"]);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("HWR_") {
            command.env_remove(key);
        }
    }
    command.envs(secrets).env("HWR_REMOTE_CLIENT_ID", client_id);

    // Act
    let out = command.output().expect("the binary runs");

    // Assert
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "serve --help exits 0:\n{help}");
    assert!(
        help.contains(&format!("HWR_REMOTE_CLIENT_ID={client_id}")),
        "the help shows a setting's value from the environment:\n{help}"
    );
    for (name, value) in secrets {
        assert!(help.contains(name), "the help names {name}:\n{help}");
        assert!(
            !help.contains(value),
            "serve --help shows {name}'s value:\n{help}"
        );
    }
}

/// How many connections to this database Postgres has open, besides `sql` itself.
async fn others(sql: &mut PgConnection) -> i64 {
    sqlx::query(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(sql)
    .await
    .expect("pg_stat_activity")
    .get(0)
}

/// Runs `hire-with-remote demo` with `RUST_LOG` set to `rust_log` (or removed), sends its backend
/// one `GET /healthz` with request id `log-levels`, stops it and returns its stderr.
async fn demo_logs(rust_log: Option<&str>) -> String {
    let dir = std::env::temp_dir().join(format!("hwr-rust-log-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let stderr = dir.join("stderr.log");
    let port = free_port_run();
    let mut command = Command::new(server_binary());
    command
        .args(["demo", "--port", &port.to_string(), "--data-dir"])
        .arg(dir.join("data"))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).expect("a log file"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("HWR_") {
            command.env_remove(key);
        }
    }
    if let Some(levels) = rust_log {
        command.env("RUST_LOG", levels);
    }
    let mut child = command.spawn().expect("the binary runs");
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answer = http
            .get(&url)
            .header("x-request-id", "log-levels")
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if answer.is_ok_and(|response| response.status() == StatusCode::OK) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline && child.try_wait().ok().flatten().is_none(),
            "the demo did not start:\n{}",
            read(&stderr)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.kill();
    let _ = child.wait();
    let logs = read(&stderr);
    let _ = std::fs::remove_dir_all(&dir);
    logs
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A port P with P, P+1 and P+2 free: the demo's backend, sandbox and job site.
fn free_port_run() -> u16 {
    loop {
        let first = TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port();
        let Some(last) = first.checked_add(2) else {
            continue;
        };
        if (first..=last).all(|port| TcpListener::bind(("127.0.0.1", port)).is_ok()) {
            return first;
        }
    }
}

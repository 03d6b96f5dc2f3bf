//! The real binary's logs: with `HWR_LOG_FORMAT=json` every line is one JSON object, start-up
//! included; each request gets one access line at INFO with method, route template, status,
//! duration and request id; the callback's `code` and `state`, tokens and query strings never
//! appear.

use hwr_integration_tests::{unique_user, Cluster};
use serde_json::Value;

#[tokio::test]
async fn json_logs_hold_one_access_line_per_request_and_no_secret() {
    // Arrange
    let cluster =
        Cluster::start_with(&[("HWR_LOG_FORMAT", "json"), ("RUST_LOG", "info,sqlx=warn")]).await;
    let user = unique_user();
    cluster.connect_and_consent(&user).await;
    let a = cluster.address(0);

    // Act: a request with a request id, and a callback carrying secrets in its query.
    let http = reqwest::Client::new();
    let traced = http
        .get(format!("{a}/healthz"))
        .header("x-request-id", "trace-logs-1")
        .send()
        .await
        .expect("an answer");
    assert!(traced.status().is_success());
    let _ = http
        .get(format!(
            "{a}/oauth/callback?code=very-secret-code&state=very-secret-state"
        ))
        .send()
        .await
        .expect("an answer");
    let token = cluster.client.token(&user);
    let _ = http
        .get(format!("{a}/api/v1/flows/no-such-flow?x=query-secret"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an answer");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let logs = cluster.logs();

    // Assert
    let lines: Vec<Value> = logs
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with("== "))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "hire-with-remote is listening"),
        "start-up is logged as JSON too"
    );
    let access: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "hwr::access")
        .collect();
    let healthz = access
        .iter()
        .find(|l| l["fields"]["request_id"] == "trace-logs-1")
        .expect("an access line for the traced request");
    assert_eq!(healthz["level"], "INFO");
    assert_eq!(healthz["fields"]["method"], "GET");
    assert_eq!(healthz["fields"]["route"], "/healthz");
    assert_eq!(healthz["fields"]["status"], 200);
    assert!(healthz["fields"]["duration_ms"].is_number());
    assert!(access
        .iter()
        .any(|l| l["fields"]["route"] == "/api/v1/flows/{flow_id}"));
    for secret in [
        "very-secret-code",
        "very-secret-state",
        "query-secret",
        token.as_str(),
    ] {
        assert!(!logs.contains(secret), "{secret} reached the log");
    }
}

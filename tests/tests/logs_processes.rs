//! The real binary's logs: with `HWR_LOG_FORMAT=json` every line is one JSON object, start-up
//! included; each request gets one access line at INFO with method, route template, status,
//! duration and request id; the callback's `code` and `state`, tokens, query strings and
//! onboarding links never appear (checked against every secret the sandbox issued).

use hwr_integration_tests::{ana_with, json_body, new_key, unique_user, Cluster};
use reqwest::StatusCode;
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

#[tokio::test]
async fn no_code_token_state_or_onboarding_link_remote_issued_reaches_the_log() {
    // Arrange: every kind of secret goes through the replicas: a consent (code, state, tokens),
    // a hire (a one-time onboarding link), a refresh (new tokens) and a second hire.
    let cluster = Cluster::start_with(&[("RUST_LOG", "info,sqlx=warn")]).await;
    let user = unique_user();
    let (a, b) = (cluster.address(0), cluster.address(1));
    let flow = cluster.client.start_flow_at(a, &user).await;
    let state = flow
        .authorize_url
        .query_pairs()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.into_owned())
        .expect("the consent URL carries state");
    let callback = cluster
        .client
        .answer_consent(&flow.authorize_url, "allow")
        .await;
    assert_eq!(
        cluster.client.deliver_callback(a, &callback).await.status(),
        StatusCode::OK
    );
    let first = hire(&cluster, a, &user).await;
    cluster.client.expire_remote_tokens().await;
    let second = hire(&cluster, b, &user).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // Act
    let logs = cluster.logs();
    let issued = cluster.client.sandbox_state().await;

    // Assert
    assert!(
        logs.contains("hire-with-remote is listening"),
        "the logs were read"
    );
    assert_eq!(
        issued["token_requests"]["refresh_token"], 1,
        "a refresh ran"
    );
    let mut secrets = vec![state, cluster.client.token(&user)];
    for kind in ["codes", "access_tokens", "refresh_tokens"] {
        for secret in issued["issued"][kind].as_array().expect("a list") {
            secrets.push(secret["value"].as_str().expect("a value").to_owned());
        }
    }
    for hired in [&first, &second] {
        let link = hired["redirect_url"].as_str().expect("an onboarding link");
        secrets.push(link.rsplit('/').next().expect("its token").to_owned());
    }
    assert!(secrets.len() >= 8, "every kind was issued: {secrets:?}");
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "{secret} reached the log");
    }
}

/// `POST /api/v1/hires` of a candidate no other hire uses at `address`, asserting 201.
async fn hire(cluster: &Cluster, address: &str, user: &str) -> Value {
    let email = format!("ana.{}@example.com", uuid::Uuid::new_v4().simple());
    let response = cluster
        .client
        .hire_at(
            address,
            user,
            &new_key(),
            &ana_with("personal_email", &email),
        )
        .await;
    json_body(response, StatusCode::CREATED).await
}

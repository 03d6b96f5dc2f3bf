//! Three `hire-with-remote serve` processes on one Postgres database and one sandbox, as behind
//! a load balancer, with requests spread across them: a consent completes wherever its callback
//! lands, one expired token is refreshed once for all replicas, one idempotency key makes one
//! employment, and killing a replica mid-run loses or duplicates nothing.
//!
//! Needs the built binary (`cargo build -p hire-with-remote`; `cargo test --workspace` builds it)
//! and Postgres on 127.0.0.1:5432. The scenarios run one cluster at a time.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use hwr_integration_tests::{
    ana, candidate_number, json_body, new_key, unique_user, Cluster, RetriedHire,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::task::JoinSet;
use url::Url;

fn refreshes(state: &Value) -> u64 {
    state["token_requests"]["refresh_token"]
        .as_u64()
        .expect("a count of refreshes")
}

fn employments(state: &Value) -> &Vec<Value> {
    state["employments"]
        .as_array()
        .expect("a list of employments")
}

/// The values of `field` over `items`, as strings.
fn strings<'a>(items: impl IntoIterator<Item = &'a Value>, field: &str) -> Vec<String> {
    items
        .into_iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn distinct(values: &[String]) -> usize {
    values.iter().collect::<HashSet<_>>().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_consent_started_on_replica_a_with_its_callback_on_replica_b_reads_connected_on_c_and_hires_through_c(
) {
    // Arrange
    let cluster = Cluster::start().await;
    let client = &cluster.client;
    let (a, b, c) = (cluster.address(0), cluster.address(1), cluster.address(2));
    let user = unique_user();

    // Act: the widget's connect lands on A; the browser consents at Remote; the load balancer
    // sends the callback to B; the widget's polling and the hire land on C.
    let flow = client.start_flow_at(a, &user).await;
    let callback = client.answer_consent(&flow.authorize_url, "allow").await;
    let callback_page = client.deliver_callback(b, &callback).await;
    let flow_on_c = client.flow_at(c, &user, &flow.flow_id).await;
    let connection_on_c = client.connection_at(c, &user).await;
    let hire = json_body(
        client.hire_at(c, &user, &new_key(), &ana()).await,
        StatusCode::CREATED,
    )
    .await;
    let replayed_callback = client.deliver_callback(c, &callback).await;

    // Assert
    let public = Url::parse(a).expect("A's URL");
    assert_eq!(
        (callback.origin(), callback.path()),
        (public.origin(), "/oauth/callback"),
        "Remote redirects to the one registered redirect URI, on A's public URL"
    );
    let status = callback_page.status();
    let page = callback_page.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "B completes A's flow: {page}");
    assert_eq!(flow_on_c["status"], "connected", "{flow_on_c}");
    assert_eq!(connection_on_c["status"], "connected", "{connection_on_c}");
    assert_eq!(
        replayed_callback.status(),
        StatusCode::BAD_REQUEST,
        "the state was used once, on B, for every replica"
    );
    let state = client.sandbox_state().await;
    assert_eq!(
        state["token_requests"]["authorization_code"], 1,
        "one code exchange"
    );
    assert_eq!(state["employment_posts"], 1);
    let created = employments(&state);
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["id"], hire["employment_id"]);
    assert_eq!(created[0]["external_id"], hire["hire_id"]);
}

/// How the access token has expired before the hires arrive.
#[derive(Debug, Clone, Copy)]
enum Expiry {
    /// Remote stopped accepting it; every replica still believes it fresh and learns from a 401.
    AtRemote,
    /// The stored expiry time is past; every replica refreshes before calling Remote.
    Stored,
}

const CONCURRENT_HIRES: usize = 300;

/// 300 hires from one connection, all at once, spread over A, B and C, on an expired access
/// token while Remote's token endpoint is slow: one refresh, 300 employments.
async fn three_hundred_hires_on_an_expired_token_refresh_once(expiry: Expiry) {
    // Arrange
    let cluster = Cluster::start().await;
    let client = &cluster.client;
    let user = unique_user();
    cluster.connect_and_consent(&user).await;
    match expiry {
        Expiry::AtRemote => client.expire_remote_tokens().await,
        Expiry::Stored => cluster.expire_stored_access_token(&user).await,
    }
    // Overlapping refreshes would show: each takes a third of a second.
    client
        .fault(json!({"route": "POST /auth/oauth2/token", "latency_ms": 300}))
        .await;

    // Act
    let mut hires = JoinSet::new();
    for n in 0..CONCURRENT_HIRES {
        let (client, user) = (client.clone(), user.clone());
        hires.spawn(async move {
            let response = client
                .hire_at(client.spread(n), &user, &new_key(), &candidate_number(n))
                .await;
            let status = response.status();
            (n, status, response.text().await.unwrap_or_default())
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = hires.join_next().await {
        answers.push(answer.expect("the hire task finished"));
    }

    // Assert
    let failed: Vec<_> = answers
        .iter()
        .filter(|(_, status, _)| *status != StatusCode::CREATED)
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {CONCURRENT_HIRES} hires failed, e.g. {:?}",
        failed.len(),
        failed.iter().take(5).collect::<Vec<_>>()
    );
    let bodies: Vec<Value> = answers
        .iter()
        .map(|(_, _, body)| serde_json::from_str(body).expect("a JSON 201 body"))
        .collect();
    let employment_ids = strings(&bodies, "employment_id");
    assert_eq!(distinct(&employment_ids), CONCURRENT_HIRES);
    let state = client.sandbox_state().await;
    assert_eq!(
        refreshes(&state),
        1,
        "one refresh across the three replicas ({expiry:?})"
    );
    let created = employments(&state);
    assert_eq!(created.len(), CONCURRENT_HIRES);
    assert_eq!(
        distinct(&strings(created, "personal_email")),
        CONCURRENT_HIRES
    );
    let upstream: HashSet<String> = strings(created, "id").into_iter().collect();
    assert!(employment_ids.iter().all(|id| upstream.contains(id)));
    let records = cluster.hire_records(&user).await;
    assert_eq!(records.len(), CONCURRENT_HIRES);
    assert!(records.iter().all(|record| record.status == "created"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_hires_spread_over_three_replicas_after_remote_expired_the_token_refresh_once_and_all_succeed(
) {
    three_hundred_hires_on_an_expired_token_refresh_once(Expiry::AtRemote).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_hires_spread_over_three_replicas_past_the_stored_expiry_refresh_once_and_all_succeed(
) {
    three_hundred_hires_on_an_expired_token_refresh_once(Expiry::Stored).await;
}

const DUPLICATES: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submissions_of_one_idempotency_key_spread_over_three_replicas_at_once_create_one_employment(
) {
    // Arrange
    let cluster = Cluster::start().await;
    let client = &cluster.client;
    let user = unique_user();
    cluster.connect_and_consent(&user).await;
    let (key, candidate) = (new_key(), ana());

    // Act: fifty clicks at once; a 409 hire_in_progress is retried with the same key, like the
    // widget does, a bounded number of times.
    let mut submissions = JoinSet::new();
    for n in 0..DUPLICATES {
        let (client, user, key, candidate) =
            (client.clone(), user.clone(), key.clone(), candidate.clone());
        submissions.spawn(async move {
            let mut answers = Vec::new();
            for attempt in 0..20 {
                let response = client
                    .hire_at(client.spread(n + attempt), &user, &key, &candidate)
                    .await;
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                let done = status == StatusCode::CREATED;
                answers.push((status, body));
                if done {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            answers
        });
    }
    let mut answers = Vec::new();
    while let Some(submission) = submissions.join_next().await {
        answers.push(submission.expect("the submission task finished"));
    }

    // Assert
    for (status, body) in answers.iter().flatten() {
        assert!(
            *status == StatusCode::CREATED
                || (*status == StatusCode::CONFLICT && body["error"]["code"] == "hire_in_progress"),
            "every answer is 201 or 409 hire_in_progress: {status} {body}"
        );
    }
    let finals: Vec<&Value> = answers
        .iter()
        .map(|submission| {
            let (status, body) = submission.last().expect("at least one answer");
            assert_eq!(
                *status,
                StatusCode::CREATED,
                "each submission ends 201: {submission:?}"
            );
            body
        })
        .collect();
    let hire_ids = strings(finals.iter().copied(), "hire_id");
    let employment_ids = strings(finals.iter().copied(), "employment_id");
    assert_eq!(distinct(&hire_ids), 1, "{hire_ids:?}");
    assert_eq!(distinct(&employment_ids), 1, "{employment_ids:?}");
    let state = client.sandbox_state().await;
    assert_eq!(state["employment_posts"], 1, "one POST upstream");
    let created = employments(&state);
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["id"].as_str(), Some(employment_ids[0].as_str()));
    assert_eq!(
        created[0]["external_id"].as_str(),
        Some(hire_ids[0].as_str())
    );
    let records = cluster.hire_records(&user).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        records[0].employment_id.as_deref(),
        Some(employment_ids[0].as_str())
    );
}

const BATCH: usize = 100;
/// The replica that is killed: B.
const VICTIM: usize = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_one_replica_killed_mid_run_every_hire_of_a_batch_retried_elsewhere_ends_created_once()
{
    // Arrange: a short upstream timeout keeps the lease a dead replica leaves behind short
    // (4 × timeout + 10 s); slow employment and magic-link calls keep hires in flight.
    let mut cluster = Cluster::start_with(&[("HWR_UPSTREAM_TIMEOUT_SECS", "1")]).await;
    let client = cluster.client.clone();
    let user = unique_user();
    cluster.connect_and_consent(&user).await;
    client
        .fault(json!({"route": "POST /v1/employments", "latency_ms": 200}))
        .await;
    client
        .fault(json!({"route": "POST /v1/magic-link", "latency_ms": 100}))
        .await;
    let keys: Arc<Vec<String>> = Arc::new((0..BATCH).map(|_| new_key()).collect());

    // Act: a hire every 10 ms, each to the next replica, retried like the widget; B is killed
    // once a third of them have been answered.
    let started = Instant::now();
    let mut hires = JoinSet::new();
    for n in 0..BATCH {
        let (client, user, keys) = (client.clone(), user.clone(), Arc::clone(&keys));
        hires.spawn(async move {
            tokio::time::sleep(Duration::from_millis(10 * n as u64)).await;
            let hire = client
                .hire_with_retries(
                    &user,
                    &keys[n],
                    &candidate_number(n),
                    n,
                    Duration::from_secs(60),
                )
                .await;
            (n, hire)
        });
    }
    let mut done: Vec<(usize, RetriedHire)> = Vec::new();
    let mut killed_at = None;
    while let Some(finished) = hires.join_next().await {
        done.push(finished.expect("the hire task finished"));
        if killed_at.is_none() && done.len() >= BATCH / 3 {
            cluster.kill(VICTIM);
            killed_at = Some(started.elapsed());
        }
    }
    let took = started.elapsed();

    // Assert
    let killed_at = killed_at.expect("the victim was killed");
    let cut_off = done
        .iter()
        .flat_map(|(_, hire)| &hire.attempts)
        .filter(|attempt| attempt.replica == VICTIM && attempt.cut_off)
        .count();
    assert!(
        cut_off > 0,
        "the kill at {killed_at:?} cut off no request in flight at B"
    );
    let retried = done
        .iter()
        .filter(|(_, hire)| hire.attempts.len() > 1)
        .count();
    let most = attempts_per_hire(&done);
    eprintln!(
        "B killed at {killed_at:?}; batch done in {took:?}; {cut_off} requests cut off; \
         {retried} hires retried, at most {most} attempts each"
    );
    let bodies: HashMap<usize, &Value> = done.iter().map(|(n, hire)| (*n, &hire.body)).collect();
    assert_eq!(bodies.len(), BATCH);
    let hire_ids = strings(bodies.values().copied(), "hire_id");
    let employment_ids = strings(bodies.values().copied(), "employment_id");
    assert_eq!(distinct(&hire_ids), BATCH, "one hire per key");
    assert_eq!(distinct(&employment_ids), BATCH, "one employment per hire");

    let state = client.sandbox_state().await;
    let created = employments(&state);
    assert_eq!(
        created.len(),
        BATCH,
        "nothing duplicated upstream (kill at {killed_at:?}, run {took:?}, {} requests cut off)",
        cut_off
    );
    assert_eq!(distinct(&strings(created, "personal_email")), BATCH);
    let upstream: HashMap<String, String> = created
        .iter()
        .map(|employment| {
            (
                employment["external_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                employment["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for body in bodies.values() {
        let hire_id = body["hire_id"].as_str().unwrap_or_default();
        assert_eq!(
            upstream.get(hire_id).map(String::as_str),
            body["employment_id"].as_str(),
            "the answer names the employment Remote holds for hire {hire_id}"
        );
    }
    let records = cluster.hire_records(&user).await;
    assert_eq!(records.len(), BATCH);
    assert!(
        records.iter().all(|record| record.status == "created"),
        "{records:?}"
    );

    // Replaying every key on the survivors answers the same ids and posts nothing new.
    client.clear_faults().await;
    let posts_before = state["employment_posts"].clone();
    let mut replays = JoinSet::new();
    for (&n, body) in &bodies {
        let (client, user, key, body) = (
            client.clone(),
            user.clone(),
            keys[n].clone(),
            (*body).clone(),
        );
        let survivor = cluster.address(if n % 2 == 0 { 0 } else { 2 }).to_owned();
        replays.spawn(async move {
            let replay = json_body(
                client
                    .hire_at(&survivor, &user, &key, &candidate_number(n))
                    .await,
                StatusCode::CREATED,
            )
            .await;
            (body, replay)
        });
    }
    while let Some(replayed) = replays.join_next().await {
        let (body, replay) = replayed.expect("the replay task finished");
        assert_eq!(replay["hire_id"], body["hire_id"]);
        assert_eq!(replay["employment_id"], body["employment_id"]);
    }
    let after = client.sandbox_state().await;
    assert_eq!(after["employment_posts"], posts_before);
    assert_eq!(employments(&after).len(), BATCH);
}

fn attempts_per_hire(done: &[(usize, RetriedHire)]) -> usize {
    done.iter()
        .map(|(_, hire)| hire.attempts.len())
        .max()
        .unwrap_or_default()
}

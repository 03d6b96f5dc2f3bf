//! The backend's own rate limits: a burst beyond a site user's allowance gets 429
//! `rate_limited` with `Retry-After`, without touching other users. (In memory: SQLite only.)

use hwr_integration_tests::{assert_error, spawn_app_with, unique_user, Db};
use reqwest::{header, StatusCode};

#[tokio::test]
async fn a_burst_beyond_a_users_allowance_is_rate_limited_with_retry_after() {
    // Arrange: 40 a minute, so a burst of 10 and then one more every second and a half.
    let app = spawn_app_with(Db::Sqlite, |settings| settings.rate_limit_user_per_min = 40).await;
    let (greedy, other) = (unique_user(), unique_user());

    // Act
    let mut served = 0;
    let mut limited = None;
    for _ in 0..25 {
        let response = app.get(&greedy, "/api/v1/connection").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
        served += 1;
    }
    let others = app.get(&other, "/api/v1/connection").await;

    // Assert
    let limited = limited.expect("the burst was limited");
    assert!(
        (10..20).contains(&served),
        "{served} served before the limit"
    );
    let retry_after = limited
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert!(
        retry_after.is_some_and(|s| s >= 1),
        "Retry-After: {retry_after:?}"
    );
    assert_error(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(
        others.status(),
        StatusCode::OK,
        "another user is not limited"
    );
}

#[tokio::test]
async fn a_spoofed_x_forwarded_for_does_not_reset_the_limit_for_requests_without_an_origin() {
    // Arrange: no trusted proxy, so requests without an `Origin` are limited per peer address.
    let app = spawn_app_with(Db::Sqlite, |settings| {
        settings.rate_limit_user_per_min = 0;
        settings.rate_limit_origin_per_min = 40;
    })
    .await;
    let user = unique_user();

    // Act: every request claims another client address.
    let mut served = 0;
    let mut limited = false;
    for n in 0..25 {
        let response = app
            .client
            .get(app.url("/api/v1/connection"))
            .bearer_auth(app.token(&user))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .send()
            .await
            .expect("the backend answers");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
        served += 1;
    }

    // Assert
    assert!(limited, "X-Forwarded-For reset the limit: {served} served");
    assert!(
        (10..20).contains(&served),
        "{served} served before the limit"
    );
}

#[tokio::test]
async fn x_forwarded_for_from_a_trusted_proxy_limits_each_client_separately() {
    // Arrange: the test client (127.0.0.1) is the trusted proxy.
    let app = spawn_app_with(Db::Sqlite, |settings| {
        settings.rate_limit_user_per_min = 0;
        settings.rate_limit_origin_per_min = 40;
        settings.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
    })
    .await;
    let user = unique_user();

    // Act: 25 requests, each for a different client behind the proxy.
    let mut statuses = Vec::new();
    for n in 0..25 {
        let response = app
            .client
            .get(app.url("/api/v1/connection"))
            .bearer_auth(app.token(&user))
            .header("x-forwarded-for", format!("203.0.113.{n}, 127.0.0.1"))
            .send()
            .await
            .expect("the backend answers");
        statuses.push(response.status());
    }

    // Assert
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}

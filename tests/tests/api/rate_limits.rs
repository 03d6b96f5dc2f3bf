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

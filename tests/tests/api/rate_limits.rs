//! The backend's own rate limits: a burst beyond a site user's allowance gets 429
//! `rate_limited` with `Retry-After`, without touching other users; requests without a valid
//! site token are limited per client IP and can never spend a real user's allowance.
//! (In memory: SQLite only.)

use hwr_integration_tests::{
    assert_error, spawn_app, spawn_app_with, unique_user, Db, TestApp, FOREIGN_ORIGIN,
    JOB_SITE_ORIGIN,
};
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
async fn a_spoofed_x_forwarded_for_does_not_reset_the_limit_for_requests_without_a_token() {
    // Arrange: no trusted proxy, so tokenless requests are limited per peer address.
    let app = spawn_app_with(Db::Sqlite, |settings| {
        settings.rate_limit_user_per_min = 0;
        settings.rate_limit_ip_per_min = 40;
    })
    .await;

    // Act: every request claims another client address.
    let mut served = 0;
    let mut limited = false;
    for n in 0..25 {
        let status = tokenless(&app, &format!("203.0.113.{n}")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
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
        settings.rate_limit_ip_per_min = 40;
        settings.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
    })
    .await;

    // Act: 25 tokenless requests, each for a different client behind the proxy; the hop the
    // client wrote itself (leftmost) changes nothing.
    let mut statuses = Vec::new();
    for n in 0..25 {
        statuses.push(tokenless(&app, &format!("198.51.100.7, 203.0.113.{n}, 127.0.0.1")).await);
    }

    // Assert
    assert!(
        statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_client_behind_a_trusted_proxy_cannot_escape_its_limit_by_writing_x_forwarded_for() {
    // Arrange
    let app = spawn_app_with(Db::Sqlite, |settings| {
        settings.rate_limit_ip_per_min = 40;
        settings.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
    })
    .await;

    // Act: one client (203.0.113.9, appended by the proxy) writes a new leftmost hop each time.
    let mut limited = false;
    for n in 0..25 {
        if tokenless(&app, &format!("198.51.100.{n}, 203.0.113.9")).await
            == StatusCode::TOO_MANY_REQUESTS
        {
            limited = true;
            break;
        }
    }

    // Assert
    assert!(limited, "the leftmost hop reset the limit");
}

#[tokio::test]
async fn a_flood_of_3000_tokenless_requests_leaves_a_real_users_next_request_at_200() {
    // Arrange: the default limits; the flood claims the job site's origin, as any script can.
    let app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    let flood = (0..3000).map(|n| {
        let request = app
            .client
            .get(app.url("/api/v1/connection"))
            .header(header::ORIGIN, JOB_SITE_ORIGIN);
        let request = if n % 2 == 0 {
            request
        } else {
            request.bearer_auth("forged.token.value")
        };
        async move { request.send().await.map(|r| r.status()) }
    });

    // Act
    let statuses = futures_join_all(flood).await;
    let real = app.get(&user, "/api/v1/connection").await;

    // Assert
    let limited = statuses
        .iter()
        .filter(|s| matches!(s, Ok(StatusCode::TOO_MANY_REQUESTS)))
        .count();
    assert!(limited > 0, "the flood itself was limited");
    assert_eq!(real.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_lower_case_bearer_counts_against_the_users_allowance() {
    // Arrange
    let app = spawn_app_with(Db::Sqlite, |settings| {
        settings.rate_limit_user_per_min = 40;
        settings.rate_limit_ip_per_min = 0;
    })
    .await;
    let user = unique_user();
    let token = app.token(&user);

    // Act
    let mut limited = false;
    for _ in 0..25 {
        let response = app
            .client
            .get(app.url("/api/v1/connection"))
            .header(header::AUTHORIZATION, format!("bearer {token}"))
            .send()
            .await
            .expect("the backend answers");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(response.status(), StatusCode::OK, "accepted in lower case");
    }

    // Assert
    assert!(limited, "a lower-case scheme skipped the user's limit");
}

#[tokio::test]
async fn a_flood_of_consent_start_forms_from_one_client_is_rate_limited() {
    // Arrange
    let app = spawn_app_with(Db::Sqlite, |settings| settings.rate_limit_ip_per_min = 40).await;

    // Act
    let mut statuses = Vec::new();
    for n in 0..25 {
        let response = app
            .client
            .post(app.url("/oauth/start"))
            .header(header::ORIGIN, JOB_SITE_ORIGIN)
            .form(&[
                ("flow_id", format!("guess-{n}")),
                ("ticket", "guess".to_owned()),
            ])
            .send()
            .await
            .expect("the backend answers");
        statuses.push(response.status());
    }

    // Assert: refused as unknown first, then limited.
    assert_eq!(statuses[0], StatusCode::FORBIDDEN);
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn requests_without_a_token_share_one_limit_per_client_whatever_origin_they_claim() {
    // Arrange: the limit is per client IP; `Origin`, written by the client, chooses nothing.
    let app = spawn_app_with(Db::Sqlite, |settings| {
        settings.rate_limit_user_per_min = 0;
        settings.rate_limit_ip_per_min = 40;
    })
    .await;

    // Act: one client cycles through the job site's origin, a foreign one and none.
    let mut statuses = Vec::new();
    for n in 0..25 {
        let request = app.client.get(app.url("/api/v1/connection"));
        let request = match n % 3 {
            0 => request.header(header::ORIGIN, JOB_SITE_ORIGIN),
            1 => request.header(header::ORIGIN, FOREIGN_ORIGIN),
            _ => request,
        };
        let status = request.send().await.expect("the backend answers").status();
        statuses.push(status);
        if status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }

    // Assert: one bucket of ten and a bit, however the origins were mixed.
    let served = statuses.len() - 1;
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert!((10..20).contains(&served), "{served} served: {statuses:?}");
}

/// A request without a site token, claiming `forwarded_for`; its status.
async fn tokenless(app: &TestApp, forwarded_for: &str) -> StatusCode {
    app.client
        .get(app.url("/api/v1/connection"))
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .expect("the backend answers")
        .status()
}

/// Runs the futures 100 at a time.
async fn futures_join_all<T: Send + 'static>(
    futures: impl Iterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let mut results = Vec::new();
    let mut batch = Vec::new();
    for future in futures {
        batch.push(tokio::spawn(future));
        if batch.len() == 100 {
            for handle in batch.drain(..) {
                results.push(handle.await.expect("the request task"));
            }
        }
    }
    for handle in batch {
        results.push(handle.await.expect("the request task"));
    }
    results
}

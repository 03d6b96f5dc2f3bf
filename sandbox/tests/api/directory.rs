//! Countries, identity, company managers, and what every `/v1` route shares: bearer
//! authentication, revocation, expiry and the rate limit.

use hwr_sandbox::seed::{
    ACME_ROBOTICS_ID, GLOBEX_CORP_ID, GREG_ADMIN_ID, MARIA_MANAGER_ID, OLIVIA_OWNER_ID,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{spawn, spawn_with};

#[tokio::test]
async fn countries_are_a_realistic_list_sorted_by_name() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let body: Value = app.get("/v1/countries", &token).await.json().await.unwrap();

    let countries = body["data"].as_array().unwrap();
    assert!(countries.len() >= 30);
    let names: Vec<&str> = countries
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    let portugal = countries.iter().find(|c| c["code"] == "PRT").unwrap();
    assert_eq!(portugal["alpha_2_code"], "PT");
    assert_eq!(portugal["name"], "Portugal");
    assert_eq!(portugal["eor_onboarding"], true);
    assert!(portugal["region"].is_string() && portugal["subregion"].is_string());
    assert!(countries.iter().any(|c| c["eor_onboarding"] == false));
    for code in ["DEU", "ESP", "FRA", "GBR", "USA", "BRA", "IND"] {
        assert!(countries.iter().any(|c| c["code"] == code), "{code}");
    }
}

#[tokio::test]
async fn identity_names_the_client_company_user_and_integration() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app.get("/v1/identity/current", &token).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["client_id"], "demo-client");
    assert_eq!(
        body["data"]["company"],
        json!({"id": ACME_ROBOTICS_ID, "name": "Acme Robotics"})
    );
    assert_eq!(body["data"]["user"]["id"], MARIA_MANAGER_ID);
    assert_eq!(body["data"]["user"]["name"], "Maria Manager");
    assert_eq!(body["data"]["user"]["status"], "active");
    assert_eq!(body["data"]["integration"]["display_name"], "Demo Job Site");
    assert!(body["data"]["integration"]["contact_email"].is_string());
}

#[tokio::test]
async fn company_managers_lists_the_companys_managers_with_paging() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let all: Value = app
        .get("/v1/company-managers", &token)
        .await
        .json()
        .await
        .unwrap();
    let second: Value = app
        .get("/v1/company-managers?page=2&page_size=1", &token)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(all["data"]["total_count"], 2);
    assert_eq!(all["data"]["current_page"], 1);
    assert_eq!(all["data"]["total_pages"], 1);
    assert_eq!(
        all["data"]["company_managers"][0],
        json!({
            "company_id": ACME_ROBOTICS_ID,
            "role": "admin",
            "user_email": "maria.manager@acme-robotics.example",
            "user_id": MARIA_MANAGER_ID,
            "user_name": "Maria Manager"
        })
    );
    assert_eq!(
        second["data"]["company_managers"][0]["user_id"],
        OLIVIA_OWNER_ID
    );
    assert_eq!(second["data"]["total_pages"], 2);
}

#[tokio::test]
async fn the_seed_lists_two_companies_each_with_a_manager() {
    let companies = hwr_sandbox::seed::companies();

    assert_eq!(companies[0].name, "Acme Robotics");
    assert_eq!(companies[0].managers[0].name, "Maria Manager");
    assert_eq!(companies[1].id, GLOBEX_CORP_ID);
    assert_eq!(companies[1].managers[0].id, GREG_ADMIN_ID);
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401_with_a_message() {
    let app = spawn().await;

    let missing = app
        .client
        .get(app.url("/v1/employments"))
        .send()
        .await
        .unwrap();
    let unknown = app.get("/v1/employments", "not-a-token").await;
    let basic = app
        .client
        .get(app.url("/v1/countries"))
        .header("authorization", "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=")
        .send()
        .await
        .unwrap();

    for response in [missing, unknown, basic] {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().get("x-ratelimit-count").is_none());
        let body: Value = response.json().await.unwrap();
        assert!(body["message"].is_string());
    }
}

#[tokio::test]
async fn expired_access_tokens_are_401_and_refresh_still_works() {
    let app = spawn().await;
    let tokens = app.tokens_for(MARIA_MANAGER_ID).await;

    let expire = app
        .control(Method::POST, "/__sandbox/expire-tokens", None)
        .await;
    let after = app.get("/v1/identity/current", &tokens.access_token).await;
    let refreshed = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh_token),
        ])
        .await;

    assert_eq!(expire.status(), StatusCode::OK);
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refreshed.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_short_access_token_ttl_expires_tokens() {
    let app = spawn_with(|config| config.access_token_ttl = std::time::Duration::ZERO).await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app.get("/v1/identity/current", &token).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoking_a_company_kills_its_tokens_and_leaves_others_alone() {
    let app = spawn().await;
    let acme = app.tokens_for(MARIA_MANAGER_ID).await;
    let globex = app.tokens_for(GREG_ADMIN_ID).await;

    let revoke = app
        .control(
            Method::POST,
            "/__sandbox/revoke",
            Some(json!({"company_id": ACME_ROBOTICS_ID})),
        )
        .await;

    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(
        app.get("/v1/countries", &acme.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &acme.refresh_token),
        ])
        .await;
    assert_eq!(refresh.status(), StatusCode::BAD_REQUEST);
    let refresh: Value = refresh.json().await.unwrap();
    assert_eq!(refresh["error"], "invalid_grant");
    assert_eq!(
        app.get("/v1/countries", &globex.access_token)
            .await
            .status(),
        StatusCode::OK
    );
    let again = app.access_token_for(MARIA_MANAGER_ID).await;
    assert_eq!(
        app.get("/v1/countries", &again).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn revoking_with_an_empty_body_revokes_every_company() {
    let app = spawn().await;
    let acme = app.access_token_for(MARIA_MANAGER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;

    let revoke = app.control(Method::POST, "/__sandbox/revoke", None).await;

    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(
        app.get("/v1/countries", &acme).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/v1/countries", &globex).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn authenticated_answers_carry_rate_limit_headers() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    app.get("/v1/countries", &token).await;
    let response = app.get("/v1/employments/unknown", &token).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let header = |name: &str| {
        response.headers()[name]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(header("x-ratelimit-count"), 2);
    assert_eq!(header("x-ratelimit-remaining"), 248);
    assert!(header("x-ratelimit-reset") <= 60_000);
}

#[tokio::test]
async fn past_the_per_company_limit_requests_get_429_with_retry_after() {
    let app = spawn_with(|config| config.rate_limit_per_minute = 3).await;
    let acme = app.access_token_for(MARIA_MANAGER_ID).await;
    let acme_again = app.access_token_for(OLIVIA_OWNER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;

    for _ in 0..2 {
        assert_eq!(
            app.get("/v1/countries", &acme).await.status(),
            StatusCode::OK
        );
    }
    let third = app.get("/v1/countries", &acme_again).await;
    let fourth = app.get("/v1/countries", &acme).await;

    assert_eq!(third.status(), StatusCode::OK);
    assert_eq!(third.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        fourth.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(fourth.headers()["x-ratelimit-count"], "4");
    let body: Value = fourth.json().await.unwrap();
    assert!(body["message"].is_string());
    assert_eq!(
        app.get("/v1/countries", &globex).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_zero_rate_limit_turns_the_limit_off() {
    let app = spawn_with(|config| config.rate_limit_per_minute = 0).await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    for _ in 0..5 {
        let response = app.get("/v1/countries", &token).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("x-ratelimit-count").is_none());
    }
}

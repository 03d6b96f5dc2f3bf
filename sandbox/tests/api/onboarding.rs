//! Magic links and SSO URLs, and the onboarding page they open (once).

use hwr_sandbox::seed::{GREG_ADMIN_ID, MARIA_MANAGER_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{employee, spawn, spawn_with};

#[tokio::test]
async fn a_magic_link_opens_the_onboarding_page_listing_the_hires_once() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.post_json(
        "/v1/employments",
        &token,
        &employee("Ana Silva", "ana@example.com"),
    )
    .await;

    let response = app
        .post_json(
            "/v1/magic-link",
            &token,
            &json!({"user_id": MARIA_MANAGER_ID, "path": "/dashboard/people/add"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let url = body["data"]["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/onboarding/magic/", app.sandbox.base_url())));
    let first = app.client.get(url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let html = first.text().await.unwrap();
    assert!(html.contains("<h1>Onboarding</h1>"));
    assert!(html.contains("Acme Robotics"));
    assert!(html.contains("<li>Ana Silva"));
    let second = app.client.get(url).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::GONE);
    assert!(second.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn an_sso_url_opens_the_onboarding_page_once() {
    let app = spawn().await;
    let token = app.access_token_for(GREG_ADMIN_ID).await;
    app.post_json(
        "/v1/employments",
        &token,
        &employee("Gina Globex", "gina@example.com"),
    )
    .await;

    let response = app
        .get(
            &format!("/v1/sso-url?user_id={GREG_ADMIN_ID}&action=redirect_to_onboarding"),
            &token,
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let url = body["data"]["url"].as_str().unwrap();
    let html = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Globex Corp") && html.contains("Gina Globex"));
    assert_eq!(
        app.client.get(url).send().await.unwrap().status(),
        StatusCode::GONE
    );
}

#[tokio::test]
async fn links_use_the_configured_public_url() {
    let app =
        spawn_with(|config| config.public_url = Some("https://sandbox.example/".into())).await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let body: Value = app
        .post_json(
            "/v1/magic-link",
            &token,
            &json!({"user_id": MARIA_MANAGER_ID}),
        )
        .await
        .json()
        .await
        .unwrap();

    assert!(body["data"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://sandbox.example/onboarding/magic/"));
}

#[tokio::test]
async fn a_link_for_someone_who_is_not_a_manager_of_the_company_is_422() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let magic = app
        .post_json("/v1/magic-link", &token, &json!({"user_id": GREG_ADMIN_ID}))
        .await;
    let sso = app
        .get(
            &format!("/v1/sso-url?user_id={GREG_ADMIN_ID}&action=redirect_to_onboarding"),
            &token,
        )
        .await;

    for response in [magic, sso] {
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert!(body["message"].is_string());
    }
}

#[tokio::test]
async fn a_magic_link_path_must_start_with_a_slash_not_end_with_one_and_be_short() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    let long = format!("/{}", "a".repeat(255));

    for path in ["dashboard", "/dashboard/", long.as_str()] {
        let response = app
            .post_json(
                "/v1/magic-link",
                &token,
                &json!({"user_id": MARIA_MANAGER_ID, "path": path}),
            )
            .await;

        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_sso_url_needs_the_onboarding_action() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;

    let response = app
        .get(&format!("/v1/sso-url?user_id={MARIA_MANAGER_ID}"), &token)
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_unknown_link_is_an_error_page() {
    let app = spawn().await;

    let response = app
        .client
        .get(app.url("/onboarding/magic/made-up"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::GONE);
}

#[tokio::test]
async fn the_onboarding_page_escapes_names() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.post_json(
        "/v1/employments",
        &token,
        &employee("<b>Eve</b>", "eve@example.com"),
    )
    .await;
    let body: Value = app
        .post_json(
            "/v1/magic-link",
            &token,
            &json!({"user_id": MARIA_MANAGER_ID}),
        )
        .await
        .json()
        .await
        .unwrap();

    let html = app
        .client
        .get(body["data"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert!(html.contains("&lt;b&gt;Eve&lt;/b&gt;"));
    assert!(!html.contains("<b>Eve</b>"));
}

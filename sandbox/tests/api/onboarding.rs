//! Magic links and SSO URLs, the onboarding page they open (once), and its buttons, which move
//! a hire along within the link's session.

use std::time::Duration;

use hwr_sandbox::seed::{GREG_ADMIN_ID, MARIA_MANAGER_ID};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::support::receiver::Receiver;
use crate::support::{employee, spawn, spawn_with, TestSandbox};

/// A browser: keeps cookies, and follows redirects unless told not to.
fn browser(follow_redirects: bool) -> Client {
    let policy = if follow_redirects {
        reqwest::redirect::Policy::limited(5)
    } else {
        reqwest::redirect::Policy::none()
    };
    Client::builder()
        .cookie_store(true)
        .redirect(policy)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Opens a fresh magic link for `manager_id` in `browser`; returns the page.
async fn open_page(app: &TestSandbox, browser: &Client, token: &str, manager_id: &str) -> String {
    let body: Value = app
        .post_json("/v1/magic-link", token, &json!({"user_id": manager_id}))
        .await
        .json()
        .await
        .unwrap();
    let response = browser
        .get(body["data"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// The hire's list item on the page.
fn item<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html
        .find(&format!("<li>{name}"))
        .unwrap_or_else(|| panic!("{name} is listed"));
    let rest = &html[start..];
    &rest[..rest.find("</li>").expect("a closed list item")]
}

/// The `action` of the hire's form and its CSRF token, as a browser would read them.
fn form_of(html: &str, name: &str) -> (String, String) {
    let item = item(html, name);
    let attribute = |marker: &str| -> String {
        let start = item
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} in {item}"))
            + marker.len();
        item[start..][..item[start..].find('"').unwrap()].to_owned()
    };
    (
        attribute("action=\""),
        attribute("name=\"csrf_token\" value=\""),
    )
}

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

#[tokio::test]
async fn the_onboarding_page_shows_each_hires_status_with_buttons_to_move_it_along() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.hire(&token, "Ana Silva", "ana@example.com").await;

    let html = open_page(&app, &browser(true), &token, MARIA_MANAGER_ID).await;

    let ana = item(&html, "Ana Silva");
    assert!(ana.contains(">created<"), "{ana}");
    assert!(ana.contains("<form method=\"post\""), "{ana}");
    assert!(ana.contains("<button name=\"status\" value=\"invited\">Invite</button>"));
    assert!(ana.contains("<button name=\"status\" value=\"active\">Complete onboarding</button>"));
    assert!(!html.contains("<script"));
}

#[tokio::test]
async fn the_buttons_change_the_status_deliver_webhooks_and_redirect_back_to_the_page() {
    let app = spawn().await;
    let receiver = Receiver::start().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.subscribe(&token, &receiver.url(), &["employment.status.updated"])
        .await;
    let id = app.hire(&token, "Ana Silva", "ana@example.com").await;
    let no_redirects = browser(false);
    let html = open_page(&app, &no_redirects, &token, MARIA_MANAGER_ID).await;
    let (action, csrf_token) = form_of(&html, "Ana Silva");

    let invited = no_redirects
        .post(app.url(&action))
        .form(&[("csrf_token", csrf_token.as_str()), ("status", "invited")])
        .send()
        .await
        .unwrap();

    assert_eq!(invited.status(), StatusCode::SEE_OTHER);
    assert_eq!(invited.headers()["location"], "/onboarding");
    let page = no_redirects
        .get(app.url("/onboarding"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ana = item(&page, "Ana Silva");
    assert!(ana.contains(">invited<"), "{ana}");
    assert!(!ana.contains("value=\"invited\">Invite"), "{ana}");
    let (action, csrf_token) = form_of(&page, "Ana Silva");
    let completed = no_redirects
        .post(app.url(&action))
        .form(&[("csrf_token", csrf_token.as_str()), ("status", "active")])
        .send()
        .await
        .unwrap();
    assert_eq!(completed.status(), StatusCode::SEE_OTHER);
    let shown: Value = app
        .get(&format!("/v1/employments/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["data"]["employment"]["status"], "active");
    let deliveries = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert!(deliveries
        .iter()
        .all(|d| d.json()["employment_id"] == id.as_str()));
}

#[tokio::test]
async fn a_browser_that_follows_the_redirect_sees_the_new_status() {
    let app = spawn().await;
    let token = app.access_token_for(MARIA_MANAGER_ID).await;
    app.hire(&token, "Ana Silva", "ana@example.com").await;
    let browser = browser(true);
    let html = open_page(&app, &browser, &token, MARIA_MANAGER_ID).await;
    let (action, csrf_token) = form_of(&html, "Ana Silva");

    let response = browser
        .post(app.url(&action))
        .form(&[("csrf_token", csrf_token.as_str()), ("status", "active")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().path(), "/onboarding");
    let page = response.text().await.unwrap();
    assert!(page.contains("<h1>Onboarding</h1>"));
    let ana = item(&page, "Ana Silva");
    assert!(ana.contains(">active<"), "{ana}");
    assert!(!ana.contains("<button"), "{ana}");
}

#[tokio::test]
async fn the_buttons_act_only_within_the_sessions_company_and_with_its_token() {
    let app = spawn().await;
    let acme = app.access_token_for(MARIA_MANAGER_ID).await;
    let globex = app.access_token_for(GREG_ADMIN_ID).await;
    let ana = app.hire(&acme, "Ana Silva", "ana@example.com").await;
    app.hire(&globex, "Gina Globex", "gina@example.com").await;
    let acme_browser = browser(false);
    let acme_page = open_page(&app, &acme_browser, &acme, MARIA_MANAGER_ID).await;
    let (ana_action, acme_token) = form_of(&acme_page, "Ana Silva");
    let globex_browser = browser(false);
    let globex_page = open_page(&app, &globex_browser, &globex, GREG_ADMIN_ID).await;
    let (_, globex_token) = form_of(&globex_page, "Gina Globex");

    let other_company = globex_browser
        .post(app.url(&ana_action))
        .form(&[("csrf_token", globex_token.as_str()), ("status", "active")])
        .send()
        .await
        .unwrap();
    let wrong_token = acme_browser
        .post(app.url(&ana_action))
        .form(&[("csrf_token", "forged"), ("status", "active")])
        .send()
        .await
        .unwrap();
    let no_session = browser(false)
        .post(app.url(&ana_action))
        .form(&[("csrf_token", acme_token.as_str()), ("status", "active")])
        .send()
        .await
        .unwrap();
    let no_session_page = browser(false)
        .get(app.url("/onboarding"))
        .send()
        .await
        .unwrap();

    assert_eq!(other_company.status(), StatusCode::NOT_FOUND);
    assert_eq!(wrong_token.status(), StatusCode::FORBIDDEN);
    assert_eq!(no_session.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(no_session_page.status(), StatusCode::UNAUTHORIZED);
    assert!(!globex_page.contains("Ana Silva"));
    let shown: Value = app
        .get(&format!("/v1/employments/{ana}"), &acme)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["data"]["employment"]["status"], "created");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_scoped_to_the_onboarding_pages() {
    let app = spawn().await;
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

    let response = app
        .client
        .get(body["data"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();

    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/onboarding"), "{cookie}");
}

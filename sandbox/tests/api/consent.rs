//! `GET`/`POST /auth/oauth2/authorize`: the consent page and its decisions.

use hwr_sandbox::seed::{GREG_ADMIN_ID, MARIA_MANAGER_ID};
use reqwest::StatusCode;

use crate::support::{location_params, param, pkce_pair, spawn, REDIRECT_URI};

fn authorize_query(client_id: &str, redirect_uri: &str) -> Vec<(String, String)> {
    vec![
        ("client_id".into(), client_id.into()),
        ("redirect_uri".into(), redirect_uri.into()),
        ("response_type".into(), "code".into()),
        ("state".into(), "xyz".into()),
        ("scope".into(), hwr_sandbox::SCOPE.into()),
    ]
}

#[tokio::test]
async fn the_consent_page_names_the_integration_the_scope_and_the_managers() {
    let app = spawn().await;

    let response = app
        .client
        .get(app.url("/auth/oauth2/authorize"))
        .query(&authorize_query("demo-client", REDIRECT_URI))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("Authorize Demo Job Site"));
    assert!(html.contains("company.manage"));
    assert!(html.contains("<form method=\"post\""));
    assert!(
        html.contains("<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>")
    );
    assert!(html.contains("name=\"decision\" value=\"deny\">Deny</button>"));
    assert!(html.contains("<select id=\"manager_id\" name=\"manager_id\">"));
    assert!(html.contains("Maria Manager") && html.contains("Acme Robotics"));
    assert!(html.contains("Greg Admin") && html.contains("Globex Corp"));
    assert!(html.contains("name=\"state\" value=\"xyz\""));
}

#[tokio::test]
async fn the_consent_page_escapes_what_the_client_sent() {
    let app = spawn().await;
    let mut query = authorize_query("demo-client", REDIRECT_URI);
    query[3].1 = "\"><script>alert(1)</script>".into();

    let response = app
        .client
        .get(app.url("/auth/oauth2/authorize"))
        .query(&query)
        .send()
        .await
        .unwrap();

    let html = response.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn allowing_redirects_to_the_redirect_uri_with_a_code_and_the_state() {
    let app = spawn().await;

    let response = app.decide("allow", MARIA_MANAGER_ID, &[]).await;

    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{REDIRECT_URI}?code=")));
    let params = location_params(&response);
    assert_eq!(param(&params, "state").as_deref(), Some("state-123"));
    assert!(param(&params, "code").is_some_and(|code| code.len() > 20));
}

#[tokio::test]
async fn denying_redirects_with_access_denied_and_the_state() {
    let app = spawn().await;

    let response = app.decide("deny", MARIA_MANAGER_ID, &[]).await;

    assert_eq!(response.status(), StatusCode::FOUND);
    let params = location_params(&response);
    assert_eq!(param(&params, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&params, "state").as_deref(), Some("state-123"));
    assert_eq!(param(&params, "code"), None);
}

#[tokio::test]
async fn an_unknown_client_id_gets_an_error_page_and_no_redirect() {
    let app = spawn().await;

    let response = app
        .client
        .get(app.url("/auth/oauth2/authorize"))
        .query(&authorize_query("someone-else", REDIRECT_URI))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    assert!(response.text().await.unwrap().contains("client_id"));
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect() {
    let app = spawn().await;

    for redirect_uri in [
        "http://evil.example/cb",
        "http://127.0.0.1:8080/oauth/callback/",
        "",
    ] {
        let response = app
            .client
            .get(app.url("/auth/oauth2/authorize"))
            .query(&authorize_query("demo-client", redirect_uri))
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{redirect_uri}");
        assert!(response.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn posting_the_form_with_an_unregistered_redirect_uri_does_not_redirect() {
    let app = spawn().await;

    let response = app
        .client
        .post(app.url("/auth/oauth2/authorize"))
        .form(&[
            ("client_id", "demo-client"),
            ("redirect_uri", "http://evil.example/cb"),
            ("response_type", "code"),
            ("manager_id", MARIA_MANAGER_ID),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn a_wrong_response_type_is_sent_back_as_unsupported_response_type() {
    let app = spawn().await;
    let mut query = authorize_query("demo-client", REDIRECT_URI);
    query[2].1 = "token".into();

    let response = app
        .client
        .get(app.url("/auth/oauth2/authorize"))
        .query(&query)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FOUND);
    let params = location_params(&response);
    assert_eq!(
        param(&params, "error").as_deref(),
        Some("unsupported_response_type")
    );
    assert_eq!(param(&params, "state").as_deref(), Some("xyz"));
}

#[tokio::test]
async fn a_plain_pkce_method_is_refused_and_s256_is_accepted() {
    let app = spawn().await;
    let (_, challenge) = pkce_pair();

    let plain = app
        .decide(
            "allow",
            MARIA_MANAGER_ID,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "plain"),
            ],
        )
        .await;
    let s256 = app
        .decide(
            "allow",
            MARIA_MANAGER_ID,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;

    assert_eq!(
        param(&location_params(&plain), "error").as_deref(),
        Some("invalid_request")
    );
    assert!(param(&location_params(&s256), "code").is_some());
}

#[tokio::test]
async fn an_unknown_scope_is_sent_back_as_invalid_scope() {
    let app = spawn().await;

    let response = app
        .decide("allow", MARIA_MANAGER_ID, &[("scope", "admin")])
        .await;

    assert_eq!(
        param(&location_params(&response), "error").as_deref(),
        Some("invalid_scope")
    );
}

#[tokio::test]
async fn allowing_without_a_known_manager_is_an_error_page() {
    let app = spawn().await;

    let response = app.decide("allow", "not-a-manager", &[]).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn the_chosen_manager_decides_the_company_of_the_grant() {
    let app = spawn().await;
    let code = app.code_for(GREG_ADMIN_ID, &[]).await;

    let body: serde_json::Value = app.exchange(&code, None).await.json().await.unwrap();

    assert_eq!(body["company_id"], hwr_sandbox::seed::GLOBEX_CORP_ID);
    assert_eq!(body["user_id"], GREG_ADMIN_ID);
}

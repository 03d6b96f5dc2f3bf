//! Every route answers with the security headers: `nosniff`, `Referrer-Policy: no-referrer`, a
//! CSP that forbids framing and `X-Frame-Options: DENY`; the API and the callback are never
//! cached. Error answers too. The consent pages' CSP nonce is the one in the page, and new on
//! every answer.

use hwr_integration_tests::{spawn_app, unique_user, Db};
use reqwest::{header, Method, Response};

fn text(response: &Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_route_and_every_error_carries_the_security_headers() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let user = unique_user();
    let flow = app.start_flow(&user).await;
    let api_routes = [
        (Method::GET, "/api/v1/connection".to_owned(), true),
        (Method::GET, "/api/v1/countries".to_owned(), true),
        (Method::GET, format!("/api/v1/flows/{}", flow.flow_id), true),
        (Method::GET, "/api/v1/flows/unknown".to_owned(), true),
        (Method::POST, "/api/v1/hires".to_owned(), true),
        (Method::POST, "/api/v1/connect".to_owned(), true),
        (Method::DELETE, "/api/v1/connection".to_owned(), true),
        (Method::GET, "/api/v1/connection".to_owned(), false),
        (
            Method::GET,
            "/api/v1/hires?email=ana@example.com".to_owned(),
            true,
        ),
        (Method::GET, "/api/v1/hires/unknown".to_owned(), true),
        (Method::GET, "/api/v1/countries/PRT/form".to_owned(), true),
        (Method::GET, "/api/v1/openapi.json".to_owned(), false),
    ];

    // Act
    let mut answers = Vec::new();
    for (method, path, signed) in api_routes {
        let request = if signed {
            app.request_as(&user, method.clone(), &path)
        } else {
            app.request(method.clone(), &path)
        };
        let response = request.send().await.expect("the backend answers");
        answers.push((format!("{method} {path}"), response, true));
    }
    let unsigned_webhook = app
        .client
        .post(app.url("/webhooks/remote"))
        .body("{}")
        .send()
        .await
        .expect("the backend answers");
    answers.push(("POST /webhooks/remote".to_owned(), unsigned_webhook, false));
    for (path, no_store) in [
        ("/healthz", false),
        ("/readyz", false),
        ("/oauth/callback", true),
        ("/oauth/callback?state=unknown&code=x", true),
        ("/no/such/route", false),
        ("/widget/no-such-file.js", false),
    ] {
        let response = app
            .client
            .get(app.url(path))
            .send()
            .await
            .expect("the backend answers");
        answers.push((format!("GET {path}"), response, no_store));
    }

    // Assert
    for (route, response, no_store) in &answers {
        assert_eq!(
            text(response, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{route}"
        );
        assert_eq!(
            text(response, header::REFERRER_POLICY),
            "no-referrer",
            "{route}"
        );
        assert!(
            text(response, header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"),
            "{route}: {}",
            text(response, header::CONTENT_SECURITY_POLICY)
        );
        assert_eq!(text(response, header::X_FRAME_OPTIONS), "DENY", "{route}");
        if *no_store {
            assert_eq!(text(response, header::CACHE_CONTROL), "no-store", "{route}");
        }
        assert_ne!(response.status().as_u16(), 500, "{route}");
    }
}

#[tokio::test]
async fn the_consent_pages_nonce_matches_its_csp_and_is_new_on_every_answer() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act: two answers of the callback page.
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .get(app.url("/oauth/callback?state=unknown&code=x"))
            .send()
            .await
            .expect("the backend answers");
        let csp = text(&response, header::CONTENT_SECURITY_POLICY);
        let body = response.text().await.expect("a page");
        nonces.push((csp, body));
    }

    // Assert
    let mut seen = Vec::new();
    for (csp, body) in &nonces {
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("a nonce in {csp}"));
        assert!(nonce.len() >= 16, "a long nonce: {nonce}");
        assert!(
            body.contains(&format!("nonce=\"{nonce}\"")),
            "the page uses the CSP's nonce"
        );
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        seen.push(nonce.to_owned());
    }
    assert_ne!(seen[0], seen[1], "a new nonce per answer");
}

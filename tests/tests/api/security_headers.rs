//! Every route answers with the security headers: `nosniff`, `Referrer-Policy: no-referrer`, a
//! CSP that forbids framing; the API and the callback are never cached. Error answers too.

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
    for (path, no_store) in [
        ("/healthz", false),
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
        if *no_store {
            assert_eq!(text(response, header::CACHE_CONTROL), "no-store", "{route}");
        }
        assert_ne!(response.status().as_u16(), 500, "{route}");
    }
}

//! The widget's files as a browser gets them: brotli or gzip by `Accept-Encoding` (made at build
//! time) with `Vary`, a loader with an `ETag` that answers 304, content-hashed files immutable for
//! a year, `/widget/v1/` with `/widget/` as an alias. The test command builds the widget before
//! the backend, so the files are there.

use hwr_integration_tests::{spawn_app, Db, TestApp};
use reqwest::{header, StatusCode};

const LOADER: &str = "/widget/v1/hire-with-remote.js";

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(accepted) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, accepted);
    }
    let response = request.send().await.expect("the backend answers");
    assert_ne!(
        response.status(),
        StatusCode::NOT_FOUND,
        "{path}: the widget is not built into this binary (run `cargo xtask build` first)"
    );
    response
}

fn text(response: &reqwest::Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_loader_goes_brotli_or_gzip_to_a_browser_that_accepts_it_and_plain_otherwise() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act
    let brotli = get(&app, LOADER, Some("gzip, deflate, br, zstd")).await;
    let gzip = get(&app, LOADER, Some("gzip, deflate")).await;
    let plain = get(&app, LOADER, None).await;

    // Assert
    assert_eq!(text(&brotli, header::CONTENT_ENCODING), "br");
    assert_eq!(text(&gzip, header::CONTENT_ENCODING), "gzip");
    assert_eq!(text(&plain, header::CONTENT_ENCODING), "");
    for response in [&brotli, &gzip, &plain] {
        assert_eq!(text(response, header::VARY), "Accept-Encoding");
        assert!(text(response, header::CONTENT_TYPE).starts_with("text/javascript"));
    }
    let (brotli, gzip, plain) = (
        brotli.bytes().await.expect("a body"),
        gzip.bytes().await.expect("a body"),
        plain.bytes().await.expect("a body"),
    );
    assert_eq!(&gzip[..2], [0x1f, 0x8b], "a gzip stream");
    assert!(String::from_utf8_lossy(&plain).contains("customElements"));
    assert!(brotli.len() < gzip.len() && gzip.len() < plain.len() / 2);
}

#[tokio::test]
async fn the_loader_answers_304_to_its_own_etag() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let first = get(&app, LOADER, Some("br")).await;
    let etag = text(&first, header::ETAG).to_owned();
    assert!(etag.starts_with('"'), "a strong ETag: {etag:?}");

    // Act
    let again = app
        .client
        .get(app.url(LOADER))
        .header(header::ACCEPT_ENCODING, "br")
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("the backend answers");
    let other_encoding = app
        .client
        .get(app.url(LOADER))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("the backend answers");

    // Assert
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(text(&again, header::ETAG), etag);
    assert_eq!(text(&again, header::VARY), "Accept-Encoding");
    assert!(again.bytes().await.expect("no body").is_empty());
    assert_eq!(
        other_encoding.status(),
        StatusCode::OK,
        "another representation"
    );
}

#[tokio::test]
async fn hashed_files_are_immutable_for_a_year_and_the_old_path_is_an_alias() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;
    let loader = get(&app, LOADER, None).await;
    let loader_cache = text(&loader, header::CACHE_CONTROL).to_owned();
    let source = loader.text().await.expect("the loader");
    let start = source
        .find("hwr-widget-")
        .expect("the loader names the glue");
    let glue: String = source[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();

    // Act
    let hashed = get(&app, &format!("/widget/v1/{glue}"), Some("br")).await;
    let alias = get(&app, "/widget/hire-with-remote.js", None).await;
    let encoded_copy = app
        .client
        .get(app.url("/widget/v1/hire-with-remote.js.br"))
        .send()
        .await
        .expect("the backend answers");

    // Assert
    assert_eq!(loader_cache, "public, max-age=300");
    assert_eq!(
        text(&hashed, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(alias.text().await.expect("the loader"), source);
    assert_eq!(encoded_copy.status(), StatusCode::NOT_FOUND);
}

//! Limits on the connections themselves, over raw TCP: slow headers are cut off, idle keep-alive
//! connections are closed, and past the connection limit a new connection gets a 503 in our
//! error shape with the security headers.

use std::time::Duration;

use hwr_integration_tests::{spawn_app_with, Db, TestApp};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn open(app: &TestApp) -> TcpStream {
    TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("the backend accepts")
}

/// Reads until the server closes the connection (or `within` runs out: `None`).
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&seen).into_owned())
}

#[tokio::test]
async fn slow_headers_are_cut_off_after_the_header_read_timeout() {
    // Arrange
    let app = spawn_app_with(Db::Sqlite, |settings| settings.header_read_timeout_secs = 1).await;
    let mut stream = open(&app).await;

    // Act: half a request head, and nothing more.
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("written");

    // Assert
    let closed = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the connection was held open");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    // Arrange: one full request, answered, on a keep-alive connection.
    let app = spawn_app_with(Db::Sqlite, |settings| settings.idle_timeout_secs = 1).await;
    let mut stream = open(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("written");

    // Act: say nothing more.
    let seen = read_until_closed(&mut stream, Duration::from_secs(5)).await;

    // Assert: answered, then closed.
    let seen = seen.expect("the idle connection was held open");
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
}

#[tokio::test]
async fn past_the_connection_limit_a_new_connection_gets_503_in_our_error_shape() {
    // Arrange: two connections open and idle.
    let app = spawn_app_with(Db::Sqlite, |settings| settings.max_connections = 2).await;
    let _first = open(&app).await;
    let _second = open(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Act
    let mut third = open(&app).await;
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let seen = read_until_closed(&mut third, Duration::from_secs(5))
        .await
        .expect("answered and closed");

    // Assert
    assert!(seen.starts_with("HTTP/1.1 503"), "{seen}");
    let lower = seen.to_ascii_lowercase();
    assert!(lower.contains("x-frame-options: deny"), "{seen}");
    assert!(lower.contains("retry-after: 1"), "{seen}");
    let body = &seen[seen.find("\r\n\r\n").expect("a body") + 4..];
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(json["error"]["code"], "upstream_unavailable");

    // A connection given back makes room again.
    drop(_first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answered = app.client.get(app.url("/healthz")).send().await;
    assert!(answered.is_ok_and(|r| r.status().is_success()));
}

#[tokio::test]
async fn an_oversized_request_head_is_refused() {
    // Arrange
    let app = spawn_app_with(Db::Sqlite, |_| {}).await;
    let mut stream = open(&app).await;

    // Act: one 100 KB header.
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(100_000)
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let seen = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("answered and closed");

    // Assert
    assert!(seen.starts_with("HTTP/1.1 431"), "{seen}");
}

#[tokio::test]
async fn a_request_past_the_request_timeout_gets_408_in_our_error_shape() {
    // Arrange: Remote hangs on the employment POST; requests may take 1 s.
    let app = spawn_app_with(Db::Sqlite, |settings| settings.request_timeout_secs = 1).await;
    let user = hwr_integration_tests::unique_user();
    app.connect_and_consent(&user).await;
    app.fault(serde_json::json!({"route": "POST /v1/employments", "hang": true, "count": 1}))
        .await;

    // Act
    let response = app
        .hire(
            &user,
            &hwr_integration_tests::new_key(),
            &hwr_integration_tests::ana(),
        )
        .await;

    // Assert
    assert_eq!(
        response
            .headers()
            .get("x-frame-options")
            .and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
    hwr_integration_tests::assert_error(
        response,
        reqwest::StatusCode::REQUEST_TIMEOUT,
        "upstream_unavailable",
    )
    .await;
}

//! The request head's field limit, over raw TCP: more than 64 header fields get 431 and the
//! connection is closed; 64 are served. (The 64 KiB size limit: `connections.rs`.)

use std::time::Duration;

use hwr_integration_tests::{spawn_app, Db};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Sends `GET /healthz` with `Host` and `extra` more small header fields; what came back.
async fn healthz_with_fields(port: u16, extra: usize) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the backend accepts");
    let mut head =
        String::from("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for n in 0..extra {
        head.push_str(&format!("X-Field-{n}: {n}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut seen)).await;
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn a_request_head_of_more_than_64_fields_is_refused_and_64_are_served() {
    // Arrange
    let app = spawn_app(Db::Sqlite).await;

    // Act: `Host` and `Connection` plus 62 fields is 64; plus 70 is 72.
    let at_the_limit = healthz_with_fields(app.port, 62).await;
    let past_it = healthz_with_fields(app.port, 70).await;

    // Assert
    assert!(at_the_limit.starts_with("HTTP/1.1 200"), "{at_the_limit}");
    assert!(past_it.starts_with("HTTP/1.1 431"), "{past_it}");
}

//! A webhook receiver on a real socket: records every request it gets (headers and raw body)
//! and answers 200, or 500 for the first N, or never (to make the sandbox time out).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Delivery {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("a {name} header"))
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON delivery body")
    }

    pub(crate) fn event_type(&self) -> String {
        self.json()["event_type"]
            .as_str()
            .expect("an event_type")
            .to_owned()
    }
}

#[derive(Default)]
struct Recorded {
    deliveries: Mutex<Vec<Delivery>>,
    failures_left: AtomicUsize,
    hang: bool,
}

/// A running receiver; dropping it stops it.
pub(crate) struct Receiver {
    url: String,
    recorded: Arc<Recorded>,
    task: JoinHandle<()>,
}

impl Receiver {
    /// Answers 200 to everything.
    pub(crate) async fn start() -> Self {
        Self::serve(Recorded::default()).await
    }

    /// Answers 500 to the first `failures` requests, then 200.
    pub(crate) async fn failing_first(failures: usize) -> Self {
        Self::serve(Recorded {
            failures_left: AtomicUsize::new(failures),
            ..Recorded::default()
        })
        .await
    }

    /// Answers 500 to everything.
    pub(crate) async fn always_failing() -> Self {
        Self::failing_first(usize::MAX).await
    }

    /// Never answers.
    pub(crate) async fn hanging() -> Self {
        Self::serve(Recorded {
            hang: true,
            ..Recorded::default()
        })
        .await
    }

    async fn serve(recorded: Recorded) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the receiver binds");
        let url = format!(
            "http://{}/hooks/remote",
            listener.local_addr().expect("a local address")
        );
        let recorded = Arc::new(recorded);
        let app = Router::new()
            .route("/hooks/remote", post(receive))
            .with_state(Arc::clone(&recorded));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url,
            recorded,
            task,
        }
    }

    /// The URL to register as a callback.
    pub(crate) fn url(&self) -> String {
        self.url.clone()
    }

    /// Everything received so far, in arrival order.
    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        self.recorded
            .deliveries
            .lock()
            .expect("the receiver's lock")
            .clone()
    }

    /// Waits until at least `count` requests arrived (up to `within`), then returns them all.
    pub(crate) async fn wait_for(&self, count: usize, within: Duration) -> Vec<Delivery> {
        let deadline = Instant::now() + within;
        loop {
            let deliveries = self.deliveries();
            if deliveries.len() >= count {
                return deliveries;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} deliveries within {within:?}, got {}",
                deliveries.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(recorded): State<Arc<Recorded>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    recorded
        .deliveries
        .lock()
        .expect("the receiver's lock")
        .push(Delivery {
            headers,
            body: body.to_vec(),
        });
    if recorded.hang {
        std::future::pending::<()>().await;
    }
    let failing = recorded
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

/// A URL on which nothing listens (the port was bound, then released).
pub(crate) async fn unreachable_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("a local address");
    drop(listener);
    format!("http://{addr}/hooks/remote")
}

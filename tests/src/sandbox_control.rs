//! The sandbox's control surface (`/__sandbox/…`), shared by the in-process and the
//! multi-process harnesses.

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::answers::{json_body, send};

/// `GET /__sandbox/state`.
pub(crate) async fn state(client: &Client, sandbox: &str) -> Value {
    json_body(
        send(client.get(format!("{sandbox}/__sandbox/state"))).await,
        StatusCode::OK,
    )
    .await
}

/// Registers a fault (`POST /__sandbox/faults`).
pub(crate) async fn add_fault(client: &Client, sandbox: &str, fault: &Value) {
    let response = send(
        client
            .post(format!("{sandbox}/__sandbox/faults"))
            .json(fault),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the fault is accepted"
    );
}

/// Removes every fault (`DELETE /__sandbox/faults`).
pub(crate) async fn clear_faults(client: &Client, sandbox: &str) {
    let response = send(client.delete(format!("{sandbox}/__sandbox/faults"))).await;
    assert!(response.status().is_success(), "faults cleared");
}

/// `POST /__sandbox/expire-tokens`: every issued access token stops working.
pub(crate) async fn expire_tokens(client: &Client, sandbox: &str) {
    let response = send(client.post(format!("{sandbox}/__sandbox/expire-tokens"))).await;
    assert_eq!(response.status(), StatusCode::OK, "tokens expired");
}

/// `POST /__sandbox/revoke` with an empty body: every company's grant is revoked.
pub(crate) async fn revoke_all(client: &Client, sandbox: &str) {
    let response = send(client.post(format!("{sandbox}/__sandbox/revoke"))).await;
    assert_eq!(response.status(), StatusCode::OK, "consent revoked");
}

//! `GET /oauth/callback`: where Remote sends the consent popup (or top window) back. The page it
//! renders tells the opener with `postMessage` to the flow's exact origin, closes itself, and says
//! in words what happened; it runs under a nonce CSP and is never cached or framed.

use axum::{
    extract::{RawQuery, State},
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hwr_protocol::{FlowStatus, FLOW_MESSAGE_TYPE};
use rand::RngCore;

use crate::{
    consent::{self, CallbackOutcome, CallbackQuery},
    state::AppState,
};

/// The callback route.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/oauth/callback", get(callback))
}

async fn callback(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let query = match CallbackQuery::parse(raw.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(_) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Sign-in refused",
                "This sign-in link is malformed. Close this window and try again.",
                None,
            )
        }
    };
    match consent::complete(&state, query).await {
        Ok(CallbackOutcome::Refused(message)) => {
            page(StatusCode::BAD_REQUEST, "Sign-in refused", &message, None)
        }
        Ok(CallbackOutcome::Redirect(location)) => {
            let mut response = Redirect::to(&location).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(CallbackOutcome::Popup {
            flow_id,
            origin,
            status,
            message,
        }) => {
            let title = match status {
                FlowStatus::Connected => "Connected to Remote",
                FlowStatus::Denied => "Not connected",
                _ => "Sign-in did not complete",
            };
            let status_code = if status == FlowStatus::Connected || status == FlowStatus::Denied {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            page(
                status_code,
                title,
                &message,
                Some((flow_id, origin, status)),
            )
        }
        Err(error) => {
            tracing::error!(error = %error, "the OAuth callback failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "We could not finish connecting to Remote. Close this window and try again.",
                None,
            )
        }
    }
}

/// Renders the page; with `report`, a nonce'd script posts the outcome to the opener.
fn page(
    status: StatusCode,
    title: &str,
    message: &str,
    report: Option<(String, String, FlowStatus)>,
) -> Response {
    let mut nonce_bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut nonce_bytes);
    let nonce = URL_SAFE_NO_PAD.encode(nonce_bytes);
    let script = report
        .map(|(flow_id, origin, flow_status)| {
            let data = serde_json::json!({
                "message": {"type": FLOW_MESSAGE_TYPE, "flow_id": flow_id, "status": flow_status.as_str()},
                "origin": origin,
            });
            // JSON inside a script: escape '<' so no value can close the element.
            let data = data.to_string().replace('<', "\\u003c");
            format!(
                "<script nonce=\"{nonce}\">(function(){{var d={data};try{{if(window.opener){{window.opener.postMessage(d.message,d.origin);}}}}catch(e){{}}setTimeout(function(){{window.close();}},600);}})();</script>"
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} · Hire with Remote</title>\
         <style nonce=\"{nonce}\">body{{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;display:grid;place-items:center;min-height:100vh;margin:0;background:#f6f7fb;color:#1b1f2a}}main{{max-width:28rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08)}}h1{{font-size:1.25rem;margin:0 0 .5rem}}p{{margin:0;line-height:1.5}}@media (prefers-color-scheme:dark){{body{{background:#11131a;color:#e8eaf0}}main{{background:#1b1f2a}}}}</style></head>\
         <body><main><h1>{title}</h1><p>{message}</p></main>{script}</body></html>",
        title = html_escape::encode_text(title),
        message = html_escape::encode_text(message),
    );
    let csp = format!("default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

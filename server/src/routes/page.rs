//! The small HTML page the consent window shows at the end (the callback) or on a refusal (the
//! start): a heading, one sentence, and for the callback a nonce'd script that tells the opener.
//! It runs under a nonce CSP and is never cached or framed.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hwr_protocol::{FlowStatus, FLOW_MESSAGE_TYPE};
use rand::RngCore;

/// Renders the page; with `report`, a nonce'd script posts the outcome to the opener.
pub(super) fn page(
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

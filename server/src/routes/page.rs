//! The small HTML page the consent window shows at the end (the callback) or on a refusal (the
//! start): a heading, one sentence, and for the callback a nonce'd script that tells the opener.
//! Its markup is `templates/consent_window.html`; it runs under a nonce CSP and is never cached or
//! framed.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hwr_protocol::FlowMessage;
use rand::RngCore;
use serde::Serialize;

const PAGE: &str = include_str!("../../templates/consent_window.html");
const REPORT: &str = include_str!("../../templates/consent_window_report.html");

/// What the callback page's script posts, and to which origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Report {
    /// The message for `window.opener`.
    pub(super) message: FlowMessage,
    /// The exact origin it is posted to (the page that started the flow).
    pub(super) origin: String,
}

/// Renders the page; with `report`, a nonce'd script posts the outcome to the opener.
pub(super) fn page(
    status: StatusCode,
    title: &str,
    message: &str,
    report: Option<Report>,
) -> Response {
    let mut nonce_bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut nonce_bytes);
    let nonce = URL_SAFE_NO_PAD.encode(nonce_bytes);
    let html = render(&nonce, title, message, report.as_ref());
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

/// The page's HTML: `title` and `message` escaped as text, the report as JSON in the script.
fn render(nonce: &str, title: &str, message: &str, report: Option<&Report>) -> String {
    let script = report
        .and_then(|report| serde_json::to_string(report).ok())
        .map(|data| {
            // JSON inside a script: escape '<' so no value can close the element.
            let data = data.replace('<', "\\u003c");
            fill(REPORT.trim_end(), &[("nonce", nonce), ("data", &data)])
        })
        .unwrap_or_default();
    fill(
        PAGE,
        &[
            ("nonce", nonce),
            ("title", &html_escape::encode_text(title)),
            ("message", &html_escape::encode_text(message)),
            ("report", &script),
        ],
    )
}

/// Replaces each `{{name}}` of `template` with its value, in one pass: a value is never read
/// as a template, so a `{{…}}` inside one stays as it is.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 512);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let filled = after.find("}}").and_then(|end| {
            let name = &after[..end];
            let value = values.iter().find(|(n, _)| *n == name)?.1;
            Some((value, &after[end + 2..]))
        });
        match filled {
            Some((value, remainder)) => {
                out.push_str(value);
                rest = remainder;
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use hwr_protocol::FlowStatus;

    use super::*;

    #[test]
    fn every_placeholder_of_the_page_is_filled() {
        let report = Report {
            message: FlowMessage::new("f1", FlowStatus::Connected),
            origin: "https://jobs.example.com".into(),
        };

        let html = render("n0nce", "Connected", "Done.", Some(&report));

        assert!(!html.contains("{{"), "{html}");
        assert_eq!(html.matches("nonce=\"n0nce\"").count(), 2, "{html}");
        assert!(html.contains("<h1>Connected</h1><p>Done.</p>"), "{html}");
        assert!(html.contains(
            r#"var d={"message":{"type":"hwr:flow","flow_id":"f1","status":"connected"},"origin":"https://jobs.example.com"};"#
        ), "{html}");
    }

    #[test]
    fn markup_in_the_title_message_or_report_is_escaped() {
        let report = Report {
            message: FlowMessage::new("</script><script>alert(1)", FlowStatus::Failed),
            origin: "https://jobs.example.com".into(),
        };

        let html = render("n", "<b>title</b>", "<img src=x> {{nonce}}", Some(&report));

        assert!(html.contains("&lt;b&gt;title&lt;/b&gt;"), "{html}");
        assert!(html.contains("&lt;img src=x&gt; {{nonce}}"), "{html}");
        assert_eq!(html.matches("<script").count(), 1, "{html}");
    }

    #[test]
    fn without_a_report_the_page_has_no_script() {
        let html = render("n", "Sign-in refused", "No.", None);

        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("{{"), "{html}");
    }
}

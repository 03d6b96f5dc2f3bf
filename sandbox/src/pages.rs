//! The sandbox's HTML: one page layout (inline CSS, no assets) and the error page.
//! Every dynamic value goes through `escape` before it reaches markup.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

const STYLE: &str = r#"
  :root { color-scheme: light; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
         background: #f4f6fb; color: #1c2333; }
  header { background: #0b1f44; color: #fff; padding: 12px 24px; font-weight: 600; }
  header small { font-weight: 400; opacity: .7; margin-left: 8px; }
  main { max-width: 560px; margin: 40px auto; background: #fff; border-radius: 12px;
         box-shadow: 0 4px 24px rgba(11, 31, 68, .08); padding: 32px; }
  h1 { font-size: 1.5rem; margin: 0 0 16px; }
  p, li { color: #3b4660; }
  .scope { background: #f4f6fb; border-radius: 8px; padding: 12px 16px; }
  label { display: block; font-weight: 600; margin: 20px 0 6px; }
  select { width: 100%; padding: 10px; border: 1px solid #c8cfdd; border-radius: 8px;
           font: inherit; }
  .actions { display: flex; gap: 12px; margin-top: 24px; }
  button { flex: 1; padding: 12px; border-radius: 8px; font: inherit; font-weight: 600;
           cursor: pointer; border: 1px solid #c8cfdd; background: #fff; }
  button[value="allow"] { background: #3c5bf0; border-color: #3c5bf0; color: #fff; }
  .error h1 { color: #b42318; }
  ul.hires li { padding: 6px 0; border-bottom: 1px solid #eef0f5; }
  ul.hires .status { display: inline-block; margin-left: 8px; padding: 0 8px; border-radius: 999px;
                     background: #eef0f5; font-size: .85rem; }
  form.advance { display: flex; gap: 8px; margin: 8px 0 4px; }
  form.advance button { flex: 0 1 auto; padding: 6px 12px; }
  form.advance button[value="active"] { background: #3c5bf0; border-color: #3c5bf0; color: #fff; }
"#;

/// A whole HTML document around `body` (which must already be escaped markup).
pub(crate) fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><header>Remote<small>sandbox</small></header><main>{body}</main></body></html>\n",
        title = escape(title),
    )
}

/// An error page; used where Remote shows a page instead of redirecting.
pub(crate) fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<div class=\"error\"><h1>{}</h1><p>{}</p></div>",
        escape(title),
        escape(message)
    );
    (status, Html(layout(title, &body))).into_response()
}

/// Escapes text for element content and double-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

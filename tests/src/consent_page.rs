//! The browser's side of consent: the start form the widget submits from the job-site page
//! (`POST /oauth/start`, which sets the flow's binding cookie), and the sandbox's consent page
//! read the way a browser would (the form's action, its hidden inputs and the managers one may
//! sign in as; just enough HTML parsing for that one page).

use reqwest::{header, Client, Response, StatusCode};
use serde_json::Value;
use url::Url;

/// A consent flow as `POST /api/v1/connect` answered it.
#[derive(Debug, Clone)]
pub struct ConnectAnswer {
    /// The flow's id.
    pub flow_id: String,
    /// `HWR_PUBLIC_URL/oauth/start`.
    pub start_url: Url,
    /// The one-time start ticket.
    pub start_ticket: String,
}

impl ConnectAnswer {
    /// Reads `POST /api/v1/connect`'s answer.
    pub fn from_answer(answer: &Value) -> ConnectAnswer {
        let text = |name: &str| {
            answer[name]
                .as_str()
                .unwrap_or_else(|| panic!("a {name} string in {answer}"))
                .to_owned()
        };
        assert!(
            answer.get("authorize_url").is_none(),
            "the connect answer carries no authorize_url: {answer}"
        );
        ConnectAnswer {
            flow_id: text("flow_id"),
            start_url: Url::parse(&text("start_url")).expect("an absolute start_url"),
            start_ticket: text("start_ticket"),
        }
    }

    /// Submits the start form as the widget does, as a top-level navigation from a page on
    /// `origin` (the browser sends that `Origin`), with `ticket` in place of the flow's own.
    pub async fn submit_start(&self, client: &Client, origin: &str, ticket: &str) -> Response {
        crate::answers::send(
            client
                .post(self.start_url.clone())
                .header(header::ORIGIN, origin)
                .form(&[("flow_id", self.flow_id.as_str()), ("ticket", ticket)]),
        )
        .await
    }

    /// Submits the start form from `origin` with the flow's ticket, asserting the 303 to
    /// Remote's consent page and the binding cookie (which `client`'s jar keeps).
    pub async fn start_in_browser(&self, client: &Client, origin: &str) -> StartedFlow {
        let started = self.submit_start(client, origin, &self.start_ticket).await;
        assert_eq!(
            started.status(),
            StatusCode::SEE_OTHER,
            "POST /oauth/start redirects to Remote"
        );
        let cookie = started
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            cookie.starts_with(&format!("hwr_consent_{}=", self.flow_id)),
            "POST /oauth/start sets the flow's binding cookie: {cookie:?}"
        );
        StartedFlow {
            flow_id: self.flow_id.clone(),
            authorize_url: crate::answers::location(&started),
        }
    }
}

/// A consent flow started in a browser: the binding cookie is in that browser's jar.
#[derive(Debug, Clone)]
pub struct StartedFlow {
    /// The flow's id.
    pub flow_id: String,
    /// Remote's consent page, where `POST /oauth/start` sent the browser.
    pub authorize_url: Url,
}

/// The consent form found on the page.
#[derive(Debug, Clone)]
pub struct ConsentForm {
    /// Where the form posts to (absolute).
    pub action: Url,
    /// The hidden inputs, in page order.
    pub hidden: Vec<(String, String)>,
    /// The name of the `<select>` that picks the manager.
    pub manager_field: String,
    /// The managers one may sign in as (option values), in page order.
    pub managers: Vec<String>,
}

impl ConsentForm {
    /// Parses the page served at `page_url`.
    ///
    /// # Panics
    /// When the page has no `<form method="post">` with a `<select>`: the test should fail there.
    pub fn parse(page_url: &Url, html: &str) -> ConsentForm {
        let form_start = html
            .find("<form")
            .unwrap_or_else(|| panic!("the consent page has no <form>: {html}"));
        let form_end = html[form_start..]
            .find("</form>")
            .map_or(html.len(), |end| form_start + end);
        let form = &html[form_start..form_end];
        let form_tag = tag_at(form, 0);
        assert_eq!(
            attribute(form_tag, "method").map(|m| m.to_ascii_lowercase()),
            Some("post".to_owned()),
            "the consent form posts"
        );
        let action = attribute(form_tag, "action").unwrap_or_default();
        let action = page_url
            .join(&action)
            .unwrap_or_else(|error| panic!("the form action {action:?} is not a URL: {error}"));

        let hidden = tags(form, "<input")
            .filter(|tag| attribute(tag, "type").as_deref() == Some("hidden"))
            .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
            .collect();

        let select_at = form
            .find("<select")
            .unwrap_or_else(|| panic!("the consent form has no <select> of managers: {form}"));
        let manager_field = attribute(tag_at(form, select_at), "name")
            .unwrap_or_else(|| panic!("the managers' <select> has no name"));
        let select_end = form[select_at..]
            .find("</select>")
            .map_or(form.len(), |end| select_at + end);
        let managers = tags(&form[select_at..select_end], "<option")
            .filter_map(|tag| attribute(tag, "value"))
            .collect();
        ConsentForm {
            action,
            hidden,
            manager_field,
            managers,
        }
    }

    /// The value of a hidden input.
    pub fn hidden_value(&self, name: &str) -> Option<&str> {
        self.hidden
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The form body a browser sends when the person picks the first manager and clicks the
    /// button with `decision` (`allow` or `deny`).
    pub fn submission(&self, decision: &str) -> Vec<(String, String)> {
        let mut body = self.hidden.clone();
        if let Some(manager) = self.managers.first() {
            body.push((self.manager_field.clone(), manager.clone()));
        }
        body.push(("decision".to_owned(), decision.to_owned()));
        body
    }
}

/// The text of the tag starting at `at` (up to its `>`).
fn tag_at(html: &str, at: usize) -> &str {
    let end = html[at..].find('>').map_or(html.len(), |end| at + end + 1);
    &html[at..end]
}

/// Every tag in `html` that starts with `prefix` (e.g. `<input`).
fn tags<'a>(html: &'a str, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    html.match_indices(prefix)
        .map(move |(at, _)| tag_at(html, at))
}

/// A double-quoted attribute's value, entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(html_escape::decode_html_entities(&tag[start..end]).into_owned())
}

/// Opens Remote's consent page like a browser, picks the first manager and clicks `decision`
/// (`allow` or `deny`); returns where Remote redirects the browser (the backend's callback).
pub(crate) async fn answer_consent(
    client: &reqwest::Client,
    authorize_url: &Url,
    decision: &str,
) -> Url {
    let page = crate::answers::send(client.get(authorize_url.clone())).await;
    assert_eq!(
        page.status(),
        reqwest::StatusCode::OK,
        "the consent page opens"
    );
    let html = page.text().await.expect("the consent page's HTML");
    let form = ConsentForm::parse(authorize_url, &html);
    let decided = crate::answers::send(
        client
            .post(form.action.clone())
            .form(&form.submission(decision)),
    )
    .await;
    assert_eq!(
        decided.status(),
        reqwest::StatusCode::FOUND,
        "Remote redirects back after the decision"
    );
    crate::answers::location(&decided)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_form_is_read_like_a_browser_reads_it() {
        let page = Url::parse("http://127.0.0.1:1/auth/oauth2/authorize?x=1").expect("a URL");
        let html = "<p>hi</p><form method=\"post\" action=\"/auth/oauth2/authorize\">\
            <input type=\"hidden\" name=\"state\" value=\"a&amp;b\">\
            <input type=\"hidden\" name=\"client_id\" value=\"demo-client\">\
            <select id=\"manager_id\" name=\"manager_id\"><option value=\"m1\">M</option>\
            <option value=\"m2\">N</option></select>\
            <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button></form>";

        let form = ConsentForm::parse(&page, html);

        assert_eq!(
            form.action.as_str(),
            "http://127.0.0.1:1/auth/oauth2/authorize"
        );
        assert_eq!(form.hidden_value("state"), Some("a&b"));
        assert_eq!(form.managers, vec!["m1".to_owned(), "m2".to_owned()]);
        assert_eq!(
            form.submission("deny").last(),
            Some(&("decision".to_owned(), "deny".to_owned()))
        );
    }
}

//! The browser's side of consent: the start form the widget submits from the job-site page
//! (`POST /oauth/start`, which sets the flow's binding cookie), and the sandbox's consent page
//! read the way a browser would (the form's action, its hidden inputs and the managers one may
//! sign in as; just enough HTML parsing for that one page). These pieces stand alone for tests
//! of one hop; they check each hop with the same functions as the whole walk in `consent_walk`.

use reqwest::{header, Client, Response, StatusCode};
use serde_json::Value;
use url::Url;

use crate::consent_walk::{decide, first_manager, started_redirect};

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
    ///
    /// # Panics
    /// When a field is missing, or the answer carries an `authorize_url`.
    pub fn from_answer(answer: &Value) -> ConnectAnswer {
        ConnectAnswer::try_from_answer(answer).unwrap_or_else(|problem| panic!("{problem}"))
    }

    /// Reads `POST /api/v1/connect`'s answer, or says what is wrong with it.
    pub fn try_from_answer(answer: &Value) -> Result<ConnectAnswer, String> {
        let text = |name: &str| {
            answer[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no {name} string in the connect answer {answer}"))
        };
        if answer.get("authorize_url").is_some() {
            return Err(format!(
                "the connect answer carries an authorize_url, which it must not: {answer}"
            ));
        }
        let start_url = text("start_url")?;
        Ok(ConnectAnswer {
            flow_id: text("flow_id")?,
            start_url: Url::parse(&start_url)
                .map_err(|error| format!("an absolute start_url, not {start_url:?}: {error}"))?,
            start_ticket: text("start_ticket")?,
        })
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
        let authorize_url = started_redirect(&self.flow_id, started.headers())
            .unwrap_or_else(|problem| panic!("{problem}"));
        StartedFlow {
            flow_id: self.flow_id.clone(),
            authorize_url,
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
        ConsentForm::try_parse(page_url, html).unwrap_or_else(|problem| panic!("{problem}"))
    }

    /// Parses the page served at `page_url`, or says what the page lacks (with the page's HTML
    /// or the form's, for the record).
    pub fn try_parse(page_url: &Url, html: &str) -> Result<ConsentForm, String> {
        let form_start = html
            .find("<form")
            .ok_or_else(|| format!("the consent page has no <form>: {html}"))?;
        let form_end = html[form_start..]
            .find("</form>")
            .map_or(html.len(), |end| form_start + end);
        let form = &html[form_start..form_end];
        let form_tag = tag_at(form, 0);
        let method = attribute(form_tag, "method")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if method != "post" {
            return Err(format!(
                "the consent form's method is {method:?}, not \"post\": {form_tag}"
            ));
        }
        let action = attribute(form_tag, "action").unwrap_or_default();
        let action = page_url
            .join(&action)
            .map_err(|error| format!("the form action {action:?} is not a URL: {error}"))?;

        let hidden = tags(form, "<input")
            .filter(|tag| attribute(tag, "type").as_deref() == Some("hidden"))
            .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
            .collect();

        let select_at = form
            .find("<select")
            .ok_or_else(|| format!("the consent form has no <select> of managers: {form}"))?;
        let manager_field = attribute(tag_at(form, select_at), "name")
            .ok_or_else(|| "the managers' <select> has no name".to_owned())?;
        let select_end = form[select_at..]
            .find("</select>")
            .map_or(form.len(), |end| select_at + end);
        let managers = tags(&form[select_at..select_end], "<option")
            .filter_map(|tag| attribute(tag, "value"))
            .collect();
        Ok(ConsentForm {
            action,
            hidden,
            manager_field,
            managers,
        })
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
        self.submission_as(self.managers.first().map(String::as_str), decision)
    }

    /// The form body a browser sends when the person picks `manager` (none: the `<select>` is
    /// left out) and clicks the button with `decision`.
    pub fn submission_as(&self, manager: Option<&str>, decision: &str) -> Vec<(String, String)> {
        let mut body = self.hidden.clone();
        if let Some(manager) = manager {
            body.push((self.manager_field.clone(), manager.to_owned()));
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
///
/// # Panics
/// When the page does not open, has no form, or the submission is not answered with a 302.
pub(crate) async fn answer_consent(
    client: &reqwest::Client,
    authorize_url: &Url,
    decision: &str,
) -> Url {
    decide(client, authorize_url, first_manager, decision)
        .await
        .unwrap_or_else(|problem| panic!("{problem}"))
        .callback
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

    #[test]
    fn a_page_whose_form_does_not_post_is_refused_saying_so() {
        let page = Url::parse("http://127.0.0.1:1/auth/oauth2/authorize").expect("a URL");
        let html = "<form method=\"get\" action=\"/x\"><select name=\"m\"></select></form>";

        let problem = ConsentForm::try_parse(&page, html).expect_err("a GET form is refused");
        let no_form = ConsentForm::try_parse(&page, "<p>sorry</p>").expect_err("no form");

        assert!(
            problem.starts_with("the consent form's method is \"get\", not \"post\""),
            "{problem}"
        );
        assert_eq!(no_form, "the consent page has no <form>: <p>sorry</p>");
    }
}

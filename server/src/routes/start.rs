//! `POST /oauth/start`: the job-site page submits `flow_id` and `ticket` as a form, as a top-level
//! navigation into the consent window (or the top window), so the browser sends the page's
//! `Origin`. A good ticket from the flow's own origin gets the binding cookie and a 303 to Remote's
//! consent page; anything else a 403 page that says what to do, and the ticket is left as it was.

use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use hwr_protocol::{START_FLOW_ID_FIELD, START_PATH, START_TICKET_FIELD};

use super::page::page;
use crate::{
    consent::{browser, messages},
    state::AppState,
};

/// The start route.
pub(super) fn router() -> Router<AppState> {
    Router::new().route(START_PATH, post(start))
}

#[utoipa::path(post, path = START_PATH, tag = "consent",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`flow_id` and `ticket`, from the job-site page (its `Origin` is checked)"),
    responses(
        (status = 303, description = "To Remote's consent page, with the flow's binding cookie"),
        (status = 403, description = "A page that says why the start was refused", content_type = "text/html"),
    ))]
pub(super) async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut flow_id = None;
    let mut ticket = None;
    for (name, value) in form_urlencoded::parse(&body) {
        match name.as_ref() {
            START_FLOW_ID_FIELD => flow_id = Some(value.into_owned()),
            START_TICKET_FIELD => ticket = Some(value.into_owned()),
            _ => {}
        }
    }
    let (Some(flow_id), Some(ticket)) = (flow_id, ticket) else {
        return refused(messages::StartRefusal::WrongTicket);
    };
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match browser::start_in_browser(&state, &flow_id, &ticket, origin).await {
        Ok(Ok(started)) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            match (
                HeaderValue::from_str(&started.authorize_url),
                HeaderValue::from_str(&started.cookie.header_value()),
            ) {
                (Ok(location), Ok(cookie)) => {
                    headers.insert(header::LOCATION, location);
                    headers.insert(header::SET_COOKIE, cookie);
                }
                _ => return failed(),
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(Err(refusal)) => refused(refusal),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "the consent start failed");
            failed()
        }
    }
}

fn refused(refusal: messages::StartRefusal) -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Cannot connect Remote from here",
        refusal.sentence(),
        None,
    )
}

fn failed() -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        messages::CALLBACK_INTERNAL,
        None,
    )
}

//! `GET /oauth/callback`: where Remote sends the consent popup (or top window) back. The page it
//! renders tells the opener with `postMessage` to the flow's exact origin, closes itself, and says
//! in words what happened; the flow's binding cookie is removed.

use axum::{
    extract::{RawQuery, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use hwr_protocol::{FlowMessage, FlowStatus, CALLBACK_PATH};

use super::page::{page, Report};
use crate::{
    consent::{
        self,
        browser::{BindingCookie, RequestCookies},
        messages, CallbackOutcome, CallbackQuery,
    },
    detached::run_to_completion,
    state::AppState,
};

/// The callback route.
pub(super) fn router() -> Router<AppState> {
    Router::new().route(CALLBACK_PATH, get(callback))
}

#[utoipa::path(get, path = CALLBACK_PATH, tag = "consent",
    params(
        ("state" = Option<String>, Query, description = "The flow's state"),
        ("code" = Option<String>, Query, description = "Remote's authorization code"),
        ("error" = Option<String>, Query, description = "Remote's error, e.g. access_denied"),
    ),
    responses(
        (status = 200, description = "The popup's page", content_type = "text/html"),
        (status = 303, description = "Redirect mode: back to the job site's `return_to`"),
        (status = 400, description = "A page that says the link is incomplete or used", content_type = "text/html"),
        (status = 403, description = "Consent given in another browser", content_type = "text/html"),
    ))]
pub(super) async fn callback(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = match CallbackQuery::parse(raw.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(_) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Sign-in refused",
                messages::LINK_MALFORMED,
                None,
            )
        }
    };
    let cookies = RequestCookies::parse(
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok()),
    );
    let completing = state.clone();
    let outcome = run_to_completion(state.tasks.clone(), async move {
        consent::callback::complete(&completing, query, &cookies).await
    })
    .await;
    match outcome {
        Ok(CallbackOutcome::Refused(message)) => {
            page(StatusCode::BAD_REQUEST, "Sign-in refused", &message, None)
        }
        Ok(CallbackOutcome::Elsewhere(message)) => page(
            StatusCode::FORBIDDEN,
            "Started in another browser",
            &message,
            None,
        ),
        Ok(CallbackOutcome::Redirect { flow_id, location }) => {
            let mut response = Redirect::to(&location).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            forget_binding(&mut response, &flow_id, &state);
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
            let mut response = page(
                status_code,
                title,
                &message,
                Some(Report {
                    message: FlowMessage::new(flow_id.clone(), status),
                    origin,
                }),
            );
            forget_binding(&mut response, &flow_id, &state);
            response
        }
        Err(error) => {
            tracing::error!(error = %error, "the OAuth callback failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                messages::CALLBACK_INTERNAL,
                None,
            )
        }
    }
}

/// The flow is over: its binding cookie is of no further use.
fn forget_binding(response: &mut Response, flow_id: &str, state: &AppState) {
    let removal = BindingCookie::removal(flow_id, &state.config.site.public_url);
    if let Ok(value) = HeaderValue::from_str(&removal) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

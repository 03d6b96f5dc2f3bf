//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route, generated from the
//! handlers' `#[utoipa::path]` annotations and the wire types in `hwr-protocol`.

use std::sync::OnceLock;

use axum::{http::header, response::IntoResponse, routing::get, Router};

use crate::state::AppState;
use utoipa::{
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
    Modify, OpenApi,
};

/// The two credentials: a site token (HS256 JWT from the job site's server) and the server key.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut site = Http::new(HttpAuthScheme::Bearer);
        site.bearer_format = Some("JWT".to_owned());
        site.description = Some(
            "A site token: HS256 with HWR_SITE_SECRET, `aud` = `hire-with-remote`, `sub` = the job site's user.".to_owned(),
        );
        components.add_security_scheme("site_token", SecurityScheme::Http(site));
        let mut server = Http::new(HttpAuthScheme::Bearer);
        server.description = Some(
            "HWR_SERVER_API_KEY, from the job site's own servers (refused with a browser Origin)."
                .to_owned(),
        );
        components.add_security_scheme("server_key", SecurityScheme::Http(server));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hire-with-remote",
        description = "The backend behind the Hire with Remote button: consent, hires, their status, Remote's webhooks and the widget's files. Every error has the shape `{\"error\":{\"code\",\"message\",\"fields\"?}}`."
    ),
    paths(
        super::healthz,
        super::readyz,
        document,
        super::api::get_connection,
        super::api::delete_connection,
        super::api::connect,
        super::start::start,
        super::api::flow,
        super::callback::callback,
        super::hires::create,
        super::hires::one,
        super::hires::list,
        super::api::list_countries,
        super::api::country_form,
        super::remote_webhook::receive,
        super::widget::asset,
        super::widget::unversioned_asset,
    ),
    modifiers(&Credentials),
    tags(
        (name = "connection", description = "The site user's connection to Remote and consent flows"),
        (name = "consent", description = "Pages the browser visits during consent"),
        (name = "hires", description = "Hiring and reading hires"),
        (name = "webhooks", description = "Remote's webhooks"),
        (name = "widget", description = "The widget's files"),
        (name = "operations", description = "Health and readiness"),
    )
)]
struct ApiDoc;

/// The document, serialised once.
fn json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_default())
}

/// The document's route, under `/api/v1` beside the routes it describes.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

/// The OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub(super) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_both_credentials() {
        let document: serde_json::Value = serde_json::from_str(json()).expect("JSON");
        assert!(document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")));
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(schemes["site_token"]["scheme"], "bearer");
        assert_eq!(schemes["server_key"]["scheme"], "bearer");
        for schema in [
            "Candidate",
            "Hire",
            "HireResponse",
            "ErrorBody",
            "FlowResponse",
        ] {
            assert!(
                document["components"]["schemas"][schema].is_object(),
                "{schema}"
            );
        }
    }

    /// Every `.route(…)` written in `server/src/routes/` (the API's files nested under
    /// `/api/v1`), method by method, against the document's operations: a route added without
    /// its `#[utoipa::path]` (or documented but not routed) fails here.
    #[test]
    fn every_route_of_the_router_is_in_the_document() {
        use std::collections::BTreeSet;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
        let mut routed = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("the routes folder") {
            let path = entry.expect("an entry").path();
            let file = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let prefix = if matches!(file.as_str(), "api.rs" | "hires.rs" | "openapi.rs") {
                "/api/v1"
            } else {
                ""
            };
            let text = std::fs::read_to_string(&path).expect("a source file");
            // Only the code: this test's own text routes nothing.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                let Some((_, call)) = line.split_once(".route(") else {
                    continue;
                };
                let (target, handlers) = call.split_once(',').expect("a route's path and handler");
                let target = target.trim();
                let route = match target {
                    "START_PATH" => hwr_protocol::START_PATH.to_owned(),
                    "CALLBACK_PATH" => hwr_protocol::CALLBACK_PATH.to_owned(),
                    quoted => quoted.trim_matches('"').to_owned(),
                };
                for method in ["get", "post", "put", "patch", "delete"] {
                    let called = [" ", "(", "."]
                        .iter()
                        .any(|before| handlers.contains(&format!("{before}{method}(")));
                    if called {
                        routed.insert((method.to_owned(), format!("{prefix}{route}")));
                    }
                }
            }
        }
        let document: serde_json::Value = serde_json::from_str(json()).expect("JSON");
        let mut documented = BTreeSet::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("operations").keys() {
                documented.insert((method.clone(), path.clone()));
            }
        }
        assert!(routed.len() >= 15, "the scan found the routes: {routed:?}");
        assert_eq!(
            routed, documented,
            "routed (left) and documented (right) differ"
        );
    }
}

//! `GET /widget/{file}`: the embedded widget bundle. Pages on any origin load it as a module
//! script, so it is served with CORS; the loader keeps a stable name and a short cache, the
//! content-hashed glue and wasm are cached for a year.

use axum::{
    extract::Path,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use hwr_protocol::ErrorCode;

use crate::{assets::WIDGET_ASSETS, error::ApiError, state::AppState};

/// The stable loader's name.
pub(super) const LOADER: &str = "hire-with-remote.js";

/// The widget routes.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/widget/{file}", get(asset))
}

async fn asset(Path(file): Path<String>) -> Response {
    let Some((_, bytes)) = WIDGET_ASSETS.iter().find(|(name, _)| *name == file) else {
        let message = if WIDGET_ASSETS.is_empty() {
            "The widget is not built into this binary. Build it with `cargo xtask build`."
        } else {
            "No such widget file."
        };
        return ApiError::new(ErrorCode::NotFound, message)
            .with_status(StatusCode::NOT_FOUND)
            .into_response();
    };
    let content_type = match file.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    let cache = if file == LOADER {
        "public, max-age=300"
    } else {
        "public, max-age=31536000, immutable"
    };
    let mut response = (StatusCode::OK, *bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}

//! `GET /widget/v1/{file}` (and the older `/widget/{file}`): the embedded widget bundle. Pages on
//! any origin load it as a module script, so it is served with CORS. Each file was compressed at
//! build time: brotli or gzip goes to a browser that accepts it (`Vary: Accept-Encoding`). The
//! loader keeps a stable name, a short cache and an `ETag` (a reload answers 304); the
//! content-hashed glue and wasm are `immutable` for a year.

use std::{collections::HashMap, sync::OnceLock};

use axum::{
    extract::Path,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use hwr_protocol::ErrorCode;
use sha2::{Digest, Sha256};

use crate::{assets::WIDGET_ASSETS, error::ApiError, state::AppState};

/// The stable loader's name.
pub(super) const LOADER: &str = "hire-with-remote.js";

/// The widget routes: the versioned path, and the first one as an alias.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/widget/v1/{file}", get(asset))
        .route("/widget/{file}", get(unversioned_asset))
}

/// A representation of a file the browser can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Gzip => ".gz",
            Encoding::Identity => "",
        }
    }

    fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// Whether `accept_encoding` accepts `token` (present with a q-value above zero, or `*`).
fn accepts(accept_encoding: &str, token: &str) -> bool {
    let mut star = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(token) {
            return q > 0.0;
        }
        if name == "*" && q > 0.0 {
            star = true;
        }
    }
    star
}

fn file(name: &str) -> Option<&'static [u8]> {
    WIDGET_ASSETS
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, bytes)| *bytes)
}

/// The best representation of `name` the request accepts, with its bytes.
fn representation(name: &str, headers: &HeaderMap) -> Option<(Encoding, &'static [u8])> {
    let identity = file(name)?;
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for encoding in [Encoding::Brotli, Encoding::Gzip] {
        let Some(token) = encoding.token() else {
            continue;
        };
        if accepts(accept, token) {
            if let Some(bytes) = file(&format!("{name}{}", encoding.suffix())) {
                return Some((encoding, bytes));
            }
        }
    }
    Some((Encoding::Identity, identity))
}

/// A strong `ETag` per file and encoding: the content's hash, computed once.
fn etag(name: &str, encoding: Encoding, identity: &[u8]) -> String {
    static HASHES: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    let hashes = HASHES.get_or_init(|| {
        WIDGET_ASSETS
            .iter()
            .map(|(file, bytes)| {
                let digest = Sha256::digest(bytes);
                let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
                (*file, hex)
            })
            .collect()
    });
    let hash = hashes.get(name).cloned().unwrap_or_else(|| {
        let digest = Sha256::digest(identity);
        digest[..12].iter().map(|b| format!("{b:02x}")).collect()
    });
    match encoding.token() {
        Some(token) => format!("\"{hash}-{token}\""),
        None => format!("\"{hash}\""),
    }
}

/// True when `If-None-Match` names `etag` (or `*`); weak comparison, as RFC 9110 asks.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

#[utoipa::path(get, path = "/widget/v1/{file}", tag = "widget",
    params(("file" = String, Path, description = "`hire-with-remote.js` (the loader) or a content-hashed file it loads")),
    responses(
        (status = 200, description = "The file (brotli or gzip by Accept-Encoding)", content_type = "text/javascript"),
        (status = 304, description = "Not modified (ETag)"),
        (status = 404, description = "No such file", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    // Only the files themselves are addressable; their encoded copies are chosen here.
    let encoded_copy = name.ends_with(".br") || name.ends_with(".gz");
    let found = (!encoded_copy)
        .then(|| representation(&name, &headers))
        .flatten();
    let Some((encoding, bytes)) = found else {
        let message = if WIDGET_ASSETS.is_empty() {
            "The widget is not built into this binary. Build it with `cargo xtask build`."
        } else {
            "No such widget file."
        };
        return ApiError::new(ErrorCode::NotFound, message)
            .with_status(StatusCode::NOT_FOUND)
            .into_response();
    };
    let content_type = match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    let cache = if name == LOADER {
        "public, max-age=300"
    } else {
        "public, max-age=31536000, immutable"
    };
    let tag = etag(&name, encoding, file(&name).unwrap_or_default());
    let mut response = if not_modified(&headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = (StatusCode::OK, bytes).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(token) = encoding.token() {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
        }
        response
    };
    let out = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        out.insert(header::ETAG, value);
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    out.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    out.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_its_q_values() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip;q=1.0, br;q=0.5", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(accepts("*", "gzip"));
        assert!(!accepts("*;q=0", "gzip"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("identity", "br"));
    }

    #[test]
    fn if_none_match_is_compared_weakly_and_as_a_list() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b-br\""),
        );
        assert!(not_modified(&headers, "\"b-br\""));
        assert!(not_modified(&headers, "\"a\""));
        assert!(!not_modified(&headers, "\"c\""));
    }
}

/// `/widget/{file}`: the first path, kept as an alias of `/widget/v1/{file}`.
#[utoipa::path(get, path = "/widget/{file}", tag = "widget",
    params(("file" = String, Path, description = "As under `/widget/v1/`")),
    responses(
        (status = 200, description = "The same file as `/widget/v1/{file}`", content_type = "text/javascript"),
        (status = 304, description = "Not modified (ETag)"),
        (status = 404, description = "No such file", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn unversioned_asset(name: Path<String>, headers: HeaderMap) -> Response {
    asset(name, headers).await
}

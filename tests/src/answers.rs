//! What every request helper does with an answer: send it or fail the test, read a redirect's
//! `Location`, assert a status and read the JSON body.

use reqwest::{header, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use url::Url;

/// Sends a request, failing the test on a transport error.
pub async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("the request got an answer")
}

/// The `Location` of a redirect, as an absolute URL.
pub fn location(response: &Response) -> Url {
    let value = response
        .headers()
        .get(header::LOCATION)
        .unwrap_or_else(|| panic!("a Location header on {}", response.status()))
        .to_str()
        .expect("an ASCII Location");
    Url::parse(value).unwrap_or_else(|error| panic!("Location {value:?} is not absolute: {error}"))
}

/// Asserts `status` and returns the JSON body.
pub async fn json_body(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("a body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

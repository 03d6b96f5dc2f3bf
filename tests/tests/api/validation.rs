//! What the backend refuses before calling Remote: each invalid candidate field (named in
//! `fields`), bodies that are not JSON or of the wrong shape, and bodies over the size limit.
//! Every refusal is a 4xx in our error shape, never a 500.

use hwr_integration_tests::{
    ana, ana_with, assert_error, days_from_today, field_names, new_key, on_both_databases, send,
    spawn_app, unique_user, Db,
};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

async fn each_invalid_candidate_field_is_named_in_a_validation_error(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let cases = [
        ("full_name", "".to_owned()),
        ("full_name", "   ".to_owned()),
        ("full_name", "A".repeat(201)),
        ("full_name", "Ana\u{0007}Silva".to_owned()),
        ("job_title", "".to_owned()),
        ("job_title", "T".repeat(201)),
        ("personal_email", "".to_owned()),
        ("personal_email", "ana.example.com".to_owned()),
        ("personal_email", "ana@localhost".to_owned()),
        ("personal_email", "ana@@example.com".to_owned()),
        ("personal_email", "ana silva@example.com".to_owned()),
        ("provisional_start_date", "".to_owned()),
        ("provisional_start_date", "2020-01-01".to_owned()),
        ("provisional_start_date", "11/01/2027".to_owned()),
        ("provisional_start_date", "2027-02-30".to_owned()),
        ("provisional_start_date", "tomorrow".to_owned()),
        ("country_code", "".to_owned()),
        ("country_code", "P".to_owned()),
        ("country_code", "PORT".to_owned()),
        ("country_code", "P1".to_owned()),
    ];

    for (field, value) in cases {
        // Act
        let response = app.hire(&user, &new_key(), &ana_with(field, &value)).await;

        // Assert
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            field_names(&error),
            vec![field],
            "{field} = {value:?}: {error}"
        );
    }
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn a_candidate_missing_every_field_gets_every_field_named(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    // Act
    let response = app.hire(&user, &new_key(), &json!({})).await;

    // Assert
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_names(&error),
        vec![
            "country_code",
            "full_name",
            "job_title",
            "personal_email",
            "provisional_start_date"
        ]
    );
}

async fn a_start_date_of_today_is_accepted(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;

    let today = days_from_today(0);

    // Act
    let response = app
        .hire(
            &user,
            &new_key(),
            &ana_with("provisional_start_date", &today),
        )
        .await;

    // Assert: hired, and Remote received today as the start date.
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let state = app.sandbox_state().await;
    let employments = state["employments"].as_array().expect("employments");
    assert_eq!(employments.len(), 1);
    assert_eq!(employments[0]["provisional_start_date"], today.as_str());
}

/// Sends `body` raw to `POST /api/v1/hires` with the given content type.
async fn hire_with_raw_body(
    app: &hwr_integration_tests::TestApp,
    user: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .request_as(user, Method::POST, "/api/v1/hires")
        .header("Idempotency-Key", new_key())
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    send(request).await
}

async fn malformed_or_misshapen_bodies_are_refused_in_our_shape(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let mut wrong_type = ana();
    wrong_type["full_name"] = json!(42);
    let mut unknown_field = ana();
    unknown_field["salary"] = json!(100_000);
    let mut null_field = ana();
    null_field["job_title"] = Value::Null;
    // What, content type, body, and the status it gets: 400 for a body that is not JSON, 415
    // for one that does not say it is JSON, 422 for JSON of the wrong shape.
    let cases: Vec<(&str, Option<&str>, Vec<u8>, u16)> = vec![
        (
            "not JSON",
            Some("application/json"),
            b"{\"full_name\": ".to_vec(),
            400,
        ),
        ("empty", Some("application/json"), Vec::new(), 400),
        (
            "an array",
            Some("application/json"),
            b"[1,2,3]".to_vec(),
            422,
        ),
        (
            "a string",
            Some("application/json"),
            b"\"Ana\"".to_vec(),
            422,
        ),
        (
            "a number for a name",
            Some("application/json"),
            wrong_type.to_string().into_bytes(),
            422,
        ),
        (
            "an unknown field",
            Some("application/json"),
            unknown_field.to_string().into_bytes(),
            422,
        ),
        (
            "a null field",
            Some("application/json"),
            null_field.to_string().into_bytes(),
            422,
        ),
        (
            "not UTF-8",
            Some("application/json"),
            vec![b'{', 0xff, 0xfe, b'}'],
            400,
        ),
        ("no content type", None, ana().to_string().into_bytes(), 415),
        (
            "form-encoded",
            Some("application/x-www-form-urlencoded"),
            b"full_name=Ana".to_vec(),
            415,
        ),
    ];

    for (what, content_type, body, expected) in cases {
        // Act
        let response = hire_with_raw_body(&app, &user, content_type, body).await;

        // Assert
        let status = response.status();
        assert_eq!(status.as_u16(), expected, "{what}");
        let text = response.text().await.expect("a body");
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{what}: not JSON ({error}): {text}"));
        hwr_integration_tests::assert_error_shape(&body);
        assert_eq!(body["error"]["code"], "validation_failed", "{what}: {body}");
    }
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn a_body_over_the_size_limit_is_refused_as_payload_too_large(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let huge = ana_with("full_name", &"A".repeat(100 * 1024));

    // Act
    let response = app.hire(&user, &new_key(), &huge).await;

    // Assert
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

async fn a_chunked_body_over_the_size_limit_is_refused_as_payload_too_large(db: Db) {
    // Arrange: no Content-Length, so the limit must hold while the body is read.
    let app = spawn_app(db).await;
    let user = unique_user();
    app.connect_and_consent(&user).await;
    let huge = ana_with("full_name", &"A".repeat(100 * 1024)).to_string();

    // Act
    let (status, body) = post_chunked(&app, &user, "/api/v1/hires", huge.as_bytes()).await;

    // Assert
    assert_eq!(status, 413, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let error = hwr_integration_tests::assert_error_shape(&body);
    assert_eq!(error["code"], "payload_too_large");
    assert_eq!(app.sandbox_state().await["employment_posts"], 0);
}

/// Posts `body` with `Transfer-Encoding: chunked` over a raw socket (reqwest always knows the
/// length of an in-memory body); returns the status and the response body.
async fn post_chunked(
    app: &hwr_integration_tests::TestApp,
    user: &str,
    path: &str,
    body: &[u8],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("a connection to the backend");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n\
         Authorization: Bearer {token}\r\nIdempotency-Key: {key}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        port = app.port,
        origin = hwr_integration_tests::JOB_SITE_ORIGIN,
        token = app.token(user),
        key = new_key(),
    );
    socket
        .write_all(head.as_bytes())
        .await
        .expect("headers sent");
    for chunk in body.chunks(8 * 1024) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        // The server may answer and close before reading everything: that is fine.
        if socket.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, dechunk(&body))
}

/// The payload of a possibly chunked HTTP body.
fn dechunk(body: &str) -> String {
    let mut rest = body;
    let mut out = String::new();
    loop {
        let Some((size, after)) = rest.split_once("\r\n") else {
            return if out.is_empty() { body.to_owned() } else { out };
        };
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            return body.to_owned();
        };
        if size == 0 || after.len() < size {
            return out;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
}

async fn a_connect_body_that_is_not_json_is_refused_in_our_shape(db: Db) {
    // Arrange
    let app = spawn_app(db).await;

    // Act
    let response = send(
        app.request_as(&unique_user(), Method::POST, "/api/v1/connect")
            .header(header::CONTENT_TYPE, "application/json")
            .body("{mode: popup"),
    )
    .await;

    // Assert
    assert_error(response, StatusCode::BAD_REQUEST, "validation_failed").await;
}

async fn unknown_routes_and_methods_answer_in_our_shape(db: Db) {
    // Arrange
    let app = spawn_app(db).await;
    let user = unique_user();

    // Act
    let unknown = app.get(&user, "/api/v1/nope").await;
    let wrong_method = send(app.request_as(&user, Method::PUT, "/api/v1/hires")).await;

    // Assert
    assert_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
    let status = wrong_method.status();
    assert!(status.is_client_error(), "{status}");
    let body: Value = wrong_method.json().await.expect("JSON");
    hwr_integration_tests::assert_error_shape(&body);
}

on_both_databases!(
    each_invalid_candidate_field_is_named_in_a_validation_error,
    a_candidate_missing_every_field_gets_every_field_named,
    a_start_date_of_today_is_accepted,
    malformed_or_misshapen_bodies_are_refused_in_our_shape,
    a_body_over_the_size_limit_is_refused_as_payload_too_large,
    a_chunked_body_over_the_size_limit_is_refused_as_payload_too_large,
    a_connect_body_that_is_not_json_is_refused_in_our_shape,
    unknown_routes_and_methods_answer_in_our_shape,
);

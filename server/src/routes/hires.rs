//! `/api/v1/hires`: hire a candidate (`POST`, 201, or 200 for a candidate the company already
//! employs), read one hire, and list hires by candidate email (site token: the caller's
//! company) or by job-site user (server key).

use axum::{
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::get,
    Router,
};
use hwr_protocol::{Candidate, FieldErrors, Hires, IDEMPOTENCY_KEY_HEADER};

use crate::{
    caller::Caller,
    detached::run_to_completion,
    error::{ApiError, ApiResult},
    extract::Json,
    hires::{self, view, HireRequest},
    server_key::Reader,
    state::AppState,
};

/// The most emails one lookup may name.
const MAX_EMAILS: usize = 100;

/// Routes under `/api/v1/hires`.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/hires", get(list).post(create))
        .route("/hires/{hire_id}", get(one))
}

#[utoipa::path(post, path = "/api/v1/hires", tag = "hires", security(("site_token" = [])),
    request_body = Candidate,
    params(("Idempotency-Key" = String, Header, description = "One random value per hire attempt, reused on retries")),
    responses(
        (status = 201, description = "The employment was created", body = hwr_protocol::HireResponse),
        (status = 200, description = "The company already employs this candidate (`already_hired`): nothing was created", body = hwr_protocol::HireResponse),
        (status = 400, description = "No usable Idempotency-Key", body = hwr_protocol::ErrorBody),
        (status = 409, description = "`not_connected`, `reconsent_required` or `hire_in_progress`", body = hwr_protocol::ErrorBody),
        (status = 422, description = "`validation_failed`, `unsupported_country`, `upstream_rejected` or `idempotency_key_reused`", body = hwr_protocol::ErrorBody),
        (status = 502, description = "Remote is not answering", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(candidate): Json<Candidate>,
) -> ApiResult<impl IntoResponse> {
    let idempotency_key = hires::check_idempotency_key(
        headers
            .get(IDEMPOTENCY_KEY_HEADER)
            .and_then(|v| v.to_str().ok()),
    )?;
    let request = HireRequest {
        caller,
        idempotency_key,
    };
    // The client may go away; the hire (and its record) still completes.
    let hired = run_to_completion(state.tasks.clone(), async move {
        hires::hire(&state, &request, &candidate).await
    })
    .await?;
    let status = if hired.already_hired {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(hired)))
}

#[utoipa::path(get, path = "/api/v1/hires/{hire_id}", tag = "hires", security(("site_token" = []), ("server_key" = [])),
    params(("hire_id" = String, Path, description = "Our hire id")),
    responses(
        (status = 200, description = "The hire", body = hwr_protocol::Hire),
        (status = 404, description = "No such hire for this user", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn one(
    State(state): State<AppState>,
    reader: Reader,
    Path(hire_id): Path<String>,
) -> ApiResult<Json<hwr_protocol::Hire>> {
    let record = state
        .store
        .hire_record(&hire_id)
        .await?
        .filter(|record| match &reader {
            Reader::Server => true,
            Reader::Site(user) => &record.site_user == user,
        })
        .ok_or_else(|| ApiError::not_found("hire"))?;
    Ok(Json(view::hire(&state.config.keys, &record)))
}

/// `?email=…` (repeatable) or `?user=…`.
struct ListQuery {
    emails: Vec<String>,
    user: Option<String>,
}

fn parse_list_query(raw: Option<&str>) -> ApiResult<ListQuery> {
    let mut query = ListQuery {
        emails: Vec::new(),
        user: None,
    };
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "email" => {
                let email = value.trim();
                if !email.is_empty() {
                    query.emails.push(email.to_owned());
                }
            }
            "user" => query.user = Some(value.into_owned()),
            _ => {}
        }
    }
    let problem = |field: &str, message: &str| {
        ApiError::validation(FieldErrors::from([(
            field.to_owned(),
            vec![message.to_owned()],
        )]))
    };
    match (&query.user, query.emails.len()) {
        (Some(_), n) if n > 0 => Err(problem("user", "ask by email or by user, not both")),
        (None, 0) => Err(problem(
            "email",
            "name at least one candidate email (?email=…)",
        )),
        (Some(user), _) if user.is_empty() || user.len() > 255 => {
            Err(problem("user", "must be 1 to 255 characters"))
        }
        (_, n) if n > MAX_EMAILS => Err(problem(
            "email",
            &format!("at most {MAX_EMAILS} emails per request"),
        )),
        _ => Ok(query),
    }
}

#[utoipa::path(get, path = "/api/v1/hires", tag = "hires", security(("site_token" = []), ("server_key" = [])),
    params(
        ("email" = Option<Vec<String>>, Query, description = "Candidate emails (repeatable, at most 100; site token): hires at the caller's company"),
        ("user" = Option<String>, Query, description = "A site-token `sub` (server key only): every hire made for it"),
    ),
    responses(
        (status = 200, description = "The hires, newest first", body = Hires),
        (status = 401, description = "The wrong credential for this question", body = hwr_protocol::ErrorBody),
        (status = 422, description = "Neither or both of `email` and `user`", body = hwr_protocol::ErrorBody),
    ))]
pub(super) async fn list(
    State(state): State<AppState>,
    reader: Reader,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Hires>> {
    let query = parse_list_query(raw.as_deref())?;
    let records = match (&reader, query.user) {
        (Reader::Server, Some(user)) => state.store.hire_records_for_user(&user).await?,
        (Reader::Site(_), Some(_)) => {
            return Err(ApiError::unauthorized(
                "Listing a user's hires needs the server key (HWR_SERVER_API_KEY), from the job site's servers.",
            ))
        }
        (Reader::Server, None) => {
            return Err(ApiError::unauthorized(
                "Looking hires up by email needs a site token: the company is the caller's.",
            ))
        }
        (Reader::Site(user), None) => match state.store.connection(user).await? {
            Some(connection) if connection.is_usable(state.config.remote.base_url.as_str()) => {
                let hashes: Vec<String> =
                    query.emails.iter().map(|e| view::email_hash(e)).collect();
                state
                    .store
                    .hire_records_for_emails(&connection.company_id, &hashes)
                    .await?
            }
            // Not connected: no company, so no hires to show.
            _ => Vec::new(),
        },
    };
    let hires = records
        .iter()
        .map(|record| view::hire(&state.config.keys, record))
        .collect();
    Ok(Json(Hires { hires }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_emails_are_all_read_and_mixed_asks_are_refused() {
        let query =
            parse_list_query(Some("email=a%40x.example&email=b@y.example&email=")).expect("valid");
        assert_eq!(query.emails, ["a@x.example", "b@y.example"]);
        assert!(parse_list_query(Some("email=a@x.example&user=u")).is_err());
        assert!(parse_list_query(None).is_err());
        let many: Vec<String> = (0..=MAX_EMAILS)
            .map(|i| format!("email=c{i}@x.example"))
            .collect();
        assert!(parse_list_query(Some(&many.join("&"))).is_err());
        assert_eq!(
            parse_list_query(Some("user=u1"))
                .expect("valid")
                .user
                .as_deref(),
            Some("u1")
        );
    }
}

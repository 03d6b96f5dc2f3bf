//! Starting a consent (`POST /api/v1/connect`): the request checked, a pending flow stored with
//! its sealed PKCE verifier and consent URL, and the one-time ticket handed to the widget; and
//! following it (`GET /api/v1/flows/{id}`), with the hire the callback made, if it made one.

use hwr_protocol::{
    Candidate, ConnectMode, ConnectRequest, ConnectResponse, FieldErrors, FlowResponse, FlowStatus,
    HireResponse, START_PATH,
};

use super::{
    audit, messages,
    secrets::{authorize_context, hire_context, random_secret, secret_hash, verifier_context},
    Caller, FLOW_TTL_SECS,
};
use crate::{
    error::{ApiError, ApiResult},
    hires,
    state::AppState,
    store::{now, AuditKind, FlowRow},
};

/// `POST /api/v1/connect`: a pending flow and the ticket that lets the job-site page start it.
pub async fn start(
    state: &AppState,
    caller: &Caller,
    request: ConnectRequest,
) -> ApiResult<ConnectResponse> {
    let origin = caller
        .origin
        .clone()
        .unwrap_or_else(|| state.config.site.allowed_origins.primary().to_owned());
    let (return_to, candidate, idempotency_key) = match request.mode {
        // With a candidate and a key the callback hires at once; otherwise the widget does.
        ConnectMode::Popup => match (request.candidate, request.idempotency_key) {
            (Some(candidate), Some(key)) => {
                let candidate = checked_candidate(candidate, FieldErrors::new())?;
                let key = hires::check_idempotency_key(Some(&key))?;
                (None, Some(candidate), Some(key))
            }
            _ => (None, None, None),
        },
        ConnectMode::Redirect => {
            let mut fields = FieldErrors::new();
            let return_to = match request.return_to.as_deref() {
                None => {
                    fields.insert(
                        "return_to".into(),
                        vec!["is required in redirect mode".into()],
                    );
                    None
                }
                Some(target) => match state.config.site.allowed_origins.check_return_to(target) {
                    Some(url) => Some(url.to_string()),
                    None => {
                        fields.insert(
                            "return_to".into(),
                            vec!["must be an absolute URL on an allowed origin".into()],
                        );
                        None
                    }
                },
            };
            let Some(candidate) = request.candidate else {
                fields.insert(
                    "candidate".into(),
                    vec!["is required in redirect mode".into()],
                );
                return Err(ApiError::validation(fields));
            };
            let candidate = checked_candidate(candidate, fields)?;
            let key = match request.idempotency_key {
                Some(key) => hires::check_idempotency_key(Some(&key))?,
                None => uuid::Uuid::new_v4().to_string(),
            };
            (return_to, Some(candidate), Some(key))
        }
    };
    let consent = state.oauth.start_consent();
    let flow_id = uuid::Uuid::new_v4().to_string();
    let keys = &state.config.keys;
    let verifier = keys.seal(&consent.pkce_verifier, &verifier_context(&flow_id));
    let authorize_url = keys.seal(consent.authorize_url.as_str(), &authorize_context(&flow_id));
    let ticket = random_secret();
    let created = now();
    let flow = FlowRow {
        id: flow_id.clone(),
        state_hash: secret_hash(&consent.state),
        site_user: caller.site_user.clone(),
        origin,
        environment: state.config.remote.base_url.to_string(),
        mode: request.mode,
        key_id: verifier.key_id,
        pkce_verifier: verifier.data,
        return_to,
        candidate,
        idempotency_key,
        status: FlowStatus::Pending,
        error: None,
        expires_at: created + FLOW_TTL_SECS,
        consumed_at: None,
        hire: None,
        ticket_hash: Some(secret_hash(&ticket)),
        binding_hash: None,
        authorize_url: Some(authorize_url),
    };
    state.store.insert_flow(&flow, created).await?;
    state
        .store
        .audit(
            AuditKind::ConsentStarted,
            audit(caller, Some(format!("flow {flow_id}"))),
        )
        .await;
    let start_url = state
        .config
        .site
        .public_url
        .join(START_PATH)
        .map_err(anyhow::Error::from)?;
    Ok(ConnectResponse {
        flow_id,
        start_url: start_url.to_string(),
        start_ticket: ticket,
    })
}

/// The candidate normalised and valid, for the flow row; `fields` holds the request's other field
/// errors, reported together with the candidate's.
fn checked_candidate(candidate: Candidate, mut fields: FieldErrors) -> ApiResult<Candidate> {
    let candidate = candidate.normalized();
    if let Err(errors) = candidate.validate(hires::today()) {
        fields.extend(errors);
    }
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    Ok(candidate)
}

/// `GET /api/v1/flows/{id}`: the flow's status, only to the user who started it, with the hire
/// the callback made, if it made one.
pub async fn status(state: &AppState, site_user: &str, flow_id: &str) -> ApiResult<FlowResponse> {
    let flow = state
        .store
        .flow_for_user(flow_id, site_user)
        .await?
        .ok_or_else(|| ApiError::not_found("flow"))?;
    if flow.status == FlowStatus::Pending && flow.expires_at <= now() {
        return Ok(FlowResponse {
            status: FlowStatus::Expired,
            error: None,
            message: None,
            hire: None,
        });
    }
    // A hire that cannot be opened (a retired key) is left out: the widget then asks
    // `POST /api/v1/hires` with the same key, which answers it.
    let hire = flow.hire.as_ref().and_then(|sealed| {
        let json = state
            .config
            .keys
            .open(sealed, &hire_context(&flow.id))
            .ok()?;
        serde_json::from_str::<HireResponse>(&json).ok()
    });
    Ok(FlowResponse {
        status: flow.status,
        error: flow.error,
        message: flow.error.map(|code| messages::flow_error(code).to_owned()),
        hire,
    })
}

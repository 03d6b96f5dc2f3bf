//! Who the token is: `GET /v1/identity/current`, and the company's people:
//! `GET /v1/company-managers`.

use std::collections::HashMap;

use axum::extract::RawQuery;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::auth::{Caller, CompanyCaller};
use crate::error::ApiError;
use crate::paging::Page;
use crate::seed::{self, SeedManager};
use crate::state::AppState;

/// The identity and managers routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/identity/current", get(current_identity))
        .route("/v1/company-managers", get(list_company_managers))
}

/// Answers 200 (Remote's published types say 201 for this GET; clients accept any 2xx).
/// Client-credentials tokens get `company` and `user` as null.
async fn current_identity(caller: Caller) -> Json<Value> {
    let grant = caller.grantee.as_ref().and_then(|grantee| {
        let company = seed::company(&grantee.company_id)?;
        let (_, user) = seed::manager(&grantee.user_id)?;
        Some((company, user))
    });
    let (company, user) = match grant {
        Some((company, user)) => (
            json!({ "id": company.id, "name": company.name }),
            json!({ "id": user.id, "name": user.name, "email": user.email, "status": "active" }),
        ),
        None => (Value::Null, Value::Null),
    };
    Json(json!({
        "data": {
            "client_id": caller.client_id,
            "company": company,
            "integration": {
                "name": seed::INTEGRATION_NAME,
                "display_name": seed::INTEGRATION_DISPLAY_NAME,
                "contact_email": seed::INTEGRATION_CONTACT_EMAIL,
            },
            "user": user,
        }
    }))
}

async fn list_company_managers(
    caller: CompanyCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params: HashMap<String, String> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let page = Page::from_params(&params)?;
    let managers: &[SeedManager] = seed::company(&caller.company_id)
        .map(|company| company.managers)
        .unwrap_or_default();
    let (items, paging) = page.slice(managers);
    let company_managers: Vec<Value> = items
        .iter()
        .map(|manager| {
            json!({
                "company_id": caller.company_id,
                "role": manager.role,
                "user_email": manager.email,
                "user_id": manager.id,
                "user_name": manager.name,
            })
        })
        .collect();
    Ok(Json(json!({
        "data": {
            "company_managers": company_managers,
            "current_page": paging.current_page,
            "total_count": paging.total_count,
            "total_pages": paging.total_pages,
        }
    })))
}

//! Moving an employment along: a change of `status` and/or `provisional_start_date`, applied to
//! the store, and the webhook events it implies. `PATCH /v1/sandbox/employments/{id}` and the
//! onboarding page's buttons both go through `commit`, so they deliver the same events.
//!
//! A status change always delivers `employment.status.updated`, plus:
//! - to `invited`: `employment.user_status.invited` and `employment.onboarding.started`;
//! - to `initiated`: `employment.user_status.initiated`;
//! - to `active`: `employment.onboarding.completed` (the first time) and
//!   `employment.user_status.activated`;
//! - to `archived`/`deleted` before ever being active: `employment.onboarding.cancelled`;
//!   from `active`/`offboarding`: `employment.user_status.deactivated`.
//!
//! A new start date delivers `employment.start_date.changed`. No change, no event.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::employment::Employment;
use crate::employment_status::EmploymentStatus;
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;
use crate::text_format::{is_date, NOT_A_DATE};
use crate::webhook_delivery;
use crate::webhook_event_type::EventType;

/// What to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct EmploymentChange {
    pub(crate) status: Option<EmploymentStatus>,
    pub(crate) provisional_start_date: Option<String>,
}

impl EmploymentChange {
    /// Reads `{"status"?,"provisional_start_date"?}`; at least one is required (Remote's 422s).
    pub(crate) fn from_json(body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::new();
        let mut change = Self::default();
        match body.get("status") {
            None | Some(Value::Null) => {}
            Some(Value::String(name)) => match EmploymentStatus::parse(name) {
                Some(status) => change.status = Some(status),
                None => add(&mut errors, "status", &status_choices()),
            },
            Some(_) => add(&mut errors, "status", &status_choices()),
        }
        match body.get("provisional_start_date") {
            None | Some(Value::Null) => {}
            Some(Value::String(date)) if is_date(date) => {
                change.provisional_start_date = Some(date.clone());
            }
            Some(_) => add(&mut errors, "provisional_start_date", NOT_A_DATE),
        }
        if errors.is_empty() && change.status.is_none() && change.provisional_start_date.is_none() {
            add(&mut errors, "status", "can't be blank");
        }
        if errors.is_empty() {
            Ok(change)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// Applies `change` to the company's employment `employment_id` (404 for anyone else's),
/// delivers the implied events in the background, and returns the employment as it now is.
pub(crate) fn commit(
    state: &AppState,
    company_id: &str,
    employment_id: &str,
    change: &EmploymentChange,
) -> Result<Employment, ApiError> {
    let (employment, events) = {
        let mut store = state.store();
        let employment = store
            .employments
            .iter_mut()
            .find(|e| e.id == employment_id && e.company_id == company_id)
            .ok_or_else(|| ApiError::NotFound("Employment not found".to_owned()))?;
        let events = apply(employment, change, Utc::now());
        (employment.clone(), events)
    };
    webhook_delivery::trigger(state, company_id, employment_id, &events);
    Ok(employment)
}

fn apply(
    employment: &mut Employment,
    change: &EmploymentChange,
    now: DateTime<Utc>,
) -> Vec<EventType> {
    let mut events = Vec::new();
    if let Some(to) = change.status.filter(|to| *to != employment.status) {
        events.push(EventType::StatusUpdated);
        events.extend(implied_by(employment.status, to, employment.ever_active));
        employment.status = to;
        employment.ever_active |= to == EmploymentStatus::Active;
    }
    if let Some(date) = change
        .provisional_start_date
        .as_ref()
        .filter(|date| **date != employment.provisional_start_date)
    {
        employment.provisional_start_date = date.clone();
        events.push(EventType::StartDateChanged);
    }
    if !events.is_empty() {
        employment.updated_at = now;
    }
    events
}

/// The onboarding and user events of a status change, besides `employment.status.updated`.
fn implied_by(from: EmploymentStatus, to: EmploymentStatus, ever_active: bool) -> Vec<EventType> {
    use EmploymentStatus as S;
    match to {
        S::Invited => vec![EventType::UserStatusInvited, EventType::OnboardingStarted],
        S::Initiated => vec![EventType::UserStatusInitiated],
        S::Active if ever_active => vec![EventType::UserStatusActivated],
        S::Active => vec![
            EventType::OnboardingCompleted,
            EventType::UserStatusActivated,
        ],
        S::Archived | S::Deleted if !ever_active => vec![EventType::OnboardingCancelled],
        S::Archived | S::Deleted if matches!(from, S::Active | S::Offboarding) => {
            vec![EventType::UserStatusDeactivated]
        }
        _ => Vec::new(),
    }
}

fn status_choices() -> String {
    let names: Vec<&str> = EmploymentStatus::ALL.iter().map(|s| s.as_str()).collect();
    format!("must be one of: {}", names.join(", "))
}

fn add(errors: &mut FieldErrors, field: &str, message: &str) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.to_owned());
}

#[cfg(test)]
mod tests {
    use super::implied_by;
    use crate::employment_status::EmploymentStatus as S;
    use crate::webhook_event_type::EventType as E;

    #[test]
    fn archiving_cancels_onboarding_before_activation_and_deactivates_after() {
        assert_eq!(
            implied_by(S::Invited, S::Archived, false),
            vec![E::OnboardingCancelled]
        );
        assert_eq!(
            implied_by(S::Active, S::Archived, true),
            vec![E::UserStatusDeactivated]
        );
        assert_eq!(implied_by(S::Archived, S::Deleted, true), vec![]);
    }

    #[test]
    fn only_the_first_activation_completes_onboarding() {
        assert_eq!(
            implied_by(S::Invited, S::Active, false),
            vec![E::OnboardingCompleted, E::UserStatusActivated]
        );
        assert_eq!(
            implied_by(S::Offboarding, S::Active, true),
            vec![E::UserStatusActivated]
        );
    }
}

//! The webhook event types the sandbox knows: Remote's employment events (from the published
//! `CreateWebhookCallbackParams.subscribed_events`). A callback may subscribe only to these.

/// One of Remote's employment webhook event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    StatusUpdated,
    OnboardingStarted,
    OnboardingCompleted,
    OnboardingCancelled,
    OnboardingTaskCompleted,
    UserStatusInitiated,
    UserStatusInvited,
    UserStatusActivated,
    UserStatusDeactivated,
    StartDateChanged,
    EmploymentAgreementAvailable,
}

impl EventType {
    /// Every known event type; what `subscribe_to_all_events` subscribes to.
    pub(crate) const ALL: [EventType; 11] = [
        Self::StatusUpdated,
        Self::OnboardingStarted,
        Self::OnboardingCompleted,
        Self::OnboardingCancelled,
        Self::OnboardingTaskCompleted,
        Self::UserStatusInitiated,
        Self::UserStatusInvited,
        Self::UserStatusActivated,
        Self::UserStatusDeactivated,
        Self::StartDateChanged,
        Self::EmploymentAgreementAvailable,
    ];

    /// The wire name, as in `subscribed_events` and the delivery's `event_type`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::StatusUpdated => "employment.status.updated",
            Self::OnboardingStarted => "employment.onboarding.started",
            Self::OnboardingCompleted => "employment.onboarding.completed",
            Self::OnboardingCancelled => "employment.onboarding.cancelled",
            Self::OnboardingTaskCompleted => "employment.onboarding_task.completed",
            Self::UserStatusInitiated => "employment.user_status.initiated",
            Self::UserStatusInvited => "employment.user_status.invited",
            Self::UserStatusActivated => "employment.user_status.activated",
            Self::UserStatusDeactivated => "employment.user_status.deactivated",
            Self::StartDateChanged => "employment.start_date.changed",
            Self::EmploymentAgreementAvailable => "employment.employment_agreement.available",
        }
    }

    /// The event type with this wire name, if the sandbox knows it.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::EventType;

    #[test]
    fn every_event_type_parses_back_from_its_wire_name() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventType::parse("expense.approved"), None);
    }
}

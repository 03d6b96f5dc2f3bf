//! Remote's `EmploymentStatus` values, and what each one means for the fields that follow it:
//! `user_status` (Remote's `UserStatus`) and `employment_lifecycle_stage`.
//!
//! The published `UserStatus` has no `invited`: an invited hire's user is `initiated` (created in
//! Remote, not yet signed in) until onboarding completes and it becomes `active`.

/// An employment's `status`. The list is remote-api.md's, a superset of the published enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmploymentStatus {
    Active,
    Created,
    PreHire,
    CreatedAwaitingReserve,
    CreatedReservePaid,
    Initiated,
    Invited,
    Pending,
    Review,
    JobTitleReview,
    PendingPostSelfEnrollmentActions,
    Offboarding,
    Archived,
    Deleted,
}

impl EmploymentStatus {
    /// Every status, in Remote's order.
    pub(crate) const ALL: [EmploymentStatus; 14] = [
        Self::Active,
        Self::Created,
        Self::PreHire,
        Self::CreatedAwaitingReserve,
        Self::CreatedReservePaid,
        Self::Initiated,
        Self::Invited,
        Self::Pending,
        Self::Review,
        Self::JobTitleReview,
        Self::PendingPostSelfEnrollmentActions,
        Self::Offboarding,
        Self::Archived,
        Self::Deleted,
    ];

    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Created => "created",
            Self::PreHire => "pre_hire",
            Self::CreatedAwaitingReserve => "created_awaiting_reserve",
            Self::CreatedReservePaid => "created_reserve_paid",
            Self::Initiated => "initiated",
            Self::Invited => "invited",
            Self::Pending => "pending",
            Self::Review => "review",
            Self::JobTitleReview => "job_title_review",
            Self::PendingPostSelfEnrollmentActions => "pending_post_self_enrollment_actions",
            Self::Offboarding => "offboarding",
            Self::Archived => "archived",
            Self::Deleted => "deleted",
        }
    }

    /// The status with this wire name, if there is one.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// Still being set up: the hire has not been invited to Remote yet.
    pub(crate) fn is_before_invite(self) -> bool {
        matches!(
            self,
            Self::Created
                | Self::PreHire
                | Self::CreatedAwaitingReserve
                | Self::CreatedReservePaid
                | Self::Initiated
        )
    }

    /// Gone for good: archived or deleted.
    pub(crate) fn is_closed(self) -> bool {
        matches!(self, Self::Archived | Self::Deleted)
    }

    /// Remote's `UserStatus` for an employment in this status; `ever_active` tells an archived
    /// employee (`inactive`) from a hire cancelled during onboarding (`cancelled`).
    pub(crate) fn user_status(self, ever_active: bool) -> &'static str {
        match self {
            Self::Active | Self::Offboarding => "active",
            Self::Deleted => "deleted",
            Self::Archived if ever_active => "inactive",
            Self::Archived => "cancelled",
            Self::Initiated
            | Self::Invited
            | Self::Pending
            | Self::Review
            | Self::JobTitleReview
            | Self::PendingPostSelfEnrollmentActions => "initiated",
            Self::Created
            | Self::PreHire
            | Self::CreatedAwaitingReserve
            | Self::CreatedReservePaid => "created",
        }
    }

    /// Remote's `EmploymentLifecycleStage` for an employment in this status.
    pub(crate) fn lifecycle_stage(self) -> &'static str {
        match self {
            Self::Created
            | Self::PreHire
            | Self::CreatedAwaitingReserve
            | Self::CreatedReservePaid => "employment_creation",
            Self::Initiated | Self::Invited => "employee_self_enrollment",
            Self::Pending
            | Self::Review
            | Self::JobTitleReview
            | Self::PendingPostSelfEnrollmentActions => "remote_enrollment",
            Self::Active | Self::Offboarding => "onboarded",
            Self::Archived | Self::Deleted => "offboarded",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EmploymentStatus;

    #[test]
    fn every_status_parses_back_from_its_wire_name_and_nothing_else_does() {
        for status in EmploymentStatus::ALL {
            assert_eq!(EmploymentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(EmploymentStatus::parse("hired"), None);
        assert_eq!(EmploymentStatus::parse("Active"), None);
    }

    #[test]
    fn an_archived_hire_is_cancelled_before_onboarding_and_inactive_after() {
        assert_eq!(EmploymentStatus::Archived.user_status(false), "cancelled");
        assert_eq!(EmploymentStatus::Archived.user_status(true), "inactive");
        assert_eq!(EmploymentStatus::Invited.user_status(false), "initiated");
        assert_eq!(EmploymentStatus::Active.user_status(true), "active");
    }
}

//! The typed errors of the domain: each says which rule refused and why. The HTTP edge maps
//! them to status codes in one place (`DomainError::code`/`status` below are the contract).

use chrono::{DateTime, SecondsFormat, Utc};

/// A refusal by a rule of the rule book (HTTP 422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyRefusal {
    #[error("the contract has not ended yet; feedback opens when it ends")]
    ContractNotEnded,
    #[error("{what} closed at {}", rfc3339(.closed_at))]
    WindowClosed {
        what: &'static str,
        closed_at: DateTime<Utc>,
    },
    #[error("private feedback can never be changed; send only the `public` part")]
    PrivateFeedbackImmutable,
    #[error("the freelancer has not consented to a change of this feedback")]
    NoConsent,
    #[error(
        "there is no change request to answer; the freelancer may only enable a change unasked (consent: true)"
    )]
    NoChangeRequest,
    #[error(
        "the feedback is not revealed yet; it is revealed when both parties have left feedback or the window closes"
    )]
    NotRevealed,
    #[error("this feedback was removed after a report")]
    FeedbackRemoved,
    #[error(
        "you already have {max} open complaints about this freelancer; file another once one of them is decided"
    )]
    TooManyOpenComplaints { max: u32 },
    #[error(
        "this complaint is not under review yet; a case opens when complaints from {min_reporters} distinct reporters are open"
    )]
    NotUnderReview { min_reporters: u32 },
    #[error("a reinstatement appeal opens at {}", rfc3339(.opens_at))]
    AppealNotYetOpen { opens_at: DateTime<Utc> },
    #[error("{0}")]
    AppealNotAvailable(&'static str),
}

impl PolicyRefusal {
    /// The stable error code of the HTTP contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ContractNotEnded => "contract_not_ended",
            Self::WindowClosed { .. } => "window_closed",
            Self::PrivateFeedbackImmutable => "private_feedback_immutable",
            Self::NoConsent => "no_consent",
            Self::NoChangeRequest => "no_change_request",
            Self::NotRevealed => "not_revealed",
            Self::FeedbackRemoved => "feedback_removed",
            Self::TooManyOpenComplaints { .. } => "too_many_open_complaints",
            Self::NotUnderReview { .. } => "not_under_review",
            Self::AppealNotYetOpen { .. } => "appeal_not_yet_open",
            Self::AppealNotAvailable(_) => "appeal_not_available",
        }
    }

    /// Extra machine-readable details (the date something opens or closed).
    pub fn details(&self) -> serde_json::Value {
        match self {
            Self::WindowClosed { what, closed_at } => {
                serde_json::json!({"window": what, "closed_at": rfc3339(closed_at)})
            }
            Self::AppealNotYetOpen { opens_at } => {
                serde_json::json!({"opens_at": rfc3339(opens_at)})
            }
            Self::TooManyOpenComplaints { max } => serde_json::json!({"max_open": max}),
            _ => serde_json::json!({}),
        }
    }
}

/// Everything a use case can refuse or fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field of a command is missing or malformed (400).
    #[error("`{field}` {problem}")]
    InvalidField { field: String, problem: String },
    /// The caller is not allowed to do this (403); the sentence says who is.
    #[error("{0}")]
    Forbidden(String),
    /// The thing named does not exist, or the caller may not know it exists (404).
    #[error("{what} {id} was not found")]
    NotFound { what: &'static str, id: String },
    /// The thing to create exists already (409 `already_exists`).
    #[error("{0}")]
    AlreadyExists(String),
    /// The state changed underneath, or the action was already taken (409 `conflict`).
    #[error("{0}")]
    Conflict(String),
    /// A rule of the rule book refused (422).
    #[error(transparent)]
    Policy(#[from] PolicyRefusal),
    /// The store is throttled or unreachable; nothing the caller can fix, and retrying later may
    /// succeed (503 with `Retry-After`).
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    /// A fault of ours that retrying will not mend: a stored item that does not decode, a broken
    /// invariant (500 `internal`, logged with what names the item, never its content).
    #[error("internal fault: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, problem: impl std::fmt::Display) -> Self {
        Self::InvalidField {
            field: field.into(),
            problem: problem.to_string(),
        }
    }

    pub fn not_found(what: &'static str, id: impl std::fmt::Display) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// The HTTP status of the contract.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidField { .. } => 400,
            Self::Forbidden(_) => 403,
            Self::NotFound { .. } => 404,
            Self::AlreadyExists(_) | Self::Conflict(_) => 409,
            Self::Policy(_) => 422,
            Self::Unavailable(_) => 503,
            Self::Internal(_) => 500,
        }
    }

    /// The stable error code of the contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidField { .. } => "invalid_field",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::AlreadyExists(_) => "already_exists",
            Self::Conflict(_) => "conflict",
            Self::Policy(refusal) => refusal.code(),
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// Details for the error body.
    pub fn details(&self) -> serde_json::Value {
        match self {
            Self::InvalidField { field, .. } => serde_json::json!({"field": field}),
            Self::Policy(refusal) => refusal.details(),
            _ => serde_json::json!({}),
        }
    }
}

/// A moment as every response body writes it: to the fraction of a second it carries, so a
/// refusal names the very moment a sanction's own fields give (a reinstatement opening at
/// 22:51:54.211 is not told as 22:51:54, when it is still shut).
pub(crate) fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_refusal_is_a_422_with_its_own_code() {
        let e: DomainError = PolicyRefusal::PrivateFeedbackImmutable.into();
        assert_eq!(e.status(), 422);
        assert_eq!(e.code(), "private_feedback_immutable");
    }

    #[test]
    fn an_appeal_that_is_not_open_yet_says_when_it_opens() {
        let opens_at: DateTime<Utc> = "2027-02-28T00:00:00Z".parse().unwrap();
        let e = DomainError::from(PolicyRefusal::AppealNotYetOpen { opens_at });
        assert_eq!(e.code(), "appeal_not_yet_open");
        assert_eq!(e.details()["opens_at"], "2027-02-28T00:00:00Z");
        assert!(e.to_string().contains("2027-02-28"));
    }

    #[test]
    fn a_moment_inside_a_second_is_told_to_its_fraction_as_response_bodies_write_it() {
        let opens_at: DateTime<Utc> = "2027-06-04T22:51:54.211Z".parse().unwrap();
        let e = DomainError::from(PolicyRefusal::AppealNotYetOpen { opens_at });
        let serialized = serde_json::to_value(opens_at).unwrap();
        assert_eq!(e.details()["opens_at"], serialized);
        assert_eq!(e.details()["opens_at"], "2027-06-04T22:51:54.211Z");
        assert!(e.to_string().ends_with("opens at 2027-06-04T22:51:54.211Z"));
        let closed_at = opens_at;
        let e = DomainError::from(PolicyRefusal::WindowClosed {
            what: "the response window",
            closed_at,
        });
        assert_eq!(e.details()["closed_at"], "2027-06-04T22:51:54.211Z");
    }
}

//! §6 Reporting feedback: once per feedback, with a reason; a reviewer removes or keeps it.

use crate::UserId;
use crate::error::{DomainError, PolicyRefusal};
use crate::model::Feedback;

/// The freelancer may report a feedback they can see, once.
pub fn check_report(feedback: &Feedback, revealed: bool) -> Result<(), DomainError> {
    if feedback.report.is_some() {
        return Err(DomainError::AlreadyExists(
            "this feedback was already reported; a feedback can be reported once".into(),
        ));
    }
    if !revealed {
        return Err(PolicyRefusal::NotRevealed.into());
    }
    Ok(())
}

/// A reviewer decides a report once, and never about feedback they wrote or received.
pub fn check_decision(feedback: &Feedback, reviewer: &UserId) -> Result<(), DomainError> {
    if reviewer == &feedback.author || reviewer == &feedback.subject {
        return Err(DomainError::Forbidden(
            "a reviewer may not decide a report about feedback they wrote or received".into(),
        ));
    }
    match &feedback.report {
        None => Err(DomainError::not_found(
            "report for feedback",
            &feedback.feedback_id,
        )),
        Some(r) if r.decision.is_some() => Err(DomainError::Conflict(
            "this report has already been decided".into(),
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use crate::{ReasonEnded, ReportOutcome};

    #[test]
    fn feedback_can_be_reported_once() {
        let mut f = client_feedback("c1", "cl1", 1, ReasonEnded::Other, &[], day(1));
        assert_eq!(check_report(&f, true), Ok(()));
        report(&mut f, day(15));
        assert!(matches!(
            check_report(&f, true),
            Err(DomainError::AlreadyExists(_))
        ));
    }

    #[test]
    fn unrevealed_feedback_cannot_be_reported() {
        let f = client_feedback("c1", "cl1", 1, ReasonEnded::Other, &[], day(1));
        assert_eq!(
            check_report(&f, false),
            Err(PolicyRefusal::NotRevealed.into())
        );
    }

    #[test]
    fn a_report_is_decided_once_and_not_by_a_party() {
        let mut f = client_feedback("c1", "cl1", 1, ReasonEnded::Other, &[], day(1));
        report(&mut f, day(15));
        assert!(matches!(
            check_decision(&f, &user("cl1")),
            Err(DomainError::Forbidden(_))
        ));
        assert_eq!(check_decision(&f, &user("rev1")), Ok(()));
        decide_report(&mut f, ReportOutcome::Kept, day(16));
        assert!(matches!(
            check_decision(&f, &user("rev1")),
            Err(DomainError::Conflict(_))
        ));
    }
}

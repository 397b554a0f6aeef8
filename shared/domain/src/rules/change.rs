//! §5 Changing public feedback: once per contract, consent within 14 days, the new public part
//! within 14 days of consent; private feedback never.

use crate::PolicyConfig;
use crate::calendar::add_days;
use crate::error::{DomainError, PolicyRefusal};
use crate::model::{ChangeState, Feedback};
use chrono::{DateTime, Utc};

fn check_not_removed(feedback: &Feedback) -> Result<(), DomainError> {
    if feedback.is_removed() {
        return Err(PolicyRefusal::FeedbackRemoved.into());
    }
    Ok(())
}

fn used(change: &ChangeState) -> bool {
    change.requested_at.is_some() || change.consent.is_some() || change.applied_at.is_some()
}

/// The client may ask once per contract.
pub fn check_request(feedback: &Feedback) -> Result<(), DomainError> {
    check_not_removed(feedback)?;
    if used(&feedback.change) {
        return Err(DomainError::AlreadyExists(
            "a change of this feedback was already requested or enabled; it can be changed once per contract".into(),
        ));
    }
    Ok(())
}

/// The freelancer answers a request within the consent window, or enables a change unasked
/// (`given = true` with no request). Returns the new change state.
pub fn consent(
    feedback: &Feedback,
    given: bool,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Result<ChangeState, DomainError> {
    check_not_removed(feedback)?;
    let mut change = feedback.change;
    if change.consent.is_some() || change.applied_at.is_some() {
        return Err(DomainError::Conflict(
            "the change of this feedback was already answered".into(),
        ));
    }
    match change.requested_at {
        Some(requested) => {
            let closes = add_days(requested, policy.change_consent_days);
            if now > closes {
                return Err(PolicyRefusal::WindowClosed {
                    what: "the consent window",
                    closed_at: closes,
                }
                .into());
            }
        }
        None if !given => return Err(PolicyRefusal::NoChangeRequest.into()),
        None => {}
    }
    change.consent = Some(crate::model::Consent { given, at: now });
    Ok(change)
}

/// The client submits the new public part: only with consent, within the submit window, once.
/// A change that touches the private part is refused before anything else.
pub fn check_apply(
    feedback: &Feedback,
    touches_private: bool,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Result<(), DomainError> {
    if touches_private {
        return Err(PolicyRefusal::PrivateFeedbackImmutable.into());
    }
    check_not_removed(feedback)?;
    if feedback.change.applied_at.is_some() {
        return Err(DomainError::Conflict(
            "this feedback was already changed once; it cannot be changed again".into(),
        ));
    }
    let Some(consent) = feedback.change.consent.filter(|c| c.given) else {
        return Err(PolicyRefusal::NoConsent.into());
    };
    let closes = add_days(consent.at, policy.change_submit_days);
    if now > closes {
        return Err(PolicyRefusal::WindowClosed {
            what: "the change window",
            closed_at: closes,
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReasonEnded;
    use crate::fixtures::*;

    fn fb() -> Feedback {
        client_feedback("c1", "cl1", 2, ReasonEnded::Other, &[], day(1))
    }

    #[test]
    fn a_client_may_request_a_change_once_per_contract() {
        let mut f = fb();
        assert_eq!(check_request(&f), Ok(()));
        f.change.requested_at = Some(day(2));
        assert!(matches!(
            check_request(&f),
            Err(DomainError::AlreadyExists(_))
        ));
    }

    #[test]
    fn consent_is_given_within_fourteen_days_of_the_request() {
        let mut f = fb();
        f.change.requested_at = Some(day(2));
        assert!(consent(&f, true, day(16), &policy()).is_ok());
        assert!(matches!(
            consent(&f, true, day(16) + chrono::Duration::seconds(1), &policy()),
            Err(DomainError::Policy(PolicyRefusal::WindowClosed { .. }))
        ));
    }

    #[test]
    fn the_freelancer_may_enable_a_change_unasked_but_cannot_decline_what_was_not_asked() {
        let f = fb();
        assert!(consent(&f, true, day(3), &policy()).is_ok());
        assert_eq!(
            consent(&f, false, day(3), &policy()),
            Err(PolicyRefusal::NoChangeRequest.into())
        );
    }

    #[test]
    fn a_change_without_consent_or_after_a_decline_is_refused() {
        let mut f = fb();
        assert_eq!(
            check_apply(&f, false, day(3), &policy()),
            Err(PolicyRefusal::NoConsent.into())
        );
        f.change.requested_at = Some(day(2));
        f.change = consent(&f, false, day(3), &policy()).unwrap();
        assert_eq!(
            check_apply(&f, false, day(4), &policy()),
            Err(PolicyRefusal::NoConsent.into())
        );
    }

    #[test]
    fn after_consent_the_client_has_fourteen_days_to_submit_the_change() {
        let mut f = fb();
        f.change = consent(&f, true, day(3), &policy()).unwrap();
        assert_eq!(check_apply(&f, false, day(17), &policy()), Ok(()));
        assert!(matches!(
            check_apply(&f, false, day(17) + chrono::Duration::seconds(1), &policy()),
            Err(DomainError::Policy(PolicyRefusal::WindowClosed { .. }))
        ));
    }

    #[test]
    fn any_attempt_to_change_private_feedback_is_refused_even_with_consent() {
        let mut f = fb();
        f.change = consent(&f, true, day(3), &policy()).unwrap();
        assert_eq!(
            check_apply(&f, true, day(4), &policy()),
            Err(PolicyRefusal::PrivateFeedbackImmutable.into())
        );
    }

    #[test]
    fn feedback_is_changed_at_most_once() {
        let mut f = fb();
        f.change = consent(&f, true, day(3), &policy()).unwrap();
        f.change.applied_at = Some(day(4));
        assert!(matches!(
            check_apply(&f, false, day(5), &policy()),
            Err(DomainError::Conflict(_))
        ));
    }
}

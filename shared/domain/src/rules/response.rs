//! §6 Responding to feedback: one response, within 28 days of the reveal, never edited.

use crate::PolicyConfig;
use crate::calendar::add_days;
use crate::error::{DomainError, PolicyRefusal};
use crate::model::Feedback;
use chrono::{DateTime, Utc};

/// `revealed_at` is when the feedback became visible to the freelancer (`None`: not yet).
pub fn check_response(
    feedback: &Feedback,
    revealed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Result<(), DomainError> {
    if feedback.is_removed() {
        return Err(PolicyRefusal::FeedbackRemoved.into());
    }
    if feedback.response.is_some() {
        return Err(DomainError::AlreadyExists(
            "a response to this feedback was already published; it cannot be edited".into(),
        ));
    }
    let Some(revealed) = revealed_at.filter(|t| now >= *t) else {
        return Err(PolicyRefusal::NotRevealed.into());
    };
    let closes = add_days(revealed, policy.response_window_days);
    if now > closes {
        return Err(PolicyRefusal::WindowClosed {
            what: "the response window",
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
    use crate::model::Response;

    fn fb() -> Feedback {
        client_feedback("c1", "cl1", 2, ReasonEnded::Other, &[], day(1))
    }

    #[test]
    fn a_response_is_accepted_up_to_twenty_eight_days_after_the_reveal() {
        assert_eq!(
            check_response(&fb(), Some(day(14)), day(42), &policy()),
            Ok(())
        );
        assert!(matches!(
            check_response(
                &fb(),
                Some(day(14)),
                day(42) + chrono::Duration::seconds(1),
                &policy()
            ),
            Err(DomainError::Policy(PolicyRefusal::WindowClosed { .. }))
        ));
    }

    #[test]
    fn a_response_before_the_reveal_is_refused() {
        assert_eq!(
            check_response(&fb(), Some(day(14)), day(5), &policy()),
            Err(PolicyRefusal::NotRevealed.into())
        );
        assert_eq!(
            check_response(&fb(), None, day(5), &policy()),
            Err(PolicyRefusal::NotRevealed.into())
        );
    }

    #[test]
    fn only_one_response_is_allowed() {
        let mut f = fb();
        f.response = Some(Response {
            text: crate::ResponseText::parse("thanks").unwrap(),
            at: day(15),
        });
        assert!(matches!(
            check_response(&f, Some(day(14)), day(16), &policy()),
            Err(DomainError::AlreadyExists(_))
        ));
    }
}

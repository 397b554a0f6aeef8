//! §2 End-of-contract feedback: the window, once per direction, the double-blind reveal, and what
//! each party may see.

use crate::calendar::add_days;
use crate::error::{DomainError, PolicyRefusal};
use crate::model::{Contract, Feedback};
use crate::{Direction, PolicyConfig};
use chrono::{DateTime, Utc};

/// When the feedback window of an ended contract closes; `None` while the contract is active.
pub fn window_closes_at(contract: &Contract, policy: &PolicyConfig) -> Option<DateTime<Utc>> {
    contract
        .ended_at
        .map(|ended| add_days(ended, policy.feedback_window_days))
}

/// Whether feedback may be left now: the contract has ended and `now` is within
/// `[ended_at, ended_at + window]` (both ends included).
pub fn check_window(
    contract: &Contract,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Result<(), PolicyRefusal> {
    let (Some(ended), Some(closes)) = (contract.ended_at, window_closes_at(contract, policy))
    else {
        return Err(PolicyRefusal::ContractNotEnded);
    };
    if now < ended {
        return Err(PolicyRefusal::ContractNotEnded);
    }
    if now > closes {
        return Err(PolicyRefusal::WindowClosed {
            what: "the feedback window",
            closed_at: closes,
        });
    }
    Ok(())
}

/// Each party may leave feedback once per contract.
pub fn check_once(existing: Option<&Feedback>, direction: Direction) -> Result<(), DomainError> {
    match existing {
        Some(_) => Err(DomainError::AlreadyExists(format!(
            "the {direction} feedback on this contract was already given; feedback is given once per contract"
        ))),
        None => Ok(()),
    }
}

/// §2 double-blind: the public parts are revealed when both parties have left feedback, or when
/// the window closes, whichever is first. `None` while the contract is active.
pub fn revealed_at(
    contract: &Contract,
    client_at: Option<DateTime<Utc>>,
    freelancer_at: Option<DateTime<Utc>>,
    policy: &PolicyConfig,
) -> Option<DateTime<Utc>> {
    let closes = window_closes_at(contract, policy)?;
    match (client_at, freelancer_at) {
        (Some(a), Some(b)) => Some(a.max(b).min(closes)),
        _ => Some(closes),
    }
}

/// Whether the public parts are visible at `now`.
pub fn is_revealed(
    contract: &Contract,
    client_at: Option<DateTime<Utc>>,
    freelancer_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> bool {
    revealed_at(contract, client_at, freelancer_at, policy).is_some_and(|t| now >= t)
}

/// Who is looking at a contract's feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// A party of the contract: their own feedback in full, the other's public part once revealed.
    Party(Direction),
    /// A reviewer sees everything.
    Reviewer,
}

/// How much of one feedback a viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Hidden,
    PublicOnly,
    Full,
}

/// What a viewer may see of a feedback of `direction`, given whether it is revealed. The private
/// part is never shown to the freelancer; nothing of the other side shows before the reveal.
pub fn visibility(viewer: Viewer, direction: Direction, revealed: bool) -> Visibility {
    match viewer {
        Viewer::Reviewer => Visibility::Full,
        Viewer::Party(me) if me == direction => Visibility::Full,
        Viewer::Party(_) if revealed => Visibility::PublicOnly,
        Viewer::Party(_) => Visibility::Hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    #[test]
    fn feedback_at_exactly_fourteen_days_after_the_end_is_accepted() {
        let c = contract("c1", "cl1", Some(day(0)), 10_000);
        assert_eq!(check_window(&c, day(14), &policy()), Ok(()));
    }

    #[test]
    fn feedback_one_second_after_fourteen_days_is_refused_as_window_closed() {
        let c = contract("c1", "cl1", Some(day(0)), 10_000);
        let late = day(14) + chrono::Duration::seconds(1);
        assert_eq!(
            check_window(&c, late, &policy()),
            Err(PolicyRefusal::WindowClosed {
                what: "the feedback window",
                closed_at: day(14)
            })
        );
    }

    #[test]
    fn feedback_on_an_active_contract_is_refused_as_not_ended() {
        let c = contract("c1", "cl1", None, 10_000);
        assert_eq!(
            check_window(&c, day(1), &policy()),
            Err(PolicyRefusal::ContractNotEnded)
        );
        let ends_later = contract("c2", "cl1", Some(day(5)), 10_000);
        assert_eq!(
            check_window(&ends_later, day(1), &policy()),
            Err(PolicyRefusal::ContractNotEnded)
        );
    }

    #[test]
    fn a_second_feedback_in_the_same_direction_is_refused() {
        let fb = client_feedback("c1", "cl1", 5, crate::ReasonEnded::Other, &[], day(1));
        assert!(matches!(
            check_once(Some(&fb), Direction::Client),
            Err(DomainError::AlreadyExists(_))
        ));
        assert_eq!(check_once(None, Direction::Client), Ok(()));
    }

    #[test]
    fn feedback_is_revealed_when_both_parties_have_left_it() {
        let c = contract("c1", "cl1", Some(day(0)), 10_000);
        assert_eq!(
            revealed_at(&c, Some(day(2)), Some(day(5)), &policy()),
            Some(day(5))
        );
        assert!(!is_revealed(&c, Some(day(2)), None, day(5), &policy()));
        assert!(is_revealed(
            &c,
            Some(day(2)),
            Some(day(5)),
            day(5),
            &policy()
        ));
    }

    #[test]
    fn feedback_is_revealed_when_the_window_closes_even_if_only_one_party_left_it() {
        let c = contract("c1", "cl1", Some(day(0)), 10_000);
        assert_eq!(
            revealed_at(&c, Some(day(2)), None, &policy()),
            Some(day(14))
        );
        assert!(!is_revealed(&c, Some(day(2)), None, day(13), &policy()));
        assert!(is_revealed(&c, Some(day(2)), None, day(14), &policy()));
    }

    #[test]
    fn a_freelancer_never_sees_the_private_part_and_nothing_of_the_client_before_reveal() {
        let me = Viewer::Party(Direction::Freelancer);
        assert_eq!(visibility(me, Direction::Client, false), Visibility::Hidden);
        assert_eq!(
            visibility(me, Direction::Client, true),
            Visibility::PublicOnly
        );
        assert_eq!(
            visibility(me, Direction::Freelancer, false),
            Visibility::Full
        );
    }

    #[test]
    fn a_client_sees_their_own_feedback_in_full_and_a_reviewer_sees_everything() {
        let client = Viewer::Party(Direction::Client);
        assert_eq!(
            visibility(client, Direction::Client, false),
            Visibility::Full
        );
        assert_eq!(
            visibility(client, Direction::Freelancer, false),
            Visibility::Hidden
        );
        assert_eq!(
            visibility(Viewer::Reviewer, Direction::Client, false),
            Visibility::Full
        );
    }
}

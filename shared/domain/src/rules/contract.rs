//! §1 Contracts: registration and updates by the marketplace.

use crate::error::DomainError;
use crate::model::Contract;

/// A contract's parties never change, its end is not before its start, and once feedback exists
/// its end date is fixed (the windows hang on it).
pub fn check_registration(
    new: &Contract,
    existing: Option<&Contract>,
    has_feedback: bool,
) -> Result<(), DomainError> {
    if new.client_id == new.freelancer_id {
        return Err(DomainError::invalid(
            "freelancer_id",
            "must differ from client_id: nobody contracts with themself",
        ));
    }
    if new.ended_at.is_some_and(|e| e < new.started_at) {
        return Err(DomainError::invalid(
            "ended_at",
            "must not be before started_at",
        ));
    }
    if let Some(old) = existing {
        if old.client_id != new.client_id || old.freelancer_id != new.freelancer_id {
            return Err(DomainError::Conflict(
                "the parties of a registered contract cannot change".into(),
            ));
        }
        if has_feedback && old.ended_at != new.ended_at {
            return Err(DomainError::Conflict(
                "the end of a contract with feedback cannot change".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    #[test]
    fn a_contract_whose_end_precedes_its_start_is_refused() {
        let mut c = contract("c1", "cl1", Some(day(0)), 100);
        c.started_at = day(1);
        assert!(matches!(
            check_registration(&c, None, false),
            Err(DomainError::InvalidField { .. })
        ));
    }

    #[test]
    fn the_parties_of_a_contract_cannot_change() {
        let old = contract("c1", "cl1", None, 100);
        let new = contract("c1", "cl2", None, 100);
        assert!(matches!(
            check_registration(&new, Some(&old), false),
            Err(DomainError::Conflict(_))
        ));
    }

    #[test]
    fn a_contract_may_be_ended_by_an_update_but_its_end_is_fixed_once_feedback_exists() {
        let old = contract("c1", "cl1", None, 100);
        let ended = contract("c1", "cl1", Some(day(3)), 100);
        assert_eq!(check_registration(&ended, Some(&old), false), Ok(()));
        let moved = contract("c1", "cl1", Some(day(4)), 100);
        assert!(matches!(
            check_registration(&moved, Some(&ended), true),
            Err(DomainError::Conflict(_))
        ));
    }
}

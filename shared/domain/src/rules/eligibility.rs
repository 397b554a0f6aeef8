//! §10 Eligibility: what a freelancer may do, with the sanctions behind every no.

use crate::model::Sanction;
use crate::{SanctionId, Standing};

/// One action's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub allowed: bool,
    /// The sanctions that forbid it (empty when allowed).
    pub sanctions: Vec<SanctionId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub submit_proposal: Permission,
    pub accept_new_contract: Permission,
    pub continue_existing_contract: Permission,
}

/// Which actions a sanction of this kind forbids. `restricted` stops new proposals (§7); the
/// blocks stop new proposals and new contracts (§4, §7). No sanction stops existing contracts:
/// the rule book says they go on, and it says nothing else for a permanent block.
fn forbids(kind: Standing) -> (bool, bool, bool) {
    match kind {
        Standing::Good | Standing::Warned => (false, false, false),
        Standing::Restricted => (true, false, false),
        Standing::BlockedNewWork | Standing::PermanentlyBlocked => (true, true, false),
    }
}

fn permission(sanctions: &[Sanction], pick: impl Fn((bool, bool, bool)) -> bool) -> Permission {
    let by: Vec<SanctionId> = sanctions
        .iter()
        .filter(|s| pick(forbids(s.kind)))
        .map(|s| s.sanction_id.clone())
        .collect();
    Permission {
        allowed: by.is_empty(),
        sanctions: by,
    }
}

pub fn eligibility(active: &[Sanction]) -> Eligibility {
    Eligibility {
        submit_proposal: permission(active, |f| f.0),
        accept_new_contract: permission(active, |f| f.1),
        continue_existing_contract: permission(active, |f| f.2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    #[test]
    fn a_blocked_freelancer_may_not_propose_or_accept_new_contracts_but_continues_existing_ones() {
        let e = eligibility(&[block_sanction("s1", day(0))]);
        assert!(!e.submit_proposal.allowed);
        assert_eq!(e.submit_proposal.sanctions.len(), 1);
        assert!(!e.accept_new_contract.allowed);
        assert!(e.continue_existing_contract.allowed);
    }

    #[test]
    fn a_restricted_freelancer_may_not_propose_but_may_accept_and_continue() {
        let mut s = block_sanction("s1", day(0));
        s.kind = Standing::Restricted;
        let e = eligibility(&[s]);
        assert!(!e.submit_proposal.allowed);
        assert!(e.accept_new_contract.allowed);
        assert!(e.continue_existing_contract.allowed);
    }

    #[test]
    fn a_warned_or_unsanctioned_freelancer_may_do_everything() {
        let mut s = block_sanction("s1", day(0));
        s.kind = Standing::Warned;
        for active in [vec![], vec![s]] {
            let e = eligibility(&active);
            assert!(
                e.submit_proposal.allowed
                    && e.accept_new_contract.allowed
                    && e.continue_existing_contract.allowed
            );
        }
    }
}

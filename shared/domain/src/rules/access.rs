//! Who may do what: by role, from the token, and by ownership of the thing acted on.

use crate::error::DomainError;
use crate::model::Contract;
use crate::{Direction, UserId};
use serde::{Deserialize, Serialize};

crate::values::vocabulary!(
    /// A role from the token's `roles` claim.
    Role { Client => "client", Freelancer => "freelancer", Reviewer => "reviewer", Service => "service",
        PolicyAdmin => "policy_admin" }
);

/// The signed-in caller: identity comes from the token only, never from a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn new(user_id: UserId, roles: impl IntoIterator<Item = Role>) -> Self {
        let mut roles: Vec<Role> = roles.into_iter().collect();
        roles.sort();
        roles.dedup();
        Self { user_id, roles }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

fn forbidden(sentence: &str) -> DomainError {
    DomainError::Forbidden(sentence.to_owned())
}

/// The actor holds at least one of `roles`; otherwise 403 with `sentence`.
fn require_any(actor: &Actor, roles: &[Role], sentence: &str) -> Result<(), DomainError> {
    if roles.iter().any(|r| actor.has(*r)) {
        Ok(())
    } else {
        Err(forbidden(sentence))
    }
}

/// Requires a role.
pub fn require(actor: &Actor, role: Role, doing: &str) -> Result<(), DomainError> {
    if actor.has(role) {
        Ok(())
    } else {
        Err(forbidden(&format!(
            "only a caller with the `{role}` role may {doing}"
        )))
    }
}

/// Only the marketplace's back end registers contracts.
pub fn register_contract(actor: &Actor) -> Result<(), DomainError> {
    require(actor, Role::Service, "register contracts")
}

/// Which side of the contract the actor is on, with the matching role; feedback direction follows.
pub fn party(actor: &Actor, contract: &Contract) -> Result<Direction, DomainError> {
    if actor.user_id == contract.client_id && actor.has(Role::Client) {
        Ok(Direction::Client)
    } else if actor.user_id == contract.freelancer_id && actor.has(Role::Freelancer) {
        Ok(Direction::Freelancer)
    } else {
        Err(forbidden(
            "only the client or the freelancer of this contract may do this",
        ))
    }
}

/// Requires the actor to be this side of the contract.
pub fn require_party(
    actor: &Actor,
    contract: &Contract,
    side: Direction,
    doing: &str,
) -> Result<(), DomainError> {
    match party(actor, contract) {
        Ok(d) if d == side => Ok(()),
        _ => Err(forbidden(&format!(
            "only the {side} of this contract may {doing}"
        ))),
    }
}

/// Parties see their contract's feedback as a party (`Some(side)`), whatever other roles they
/// hold (§10); other reviewers see all (`None`); anyone else is refused.
pub fn view_feedback(actor: &Actor, contract: &Contract) -> Result<Option<Direction>, DomainError> {
    if actor.user_id == contract.client_id {
        return Ok(Some(Direction::Client));
    }
    if actor.user_id == contract.freelancer_id {
        return Ok(Some(Direction::Freelancer));
    }
    if actor.has(Role::Reviewer) {
        return Ok(None);
    }
    Err(forbidden(
        "only the client or the freelancer of this contract, or a reviewer, may see its feedback",
    ))
}

/// Standing and eligibility: the freelancer themself, reviewers and the service.
pub fn view_standing(actor: &Actor, freelancer: &UserId) -> Result<(), DomainError> {
    if (&actor.user_id == freelancer && actor.has(Role::Freelancer))
        || actor.has(Role::Reviewer)
        || actor.has(Role::Service)
    {
        Ok(())
    } else {
        Err(forbidden(
            "only the freelancer themself, a reviewer or the marketplace service may see this standing",
        ))
    }
}

/// An appeal is filed by the sanctioned freelancer themself.
pub fn file_appeal(actor: &Actor, freelancer: &UserId) -> Result<(), DomainError> {
    if &actor.user_id == freelancer && actor.has(Role::Freelancer) {
        Ok(())
    } else {
        Err(forbidden(
            "only the freelancer themself may appeal their sanctions",
        ))
    }
}

/// A complaint is filed by a client (the contract is checked by the complaint rules).
pub fn file_complaint(actor: &Actor) -> Result<(), DomainError> {
    require(actor, Role::Client, "file a complaint")
}

/// Queues, decisions and the audit trail are for reviewers.
pub fn review(actor: &Actor, doing: &str) -> Result<(), DomainError> {
    require(actor, Role::Reviewer, doing)
}

/// Publishing and activating policy versions (api.md, policy lab).
pub fn manage_policies(actor: &Actor, doing: &str) -> Result<(), DomainError> {
    require(actor, Role::PolicyAdmin, doing)
}

/// Who may see the policy versions: reviewers, the marketplace's back end, policy admins.
pub fn view_policies(actor: &Actor) -> Result<(), DomainError> {
    require_any(
        actor,
        &[Role::Reviewer, Role::Service, Role::PolicyAdmin],
        "only a reviewer, the marketplace's service or a policy admin may see the policy versions",
    )
}

/// Who may read a shadow report: reviewers and policy admins.
pub fn view_shadow_report(actor: &Actor) -> Result<(), DomainError> {
    require_any(
        actor,
        &[Role::Reviewer, Role::PolicyAdmin],
        "only a reviewer or a policy admin may read a shadow report",
    )
}

/// Feedback is given by the parties of a contract: a caller with neither the client nor the
/// freelancer role may never, and is told so before anything of the body is read.
pub fn give_feedback(actor: &Actor) -> Result<(), DomainError> {
    require_any(
        actor,
        &[Role::Client, Role::Freelancer],
        "only the client or the freelancer of a contract may give feedback on it",
    )
}

/// Statements of reasons leave for the regulator's database through the marketplace's back
/// end, and reviewers read them: no one else.
pub fn read_statements(actor: &Actor) -> Result<(), DomainError> {
    require_any(
        actor,
        &[Role::Reviewer, Role::Service],
        "only a reviewer or the marketplace service may read the statements of reasons",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn actor(id: &str, roles: &[Role]) -> Actor {
        Actor::new(user(id), roles.iter().copied())
    }

    #[test]
    fn only_the_service_registers_contracts() {
        assert!(register_contract(&actor("svc", &[Role::Service])).is_ok());
        assert!(register_contract(&actor("cl1", &[Role::Client])).is_err());
    }

    #[test]
    fn the_direction_follows_from_who_calls_and_a_non_party_is_forbidden() {
        let c = contract("c1", "cl1", Some(day(0)), 100);
        assert_eq!(
            party(&actor("cl1", &[Role::Client]), &c),
            Ok(Direction::Client)
        );
        assert_eq!(
            party(&actor("fl1", &[Role::Freelancer]), &c),
            Ok(Direction::Freelancer)
        );
        assert!(party(&actor("cl2", &[Role::Client]), &c).is_err());
        // The right id without the matching role is not enough.
        assert!(party(&actor("cl1", &[Role::Freelancer]), &c).is_err());
    }

    #[test]
    fn a_reviewer_may_view_any_contracts_feedback() {
        let c = contract("c1", "cl1", Some(day(0)), 100);
        assert_eq!(
            view_feedback(&actor("rev", &[Role::Reviewer]), &c),
            Ok(None)
        );
        assert!(view_feedback(&actor("other", &[Role::Freelancer]), &c).is_err());
    }

    #[test]
    fn standing_is_visible_to_the_freelancer_reviewers_and_the_service_but_not_another_freelancer()
    {
        let fl = user("fl1");
        assert!(view_standing(&actor("fl1", &[Role::Freelancer]), &fl).is_ok());
        assert!(view_standing(&actor("rev", &[Role::Reviewer]), &fl).is_ok());
        assert!(view_standing(&actor("svc", &[Role::Service]), &fl).is_ok());
        assert!(view_standing(&actor("fl2", &[Role::Freelancer]), &fl).is_err());
        assert!(view_standing(&actor("cl1", &[Role::Client]), &fl).is_err());
    }

    #[test]
    fn only_the_freelancer_themself_may_appeal() {
        let fl = user("fl1");
        assert!(file_appeal(&actor("fl1", &[Role::Freelancer]), &fl).is_ok());
        assert!(file_appeal(&actor("fl2", &[Role::Freelancer]), &fl).is_err());
        assert!(file_appeal(&actor("rev", &[Role::Reviewer]), &fl).is_err());
    }

    #[test]
    fn reviews_need_the_reviewer_role() {
        assert!(review(&actor("rev", &[Role::Reviewer]), "decide").is_ok());
        assert!(review(&actor("svc", &[Role::Service]), "decide").is_err());
    }
}

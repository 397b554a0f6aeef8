//! Appeals: file against an active sanction, the pending queue, decide.

use super::found;
use crate::error::DomainError;
use crate::model::{Appeal, AppealDecision, SanctionSnapshot};
use crate::paging::{Page, PageRequest};
use crate::ports::{AppealStore, Clock, ComplaintStore, ContractStore, StandingStore, Versioned};
use crate::rules::{access, appeals as rule};
use crate::{
    Actor, AppealId, AppealKind, AppealOutcome, Note, PolicyConfig, SanctionId, Statement, UserId,
};

/// `POST /freelancers/{id}/appeals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAppeal {
    pub sanction_id: SanctionId,
    pub kind: AppealKind,
    pub statement: Statement,
}

/// `POST /appeals/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecideAppeal {
    pub outcome: AppealOutcome,
    pub note: Note,
}

/// The freelancer appeals one of their active sanctions.
pub async fn file<S: StandingStore + AppealStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    freelancer: &UserId,
    cmd: FileAppeal,
) -> Result<Appeal, DomainError> {
    access::file_appeal(actor, freelancer)?;
    let standing = store.get_standing(freelancer).await?;
    let sanction = standing
        .and_then(|s| {
            s.value
                .sanctions
                .into_iter()
                .find(|x| x.sanction_id == cmd.sanction_id)
        })
        .ok_or_else(|| DomainError::not_found("active sanction", &cmd.sanction_id))?;
    let appeals: Vec<Appeal> = store
        .freelancer_appeals(freelancer)
        .await?
        .into_iter()
        .map(|v| v.value)
        .collect();
    let now = clock.now();
    rule::check_filing(&sanction, cmd.kind, &appeals, now, policy)?;
    let appeal = Appeal {
        appeal_id: AppealId::derived(
            "ap",
            &[
                sanction.sanction_id.as_str(),
                cmd.kind.as_str(),
                &now.to_rfc3339(),
            ],
        ),
        freelancer_id: freelancer.clone(),
        kind: cmd.kind,
        sanction: SanctionSnapshot {
            sanction_id: sanction.sanction_id,
            kind: sanction.kind,
            rule: sanction.rule,
            started_at: sanction.started_at,
            evidence: sanction.evidence,
        },
        statement: cmd.statement,
        filed_at: now,
        decision: None,
        overdue_since: None,
    };
    store.file_appeal(&appeal).await?;
    Ok(appeal)
}

/// Pending appeals for reviewers, oldest first, a page at a time.
pub async fn pending<S: AppealStore>(
    store: &S,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<Appeal>, DomainError> {
    access::review(actor, "see pending appeals")?;
    store.pending_appeals(page).await
}

/// An appeal the reviewer may decide (§8a): only [`may_decide`] makes one, before the body is
/// read. `None` inside when there is no such appeal (404 after the body, api.md).
#[derive(Debug)]
pub struct DecisionRight {
    id: AppealId,
    appeal: Option<Versioned<Appeal>>,
    reviewer: UserId,
}

/// A reviewer, and not one who takes part: not the appellant, and not a client whose feedback
/// or complaint the appealed sanction rests on.
pub async fn may_decide<S: AppealStore + ContractStore + ComplaintStore>(
    store: &S,
    actor: &Actor,
    id: &AppealId,
) -> Result<DecisionRight, DomainError> {
    access::review(actor, "decide appeals")?;
    let appeal = store.get_appeal(id).await?;
    if let Some(a) = &appeal {
        let evidence = &a.value.sanction.evidence;
        let mut authors = Vec::new();
        for contract_id in &evidence.contract_ids {
            if let Some(c) = store.get_contract(contract_id).await? {
                authors.push(c.value.client_id);
            }
        }
        if !evidence.complaint_ids.is_empty() {
            authors.extend(
                store
                    .freelancer_complaints(&a.value.freelancer_id)
                    .await?
                    .into_iter()
                    .filter(|c| evidence.complaint_ids.contains(&c.value.complaint_id))
                    .map(|c| c.value.reporter),
            );
        }
        rule::check_reviewer(&a.value, &authors, &actor.user_id)?;
    }
    Ok(DecisionRight {
        id: id.clone(),
        appeal,
        reviewer: actor.user_id.clone(),
    })
}

/// The reviewer grants or denies the appeal; the evaluation that follows lifts or keeps the
/// sanction.
pub async fn decide<S: AppealStore>(
    store: &S,
    clock: &impl Clock,
    right: DecisionRight,
    cmd: DecideAppeal,
) -> Result<Appeal, DomainError> {
    let Versioned { mut value, version } = found(right.appeal, "appeal", &right.id)?;
    rule::check_decision(&value)?;
    value.decision = Some(AppealDecision {
        outcome: cmd.outcome,
        note: cmd.note,
        reviewer: right.reviewer,
        decided_at: clock.now(),
    });
    store.save_appeal(&value, version).await?;
    Ok(value)
}

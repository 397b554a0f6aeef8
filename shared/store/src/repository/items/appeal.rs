//! The stored shape of an appeal (§8), with the sanction as it stood when filed.

use super::Stored;
use super::standing::EvidenceItem;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::model::{Appeal, AppealDecision, RuleId, SanctionSnapshot};
use standing_domain::{
    AppealId, AppealKind, AppealOutcome, Note, SanctionId, Standing, Statement, UserId,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealItem {
    pub appeal_id: AppealId,
    pub freelancer_id: UserId,
    pub kind: AppealKind,
    pub sanction: AppealedSanctionItem,
    pub statement: Statement,
    pub filed_at: DateTime<Utc>,
    pub decision: Option<AppealDecisionItem>,
    pub overdue_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealedSanctionItem {
    pub sanction_id: SanctionId,
    pub kind: Standing,
    pub rule: RuleId,
    pub started_at: DateTime<Utc>,
    pub evidence: EvidenceItem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealDecisionItem {
    pub outcome: AppealOutcome,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

impl Stored for AppealItem {
    type Domain = Appeal;

    fn from_domain(a: &Appeal) -> Self {
        Self {
            appeal_id: a.appeal_id.clone(),
            freelancer_id: a.freelancer_id.clone(),
            kind: a.kind,
            sanction: AppealedSanctionItem {
                sanction_id: a.sanction.sanction_id.clone(),
                kind: a.sanction.kind,
                rule: a.sanction.rule,
                started_at: a.sanction.started_at,
                evidence: (&a.sanction.evidence).into(),
            },
            statement: a.statement.clone(),
            filed_at: a.filed_at,
            decision: a.decision.as_ref().map(|d| AppealDecisionItem {
                outcome: d.outcome,
                note: d.note.clone(),
                reviewer: d.reviewer.clone(),
                decided_at: d.decided_at,
            }),
            overdue_since: a.overdue_since,
        }
    }

    fn into_domain(self) -> Result<Appeal, StoreError> {
        Ok(Appeal {
            appeal_id: self.appeal_id,
            freelancer_id: self.freelancer_id,
            kind: self.kind,
            sanction: SanctionSnapshot {
                sanction_id: self.sanction.sanction_id,
                kind: self.sanction.kind,
                rule: self.sanction.rule,
                started_at: self.sanction.started_at,
                evidence: self.sanction.evidence.into(),
            },
            statement: self.statement,
            filed_at: self.filed_at,
            decision: self.decision.map(|d| AppealDecision {
                outcome: d.outcome,
                note: d.note,
                reviewer: d.reviewer,
                decided_at: d.decided_at,
            }),
            overdue_since: self.overdue_since,
        })
    }
}

//! An appeal as the contract shows it (filed, pending, decided).

use super::standing::EvidenceBody;
use chrono::{DateTime, Utc};
use serde::Serialize;
use standing_domain::model::{Appeal, RuleId};
use standing_domain::{
    AppealId, AppealKind, AppealOutcome, Note, SanctionId, Standing, Statement, UserId,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppealBody {
    pub appeal_id: AppealId,
    pub freelancer_id: UserId,
    pub kind: AppealKind,
    pub sanction: AppealedSanctionBody,
    pub statement: Statement,
    pub filed_at: DateTime<Utc>,
    pub decision: Option<AppealDecisionBody>,
    pub overdue_since: Option<DateTime<Utc>>,
}

/// The sanction as it stood when the appeal was filed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppealedSanctionBody {
    pub sanction_id: SanctionId,
    pub kind: Standing,
    pub rule: RuleId,
    pub started_at: DateTime<Utc>,
    pub evidence: EvidenceBody,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppealDecisionBody {
    pub outcome: AppealOutcome,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

impl From<Appeal> for AppealBody {
    fn from(a: Appeal) -> Self {
        Self {
            appeal_id: a.appeal_id,
            freelancer_id: a.freelancer_id,
            kind: a.kind,
            sanction: AppealedSanctionBody {
                evidence: (&a.sanction.evidence).into(),
                sanction_id: a.sanction.sanction_id,
                kind: a.sanction.kind,
                rule: a.sanction.rule,
                started_at: a.sanction.started_at,
            },
            statement: a.statement,
            filed_at: a.filed_at,
            decision: a.decision.map(|d| AppealDecisionBody {
                outcome: d.outcome,
                note: d.note,
                reviewer: d.reviewer,
                decided_at: d.decided_at,
            }),
            overdue_since: a.overdue_since,
        }
    }
}

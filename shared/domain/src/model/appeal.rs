//! An appeal against a sanction (§8): reinstatement after a quality block, or a contest.

use crate::model::{Evidence, RuleId};
use crate::{AppealId, AppealKind, AppealOutcome, Note, SanctionId, Standing, Statement, UserId};
use chrono::{DateTime, Utc};

/// What the appeal is about, as it stood when filed: decisions on the appeal refer to these facts
/// even after the sanction itself is lifted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanctionSnapshot {
    pub sanction_id: SanctionId,
    pub kind: Standing,
    pub rule: RuleId,
    pub started_at: DateTime<Utc>,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealDecision {
    pub outcome: AppealOutcome,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appeal {
    pub appeal_id: AppealId,
    pub freelancer_id: UserId,
    pub kind: AppealKind,
    pub sanction: SanctionSnapshot,
    pub statement: Statement,
    pub filed_at: DateTime<Utc>,
    pub decision: Option<AppealDecision>,
    /// Set by the daily check when the appeal has waited too long (§8).
    pub overdue_since: Option<DateTime<Utc>>,
}

impl Appeal {
    pub fn is_pending(&self) -> bool {
        self.decision.is_none()
    }

    pub fn granted_at(&self) -> Option<DateTime<Utc>> {
        match &self.decision {
            Some(d) if d.outcome == AppealOutcome::Granted => Some(d.decided_at),
            _ => None,
        }
    }

    pub fn denied_at(&self) -> Option<DateTime<Utc>> {
        match &self.decision {
            Some(d) if d.outcome == AppealOutcome::Denied => Some(d.decided_at),
            _ => None,
        }
    }
}

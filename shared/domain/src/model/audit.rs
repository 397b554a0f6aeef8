//! The append-only audit trail of standing changes, and notices to freelancers.

use crate::model::{DecidedBy, Evidence, RuleId};
use crate::{SanctionId, Standing, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One change of standing or of a sanction: before, after, rule, policy version, evidence,
/// actor, time (§10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub freelancer_id: UserId,
    pub at: DateTime<Utc>,
    /// `imposed` or `lifted`.
    pub action: String,
    pub sanction_id: SanctionId,
    pub rule: RuleId,
    pub policy_version: String,
    pub before: Standing,
    pub after: Standing,
    pub evidence: Evidence,
    pub actor: DecidedBy,
    /// Why: the sanction's statement, or why it was lifted.
    pub reason: String,
}

crate::values::vocabulary!(
    /// What a notice tells a freelancer.
    NoticeKind {
        SanctionImposed => "sanction_imposed",
        SanctionLifted => "sanction_lifted",
        ReinstatementOpen => "reinstatement_open",
        AppealOverdue => "appeal_overdue",
    }
);

/// A message to a freelancer (or, for overdue appeals, to the reviewers' queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub freelancer_id: UserId,
    pub kind: NoticeKind,
    /// What it is about: a sanction id or an appeal id. With `kind`, it keys the notice, so the
    /// same notice is never sent twice.
    pub subject: String,
    pub at: DateTime<Utc>,
    pub message: String,
}

//! The stored shapes of the audit trail's entries and of notices.

use super::Stored;
use super::standing::EvidenceItem;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::model::{AuditEntry, DecidedBy, Notice, NoticeKind, RuleId};
use standing_domain::{SanctionId, Standing, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditItem {
    pub freelancer_id: UserId,
    pub at: DateTime<Utc>,
    pub action: String,
    pub sanction_id: SanctionId,
    pub rule: RuleId,
    pub policy_version: String,
    pub before: Standing,
    pub after: Standing,
    pub evidence: EvidenceItem,
    pub actor: DecidedBy,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeItem {
    pub freelancer_id: UserId,
    pub kind: NoticeKind,
    pub subject: String,
    pub at: DateTime<Utc>,
    pub message: String,
}

impl Stored for AuditItem {
    type Domain = AuditEntry;

    fn from_domain(e: &AuditEntry) -> Self {
        Self {
            freelancer_id: e.freelancer_id.clone(),
            at: e.at,
            action: e.action.clone(),
            sanction_id: e.sanction_id.clone(),
            rule: e.rule,
            policy_version: e.policy_version.clone(),
            before: e.before,
            after: e.after,
            evidence: (&e.evidence).into(),
            actor: e.actor.clone(),
            reason: e.reason.clone(),
        }
    }

    fn into_domain(self) -> Result<AuditEntry, StoreError> {
        Ok(AuditEntry {
            freelancer_id: self.freelancer_id,
            at: self.at,
            action: self.action,
            sanction_id: self.sanction_id,
            rule: self.rule,
            policy_version: self.policy_version,
            before: self.before,
            after: self.after,
            evidence: self.evidence.into(),
            actor: self.actor,
            reason: self.reason,
        })
    }
}

impl Stored for NoticeItem {
    type Domain = Notice;

    fn from_domain(n: &Notice) -> Self {
        Self {
            freelancer_id: n.freelancer_id.clone(),
            kind: n.kind,
            subject: n.subject.clone(),
            at: n.at,
            message: n.message.clone(),
        }
    }

    fn into_domain(self) -> Result<Notice, StoreError> {
        Ok(Notice {
            freelancer_id: self.freelancer_id,
            kind: self.kind,
            subject: self.subject,
            at: self.at,
            message: self.message,
        })
    }
}

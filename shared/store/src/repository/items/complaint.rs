//! The stored shape of a background complaint (§7) and its decision.

use super::Stored;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::model::{Complaint, ComplaintDecision};
use standing_domain::{
    ClaimText, ComplaintCategory, ComplaintId, ComplaintOutcome, EvidenceText, Note, Statement,
    TermsClause, UserId,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintItem {
    pub complaint_id: ComplaintId,
    pub freelancer_id: UserId,
    pub reporter: UserId,
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub statement: Statement,
    pub evidence: Vec<EvidenceText>,
    pub filed_at: DateTime<Utc>,
    pub under_review_since: Option<DateTime<Utc>>,
    pub decision: Option<ComplaintDecisionItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintDecisionItem {
    pub outcome: ComplaintOutcome,
    pub terms_clause: TermsClause,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

impl Stored for ComplaintItem {
    type Domain = Complaint;

    fn from_domain(c: &Complaint) -> Self {
        Self {
            complaint_id: c.complaint_id.clone(),
            freelancer_id: c.freelancer_id.clone(),
            reporter: c.reporter.clone(),
            category: c.category,
            claim: c.claim.clone(),
            statement: c.statement.clone(),
            evidence: c.evidence.clone(),
            filed_at: c.filed_at,
            under_review_since: c.under_review_since,
            decision: c.decision.as_ref().map(|d| ComplaintDecisionItem {
                outcome: d.outcome,
                terms_clause: d.terms_clause.clone(),
                note: d.note.clone(),
                reviewer: d.reviewer.clone(),
                decided_at: d.decided_at,
            }),
        }
    }

    fn into_domain(self) -> Result<Complaint, StoreError> {
        Ok(Complaint {
            complaint_id: self.complaint_id,
            freelancer_id: self.freelancer_id,
            reporter: self.reporter,
            category: self.category,
            claim: self.claim,
            statement: self.statement,
            evidence: self.evidence,
            filed_at: self.filed_at,
            under_review_since: self.under_review_since,
            decision: self.decision.map(|d| ComplaintDecision {
                outcome: d.outcome,
                terms_clause: d.terms_clause,
                note: d.note,
                reviewer: d.reviewer,
                decided_at: d.decided_at,
            }),
        })
    }
}

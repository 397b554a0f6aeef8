//! A background complaint as the contract shows it (filed, in the queue, decided).

use chrono::{DateTime, Utc};
use serde::Serialize;
use standing_domain::model::Complaint;
use standing_domain::{
    ClaimText, ComplaintCategory, ComplaintId, ComplaintOutcome, EvidenceText, Note, Statement,
    TermsClause, UserId,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplaintBody {
    pub complaint_id: ComplaintId,
    pub freelancer_id: UserId,
    pub reporter: UserId,
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub statement: Statement,
    pub evidence: Vec<EvidenceText>,
    pub filed_at: DateTime<Utc>,
    pub under_review_since: Option<DateTime<Utc>>,
    pub decision: Option<ComplaintDecisionBody>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplaintDecisionBody {
    pub outcome: ComplaintOutcome,
    pub terms_clause: TermsClause,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

impl From<Complaint> for ComplaintBody {
    fn from(c: Complaint) -> Self {
        Self {
            complaint_id: c.complaint_id,
            freelancer_id: c.freelancer_id,
            reporter: c.reporter,
            category: c.category,
            claim: c.claim,
            statement: c.statement,
            evidence: c.evidence,
            filed_at: c.filed_at,
            under_review_since: c.under_review_since,
            decision: c.decision.map(|d| ComplaintDecisionBody {
                outcome: d.outcome,
                terms_clause: d.terms_clause,
                note: d.note,
                reviewer: d.reviewer,
                decided_at: d.decided_at,
            }),
        }
    }
}

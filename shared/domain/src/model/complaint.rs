//! A complaint that a freelancer misrepresents their professional background (§7).

use crate::{
    ClaimText, ComplaintCategory, ComplaintId, ComplaintOutcome, EvidenceText, Note, Statement,
    TermsClause, UserId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::values::vocabulary!(
    /// Where a complaint is: filed, in a review case, or decided.
    ComplaintStatus { Open => "open", UnderReview => "under_review", Decided => "decided" }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintDecision {
    pub outcome: ComplaintOutcome,
    pub terms_clause: TermsClause,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub complaint_id: ComplaintId,
    pub freelancer_id: UserId,
    pub reporter: UserId,
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub statement: Statement,
    pub evidence: Vec<EvidenceText>,
    pub filed_at: DateTime<Utc>,
    /// Set when a review case opens (§7); decided complaints keep the time.
    pub under_review_since: Option<DateTime<Utc>>,
    pub decision: Option<ComplaintDecision>,
}

impl Complaint {
    pub fn status(&self) -> ComplaintStatus {
        match (&self.decision, self.under_review_since) {
            (Some(_), _) => ComplaintStatus::Decided,
            (None, Some(_)) => ComplaintStatus::UnderReview,
            (None, None) => ComplaintStatus::Open,
        }
    }

    pub fn is_substantiated(&self) -> bool {
        matches!(&self.decision, Some(d) if d.outcome == ComplaintOutcome::Substantiated)
    }

    /// What "the same claim" means for "one open complaint per reporter per claim": the category
    /// and the claim, case- and white-space-insensitive.
    pub fn claim_key(category: ComplaintCategory, claim: &ClaimText) -> String {
        use unicode_normalization::UnicodeNormalization;
        // §7: Unicode NFKC, case-folded, white space collapsed (so "ＡＷＳ  sa" and "aws SA" are
        // one claim); format characters never get this far (the text refuses them).
        let folded: String = claim.as_str().nfkc().flat_map(char::to_lowercase).collect();
        let words: Vec<&str> = folded.split_whitespace().collect();
        format!("{}:{}", category.as_str(), words.join(" "))
    }
}

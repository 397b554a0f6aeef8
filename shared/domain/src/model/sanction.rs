//! Standing, sanctions and their statements of reasons (§10).

use crate::{ComplaintId, ContractId, FeedbackId, SanctionId, TermsClause, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::values::vocabulary!(
    /// A freelancer's standing, from best to worst; each sanction has one of the worse four.
    Standing {
        Good => "good",
        Warned => "warned",
        Restricted => "restricted",
        BlockedNewWork => "blocked_new_work",
        PermanentlyBlocked => "permanently_blocked",
    }
);

impl Standing {
    /// Whether a sanction of this kind restricts the freelancer's use of the marketplace (no new
    /// proposals or contracts, a flagged profile); a warning only tells them.
    pub fn restricts_service(self) -> bool {
        matches!(
            self,
            Standing::Restricted | Standing::BlockedNewWork | Standing::PermanentlyBlocked
        )
    }
}

crate::values::vocabulary!(
    /// The rules that can impose a sanction.
    RuleId {
        /// §4: negative feedback from several clients.
        QualityMultipleNegative => "quality.multiple_negative",
        /// §7: substantiated complaints about a professional background.
        ComplaintsMisrepresentation => "complaints.misrepresentation",
    }
);

/// The ids a sanction rests on. Kept sorted so that equal facts compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Evidence {
    pub contract_ids: Vec<ContractId>,
    pub feedback_ids: Vec<FeedbackId>,
    pub complaint_ids: Vec<ComplaintId>,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.contract_ids.is_empty()
            && self.feedback_ids.is_empty()
            && self.complaint_ids.is_empty()
    }

    /// Sorts and de-duplicates every list.
    pub fn normalized(mut self) -> Self {
        self.contract_ids.sort();
        self.contract_ids.dedup();
        self.feedback_ids.sort();
        self.feedback_ids.dedup();
        self.complaint_ids.sort();
        self.complaint_ids.dedup();
        self
    }
}

/// Automated, or the reviewer whose decision imposed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DecidedBy {
    Automated,
    Reviewer(UserId),
}

impl Serialize for DecidedBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            DecidedBy::Automated => s.serialize_str("automated"),
            DecidedBy::Reviewer(id) => s.serialize_str(id.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for DecidedBy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        if raw == "automated" {
            return Ok(DecidedBy::Automated);
        }
        UserId::parse(raw)
            .map(DecidedBy::Reviewer)
            .map_err(serde::de::Error::custom)
    }
}

/// How and from when a sanction can be appealed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AppealPaths {
    pub reinstatement_opens_at: Option<DateTime<Utc>>,
    pub contest_until: Option<DateTime<Utc>>,
}

/// The block a replacement block replaces (§4): the freelancer has been blocked without a break
/// since `first_started_at`, when the first block of the chain began.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Replaced {
    pub sanction_id: SanctionId,
    pub first_started_at: DateTime<Utc>,
}

/// A sanction with its statement of reasons (§10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sanction {
    pub sanction_id: SanctionId,
    pub kind: Standing,
    pub rule: RuleId,
    pub policy_version: String,
    pub started_at: DateTime<Utc>,
    /// When the freelancer was told: the evaluation that first showed it. Never before
    /// `started_at`; the contest window runs from here (§8).
    pub imposed_at: DateTime<Utc>,
    /// For a replacement block: the one it replaces (§4).
    pub replaces: Option<Replaced>,
    pub evidence: Evidence,
    pub decided_by: DecidedBy,
    pub terms_clause: Option<TermsClause>,
    /// The reasons, in words a freelancer can read.
    pub statement: String,
    pub appeal: AppealPaths,
}

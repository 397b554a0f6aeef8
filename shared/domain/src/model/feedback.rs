//! One party's feedback on one contract, with its versions, response, report and change state.

use crate::{
    Areas, Comment, ContractId, Direction, FeedbackId, Note, ReasonEnded, Recommend, ReportId,
    ReportOutcome, ReportReason, ResponseText, Scores, UserId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The part both parties and the public profile see once revealed. Unknown fields are refused,
/// so a misspelt field is an error rather than silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicPart {
    pub scores: Scores,
    pub comment: Comment,
}

/// The client's private part: never shown to the freelancer, never changed. Unknown fields are
/// refused (a misspelt `recommend` must not vanish).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivatePart {
    pub reason_ended: ReasonEnded,
    pub recommend: Option<Recommend>,
    #[serde(default)]
    pub dissatisfied_with: Areas,
    pub note: Option<Note>,
}

/// One version of the public part; version 1 is the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicVersion {
    pub version: u32,
    pub public: PublicPart,
    pub at: DateTime<Utc>,
}

/// The freelancer's one public response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub text: ResponseText,
    pub at: DateTime<Utc>,
}

/// The freelancer's one report of this feedback, and the reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackReport {
    pub report_id: ReportId,
    pub reason: ReportReason,
    pub details: Note,
    pub filed_at: DateTime<Utc>,
    pub decision: Option<ReportDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDecision {
    pub outcome: ReportOutcome,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

/// The freelancer's answer to a change request (or an unasked enablement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    pub given: bool,
    pub at: DateTime<Utc>,
}

/// §5: at most one change per contract: requested, consented, applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeState {
    pub requested_at: Option<DateTime<Utc>>,
    pub consent: Option<Consent>,
    pub applied_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub feedback_id: FeedbackId,
    pub contract_id: ContractId,
    pub direction: Direction,
    /// Who wrote it, and whom it is about.
    pub author: UserId,
    pub subject: UserId,
    pub submitted_at: DateTime<Utc>,
    /// Version 1, as first submitted.
    original: PublicVersion,
    /// Later versions (§5), oldest first.
    changes: Vec<PublicVersion>,
    /// Client direction only.
    pub private: Option<PrivatePart>,
    pub change: ChangeState,
    pub response: Option<Response>,
    pub report: Option<FeedbackReport>,
}

impl Feedback {
    /// New feedback with its first public version.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        contract_id: ContractId,
        direction: Direction,
        author: UserId,
        subject: UserId,
        public: PublicPart,
        private: Option<PrivatePart>,
        submitted_at: DateTime<Utc>,
    ) -> Self {
        Self {
            feedback_id: FeedbackId::for_contract(&contract_id, direction),
            contract_id,
            direction,
            author,
            subject,
            submitted_at,
            original: PublicVersion {
                version: 1,
                public,
                at: submitted_at,
            },
            changes: Vec::new(),
            private,
            change: ChangeState::default(),
            response: None,
            report: None,
        }
    }

    /// Rebuilds stored feedback from all its versions, oldest first; `None` when there are none.
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        feedback_id: FeedbackId,
        contract_id: ContractId,
        direction: Direction,
        author: UserId,
        subject: UserId,
        submitted_at: DateTime<Utc>,
        versions: Vec<PublicVersion>,
        private: Option<PrivatePart>,
        change: ChangeState,
        response: Option<Response>,
        report: Option<FeedbackReport>,
    ) -> Option<Self> {
        let mut versions = versions.into_iter();
        let original = versions.next()?;
        Some(Self {
            feedback_id,
            contract_id,
            direction,
            author,
            subject,
            submitted_at,
            original,
            changes: versions.collect(),
            private,
            change,
            response,
            report,
        })
    }

    /// The newest public version: the one that counts and that the profile shows.
    pub fn current(&self) -> &PublicVersion {
        self.changes.last().unwrap_or(&self.original)
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = &PublicVersion> {
        std::iter::once(&self.original).chain(self.changes.iter())
    }

    /// Appends a new public version (§5); returns its number.
    pub fn push_version(&mut self, public: PublicPart, at: DateTime<Utc>) -> u32 {
        let version = self.current().version + 1;
        self.changes.push(PublicVersion {
            version,
            public,
            at,
        });
        version
    }

    /// Removed by a reviewer after a report: it leaves the profile, the JSS and every count.
    pub fn is_removed(&self) -> bool {
        self.removed_at().is_some()
    }

    pub fn removed_at(&self) -> Option<DateTime<Utc>> {
        self.report.as_ref().and_then(|r| match &r.decision {
            Some(d) if d.outcome == ReportOutcome::Removed => Some(d.decided_at),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_field_of_the_private_part_is_refused_rather_than_dropped() {
        let typo = r#"{"reason_ended":"other","reccomend":9}"#;
        let err = serde_json::from_str::<PrivatePart>(typo).unwrap_err();
        assert!(err.to_string().contains("reccomend"), "{err}");
        let ok = r#"{"reason_ended":"other","recommend":9}"#;
        assert!(serde_json::from_str::<PrivatePart>(ok).is_ok());
    }
}

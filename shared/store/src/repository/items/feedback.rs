//! The stored shape of one party's feedback on one contract: every public version, the private
//! part, the change state, the response and the report.

use super::Stored;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::model::{
    ChangeState, Consent, Feedback, FeedbackReport, PrivatePart, PublicPart, PublicVersion,
    ReportDecision, Response,
};
use standing_domain::{
    Areas, Comment, ContractId, Direction, FeedbackId, Note, ReasonEnded, Recommend, ReportId,
    ReportOutcome, ReportReason, ResponseText, Score, Scores, UserId,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackItem {
    pub feedback_id: FeedbackId,
    pub contract_id: ContractId,
    pub direction: Direction,
    pub author: UserId,
    pub subject: UserId,
    pub submitted_at: DateTime<Utc>,
    /// Version 1, as first submitted.
    pub original: VersionItem,
    /// Later versions, oldest first.
    pub changes: Vec<VersionItem>,
    pub private: Option<PrivateItem>,
    pub change: ChangeItem,
    pub response: Option<ResponseItem>,
    pub report: Option<ReportItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionItem {
    pub version: u32,
    pub public: PublicItem,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicItem {
    pub scores: ScoresItem,
    pub comment: Comment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoresItem {
    pub skills: Score,
    pub quality: Score,
    pub availability: Score,
    pub deadlines: Score,
    pub communication: Score,
    pub cooperation: Score,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateItem {
    pub reason_ended: ReasonEnded,
    pub recommend: Option<Recommend>,
    #[serde(default)]
    pub dissatisfied_with: Areas,
    pub note: Option<Note>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeItem {
    pub requested_at: Option<DateTime<Utc>>,
    pub consent: Option<ConsentItem>,
    pub applied_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentItem {
    pub given: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseItem {
    pub text: ResponseText,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportItem {
    pub report_id: ReportId,
    pub reason: ReportReason,
    pub details: Note,
    pub filed_at: DateTime<Utc>,
    pub decision: Option<ReportDecisionItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDecisionItem {
    pub outcome: ReportOutcome,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

impl From<&PublicVersion> for VersionItem {
    fn from(v: &PublicVersion) -> Self {
        let s = v.public.scores;
        Self {
            version: v.version,
            public: PublicItem {
                scores: ScoresItem {
                    skills: s.skills,
                    quality: s.quality,
                    availability: s.availability,
                    deadlines: s.deadlines,
                    communication: s.communication,
                    cooperation: s.cooperation,
                },
                comment: v.public.comment.clone(),
            },
            at: v.at,
        }
    }
}

impl From<VersionItem> for PublicVersion {
    fn from(v: VersionItem) -> Self {
        let s = v.public.scores;
        PublicVersion {
            version: v.version,
            public: PublicPart {
                scores: Scores {
                    skills: s.skills,
                    quality: s.quality,
                    availability: s.availability,
                    deadlines: s.deadlines,
                    communication: s.communication,
                    cooperation: s.cooperation,
                },
                comment: v.public.comment,
            },
            at: v.at,
        }
    }
}

impl Stored for FeedbackItem {
    type Domain = Feedback;

    fn from_domain(f: &Feedback) -> Self {
        let mut versions = f.versions().map(VersionItem::from);
        // A feedback always has its first version; `versions()` starts with it.
        let original = versions
            .next()
            .unwrap_or_else(|| VersionItem::from(f.current()));
        Self {
            feedback_id: f.feedback_id.clone(),
            contract_id: f.contract_id.clone(),
            direction: f.direction,
            author: f.author.clone(),
            subject: f.subject.clone(),
            submitted_at: f.submitted_at,
            original,
            changes: versions.collect(),
            private: f.private.as_ref().map(|p| PrivateItem {
                reason_ended: p.reason_ended,
                recommend: p.recommend,
                dissatisfied_with: p.dissatisfied_with,
                note: p.note.clone(),
            }),
            change: ChangeItem {
                requested_at: f.change.requested_at,
                consent: f.change.consent.map(|c| ConsentItem {
                    given: c.given,
                    at: c.at,
                }),
                applied_at: f.change.applied_at,
            },
            response: f.response.as_ref().map(|r| ResponseItem {
                text: r.text.clone(),
                at: r.at,
            }),
            report: f.report.as_ref().map(|r| ReportItem {
                report_id: r.report_id.clone(),
                reason: r.reason,
                details: r.details.clone(),
                filed_at: r.filed_at,
                decision: r.decision.as_ref().map(|d| ReportDecisionItem {
                    outcome: d.outcome,
                    note: d.note.clone(),
                    reviewer: d.reviewer.clone(),
                    decided_at: d.decided_at,
                }),
            }),
        }
    }

    fn into_domain(self) -> Result<Feedback, StoreError> {
        let id = self.feedback_id.clone();
        let versions = std::iter::once(self.original)
            .chain(self.changes)
            .map(PublicVersion::from)
            .collect();
        Feedback::from_parts(
            self.feedback_id,
            self.contract_id,
            self.direction,
            self.author,
            self.subject,
            self.submitted_at,
            versions,
            self.private.map(|p| PrivatePart {
                reason_ended: p.reason_ended,
                recommend: p.recommend,
                dissatisfied_with: p.dissatisfied_with,
                note: p.note,
            }),
            ChangeState {
                requested_at: self.change.requested_at,
                consent: self.change.consent.map(|c| Consent {
                    given: c.given,
                    at: c.at,
                }),
                applied_at: self.change.applied_at,
            },
            self.response.map(|r| Response {
                text: r.text,
                at: r.at,
            }),
            self.report.map(|r| FeedbackReport {
                report_id: r.report_id,
                reason: r.reason,
                details: r.details,
                filed_at: r.filed_at,
                decision: r.decision.map(|d| ReportDecision {
                    outcome: d.outcome,
                    note: d.note,
                    reviewer: d.reviewer,
                    decided_at: d.decided_at,
                }),
            }),
        )
        .ok_or_else(|| StoreError::Corrupt(format!("feedback {id} has no public version")))
    }
}

//! Feedback as a viewer may see it, and the change, response and report states, as the contract
//! shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use standing_domain::model::{ChangeState, Feedback, FeedbackReport, PrivatePart, Response};
use standing_domain::usecases::feedback::{ContractFeedbackView, FeedbackView, PublicView};
use standing_domain::{
    Areas, Comment, ContractId, Direction, FeedbackId, Note, Overall, ReasonEnded, Recommend,
    ReportId, ReportOutcome, ReportReason, ResponseText, Score, Scores, UserId,
};

/// `GET /contracts/{id}/feedback`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractFeedbackBody {
    pub contract_id: ContractId,
    pub client: Option<FeedbackBody>,
    pub freelancer: Option<FeedbackBody>,
}

/// One feedback as its viewer may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackBody {
    pub feedback_id: FeedbackId,
    pub direction: Direction,
    pub public: PublicBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<PrivateBody>,
    pub submitted_at: DateTime<Utc>,
    pub revealed: bool,
    pub version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseBody>,
    pub removed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_id: Option<ReportId>,
    /// Every public version, oldest first: to its author and reviewers only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionBody>,
}

/// One public version of feedback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionBody {
    pub version: u32,
    pub public: PublicBody,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicBody {
    pub scores: ScoresBody,
    pub overall: Overall,
    pub comment: Comment,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoresBody {
    pub skills: Score,
    pub quality: Score,
    pub availability: Score,
    pub deadlines: Score,
    pub communication: Score,
    pub cooperation: Score,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrivateBody {
    pub reason_ended: ReasonEnded,
    pub recommend: Option<Recommend>,
    pub dissatisfied_with: Areas,
    pub note: Option<Note>,
}

/// The freelancer's public response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseBody {
    pub text: ResponseText,
    pub at: DateTime<Utc>,
}

/// Where a change of public feedback stands (§5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeStateBody {
    pub requested_at: Option<DateTime<Utc>>,
    pub consent: Option<ConsentBody>,
    pub applied_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsentBody {
    pub given: bool,
    pub at: DateTime<Utc>,
}

/// A report of feedback, and its decision once made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportBody {
    pub report_id: ReportId,
    pub reason: ReportReason,
    pub details: Note,
    pub filed_at: DateTime<Utc>,
    pub decision: Option<ReportDecisionBody>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportDecisionBody {
    pub outcome: ReportOutcome,
    pub note: Note,
    pub reviewer: UserId,
    pub decided_at: DateTime<Utc>,
}

impl From<&Scores> for ScoresBody {
    fn from(s: &Scores) -> Self {
        Self {
            skills: s.skills,
            quality: s.quality,
            availability: s.availability,
            deadlines: s.deadlines,
            communication: s.communication,
            cooperation: s.cooperation,
        }
    }
}

impl From<&PublicView> for PublicBody {
    fn from(p: &PublicView) -> Self {
        Self {
            scores: (&p.scores).into(),
            overall: p.overall,
            comment: p.comment.clone(),
        }
    }
}

impl From<&PrivatePart> for PrivateBody {
    fn from(p: &PrivatePart) -> Self {
        Self {
            reason_ended: p.reason_ended,
            recommend: p.recommend,
            dissatisfied_with: p.dissatisfied_with,
            note: p.note.clone(),
        }
    }
}

impl From<&Response> for ResponseBody {
    fn from(r: &Response) -> Self {
        Self {
            text: r.text.clone(),
            at: r.at,
        }
    }
}

impl From<FeedbackView> for FeedbackBody {
    fn from(v: FeedbackView) -> Self {
        Self {
            public: (&v.public).into(),
            private: v.private.as_ref().map(PrivateBody::from),
            response: v.response.as_ref().map(ResponseBody::from),
            feedback_id: v.feedback_id,
            direction: v.direction,
            submitted_at: v.submitted_at,
            revealed: v.revealed,
            version: v.version,
            removed: v.removed,
            report_id: v.report_id,
            versions: v
                .versions
                .iter()
                .map(|version| VersionBody {
                    version: version.version,
                    public: (&version.public).into(),
                    at: version.at,
                })
                .collect(),
        }
    }
}

impl From<ContractFeedbackView> for ContractFeedbackBody {
    fn from(v: ContractFeedbackView) -> Self {
        Self {
            contract_id: v.contract_id,
            client: v.client.map(FeedbackBody::from),
            freelancer: v.freelancer.map(FeedbackBody::from),
        }
    }
}

impl From<ChangeState> for ChangeStateBody {
    fn from(c: ChangeState) -> Self {
        Self {
            requested_at: c.requested_at,
            consent: c.consent.map(|c| ConsentBody {
                given: c.given,
                at: c.at,
            }),
            applied_at: c.applied_at,
        }
    }
}

impl From<FeedbackReport> for ReportBody {
    fn from(r: FeedbackReport) -> Self {
        Self {
            report_id: r.report_id,
            reason: r.reason,
            details: r.details,
            filed_at: r.filed_at,
            decision: r.decision.map(|d| ReportDecisionBody {
                outcome: d.outcome,
                note: d.note,
                reviewer: d.reviewer,
                decided_at: d.decided_at,
            }),
        }
    }
}

/// One report waiting for a reviewer (`GET /feedback-reports`): the report and what it is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportQueueEntryBody {
    pub report: ReportBody,
    pub contract_id: ContractId,
    pub feedback_id: FeedbackId,
    pub direction: Direction,
    /// Whom the feedback is about (the freelancer who reported it).
    pub freelancer_id: UserId,
    /// The public part as it stands.
    pub public: PublicBody,
}

/// A page of the report queue.
pub type ReportQueueBody = super::PageBody<ReportQueueEntryBody>;

impl From<standing_domain::paging::Page<Feedback>> for ReportQueueBody {
    fn from(page: standing_domain::paging::Page<Feedback>) -> Self {
        Self {
            items: page
                .items
                .into_iter()
                .filter_map(|f| {
                    let public = PublicBody::from(&PublicView::from(&f.current().public));
                    Some(ReportQueueEntryBody {
                        report: ReportBody::from(f.report?),
                        contract_id: f.contract_id,
                        feedback_id: f.feedback_id,
                        direction: f.direction,
                        freelancer_id: f.subject,
                        public,
                    })
                })
                .collect(),
            next_cursor: page.next_cursor,
        }
    }
}

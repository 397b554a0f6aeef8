//! The entities Standing keeps: contracts, feedback, complaints, appeals, sanctions, audit.

mod appeal;
mod audit;
mod complaint;
mod contract;
pub mod event;
mod feedback;
mod policy;
mod sanction;

pub use appeal::{Appeal, AppealDecision, SanctionSnapshot};
pub use audit::{AuditEntry, Notice, NoticeKind};
pub use complaint::{Complaint, ComplaintDecision, ComplaintStatus};
pub use contract::Contract;
pub use event::{DecidedAppeal, Event, EventKind, StatedReasons};
pub use feedback::{
    ChangeState, Consent, Feedback, FeedbackReport, PrivatePart, PublicPart, PublicVersion,
    ReportDecision, Response,
};
pub use policy::{
    Disagreement, JudgedStanding, PolicyChange, PolicyMode, PolicySelection, PolicyVersion,
    PublishedPolicy, Rollout, ShadowRecord,
};
pub use sanction::{AppealPaths, DecidedBy, Evidence, Replaced, RuleId, Sanction, Standing};

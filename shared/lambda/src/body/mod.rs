//! The response bodies of the HTTP contract (api.md, "Response shapes"), one file per concept,
//! each built from the domain value it shows. The domain's types, the stored items and these
//! bodies change for different reasons: a renamed domain field changes a conversion here, never
//! the contract clients depend on.

mod appeal;
mod complaint;
mod feedback;
mod policy;
mod standing;

pub use appeal::{AppealBody, AppealDecisionBody, AppealedSanctionBody};
pub use complaint::{ComplaintBody, ComplaintDecisionBody};
pub use feedback::{
    ChangeStateBody, ConsentBody, ContractFeedbackBody, FeedbackBody, PrivateBody, PublicBody,
    ReportBody, ReportDecisionBody, ReportQueueBody, ReportQueueEntryBody, ResponseBody,
    ScoresBody,
};
pub use policy::{
    JudgedBody, PoliciesBody, PolicyChangeBody, PolicyVersionBody, RolloutBody, SelectionBody,
    ShadowEntryBody, ShadowReportBody,
};
pub use standing::{
    AppealPathsBody, AuditEntryBody, DisputedBody, EligibilityBody, EvidenceBody, PermissionBody,
    ProfileBody, ProfileEntryBody, ReplacedBody, SanctionBody, StandingBody,
};

use serde::Serialize;
use standing_domain::paging::Page;

/// One page of a list (api.md, Lists): `{"items": [...], "next_cursor": "..."|null}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageBody<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> PageBody<T> {
    /// The page with each item shown as its body.
    pub fn of<D>(page: Page<D>, show: impl FnMut(D) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(show).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

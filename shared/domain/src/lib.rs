//! Standing's rule book as pure code: parsed types, the versioned policy, one module per rule,
//! `evaluate`, and the use cases over narrow ports. No I/O, no clock of its own, no AWS types.

pub mod calendar;
pub mod error;
pub mod evaluation;
mod ids;
pub mod model;
pub mod paging;
pub mod policy;
pub mod ports;
pub mod record;
pub mod rules;
mod text;
pub mod usecases;
mod values;

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;

pub use error::{DomainError, PolicyRefusal};
pub use evaluation::{Evaluation, LiftReason, SanctionChange, evaluate};
pub use ids::{
    AppealId, ComplaintId, ContractId, FeedbackId, IdError, ReportId, SanctionId, UserId, check_id,
};
pub use model::{RuleId, Standing};
pub use policy::{PolicyConfig, PolicyError, PolicyNumberError};
pub use record::{ContractEvidence, FreelancerRecord};
pub use rules::access::{Actor, Role};
pub use text::{
    ClaimText, Comment, EvidenceText, Note, ResponseText, Statement, TermsClause, Text, TextError,
};
pub use values::{
    AppealKind, AppealOutcome, Area, Areas, ComplaintCategory, ComplaintOutcome, Currency,
    CurrencyError, Direction, Money, MoneyError, Overall, RangeError, ReasonEnded, Recommend,
    ReportOutcome, ReportReason, Score, Scores,
};

//! Ports: what the use cases need from storage and time, split by capability so each handler
//! asks for the narrowest set. Storage failures arrive as `DomainError` already mapped by the
//! adapter: `AlreadyExists` for a uniqueness guard, `Conflict` for a stale version,
//! `Unavailable` for the rest.

use crate::error::DomainError;
use crate::evaluation::DisputedCredential;
use crate::model::{
    Appeal, AuditEntry, Complaint, ComplaintStatus, Contract, Event, Feedback, Notice,
    PolicyChange, PolicySelection, PolicyVersion, PublishedPolicy, Sanction, ShadowRecord,
    Standing, StatedReasons,
};
use crate::paging::{Page, PageRequest};
use crate::record::ContractEvidence;
use crate::rules::eligibility::Eligibility;
use crate::{AppealId, ComplaintId, ContractId, ReportId, SanctionId, UserId};
use chrono::{DateTime, Utc};
use std::future::Future;

pub type StoreResult<T> = Result<T, DomainError>;

/// A value with the version the store holds it at, for optimistic locking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

/// The time. Functions read the system clock; the local stack can run a development clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Contracts as the marketplace registers them.
pub trait ContractStore: Send + Sync {
    fn get_contract(
        &self,
        id: &ContractId,
    ) -> impl Future<Output = StoreResult<Option<Versioned<Contract>>>> + Send;

    /// Creates (`previous = None`, refused if it exists) or replaces `previous`, the contract as
    /// the caller read it (refused if its version changed since). Passing what was read spares
    /// the store a second read to find what the write replaces.
    fn put_contract(
        &self,
        contract: &Contract,
        previous: Option<&Versioned<Contract>>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Whether this client has ever had a contract with this freelancer.
    fn has_contract_between(
        &self,
        client: &UserId,
        freelancer: &UserId,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// Both sides' feedback on one contract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractFeedback {
    pub client: Option<Versioned<Feedback>>,
    pub freelancer: Option<Versioned<Feedback>>,
}

pub trait FeedbackStore: Send + Sync {
    /// Both sides' feedback on this (already loaded) contract.
    fn contract_feedback(
        &self,
        contract: &Contract,
    ) -> impl Future<Output = StoreResult<ContractFeedback>> + Send;

    /// Refused with `AlreadyExists` when this direction's feedback exists. Writes the contract
    /// at its next version in the same transaction, refused with `Conflict` when its version
    /// is no longer `contract.version`: a contract update and a feedback insert that read the
    /// same contract exclude each other, so no feedback is ever stored under a contract's old
    /// end.
    fn insert_feedback(
        &self,
        contract: &Versioned<Contract>,
        feedback: &Feedback,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Replaces the feedback at `expected` version (changes, response, report, decision).
    fn update_feedback(
        &self,
        contract: &Contract,
        feedback: &Feedback,
        expected: u64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn feedback_by_report(
        &self,
        report: &ReportId,
    ) -> impl Future<Output = StoreResult<Option<Versioned<Feedback>>>> + Send;

    /// One page of the feedback whose report waits for a reviewer, oldest report first.
    fn pending_reports(
        &self,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Feedback>>> + Send;
}

pub trait ComplaintStore: Send + Sync {
    fn freelancer_complaints(
        &self,
        freelancer: &UserId,
    ) -> impl Future<Output = StoreResult<Vec<Versioned<Complaint>>>> + Send;

    /// The version of the freelancer's set of complaints: every filing moves it on, so a filing
    /// decided on a read of the set is refused when another filing came in after that read
    /// (`None`: nothing filed yet). Read it before the complaints.
    fn complaint_set_version(
        &self,
        freelancer: &UserId,
    ) -> impl Future<Output = StoreResult<Option<u64>>> + Send;

    /// Writes a new complaint and the complaints a case just moved into review, all or nothing,
    /// if the set of complaints is still at `set_version`. Refused with `AlreadyExists` when the
    /// reporter has an open complaint on the same claim, `Conflict` when the set moved on.
    fn file_complaint(
        &self,
        complaint: &Complaint,
        moved_to_review: &[Versioned<Complaint>],
        set_version: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn get_complaint(
        &self,
        id: &ComplaintId,
    ) -> impl Future<Output = StoreResult<Option<Versioned<Complaint>>>> + Send;

    /// Saves a decided complaint at `expected` version and frees its open-claim guard.
    fn decide_complaint(
        &self,
        complaint: &Complaint,
        expected: u64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// One page of the reviewers' queue for one status, oldest first: a keyed read of at most
    /// the page's size after its cursor.
    fn complaint_queue(
        &self,
        status: ComplaintStatus,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Complaint>>> + Send;
}

pub trait AppealStore: Send + Sync {
    fn freelancer_appeals(
        &self,
        freelancer: &UserId,
    ) -> impl Future<Output = StoreResult<Vec<Versioned<Appeal>>>> + Send;

    /// Refused with `Conflict` when an appeal against the same sanction is pending.
    fn file_appeal(&self, appeal: &Appeal) -> impl Future<Output = StoreResult<()>> + Send;

    fn get_appeal(
        &self,
        id: &AppealId,
    ) -> impl Future<Output = StoreResult<Option<Versioned<Appeal>>>> + Send;

    /// Saves a decision or an overdue flag at `expected` version; a decision frees the guard.
    fn save_appeal(
        &self,
        appeal: &Appeal,
        expected: u64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// One page of the pending appeals, oldest first.
    fn pending_appeals(
        &self,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Appeal>>> + Send;
}

/// What the last evaluation left: the read model of standing, sanctions, JSS and eligibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingSnapshot {
    pub freelancer_id: UserId,
    pub standing: Standing,
    pub sanctions: Vec<Sanction>,
    pub jss: Option<u8>,
    pub eligibility: Eligibility,
    pub disputed_credentials: Vec<DisputedCredential>,
    pub evaluated_at: DateTime<Utc>,
    pub policy_version: String,
    /// When time alone can next change this evaluation (a reveal at a window's close, a
    /// contract leaving the window): the hourly schedule re-evaluates every standing due by
    /// then (a sparse index on this moment).
    pub next_due: Option<DateTime<Utc>>,
    /// Where the evidence stood when it was read for this evaluation. An evaluation whose read
    /// finds the mark moved writes even when its outcome is the same, so a write decided on an
    /// older read of the evidence always meets a newer standing version and is refused.
    pub evidence_mark: EvidenceMark,
}

/// Where the freelancer's evidence stood when it was read: every write of evidence (a contract,
/// feedback and its changes, reports and decisions, complaints and appeals and their decisions)
/// moves it on. An evaluation reads it before the evidence and stores it with the standing.
/// Opaque: only equality means anything. Unset: no evidence was ever written.
///
/// Why: an evaluation A that read the evidence before a change could otherwise write after the
/// change's own evaluation B, when B found its outcome equal to the stored standing and wrote
/// nothing, leaving A's decision on evidence since withdrawn. With the mark in the standing, B
/// always writes (the mark moved), so A's write, conditioned on the version it read, is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceMark(Option<String>);

impl EvidenceMark {
    pub fn new(mark: Option<String>) -> Self {
        Self(mark)
    }

    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }

    pub fn is_unset(&self) -> bool {
        self.0.is_none()
    }
}

/// A reinstatement window that has come due (the daily check's sparse index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReinstatement {
    pub freelancer_id: UserId,
    pub sanction_id: SanctionId,
    pub opens_at: DateTime<Utc>,
}

pub trait StandingStore: Send + Sync {
    /// Contracts of the freelancer that ended after `since`, with the client's feedback and when
    /// the freelancer left theirs: a key range, never the whole history.
    fn evidence_since(
        &self,
        freelancer: &UserId,
        since: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<ContractEvidence>>> + Send;

    fn get_standing(
        &self,
        freelancer: &UserId,
    ) -> impl Future<Output = StoreResult<Option<Versioned<StandingSnapshot>>>> + Send;

    /// Where the freelancer's evidence stands now; read it before the evidence.
    fn evidence_mark(
        &self,
        freelancer: &UserId,
    ) -> impl Future<Output = StoreResult<EvidenceMark>> + Send;

    /// Writes the standing at `expected` version (`None`: first evaluation) with its audit
    /// entries, notices and events (the outbox), all or nothing; refused with `Conflict` when
    /// the version moved. Each is keyed by what it records, so a replay writes nothing new.
    fn save_standing(
        &self,
        snapshot: &StandingSnapshot,
        audit: &[AuditEntry],
        notices: &[Notice],
        events: &[Event],
        expected: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// One page of the freelancer's audit trail, oldest first.
    fn audit_trail(
        &self,
        freelancer: &UserId,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<AuditEntry>>> + Send;

    /// At most `limit` of the freelancer's ended contracts with their feedback, newest first,
    /// before the sort key `before` (from the start when `None`), each with its sort key: the
    /// public profile reads its feedback a bounded slice at a time. A `before` that is not one
    /// of this list's keys is an invalid cursor.
    fn evidence_before(
        &self,
        freelancer: &UserId,
        before: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<(String, ContractEvidence)>>> + Send;
}

pub trait SweepStore: Send + Sync {
    /// Quality blocks whose reinstatement window opened by `until` and whose freelancer has not
    /// been told yet.
    /// One page of them, earliest first.
    fn due_reinstatements(
        &self,
        until: DateTime<Utc>,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<DueReinstatement>>> + Send;

    /// Freelancers whose stored standing is due for a re-evaluation by `until` (its `next_due`
    /// is at or before it), earliest first, a page at a time.
    fn due_evaluations(
        &self,
        until: DateTime<Utc>,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<UserId>>> + Send;

    /// Records the notice and clears the due marker; writing the same notice twice is a no-op.
    fn mark_reinstatement_notified(
        &self,
        due: &DueReinstatement,
        notice: &Notice,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Policy versions, the selection of live and shadow, and the shadow's disagreements.
pub trait PolicyStore: Send + Sync {
    /// Which version is live and which is shadow, with the rollout in progress (`None`: nothing
    /// was ever selected; the configured policy is live).
    fn policy_selection(
        &self,
    ) -> impl Future<Output = StoreResult<Option<Versioned<PolicySelection>>>> + Send;

    /// Writes the selection at `expected` version (`None`: the first) with the change it makes
    /// in the policies' audit trail, all or nothing; `Conflict` when the version moved.
    fn save_policy_selection(
        &self,
        selection: &PolicySelection,
        change: Option<&PolicyChange>,
        expected: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn get_policy(
        &self,
        version: &PolicyVersion,
    ) -> impl Future<Output = StoreResult<Option<PublishedPolicy>>> + Send;

    /// Stores a new version; `AlreadyExists` when that version was published before.
    fn publish_policy(
        &self,
        policy: &PublishedPolicy,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// One page of the published versions, in the order of their names.
    fn published_policies(
        &self,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<PublishedPolicy>>> + Send;

    /// One page of the policies' audit trail, oldest first.
    fn policy_changes(
        &self,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<PolicyChange>>> + Send;

    /// Where the shadow `version` disagrees with live on this freelancer, if it does.
    fn shadow_record(
        &self,
        version: &str,
        freelancer: &UserId,
    ) -> impl Future<Output = StoreResult<Option<ShadowRecord>>> + Send;

    /// Records a disagreement, or clears it (`None`) when the shadow agrees again.
    fn put_shadow_record(
        &self,
        version: &str,
        freelancer: &UserId,
        record: Option<&ShadowRecord>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// One page of the shadow `version`'s disagreements, by freelancer id.
    fn shadow_report(
        &self,
        version: &PolicyVersion,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<ShadowRecord>>> + Send;

    /// One page of every freelancer with a stored standing: what a policy rollout walks.
    fn standings_page(
        &self,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<UserId>>> + Send;
}

/// The statements of reasons decided so far ([`Event::states_reasons`]), by the moment of their
/// decision: what the DSA transparency export reads.
pub trait TransparencyStore: Send + Sync {
    /// One page of the statements decided at or after `since` (all when `None`), oldest first.
    fn stated_reasons(
        &self,
        since: Option<DateTime<Utc>>,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<StatedReasons>>> + Send;
}

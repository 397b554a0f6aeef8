//! The repository: Standing's ports implemented once over any [`Engine`], so DynamoDB and the
//! embedded engine share every key, condition and transaction.

mod items;
pub mod keys;
mod outbox;
pub use outbox::PendingEvent;
mod policies;
mod transaction;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_dynamo::Item;
use standing_domain::model::{
    Appeal, AuditEntry, Complaint, ComplaintStatus, Contract, Event, Feedback, Notice, RuleId,
    event,
};
use standing_domain::paging::{Page, PageRequest};
use standing_domain::ports::{
    AppealStore, ComplaintStore, ContractFeedback, ContractStore, DueReinstatement, EvidenceMark,
    FeedbackStore, StandingSnapshot, StandingStore, StoreResult, SweepStore, Versioned,
};
use standing_domain::{
    AppealId, ComplaintId, ContractEvidence, ContractId, Direction, DomainError, ReportId,
    SanctionId, UserId,
};

use crate::Condition;
use crate::engine::{Engine, Key, Query, SortKeyCondition, TransactOp};
use crate::error::StoreError;
use crate::table::Index;
pub use items::{
    AppealItem, AuditItem, ComplaintItem, ContractItem, Due, Envelope, FeedbackItem, Guard,
    NoticeItem, OutboxItem, PolicyChangeItem, PolicyItem, Reference, SelectionItem, ShadowItem,
    StandingItem, Stored, from_item,
};
use keys::entity;
use transaction::{Refusal, Tx};

/// Standing's storage, over one engine.
#[derive(Clone)]
pub struct Repository {
    engine: Arc<dyn Engine>,
    /// Whether events are written into the pending-events index a webhook reads (the local
    /// stack's); in AWS the Pipe publishes them from the stream and no index is kept.
    pending_outbox: bool,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("table", &self.engine.table_name())
            .finish()
    }
}

/// A store failure as the domain sees it: throttling and an unreachable or failing backend may
/// pass (503), a stored item that does not decode or a request the store refuses as malformed
/// will not (500).
fn unavailable(error: StoreError) -> DomainError {
    match error {
        StoreError::Corrupt(_) | StoreError::Validation(_) => {
            DomainError::Internal(error.to_string())
        }
        other => DomainError::Unavailable(other.to_string()),
    }
}

/// An item's string attribute `name` (a key attribute).
fn string_attribute<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(serde_dynamo::AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// A cursor whose key is not in the list it was given for: a key outside the list's range would
/// read another list (or be refused by the engine), so it is the caller's error.
fn foreign_cursor() -> DomainError {
    DomainError::invalid(
        "cursor",
        "is not a cursor this list gave out; start again without one",
    )
}

/// The due range of GSI2 up to `until`, from the page's cursor on.
fn due_range(until: DateTime<Utc>, page: &PageRequest) -> StoreResult<SortKeyCondition> {
    let high = keys::due_until(until);
    Ok(match page.after() {
        None => SortKeyCondition::LessOrEqual(high),
        Some(after) if after <= high.as_str() => SortKeyCondition::Between {
            low: after.to_owned(),
            high,
        },
        Some(_) => return Err(foreign_cursor()),
    })
}

/// Puts feedback on its contract's evidence: the client's whole, the freelancer's as its time.
fn attach(evidence: &mut ContractEvidence, feedback: Feedback) {
    match feedback.direction {
        Direction::Client => evidence.client_feedback = Some(feedback),
        Direction::Freelancer => evidence.freelancer_feedback_at = Some(feedback.submitted_at),
    }
}

/// An item's `entity_type`.
fn entity_of(item: &Item) -> Option<&str> {
    match item.get(crate::table::ENTITY_TYPE_ATTRIBUTE) {
        Some(serde_dynamo::AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    }
}

fn put(item: Item, condition: Condition) -> TransactOp {
    TransactOp::Put { item, condition }
}

fn expect_version(expected: Option<u64>) -> Condition {
    match expected {
        Some(v) => Condition::VersionEquals(v),
        None => Condition::NotExists,
    }
}

fn next_version(expected: Option<u64>) -> u64 {
    expected.map_or(1, |v| v + 1)
}

/// An envelope's content as the domain value it holds, with the envelope's version.
fn versioned<T: Stored>(envelope: Envelope<T>) -> StoreResult<Versioned<T::Domain>> {
    Ok(Versioned {
        value: envelope.data.into_domain().map_err(unavailable)?,
        version: envelope.version,
    })
}

/// Decodes an item stored as `T` into the domain value it holds, with its version.
fn decode<T: Stored>(item: Item) -> StoreResult<Versioned<T::Domain>> {
    versioned(from_item::<T>(item).map_err(unavailable)?)
}

impl Repository {
    pub fn new(engine: Arc<dyn Engine>) -> Self {
        Self {
            engine,
            pending_outbox: false,
        }
    }

    /// Events are also indexed as pending until a webhook marks them delivered.
    pub fn with_pending_outbox(mut self) -> Self {
        self.pending_outbox = true;
        self
    }

    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    async fn get_envelope<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> StoreResult<Option<Envelope<T>>> {
        let out = self
            .engine
            .get(Key::new(pk, sk))
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose().map_err(unavailable)
    }

    /// The domain value an item of type `T` holds at `pk`/`sk`, with its version.
    async fn get_versioned<T: Stored>(
        &self,
        pk: String,
        sk: &str,
    ) -> StoreResult<Option<Versioned<T::Domain>>> {
        self.get_envelope::<T>(pk, sk)
            .await?
            .map(versioned)
            .transpose()
    }

    /// At most `want` items of a query, in its order, each with its sort key on the query's
    /// index; the item whose key is `skip` (the cursor's own, which a range from it includes)
    /// is left out. One engine page unless the engine cuts one short by size.
    async fn query_keyed(
        &self,
        query: Query,
        skip: Option<&str>,
        want: usize,
    ) -> StoreResult<Vec<(String, Item)>> {
        let sort_attribute = query.index.sort_key();
        let asked = u32::try_from(want.saturating_add(1)).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(want);
        let mut start = None;
        loop {
            let page = self
                .engine
                .query(query.clone().limit(asked).start_after(start))
                .await
                .map_err(unavailable)?;
            for item in page.items {
                let Some(key) = string_attribute(&item, sort_attribute).map(str::to_owned) else {
                    continue;
                };
                if skip == Some(key.as_str()) {
                    continue;
                }
                out.push((key, item));
                if out.len() >= want {
                    return Ok(out);
                }
            }
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(out),
            }
        }
    }

    /// One page of a list: `limit + 1` items from after the cursor (to know whether more
    /// follow), decoded, as [`Page::from_keyed`] cuts them.
    async fn list_page<T: Stored>(
        &self,
        query: Query,
        page: &PageRequest,
    ) -> StoreResult<Page<T::Domain>> {
        let keyed = self
            .query_keyed(query, page.after(), page.limit() + 1)
            .await?
            .into_iter()
            .map(|(key, item)| Ok((key, decode::<T>(item)?.value)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_keyed(keyed, page))
    }

    /// Every page of a query.
    async fn query_all(&self, query: Query) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .engine
                .query(query.clone().start_after(start))
                .await
                .map_err(unavailable)?;
            items.extend(page.items);
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(items),
            }
        }
    }

    async fn query_values<T: Stored>(
        &self,
        query: Query,
    ) -> StoreResult<Vec<Versioned<T::Domain>>> {
        self.query_all(query)
            .await?
            .into_iter()
            .map(decode::<T>)
            .collect()
    }

    /// Commits a transaction; a refusal is explained by the write that was refused.
    async fn commit(&self, tx: Tx) -> StoreResult<()> {
        tx.commit(self.engine.as_ref(), unavailable).await
    }

    /// Follows a reference item to the item it names.
    async fn follow<T: Stored>(&self, ref_pk: String) -> StoreResult<Option<Versioned<T::Domain>>> {
        let Some(reference) = self.get_envelope::<Reference>(ref_pk, keys::REF_SK).await? else {
            return Ok(None);
        };
        self.get_versioned::<T>(reference.data.pk, &reference.data.sk)
            .await
    }

    fn reference(ref_pk: String, pk: &str, sk: &str) -> Result<Item, StoreError> {
        Envelope::new(
            ref_pk,
            keys::REF_SK.to_owned(),
            entity::REF,
            1,
            Reference {
                pk: pk.to_owned(),
                sk: sk.to_owned(),
            },
        )
        .to_item()
    }

    /// The contract's own item (the evidence copy is written beside it by `put_contract`).
    fn contract_item(contract: &Contract, version: u64) -> StoreResult<Item> {
        Envelope::new(
            keys::contract_pk(&contract.contract_id),
            keys::CONTRACT_SK.to_owned(),
            entity::CONTRACT,
            version,
            ContractItem::from_domain(contract),
        )
        .for_freelancer(&contract.freelancer_id)
        .gsi1(
            keys::pair_gsi1pk(&contract.client_id, &contract.freelancer_id),
            keys::contract_pk(&contract.contract_id),
        )
        .to_item()
        .map_err(unavailable)
    }

    /// The sort key of feedback in its freelancer's partition (under its contract's end).
    fn feedback_key(contract: &Contract, feedback: &Feedback) -> StoreResult<String> {
        let ended = contract.ended_at.ok_or_else(|| {
            DomainError::Conflict("feedback can only be stored on an ended contract".into())
        })?;
        Ok(keys::evidence_feedback_sk(
            ended,
            &contract.contract_id,
            feedback.direction,
        ))
    }

    fn feedback_item(contract: &Contract, feedback: &Feedback, version: u64) -> StoreResult<Item> {
        let mut envelope = Envelope::new(
            keys::freelancer_pk(&contract.freelancer_id),
            Self::feedback_key(contract, feedback)?,
            entity::FEEDBACK,
            version,
            FeedbackItem::from_domain(feedback),
        )
        .for_freelancer(&contract.freelancer_id);
        if let Some(report) = &feedback.report {
            envelope = envelope.gsi1(
                keys::report_gsi1pk(&report.report_id),
                keys::REPORT_GSI1SK.to_owned(),
            );
            if report.decision.is_none() {
                envelope = envelope.gsi2(
                    keys::REPORTS_PENDING_GSI2PK.to_owned(),
                    keys::reports_pending_gsi2sk(report.filed_at, &report.report_id),
                );
            }
        }
        envelope.to_item().map_err(unavailable)
    }

    fn complaint_item(complaint: &Complaint, version: u64) -> Result<Item, StoreError> {
        Envelope::new(
            keys::freelancer_pk(&complaint.freelancer_id),
            keys::complaint_sk(&complaint.complaint_id),
            entity::COMPLAINT,
            version,
            ComplaintItem::from_domain(complaint),
        )
        .for_freelancer(&complaint.freelancer_id)
        .gsi1(
            keys::complaint_queue_gsi1pk(complaint.status()),
            format!(
                "{}#{}",
                keys::stamp(complaint.filed_at),
                complaint.complaint_id
            ),
        )
        .to_item()
    }

    fn claim_guard(complaint: &Complaint) -> Key {
        Key::new(
            keys::freelancer_pk(&complaint.freelancer_id),
            keys::claim_guard_sk(
                &complaint.reporter,
                &Complaint::claim_key(complaint.category, &complaint.claim),
            ),
        )
    }

    fn appeal_item(appeal: &Appeal, version: u64) -> Result<Item, StoreError> {
        let mut envelope = Envelope::new(
            keys::freelancer_pk(&appeal.freelancer_id),
            keys::appeal_sk(&appeal.appeal_id),
            entity::APPEAL,
            version,
            AppealItem::from_domain(appeal),
        )
        .for_freelancer(&appeal.freelancer_id);
        if appeal.is_pending() {
            envelope = envelope.gsi1(
                keys::APPEALS_PENDING_GSI1PK.to_owned(),
                format!("{}#{}", keys::stamp(appeal.filed_at), appeal.appeal_id),
            );
        }
        envelope.to_item()
    }

    fn appeal_guard(appeal: &Appeal) -> Key {
        Key::new(
            keys::freelancer_pk(&appeal.freelancer_id),
            keys::appeal_guard_sk(&appeal.sanction.sanction_id),
        )
    }

    /// Moves the freelancer's evidence mark on, in the transaction of an evidence write: the
    /// mark names that write (the key and version of the item it writes), so it never comes
    /// back to a value an evaluation read earlier, needs no read, and a replay of the same
    /// write puts the same mark.
    fn mark_evidence(freelancer: &UserId, written: &str, version: u64) -> StoreResult<TransactOp> {
        let guard = Envelope::new(
            keys::freelancer_pk(freelancer),
            keys::EVIDENCE_MARK_SK.to_owned(),
            entity::GUARD,
            1,
            Guard {
                holds_for: "evidence".to_owned(),
                mark: Some(format!("{written}@{version}")),
            },
        )
        .for_freelancer(freelancer)
        .to_item()
        .map_err(unavailable)?;
        Ok(put(guard, Condition::None))
    }

    fn guard_item(key: &Key, holds_for: &str) -> Result<Item, StoreError> {
        Envelope::new(
            key.pk.clone(),
            key.sk.clone(),
            entity::GUARD,
            1,
            Guard {
                holds_for: holds_for.to_owned(),
                mark: None,
            },
        )
        .to_item()
    }
}

impl ContractStore for Repository {
    async fn get_contract(&self, id: &ContractId) -> StoreResult<Option<Versioned<Contract>>> {
        self.get_versioned::<ContractItem>(keys::contract_pk(id), keys::CONTRACT_SK)
            .await
    }

    async fn put_contract(
        &self,
        contract: &Contract,
        previous: Option<&Versioned<Contract>>,
    ) -> StoreResult<()> {
        let expected = previous.map(|p| p.version);
        let version = next_version(expected);
        let old = previous.map(|p| &p.value);
        let canonical = Self::contract_item(contract, version)?;
        let mut tx = Tx::new();
        tx.push(
            put(canonical, expect_version(expected)),
            match expected {
                None => Refusal::Conflict(
                    "the contract was registered at the same time by another request; read it and retry".into(),
                ),
                Some(_) => Refusal::Stale("contract"),
            },
        );
        let old_end = old.as_ref().and_then(|o| o.ended_at);
        if let Some(old_end) = old_end.filter(|e| Some(*e) != contract.ended_at) {
            tx.push(
                TransactOp::Delete {
                    key: Key::new(
                        keys::freelancer_pk(&contract.freelancer_id),
                        keys::evidence_contract_sk(old_end, &contract.contract_id),
                    ),
                    condition: Condition::None,
                },
                Refusal::Unconditional,
            );
        }
        if let Some(ended) = contract.ended_at {
            let copy = Envelope::new(
                keys::freelancer_pk(&contract.freelancer_id),
                keys::evidence_contract_sk(ended, &contract.contract_id),
                entity::CONTRACT,
                version,
                ContractItem::from_domain(contract),
            )
            .for_freelancer(&contract.freelancer_id)
            .to_item()
            .map_err(unavailable)?;
            tx.push(put(copy, Condition::None), Refusal::Unconditional);
        }
        tx.push(
            Self::mark_evidence(
                &contract.freelancer_id,
                &keys::contract_pk(&contract.contract_id),
                version,
            )?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn has_contract_between(
        &self,
        client: &UserId,
        freelancer: &UserId,
    ) -> StoreResult<bool> {
        let page = self
            .engine
            .query(Query::new(Index::Gsi1, keys::pair_gsi1pk(client, freelancer)).limit(1))
            .await
            .map_err(unavailable)?;
        Ok(!page.items.is_empty())
    }
}

impl FeedbackStore for Repository {
    async fn contract_feedback(&self, contract: &Contract) -> StoreResult<ContractFeedback> {
        let Some(ended) = contract.ended_at else {
            return Ok(ContractFeedback::default());
        };
        let items = self
            .query_all(
                Query::new(Index::Primary, keys::freelancer_pk(&contract.freelancer_id)).sort(
                    SortKeyCondition::BeginsWith(keys::evidence_prefix(
                        ended,
                        &contract.contract_id,
                    )),
                ),
            )
            .await?;
        let mut out = ContractFeedback::default();
        for item in items {
            if entity_of(&item) != Some(entity::FEEDBACK) {
                continue;
            }
            let v = decode::<FeedbackItem>(item)?;
            match v.value.direction {
                Direction::Client => out.client = Some(v),
                Direction::Freelancer => out.freelancer = Some(v),
            }
        }
        Ok(out)
    }

    async fn insert_feedback(
        &self,
        contract: &Versioned<Contract>,
        feedback: &Feedback,
    ) -> StoreResult<()> {
        let item = Self::feedback_item(&contract.value, feedback, 1)?;
        // The contract moves to its next version in the same transaction, conditioned on the
        // version read: a contract update made in between cancels this insert, and this insert
        // cancels a contract update that read the contract before it.
        let bumped = Self::contract_item(&contract.value, contract.version + 1)?;
        let mut tx = Tx::new();
        tx.push(
            put(item, Condition::NotExists),
            Refusal::AlreadyExists(format!(
                "the {} feedback on this contract was already given; feedback is given once per contract",
                feedback.direction
            )),
        )
        .push(
            put(bumped, Condition::VersionEquals(contract.version)),
            Refusal::Stale("contract"),
        )
        .push(
            Self::mark_evidence(
                &contract.value.freelancer_id,
                &Self::feedback_key(&contract.value, feedback)?,
                1,
            )?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn update_feedback(
        &self,
        contract: &Contract,
        feedback: &Feedback,
        expected: u64,
    ) -> StoreResult<()> {
        let item = Self::feedback_item(contract, feedback, expected + 1)?;
        let mut tx = Tx::new();
        tx.push(
            put(item, Condition::VersionEquals(expected)),
            Refusal::Stale("feedback"),
        )
        .push(
            Self::mark_evidence(
                &contract.freelancer_id,
                &Self::feedback_key(contract, feedback)?,
                expected + 1,
            )?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn feedback_by_report(
        &self,
        report: &ReportId,
    ) -> StoreResult<Option<Versioned<Feedback>>> {
        let page = self
            .engine
            .query(Query::new(Index::Gsi1, keys::report_gsi1pk(report)).limit(1))
            .await
            .map_err(unavailable)?;
        let Some(item) = page.items.into_iter().next() else {
            return Ok(None);
        };
        // The index is eventually consistent: read the item itself for its current version.
        let key = Key::of_item(&item).map_err(unavailable)?;
        self.get_versioned::<FeedbackItem>(key.pk, &key.sk).await
    }

    async fn pending_reports(&self, page: &PageRequest) -> StoreResult<Page<Feedback>> {
        let mut query = Query::new(Index::Gsi2, keys::REPORTS_PENDING_GSI2PK);
        if let Some(after) = page.after() {
            query = query.sort(SortKeyCondition::GreaterOrEqual(after.to_owned()));
        }
        self.list_page::<FeedbackItem>(query, page).await
    }
}

impl ComplaintStore for Repository {
    async fn freelancer_complaints(
        &self,
        freelancer: &UserId,
    ) -> StoreResult<Vec<Versioned<Complaint>>> {
        self.query_values::<ComplaintItem>(
            Query::new(Index::Primary, keys::freelancer_pk(freelancer)).sort(
                SortKeyCondition::BeginsWith(keys::COMPLAINT_PREFIX.to_owned()),
            ),
        )
        .await
    }

    async fn complaint_set_version(&self, freelancer: &UserId) -> StoreResult<Option<u64>> {
        Ok(self
            .get_envelope::<Guard>(keys::freelancer_pk(freelancer), keys::COMPLAINT_SET_SK)
            .await?
            .map(|e| e.version))
    }

    async fn file_complaint(
        &self,
        complaint: &Complaint,
        moved: &[Versioned<Complaint>],
        set_version: Option<u64>,
    ) -> StoreResult<()> {
        let guard = Self::claim_guard(complaint);
        let pk = keys::freelancer_pk(&complaint.freelancer_id);
        let sk = keys::complaint_sk(&complaint.complaint_id);
        let filed_twice = || {
            Refusal::Conflict(
                "this complaint was already filed; refresh and check the queue".into(),
            )
        };
        let mut tx = Tx::new();
        tx.push(
            put(
                Self::guard_item(&guard, complaint.complaint_id.as_str()).map_err(unavailable)?,
                Condition::NotExists,
            ),
            Refusal::AlreadyExists(
                "you already have an open complaint about this claim; it will be reviewed".into(),
            ),
        )
        .push(
            put(
                Self::complaint_item(complaint, 1).map_err(unavailable)?,
                Condition::NotExists,
            ),
            filed_twice(),
        )
        .push(
            put(
                Self::reference(keys::complaint_ref_pk(&complaint.complaint_id), &pk, &sk)
                    .map_err(unavailable)?,
                Condition::NotExists,
            ),
            filed_twice(),
        );
        for m in moved {
            tx.push(
                put(
                    Self::complaint_item(&m.value, m.version + 1).map_err(unavailable)?,
                    Condition::VersionEquals(m.version),
                ),
                Refusal::Stale("review case"),
            );
        }
        let set = Envelope::new(
            pk.clone(),
            keys::COMPLAINT_SET_SK.to_owned(),
            entity::GUARD,
            next_version(set_version),
            Guard {
                holds_for: "complaints".to_owned(),
                mark: None,
            },
        )
        .for_freelancer(&complaint.freelancer_id)
        .to_item()
        .map_err(unavailable)?;
        tx.push(
            put(set, expect_version(set_version)),
            Refusal::Conflict(
                "another complaint about this freelancer was filed at the same time; try again"
                    .into(),
            ),
        )
        .push(
            Self::mark_evidence(&complaint.freelancer_id, &sk, 1)?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn get_complaint(&self, id: &ComplaintId) -> StoreResult<Option<Versioned<Complaint>>> {
        self.follow::<ComplaintItem>(keys::complaint_ref_pk(id))
            .await
    }

    async fn decide_complaint(&self, complaint: &Complaint, expected: u64) -> StoreResult<()> {
        let mut tx = Tx::new();
        tx.push(
            put(
                Self::complaint_item(complaint, expected + 1).map_err(unavailable)?,
                Condition::VersionEquals(expected),
            ),
            Refusal::Stale("complaint"),
        )
        .push(
            TransactOp::Delete {
                key: Self::claim_guard(complaint),
                condition: Condition::None,
            },
            Refusal::Unconditional,
        )
        .push(
            Self::mark_evidence(
                &complaint.freelancer_id,
                &keys::complaint_sk(&complaint.complaint_id),
                expected + 1,
            )?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn complaint_queue(
        &self,
        status: ComplaintStatus,
        page: &PageRequest,
    ) -> StoreResult<Page<Complaint>> {
        let mut query = Query::new(Index::Gsi1, keys::complaint_queue_gsi1pk(status));
        if let Some(after) = page.after() {
            query = query.sort(SortKeyCondition::GreaterOrEqual(after.to_owned()));
        }
        self.list_page::<ComplaintItem>(query, page).await
    }
}

impl AppealStore for Repository {
    async fn freelancer_appeals(&self, freelancer: &UserId) -> StoreResult<Vec<Versioned<Appeal>>> {
        self.query_values::<AppealItem>(
            Query::new(Index::Primary, keys::freelancer_pk(freelancer))
                .sort(SortKeyCondition::BeginsWith(keys::APPEAL_PREFIX.to_owned())),
        )
        .await
    }

    async fn file_appeal(&self, appeal: &Appeal) -> StoreResult<()> {
        let guard = Self::appeal_guard(appeal);
        let pk = keys::freelancer_pk(&appeal.freelancer_id);
        let sk = keys::appeal_sk(&appeal.appeal_id);
        let filed_twice = || Refusal::Conflict("this appeal was already filed".into());
        let mut tx = Tx::new();
        tx.push(
            put(
                Self::guard_item(&guard, appeal.appeal_id.as_str()).map_err(unavailable)?,
                Condition::NotExists,
            ),
            Refusal::Conflict(
                "an appeal against this sanction is already pending; wait for its decision".into(),
            ),
        )
        .push(
            put(
                Self::appeal_item(appeal, 1).map_err(unavailable)?,
                Condition::NotExists,
            ),
            filed_twice(),
        )
        .push(
            put(
                Self::reference(keys::appeal_ref_pk(&appeal.appeal_id), &pk, &sk)
                    .map_err(unavailable)?,
                Condition::NotExists,
            ),
            filed_twice(),
        )
        .push(
            Self::mark_evidence(&appeal.freelancer_id, &sk, 1)?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn get_appeal(&self, id: &AppealId) -> StoreResult<Option<Versioned<Appeal>>> {
        self.follow::<AppealItem>(keys::appeal_ref_pk(id)).await
    }

    async fn save_appeal(&self, appeal: &Appeal, expected: u64) -> StoreResult<()> {
        let item = Self::appeal_item(appeal, expected + 1).map_err(unavailable)?;
        let mut tx = Tx::new();
        tx.push(
            put(item, Condition::VersionEquals(expected)),
            Refusal::Stale("appeal"),
        )
        .push(
            Self::mark_evidence(
                &appeal.freelancer_id,
                &keys::appeal_sk(&appeal.appeal_id),
                expected + 1,
            )?,
            Refusal::Unconditional,
        );
        if !appeal.is_pending() {
            tx.push(
                TransactOp::Delete {
                    key: Self::appeal_guard(appeal),
                    condition: Condition::None,
                },
                Refusal::Unconditional,
            );
        }
        // The decision's event: an appeal is decided once, at the write that moves it from
        // pending (the version condition above), so it is written exactly then.
        if let Some(decided) = event::of_appeal_decision(appeal) {
            tx.push_event(
                self.outbox_put(&decided)?,
                Refusal::Stale("appeal"),
                &decided,
            );
        }
        self.commit(tx).await
    }

    async fn pending_appeals(&self, page: &PageRequest) -> StoreResult<Page<Appeal>> {
        let mut query = Query::new(Index::Gsi1, keys::APPEALS_PENDING_GSI1PK);
        if let Some(after) = page.after() {
            query = query.sort(SortKeyCondition::GreaterOrEqual(after.to_owned()));
        }
        self.list_page::<AppealItem>(query, page).await
    }
}

impl StandingStore for Repository {
    async fn evidence_since(
        &self,
        freelancer: &UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<ContractEvidence>> {
        let sort = if since == DateTime::<Utc>::MIN_UTC {
            SortKeyCondition::BeginsWith(keys::EVIDENCE_PREFIX.to_owned())
        } else {
            SortKeyCondition::Between {
                low: keys::evidence_from(since),
                high: keys::EVIDENCE_END.to_owned(),
            }
        };
        let items = self
            .query_all(Query::new(Index::Primary, keys::freelancer_pk(freelancer)).sort(sort))
            .await?;
        let mut out: Vec<ContractEvidence> = Vec::new();
        let mut feedback: Vec<Feedback> = Vec::new();
        for item in items {
            match entity_of(&item) {
                Some(entity::CONTRACT) => {
                    out.push(ContractEvidence {
                        contract: decode::<ContractItem>(item)?.value,
                        client_feedback: None,
                        freelancer_feedback_at: None,
                    });
                }
                Some(entity::FEEDBACK) => feedback.push(decode::<FeedbackItem>(item)?.value),
                _ => {}
            }
        }
        // Joined by a map: a freelancer with thousands of contracts costs a lookup each.
        let at: HashMap<ContractId, usize> = out
            .iter()
            .enumerate()
            .map(|(i, e)| (e.contract.contract_id.clone(), i))
            .collect();
        for fb in feedback {
            if let Some(ev) = at.get(&fb.contract_id).and_then(|i| out.get_mut(*i)) {
                attach(ev, fb);
            }
        }
        Ok(out)
    }

    async fn get_standing(
        &self,
        freelancer: &UserId,
    ) -> StoreResult<Option<Versioned<StandingSnapshot>>> {
        self.get_versioned::<StandingItem>(keys::freelancer_pk(freelancer), keys::STANDING_SK)
            .await
    }

    async fn evidence_mark(&self, freelancer: &UserId) -> StoreResult<EvidenceMark> {
        Ok(EvidenceMark::new(
            self.get_envelope::<Guard>(keys::freelancer_pk(freelancer), keys::EVIDENCE_MARK_SK)
                .await?
                .and_then(|e| e.data.mark),
        ))
    }

    async fn save_standing(
        &self,
        snapshot: &StandingSnapshot,
        audit: &[AuditEntry],
        notices: &[Notice],
        events: &[Event],
        expected: Option<u64>,
    ) -> StoreResult<()> {
        let freelancer = &snapshot.freelancer_id;
        let pk = keys::freelancer_pk(freelancer);
        let mut standing = Envelope::new(
            pk.clone(),
            keys::STANDING_SK.to_owned(),
            entity::STANDING,
            next_version(expected),
            StandingItem::from_domain(snapshot),
        )
        .for_freelancer(freelancer)
        .gsi1(
            keys::standings_gsi1pk(keys::standing_shard(freelancer)),
            keys::standings_gsi1sk(freelancer),
        );
        // In the sparse due index only while time alone can change the evaluation.
        if let Some(due) = snapshot.next_due {
            standing = standing.gsi2(
                keys::REEVALUATE_GSI2PK.to_owned(),
                keys::reevaluate_gsi2sk(due, freelancer),
            );
        }
        let standing = standing.to_item().map_err(unavailable)?;
        // Whichever write is refused, another evaluation got there first: decide again.
        let stale = || Refusal::Stale("standing");
        let mut tx = Tx::new();
        tx.push(put(standing, expect_version(expected)), stale());
        for (n, entry) in audit.iter().enumerate() {
            let item = Envelope::new(
                pk.clone(),
                keys::audit_sk(entry.at, n, &entry.sanction_id, &entry.action),
                entity::AUDIT,
                1,
                AuditItem::from_domain(entry),
            )
            .for_freelancer(freelancer)
            .to_item()
            .map_err(unavailable)?;
            tx.push(put(item, Condition::NotExists), stale());
        }
        for notice in notices {
            let item = Envelope::new(
                pk.clone(),
                keys::notice_sk(notice.kind.as_str(), &notice.subject),
                entity::NOTICE,
                1,
                NoticeItem::from_domain(notice),
            )
            .for_freelancer(freelancer)
            .to_item()
            .map_err(unavailable)?;
            tx.push(put(item, Condition::None), Refusal::Unconditional);
        }
        for event in events {
            tx.push_event(self.outbox_put(event)?, stale(), event);
        }
        // A due item per reinstatement window, written once: the sweep marks it notified.
        let windows: Vec<(&SanctionId, DateTime<Utc>)> = snapshot
            .sanctions
            .iter()
            .filter(|s| s.rule == RuleId::QualityMultipleNegative)
            .filter_map(|s| Some((&s.sanction_id, s.appeal.reinstatement_opens_at?)))
            .collect();
        let dues: Vec<Envelope<Due>> = self
            .query_all(
                Query::new(Index::Primary, pk.clone())
                    .sort(SortKeyCondition::BeginsWith(keys::DUE_PREFIX.to_owned())),
            )
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()
            .map_err(unavailable)?;
        // A window that no longer stands (its block was lifted, or a denial moved it) is
        // withdrawn before the sweep announces it. Should the sweep mark it notified meanwhile
        // (version 2), the condition fails and the evaluation retries.
        for due in dues.iter().filter(|d| !d.data.notified) {
            if !windows
                .iter()
                .any(|(id, opens_at)| keys::due_sk(id, *opens_at) == due.sk)
            {
                tx.push(
                    TransactOp::Delete {
                        key: Key::new(pk.clone(), due.sk.clone()),
                        condition: Condition::VersionEquals(due.version),
                    },
                    stale(),
                );
            }
        }
        for (sanction_id, opens_at) in windows {
            let sk = keys::due_sk(sanction_id, opens_at);
            if dues.iter().any(|d| d.sk == sk) {
                continue;
            }
            let item = Envelope::new(
                pk.clone(),
                sk,
                entity::DUE,
                1,
                Due {
                    sanction_id: sanction_id.to_string(),
                    opens_at,
                    notified: false,
                },
            )
            .for_freelancer(freelancer)
            .gsi2(
                keys::DUE_GSI2PK.to_owned(),
                keys::due_gsi2sk(opens_at, freelancer, sanction_id),
            )
            .to_item()
            .map_err(unavailable)?;
            tx.push(put(item, Condition::None), Refusal::Unconditional);
        }
        self.commit(tx).await
    }

    async fn audit_trail(
        &self,
        freelancer: &UserId,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let sort = match page.after() {
            None => SortKeyCondition::BeginsWith(keys::AUDIT_PREFIX.to_owned()),
            Some(after) if after.starts_with(keys::AUDIT_PREFIX) && after < keys::AUDIT_END => {
                SortKeyCondition::Between {
                    low: after.to_owned(),
                    high: keys::AUDIT_END.to_owned(),
                }
            }
            Some(_) => return Err(foreign_cursor()),
        };
        let query = Query::new(Index::Primary, keys::freelancer_pk(freelancer)).sort(sort);
        self.list_page::<AuditItem>(query, page).await
    }

    async fn evidence_before(
        &self,
        freelancer: &UserId,
        before: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<(String, ContractEvidence)>> {
        let high = match before {
            None => keys::EVIDENCE_END.to_owned(),
            Some(b) if b.starts_with(keys::EVIDENCE_PREFIX) && b < keys::EVIDENCE_END => {
                b.to_owned()
            }
            Some(_) => return Err(foreign_cursor()),
        };
        // Newest first, a contract's items come feedback first and its contract item last
        // (its sort key is the smallest of the contract's): the slice ends at a contract item.
        let query = Query::new(Index::Primary, keys::freelancer_pk(freelancer))
            .sort(SortKeyCondition::Between {
                low: keys::EVIDENCE_PREFIX.to_owned(),
                high,
            })
            .backward();
        let mut out: Vec<(String, ContractEvidence)> = Vec::new();
        let mut feedback: Vec<Feedback> = Vec::new();
        let mut start = None;
        let asked = u32::try_from(limit.saturating_mul(3).max(3)).unwrap_or(u32::MAX);
        'pages: loop {
            let page = self
                .engine
                .query(query.clone().limit(asked).start_after(start))
                .await
                .map_err(unavailable)?;
            for item in page.items {
                let Some(key) = string_attribute(&item, crate::table::SORT_KEY) else {
                    continue;
                };
                if before == Some(key) {
                    continue;
                }
                let key = key.to_owned();
                match entity_of(&item) {
                    Some(entity::FEEDBACK) => {
                        feedback.push(decode::<FeedbackItem>(item)?.value);
                    }
                    Some(entity::CONTRACT) => {
                        let contract = decode::<ContractItem>(item)?.value;
                        let mut evidence = ContractEvidence {
                            contract,
                            client_feedback: None,
                            freelancer_feedback_at: None,
                        };
                        for fb in feedback.drain(..) {
                            if fb.contract_id == evidence.contract.contract_id {
                                attach(&mut evidence, fb);
                            }
                        }
                        out.push((key, evidence));
                        if out.len() >= limit {
                            break 'pages;
                        }
                    }
                    _ => {}
                }
            }
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        Ok(out)
    }
}

impl SweepStore for Repository {
    async fn due_reinstatements(
        &self,
        until: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<DueReinstatement>> {
        let query = Query::new(Index::Gsi2, keys::DUE_GSI2PK).sort(due_range(until, page)?);
        let items = self
            .query_keyed(query, page.after(), page.limit() + 1)
            .await?;
        let mut out = Vec::new();
        for (key, item) in items {
            let e: Envelope<Due> = from_item(item).map_err(unavailable)?;
            // A notified one stays out of the page but still moves the cursor past it.
            let due = if e.data.notified {
                None
            } else {
                match (
                    e.freelancer_id
                        .as_deref()
                        .and_then(|f| UserId::parse(f).ok()),
                    SanctionId::parse(e.data.sanction_id.as_str()),
                ) {
                    (Some(freelancer), Ok(sanction)) => Some(DueReinstatement {
                        freelancer_id: freelancer,
                        sanction_id: sanction,
                        opens_at: e.data.opens_at,
                    }),
                    _ => None,
                }
            };
            out.push((key, due));
        }
        let Page { items, next_cursor } = Page::from_keyed(out, page);
        Ok(Page {
            items: items.into_iter().flatten().collect(),
            next_cursor,
        })
    }

    async fn due_evaluations(
        &self,
        until: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<UserId>> {
        let query = Query::new(Index::Gsi2, keys::REEVALUATE_GSI2PK).sort(due_range(until, page)?);
        let Page { items, next_cursor } = self.list_page::<StandingItem>(query, page).await?;
        let mut seen = HashSet::new();
        Ok(Page {
            items: items
                .into_iter()
                .map(|s| s.freelancer_id)
                .filter(|f| seen.insert(f.clone()))
                .collect(),
            next_cursor,
        })
    }

    async fn mark_reinstatement_notified(
        &self,
        due: &DueReinstatement,
        notice: &Notice,
    ) -> StoreResult<()> {
        let pk = keys::freelancer_pk(&due.freelancer_id);
        let notified = Envelope::new(
            pk.clone(),
            keys::due_sk(&due.sanction_id, due.opens_at),
            entity::DUE,
            2,
            Due {
                sanction_id: due.sanction_id.to_string(),
                opens_at: due.opens_at,
                notified: true,
            },
        )
        .for_freelancer(&due.freelancer_id)
        .to_item()
        .map_err(unavailable)?;
        let notice_item = Envelope::new(
            pk,
            keys::notice_sk(notice.kind.as_str(), &notice.subject),
            entity::NOTICE,
            1,
            NoticeItem::from_domain(notice),
        )
        .for_freelancer(&due.freelancer_id)
        .to_item()
        .map_err(unavailable)?;
        let notice_event = event::of_notice(notice);
        let mut tx = Tx::new();
        tx.push(
            put(notified, Condition::None),
            Refusal::Stale("reinstatement notice"),
        )
        .push(
            put(notice_item, Condition::None),
            Refusal::Stale("reinstatement notice"),
        )
        .push_event(
            self.outbox_put(&notice_event)?,
            Refusal::Stale("reinstatement notice"),
            &notice_event,
        );
        self.commit(tx).await
    }
}

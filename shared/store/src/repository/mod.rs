//! The repository: Standing's ports implemented once over any [`Engine`], so DynamoDB and the
//! embedded engine share every key, condition and transaction. One file per port:
//! `contracts`, `feedback`, `complaints`, `appeals`, `standing`, `sweep`, `policies`, and the
//! `outbox` (events, the webhook's pending index, the transparency export's statements); this
//! file holds what they share (the item builders, paging, the transaction's commit).

mod appeals;
mod complaints;
mod contracts;
mod feedback;
mod items;
pub mod keys;
mod outbox;
pub use outbox::PendingEvent;
mod policies;
mod standing;
mod sweep;
mod transaction;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_dynamo::Item;
use standing_domain::model::{
    Appeal, AuditEntry, Complaint, ComplaintStatus, Contract, Event, Feedback, Notice, event,
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
        self.list_page_with(query, page, |item| Ok(decode::<T>(item)?.value))
            .await
    }

    /// [`Self::list_page`] for items read otherwise than as a [`Stored`] value.
    async fn list_page_with<D>(
        &self,
        query: Query,
        page: &PageRequest,
        read: impl Fn(Item) -> StoreResult<D>,
    ) -> StoreResult<Page<D>> {
        let keyed = self
            .query_keyed(query, page.after(), page.limit() + 1)
            .await?
            .into_iter()
            .map(|(key, item)| Ok((key, read(item)?)))
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

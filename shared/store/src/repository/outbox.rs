//! The outbox: events written with the change they describe, and, for the local stack's webhook,
//! the events not yet delivered and the mark that one was.

use chrono::{DateTime, Utc};
use standing_domain::model::{Event, StatedReasons};
use standing_domain::paging::{Page, PageRequest};
use standing_domain::ports::{StoreResult, TransparencyStore};

use super::items::{Envelope, OutboxItem, from_item};
use super::{Repository, keys, put, unavailable};
use crate::Condition;
use crate::engine::{Query, SortKeyCondition, TransactOp};
use crate::table::Index;
use keys::entity;

/// An event a webhook has not delivered yet: the stored item, which its delivery mark rewrites.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent(Envelope<OutboxItem>);

impl PendingEvent {
    pub fn event_id(&self) -> &str {
        &self.0.data.event_id
    }

    pub fn event_type(&self) -> &str {
        &self.0.data.event_type
    }

    /// The JSON posted, byte for byte what was stored (the signature covers these bytes).
    pub fn body(&self) -> &str {
        &self.0.data.body
    }
}

impl Repository {
    /// The write of one event: refused if an event with its id exists, so a replay of the
    /// change it belongs to can never publish it twice.
    pub(super) fn outbox_put(&self, event: &Event) -> StoreResult<TransactOp> {
        let data = OutboxItem::from_domain(event)
            .map_err(|e| standing_domain::DomainError::Internal(e.to_string()))?;
        let mut envelope = Envelope::new(
            keys::freelancer_pk(&event.freelancer_id),
            keys::outbox_sk(&event.event_id),
            entity::OUTBOX,
            1,
            data,
        )
        .for_freelancer(&event.freelancer_id);
        if let Some(sanction) = event.sanction.as_ref().filter(|_| event.states_reasons()) {
            envelope = envelope.gsi1(
                keys::STATEMENTS_GSI1PK.to_owned(),
                keys::statements_gsi1sk(event.at, &sanction.sanction_id),
            );
        }
        if self.pending_outbox {
            envelope = envelope.gsi2(
                keys::OUTBOX_PENDING_GSI2PK.to_owned(),
                keys::outbox_pending_gsi2sk(event.at, &event.event_id),
            );
        }
        Ok(put(
            envelope.to_item().map_err(unavailable)?,
            Condition::NotExists,
        ))
    }

    /// At most `limit` undelivered events, oldest first.
    pub async fn pending_events(&self, limit: u32) -> StoreResult<Vec<PendingEvent>> {
        let page = self
            .engine
            .query(Query::new(Index::Gsi2, keys::OUTBOX_PENDING_GSI2PK).limit(limit))
            .await
            .map_err(unavailable)?;
        page.items
            .into_iter()
            .map(|item| {
                from_item::<OutboxItem>(item)
                    .map(PendingEvent)
                    .map_err(unavailable)
            })
            .collect()
    }

    /// Takes the event out of the pending index, recording when it was delivered. Done once:
    /// a second mark of the same event is refused by its version and succeeds as a no-op.
    pub async fn mark_event_delivered(
        &self,
        event: &PendingEvent,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut envelope = event.0.clone();
        envelope.gsi2pk = None;
        envelope.gsi2sk = None;
        envelope.version += 1;
        envelope.data.delivered_at = Some(at);
        let item = envelope.to_item().map_err(unavailable)?;
        match self
            .engine
            .put(item, Condition::VersionEquals(event.0.version))
            .await
        {
            Ok(_) | Err(crate::StoreError::ConditionFailed { .. }) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

impl TransparencyStore for Repository {
    async fn stated_reasons(
        &self,
        since: Option<DateTime<Utc>>,
        page: &PageRequest,
    ) -> StoreResult<Page<StatedReasons>> {
        // From the later of `since` and the cursor (a cursor is a sort key of this index; one
        // of another list, or made up, is refused).
        if page
            .after()
            .is_some_and(|key| !keys::is_statements_gsi1sk(key))
        {
            return Err(super::foreign_cursor());
        }
        let from = since.map(keys::stamp);
        let start = match (from, page.after()) {
            (Some(from), Some(after)) => Some(from.max(after.to_owned())),
            (from, after) => from.or_else(|| after.map(str::to_owned)),
        };
        let mut query = Query::new(Index::Gsi1, keys::STATEMENTS_GSI1PK);
        if let Some(start) = start {
            query = query.sort(SortKeyCondition::GreaterOrEqual(start));
        }
        self.list_page_with(query, page, |item| {
            from_item::<OutboxItem>(item)
                .and_then(|envelope| envelope.data.into_stated_reasons())
                .map_err(unavailable)
        })
        .await
    }
}

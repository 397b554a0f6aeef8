//! A transaction as the repository puts it together: every write with what its condition
//! failing means to the caller, so a refused transaction is explained by the write that was
//! refused, never by counting positions.

use standing_domain::model::{Event, EventKind, RuleId};
use std::time::Duration;

use standing_domain::DomainError;

use crate::engine::{Engine, TransactOp};
use crate::error::StoreError;

/// What a write's refusal means: the domain error its failed condition stands for.
#[derive(Debug, Clone)]
pub(super) enum Refusal {
    /// The item changed since it was read (`what` names it for the sentence).
    Stale(&'static str),
    /// A uniqueness guard: the thing exists already (the sentence says what).
    AlreadyExists(String),
    /// Another request got there first (the sentence says what to do).
    Conflict(String),
    /// An unconditional write: only a conflict with another transaction refuses it.
    Unconditional,
}

impl Refusal {
    fn error(&self) -> DomainError {
        match self {
            Refusal::Stale(what) => DomainError::Conflict(format!(
                "the {what} changed since it was read; read it again and retry"
            )),
            Refusal::AlreadyExists(sentence) => DomainError::AlreadyExists(sentence.clone()),
            Refusal::Conflict(sentence) => DomainError::Conflict(sentence.clone()),
            Refusal::Unconditional => concurrent(),
        }
    }
}

/// Two transactions on the same items at once: nothing was written, a retry will do.
fn concurrent() -> DomainError {
    DomainError::Conflict(
        "another change to the same records happened at the same time; try again".into(),
    )
}

/// The writes of one transaction, each with its refusal.
#[derive(Debug, Default)]
pub(super) struct Tx {
    ops: Vec<TransactOp>,
    refusals: Vec<Refusal>,
    /// The events among the writes (outbox items), counted once the transaction commits.
    events: Vec<(EventKind, Option<RuleId>)>,
}

impl Tx {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// Adds a write and what its condition failing means.
    pub(super) fn push(&mut self, op: TransactOp, refused: Refusal) -> &mut Self {
        self.ops.push(op);
        self.refusals.push(refused);
        self
    }

    /// Adds an event's write (an outbox item).
    pub(super) fn push_event(
        &mut self,
        op: TransactOp,
        refused: Refusal,
        event: &Event,
    ) -> &mut Self {
        self.events
            .push((event.kind, event.sanction.as_ref().map(|s| s.rule)));
        self.push(op, refused)
    }

    /// Commits all or nothing; a single Put or Delete goes as a plain conditional write (as
    /// atomic, and charged once where a transactional write is charged twice), whose refusals
    /// and retries answer as the transaction's would. A transaction canceled only because
    /// another transaction was writing one of its items at the same moment (every evidence write
    /// of a freelancer puts the same evidence mark) is sent again, a few times, a few
    /// milliseconds apart: nothing of it was written, and its conditions are checked afresh. A
    /// refused write answers with its own refusal; a conflict that outlasts the retries, with a
    /// request to retry; anything else is the store's failure.
    pub(super) async fn commit(
        self,
        engine: &dyn Engine,
        unavailable: fn(StoreError) -> DomainError,
    ) -> Result<(), DomainError> {
        let Tx {
            ops,
            refusals,
            events,
        } = self;
        let single = matches!(
            ops.as_slice(),
            [TransactOp::Put { .. } | TransactOp::Delete { .. }]
        );
        let mut attempt = 0;
        loop {
            attempt += 1;
            let written = match ops.as_slice() {
                // One write alone needs no transaction: a conditional write is as atomic, and
                // DynamoDB charges a transactional write twice (an evaluation that only moves
                // the standing's evidence mark is one such write).
                [TransactOp::Put { item, condition }] => {
                    engine.put(item.clone(), condition.clone()).await
                }
                [TransactOp::Delete { key, condition }] => {
                    engine.delete(key.clone(), condition.clone()).await
                }
                _ => engine.transact_write(ops.clone(), None).await,
            };
            let error = match written {
                Ok(_) => {
                    crate::metric::committed(&events);
                    return Ok(());
                }
                Err(error) => error,
            };
            if error.is_retryable() && attempt < ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(5 << attempt)).await;
                continue;
            }
            return Err(match error {
                // The one write's own condition (sent without a transaction).
                StoreError::ConditionFailed { .. } => {
                    refusals.first().map_or_else(concurrent, Refusal::error)
                }
                // The one write kept meeting another transaction on its item (or throttling):
                // as a canceled transaction of one write was, a request to try again.
                StoreError::Retryable(_) if single => concurrent(),
                StoreError::TransactionCanceled { .. } => match error.failed_operations().first() {
                    Some(i) if !error.is_retryable() => {
                        refusals.get(*i).map_or_else(concurrent, Refusal::error)
                    }
                    _ => concurrent(),
                },
                other => unavailable(other),
            });
        }
    }
}

/// How often a transaction is sent while only concurrent transactions cancel it.
const ATTEMPTS: u32 = 4;

#[cfg(all(test, feature = "embedded"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::engine::Key;
    use crate::{Condition, EmbeddedEngine, EmbeddedOptions};

    /// A fresh embedded engine, and the directory it lives in (removed when dropped).
    fn embedded() -> (EmbeddedEngine, standing_testkit::TempDir) {
        let dir = standing_testkit::TempDir::new("tx").unwrap();
        let engine =
            EmbeddedEngine::open(dir.path().join("t.redb"), EmbeddedOptions::default()).unwrap();
        (engine, dir)
    }

    fn fail(e: StoreError) -> DomainError {
        DomainError::Unavailable(e.to_string())
    }

    fn put(sk: &str, condition: Condition) -> TransactOp {
        TransactOp::Put {
            item: Key::new("FL#f", sk).to_item(),
            condition,
        }
    }

    /// Refuses the first `conflicts` writes as if another transaction held their items (a
    /// transaction is canceled; a single write gets DynamoDB's TransactionConflictException),
    /// and counts the transactions sent.
    struct Contended {
        inner: EmbeddedEngine,
        conflicts: std::sync::Mutex<u32>,
        transactions: std::sync::Mutex<u32>,
    }

    impl Contended {
        fn new(inner: EmbeddedEngine, conflicts: u32) -> Self {
            Self {
                inner,
                conflicts: std::sync::Mutex::new(conflicts),
                transactions: std::sync::Mutex::new(0),
            }
        }

        /// Whether this write meets a concurrent transaction.
        fn contended(&self) -> bool {
            let mut left = self.conflicts.lock().unwrap();
            let contended = *left > 0;
            *left = left.saturating_sub(1);
            contended
        }
    }

    impl Engine for Contended {
        fn table_name(&self) -> &str {
            self.inner.table_name()
        }
        fn get(&self, key: Key) -> crate::BoxFuture<'_, Result<crate::GetOutput, StoreError>> {
            self.inner.get(key)
        }
        fn put(
            &self,
            item: crate::Item,
            condition: Condition,
        ) -> crate::BoxFuture<'_, Result<crate::WriteOutput, StoreError>> {
            if self.contended() {
                return Box::pin(async {
                    Err(StoreError::Retryable(
                        "PutItem: TransactionConflictException".into(),
                    ))
                });
            }
            self.inner.put(item, condition)
        }
        fn delete(
            &self,
            key: Key,
            condition: Condition,
        ) -> crate::BoxFuture<'_, Result<crate::WriteOutput, StoreError>> {
            self.inner.delete(key, condition)
        }
        fn transact_write(
            &self,
            operations: Vec<TransactOp>,
            token: Option<crate::ClientRequestToken>,
        ) -> crate::BoxFuture<'_, Result<crate::WriteOutput, StoreError>> {
            *self.transactions.lock().unwrap() += 1;
            if self.contended() {
                let reasons = operations
                    .iter()
                    .map(|_| {
                        Some(crate::CancelReason {
                            code: crate::CancelCode::TransactionConflict,
                            message: None,
                            item: None,
                        })
                    })
                    .collect();
                return Box::pin(async move { Err(StoreError::TransactionCanceled { reasons }) });
            }
            self.inner.transact_write(operations, token)
        }
        fn query(
            &self,
            query: crate::Query,
        ) -> crate::BoxFuture<'_, Result<crate::Page, StoreError>> {
            self.inner.query(query)
        }
        fn capacity(&self) -> &crate::CapacityMeter {
            self.inner.capacity()
        }
    }

    #[tokio::test]
    async fn a_transaction_canceled_by_a_concurrent_one_is_sent_again_and_commits() {
        // GIVEN storage where the next three transactions meet a concurrent one
        let (engine, _dir) = embedded();
        let engine = Contended::new(engine, 3);
        // WHEN a transaction is committed
        let mut tx = Tx::new();
        tx.push(put("a", Condition::NotExists), Refusal::Stale("a"))
            .push(put("a2", Condition::None), Refusal::Unconditional);
        let committed = tx.commit(&engine, fail).await;
        // THEN it was sent again until it went through
        assert!(committed.is_ok(), "{committed:?}");
        assert!(
            engine
                .get(Key::new("FL#f", "a"))
                .await
                .unwrap()
                .item
                .is_some()
        );
        // AND one that meets more conflicts than the retries answers "try again", writing nothing
        *engine.conflicts.lock().unwrap() = ATTEMPTS;
        let mut tx = Tx::new();
        tx.push(put("b", Condition::None), Refusal::Unconditional)
            .push(put("b2", Condition::None), Refusal::Unconditional);
        let refused = tx.commit(&engine, fail).await;
        assert!(
            matches!(&refused, Err(DomainError::Conflict(m)) if m.contains("try again")),
            "{refused:?}"
        );
        assert!(
            engine
                .get(Key::new("FL#f", "b"))
                .await
                .unwrap()
                .item
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_refused_write_answers_with_its_own_refusal_wherever_it_stands() {
        // GIVEN an item that exists
        let (engine, _dir) = embedded();
        engine
            .put(Key::new("FL#f", "a").to_item(), Condition::None)
            .await
            .unwrap();
        // WHEN a transaction whose third write requires it not to exist is committed
        let mut tx = Tx::new();
        tx.push(put("b", Condition::None), Refusal::Unconditional)
            .push(put("c", Condition::NotExists), Refusal::Stale("c"))
            .push(
                put("a", Condition::NotExists),
                Refusal::AlreadyExists("a is there already".into()),
            );
        let refused = tx.commit(&engine, fail).await;
        // THEN the answer is that write's refusal, and nothing was written
        assert!(
            matches!(&refused, Err(DomainError::AlreadyExists(m)) if m == "a is there already"),
            "{refused:?}"
        );
        assert!(
            engine
                .get(Key::new("FL#f", "b"))
                .await
                .unwrap()
                .item
                .is_none()
        );
        // AND a stale write answers as stale
        let mut tx = Tx::new();
        tx.push(
            put("a", Condition::VersionEquals(7)),
            Refusal::Stale("thing"),
        );
        let stale = tx.commit(&engine, fail).await;
        assert!(
            matches!(&stale, Err(DomainError::Conflict(m)) if m.starts_with("the thing changed")),
            "{stale:?}"
        );
    }

    #[tokio::test]
    async fn a_single_write_goes_without_a_transaction_and_keeps_its_refusal_and_retries() {
        // GIVEN storage where the next write meets a concurrent transaction
        let (engine, _dir) = embedded();
        let engine = Contended::new(engine, 1);
        // WHEN a transaction of one write is committed
        let mut tx = Tx::new();
        tx.push(put("a", Condition::NotExists), Refusal::Stale("a"));
        let committed = tx.commit(&engine, fail).await;
        // THEN it was sent again as a plain conditional write, and no transaction was sent
        assert!(committed.is_ok(), "{committed:?}");
        assert_eq!(*engine.transactions.lock().unwrap(), 0);
        assert!(
            engine
                .get(Key::new("FL#f", "a"))
                .await
                .unwrap()
                .item
                .is_some()
        );
        // AND its failed condition answers with its own refusal
        let mut tx = Tx::new();
        tx.push(
            put("a", Condition::VersionEquals(7)),
            Refusal::Stale("thing"),
        );
        let stale = tx.commit(&engine, fail).await;
        assert!(
            matches!(&stale, Err(DomainError::Conflict(m)) if m.starts_with("the thing changed")),
            "{stale:?}"
        );
        // AND one that keeps meeting a concurrent transaction answers "try again", writing
        // nothing, as a canceled transaction of one write did
        *engine.conflicts.lock().unwrap() = ATTEMPTS;
        let mut tx = Tx::new();
        tx.push(put("b", Condition::None), Refusal::Unconditional);
        let refused = tx.commit(&engine, fail).await;
        assert!(
            matches!(&refused, Err(DomainError::Conflict(m)) if m.contains("try again")),
            "{refused:?}"
        );
        assert!(
            engine
                .get(Key::new("FL#f", "b"))
                .await
                .unwrap()
                .item
                .is_none()
        );
        // AND a single delete goes the same way
        let mut tx = Tx::new();
        tx.push(
            TransactOp::Delete {
                key: Key::new("FL#f", "a"),
                condition: Condition::Exists,
            },
            Refusal::Stale("a"),
        );
        assert!(tx.commit(&engine, fail).await.is_ok());
        assert_eq!(*engine.transactions.lock().unwrap(), 0);
    }
}

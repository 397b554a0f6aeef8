//! A transaction as the repository puts it together: every write with what its condition
//! failing means to the caller, so a refused transaction is explained by the write that was
//! refused, never by counting positions.

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

    /// Commits all or nothing. A refused write answers with its own refusal; a conflict with
    /// another transaction, with a request to retry; anything else is the store's failure.
    pub(super) async fn commit(
        self,
        engine: &dyn Engine,
        unavailable: fn(StoreError) -> DomainError,
    ) -> Result<(), DomainError> {
        let Tx { ops, refusals } = self;
        match engine.transact_write(ops, None).await {
            Ok(_) => Ok(()),
            Err(error @ StoreError::TransactionCanceled { .. }) => {
                match error.failed_operations().first() {
                    Some(i) if !error.is_retryable() => {
                        Err(refusals.get(*i).map_or_else(concurrent, Refusal::error))
                    }
                    _ => Err(concurrent()),
                }
            }
            Err(other) => Err(unavailable(other)),
        }
    }
}

#[cfg(all(test, feature = "embedded"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::engine::Key;
    use crate::{Condition, EmbeddedEngine, EmbeddedOptions};

    fn fail(e: StoreError) -> DomainError {
        DomainError::Unavailable(e.to_string())
    }

    fn put(sk: &str, condition: Condition) -> TransactOp {
        TransactOp::Put {
            item: Key::new("FL#f", sk).to_item(),
            condition,
        }
    }

    #[tokio::test]
    async fn a_refused_write_answers_with_its_own_refusal_wherever_it_stands() {
        // GIVEN an item that exists
        let dir = standing_testkit::TempDir::new("tx").unwrap();
        let engine =
            EmbeddedEngine::open(dir.path().join("t.redb"), EmbeddedOptions::default()).unwrap();
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
}

//! The engine contract: item-level DynamoDB semantics (get, conditional put and delete,
//! transactions with an idempotency token, key-condition queries), whatever stores the items.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::atomic::{AtomicU64, Ordering},
};

use serde_dynamo::{AttributeValue, Item};

use crate::{
    attr::key_string,
    condition::Condition,
    error::StoreError,
    table::{Index, PARTITION_KEY, SORT_KEY},
};

/// The future every engine method returns: boxed, so that [`Engine`] is object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Item-level storage with DynamoDB's semantics.
///
/// Object-safe on purpose: the engine is chosen at run time (the local stack swaps the embedded
/// engine for a DynamoDB endpoint by a flag), so the repository holds an `Arc<dyn Engine>` and
/// stays one non-generic type. The price is one allocation per call, nothing next to the I/O.
pub trait Engine: Send + Sync {
    /// The table this engine reads and writes.
    fn table_name(&self) -> &str;

    /// The item with this key, read strongly consistently.
    fn get(&self, key: Key) -> BoxFuture<'_, Result<GetOutput, StoreError>>;

    /// Writes the whole item (replacing any item with its key) if `condition` holds.
    fn put(
        &self,
        item: Item,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>>;

    /// Deletes the item if `condition` holds; deleting a missing item succeeds.
    fn delete(
        &self,
        key: Key,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>>;

    /// All of `operations` or none (at most 100, one per item). With a token, a repeat of a
    /// successful request within ten minutes succeeds without writing again, and a different
    /// request under the same token fails with [`StoreError::IdempotentParameterMismatch`].
    fn transact_write(
        &self,
        operations: Vec<TransactOp>,
        token: Option<ClientRequestToken>,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>>;

    /// One page of a key-condition query on the table or an index.
    fn query(&self, query: Query) -> BoxFuture<'_, Result<Page, StoreError>>;

    /// Capacity consumed so far, as the backend reported it.
    fn capacity(&self) -> &CapacityMeter;
}

/// An item's primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key as DynamoDB takes it: `{PK: S, SK: S}`.
    pub fn to_item(&self) -> Item {
        Item::from(HashMap::from([
            (
                PARTITION_KEY.to_string(),
                AttributeValue::S(self.pk.clone()),
            ),
            (SORT_KEY.to_string(), AttributeValue::S(self.sk.clone())),
        ]))
    }

    /// The key of an item (or of a key map); an error when either key is missing or not a
    /// non-empty string.
    pub fn of_item(item: &Item) -> Result<Key, StoreError> {
        let get = |name: &str| {
            key_string(item, name)
                .map_err(StoreError::Validation)?
                .map(str::to_string)
                .ok_or_else(|| StoreError::Validation(format!("missing key attribute {name}")))
        };
        Ok(Key {
            pk: get(PARTITION_KEY)?,
            sk: get(SORT_KEY)?,
        })
    }
}

/// One operation of a transaction, each with its own condition.
#[derive(Debug, Clone, PartialEq)]
pub enum TransactOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        key: Key,
        condition: Condition,
    },
    /// Writes nothing; cancels the transaction when the condition fails. Needs a condition.
    ConditionCheck {
        key: Key,
        condition: Condition,
    },
}

impl TransactOp {
    pub fn key(&self) -> Result<Key, StoreError> {
        match self {
            TransactOp::Put { item, .. } => Key::of_item(item),
            TransactOp::Delete { key, .. } | TransactOp::ConditionCheck { key, .. } => {
                Ok(key.clone())
            }
        }
    }

    pub fn condition(&self) -> &Condition {
        match self {
            TransactOp::Put { condition, .. }
            | TransactOp::Delete { condition, .. }
            | TransactOp::ConditionCheck { condition, .. } => condition,
        }
    }
}

/// DynamoDB's ClientRequestToken: 1 to 36 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientRequestToken(String);

impl ClientRequestToken {
    pub fn parse(token: impl Into<String>) -> Result<Self, StoreError> {
        let token = token.into();
        let length = token.chars().count();
        if (1..=36).contains(&length) {
            Ok(ClientRequestToken(token))
        } else {
            Err(StoreError::Validation(format!(
                "a client request token has 1 to 36 characters, not {length}"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A condition on the sort key of the queried index (strings, compared byte-wise as UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKeyCondition {
    Equals(String),
    BeginsWith(String),
    /// Inclusive on both ends; `low` must not be greater than `high`.
    Between {
        low: String,
        high: String,
    },
    GreaterOrEqual(String),
    LessOrEqual(String),
}

/// A query of one partition of the table or of an index.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub index: Index,
    /// The value of the index's partition key.
    pub partition: String,
    pub sort: Option<SortKeyCondition>,
    /// Ascending sort key order when true.
    pub forward: bool,
    /// At most this many items in the page (at least 1).
    pub limit: Option<u32>,
    /// The `last_evaluated_key` of the previous page.
    pub exclusive_start_key: Option<Item>,
}

impl Query {
    /// All items of a partition, ascending, in pages as large as the backend allows.
    pub fn new(index: Index, partition: impl Into<String>) -> Self {
        Query {
            index,
            partition: partition.into(),
            sort: None,
            forward: true,
            limit: None,
            exclusive_start_key: None,
        }
    }

    pub fn sort(mut self, condition: SortKeyCondition) -> Self {
        self.sort = Some(condition);
        self
    }

    pub fn backward(mut self) -> Self {
        self.forward = false;
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    pub fn start_after(mut self, last_evaluated_key: Option<Item>) -> Self {
        self.exclusive_start_key = last_evaluated_key;
        self
    }
}

/// A page of query results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present when the query stopped early (limit or page size): pass it to the next query.
    pub last_evaluated_key: Option<Item>,
    pub capacity: Option<Capacity>,
}

/// The result of [`Engine::get`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GetOutput {
    pub item: Option<Item>,
    pub capacity: Option<Capacity>,
}

/// The result of a write.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WriteOutput {
    pub capacity: Option<Capacity>,
}

/// Capacity units one operation consumed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Capacity {
    pub read_units: f64,
    pub write_units: f64,
}

/// Running totals of consumed capacity, for measuring what an operation costs on DynamoDB:
/// `take()` before, run it, `take()` after.
#[derive(Debug, Default)]
pub struct CapacityMeter {
    // Thousandths of a unit: DynamoDB reports multiples of 0.5, so this is exact, and atomic.
    read_milli: AtomicU64,
    write_milli: AtomicU64,
    operations: AtomicU64,
}

/// A reading of a [`CapacityMeter`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CapacityTotals {
    pub read_units: f64,
    pub write_units: f64,
    /// Operations that reported capacity.
    pub operations: u64,
}

impl CapacityMeter {
    pub fn record(&self, capacity: Option<Capacity>) {
        let Some(capacity) = capacity else { return };
        let milli = |units: f64| (units.max(0.0) * 1000.0).round() as u64;
        self.read_milli
            .fetch_add(milli(capacity.read_units), Ordering::Relaxed);
        self.write_milli
            .fetch_add(milli(capacity.write_units), Ordering::Relaxed);
        self.operations.fetch_add(1, Ordering::Relaxed);
    }

    pub fn totals(&self) -> CapacityTotals {
        CapacityTotals {
            read_units: self.read_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            write_units: self.write_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            operations: self.operations.load(Ordering::Relaxed),
        }
    }

    /// The totals so far, resetting them to zero.
    pub fn take(&self) -> CapacityTotals {
        CapacityTotals {
            read_units: self.read_milli.swap(0, Ordering::Relaxed) as f64 / 1000.0,
            write_units: self.write_milli.swap(0, Ordering::Relaxed) as f64 / 1000.0,
            operations: self.operations.swap(0, Ordering::Relaxed),
        }
    }

    pub fn reset(&self) {
        self.take();
    }
}

/// Checks what DynamoDB checks before it looks at any item: 1 to 100 operations, one per item,
/// a condition on every condition check, well-formed keys.
pub(crate) fn validate_transaction(operations: &[TransactOp]) -> Result<Vec<Key>, StoreError> {
    if operations.is_empty() || operations.len() > 100 {
        return Err(StoreError::Validation(format!(
            "a transaction has 1 to 100 operations, not {}",
            operations.len()
        )));
    }
    let mut keys = Vec::with_capacity(operations.len());
    for operation in operations {
        if let TransactOp::ConditionCheck { condition, .. } = operation
            && condition.is_unconditional()
        {
            return Err(StoreError::Validation(
                "a condition check needs a condition".into(),
            ));
        }
        let key = operation.key()?;
        if key.pk.is_empty() || key.sk.is_empty() {
            return Err(StoreError::Validation(
                "key attributes may not be empty".into(),
            ));
        }
        if keys.contains(&key) {
            return Err(StoreError::Validation(
                "a transaction cannot include multiple operations on one item".into(),
            ));
        }
        keys.push(key);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_adds_up_and_resets() {
        let meter = CapacityMeter::default();
        meter.record(Some(Capacity {
            read_units: 0.5,
            write_units: 0.0,
        }));
        meter.record(Some(Capacity {
            read_units: 0.0,
            write_units: 2.0,
        }));
        meter.record(None);
        let totals = meter.take();
        assert_eq!(totals.read_units, 0.5);
        assert_eq!(totals.write_units, 2.0);
        assert_eq!(totals.operations, 2);
        assert_eq!(meter.totals(), CapacityTotals::default());
    }

    #[test]
    fn tokens_longer_than_36_characters_are_refused() {
        assert!(ClientRequestToken::parse("a".repeat(36)).is_ok());
        assert!(ClientRequestToken::parse("a".repeat(37)).is_err());
        assert!(ClientRequestToken::parse("").is_err());
    }

    #[test]
    fn two_operations_on_one_item_are_refused() {
        let key = Key::new("p", "s");
        let ops = vec![
            TransactOp::Delete {
                key: key.clone(),
                condition: Condition::None,
            },
            TransactOp::ConditionCheck {
                key,
                condition: Condition::Exists,
            },
        ];
        assert!(matches!(
            validate_transaction(&ops),
            Err(StoreError::Validation(_))
        ));
    }
}

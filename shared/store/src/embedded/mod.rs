//! The embedded engine: the table in one redb file on disk, with DynamoDB's conditions,
//! transactions, idempotency tokens, sparse indexes and a stream-shaped change log, all written
//! durably in redb: writes that meet share one commit (group commit), and in bulk mode many
//! writes share a transaction that skips the disk.

mod change_log;
mod group;
mod query;
mod requests;

use std::{
    path::Path,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use chrono::{DateTime, TimeZone, Utc};
use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, Table, TableDefinition,
    WriteTransaction,
};
use serde::{Deserialize, Serialize};
use serde_dynamo::Item;
use tokio::sync::watch;

use change_log::StoredChange;
pub use change_log::{ChangeKind, ChangeRecord, SequenceNumber, StreamSource};
pub use group::COMMIT_THREAD;
use group::{Committer, Pending, Work};

use crate::{
    attr::{item_size, items_equal, key_string, prepare_item},
    condition::Condition,
    engine::{
        BoxFuture, CapacityMeter, ClientRequestToken, Engine, GetOutput, Key, Page, Query,
        TransactOp, WriteOutput, validate_transaction,
    },
    error::{CancelCode, CancelReason, StoreError},
    table::{DEFAULT_TABLE_NAME, Index},
};

type ItemKey = (&'static [u8], &'static [u8]);
type IndexKey = (&'static [u8], &'static [u8], &'static [u8], &'static [u8]);

/// Items by (PK, SK); values are the item in DynamoDB JSON.
const ITEMS: TableDefinition<ItemKey, &[u8]> = TableDefinition::new("items");
/// Index entries by (index PK, index SK, PK, SK): the table key breaks ties as DynamoDB does.
const GSI1: TableDefinition<IndexKey, ()> = TableDefinition::new("gsi1");
const GSI2: TableDefinition<IndexKey, ()> = TableDefinition::new("gsi2");
/// The change log by sequence number.
const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("changes");
/// Client request tokens of committed transactions, and their expiry order.
const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("tokens");
const TOKEN_EXPIRY: TableDefinition<(u64, &str), ()> = TableDefinition::new("token_expiry");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

const META_NEXT_SEQUENCE: &str = "next_sequence";
const META_CREATED_AT_MS: &str = "created_at_ms";

/// DynamoDB keeps a transaction's client request token for ten minutes.
const TOKEN_LIFETIME_MS: u64 = 10 * 60 * 1000;
/// No valid UTF-8 string contains this byte, so it bounds every key from above.
const ABOVE_ANY_STRING: &[u8] = &[0xFF];

/// What the embedded engine says about itself in stream records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedOptions {
    pub table_name: String,
    pub region: String,
    pub account_id: String,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions {
            table_name: DEFAULT_TABLE_NAME.to_string(),
            region: "us-east-1".to_string(),
            account_id: "000000000000".to_string(),
        }
    }
}

/// The engine on a redb file. Every acknowledged write is on disk (redb commits with
/// `Durability::Immediate`), except in bulk mode ([`EmbeddedEngine::set_bulk`]), which a
/// history import turns on: its writes reach the disk together when it is turned off.
///
/// Cloning is cheap and shares the open database; one process holds a file at a time.
#[derive(Clone)]
pub struct EmbeddedEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmbeddedEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedEngine")
            .field("source", &self.inner.source)
            .finish_non_exhaustive()
    }
}

struct Inner {
    db: Arc<Database>,
    source: StreamSource,
    meter: CapacityMeter,
    latest: watch::Sender<Option<SequenceNumber>>,
    /// Bulk mode is on: operations run on the caller's thread.
    bulk: std::sync::atomic::AtomicBool,
    /// Bulk mode's shared write transaction (`None` when bulk mode is off).
    batch: Mutex<Option<Batch>>,
    /// Outside bulk mode, every write goes to the committer (group commit: see [`group`]).
    committer: Committer,
}

/// In bulk mode, writes go into one open write transaction, committed (without waiting for the
/// disk) every `BULK_WRITES_PER_COMMIT` writes; reads read through it, so they see every write
/// acknowledged before them. Every `BULK_COMMITS_PER_DURABLE`-th commit is durable: redb frees
/// the pages a commit replaced only once a durable commit follows, or the file grows without
/// bound.
#[derive(Default)]
struct Batch {
    open: Option<WriteTransaction>,
    /// Writes in the open transaction.
    writes: usize,
    /// Commits since bulk mode was turned on.
    commits: u64,
    /// Why acknowledged writes of this bulk run were lost: every later operation fails with it.
    lost: Option<String>,
}

const BULK_WRITES_PER_COMMIT: usize = 20_000;
const BULK_COMMITS_PER_DURABLE: u64 = 5;

impl EmbeddedEngine {
    /// Opens the database at `path`, creating it if it does not exist. Blocking (a file that
    /// was not closed cleanly is repaired first): call it at init.
    pub fn open(path: impl AsRef<Path>, options: EmbeddedOptions) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let db = Database::create(path)
            .map_err(|e| StoreError::Backend(format!("opening {}: {e}", path.display())))?;
        let txn = db.begin_write().map_err(backend)?;
        let (next_sequence, created_at_ms) = {
            txn.open_table(ITEMS).map_err(backend)?;
            txn.open_table(GSI1).map_err(backend)?;
            txn.open_table(GSI2).map_err(backend)?;
            txn.open_table(CHANGES).map_err(backend)?;
            txn.open_table(TOKENS).map_err(backend)?;
            txn.open_table(TOKEN_EXPIRY).map_err(backend)?;
            let mut meta = txn.open_table(META).map_err(backend)?;
            let created = meta
                .get(META_CREATED_AT_MS)
                .map_err(backend)?
                .map(|g| g.value());
            let created = match created {
                Some(created) => created,
                None => {
                    let now = now_ms();
                    meta.insert(META_CREATED_AT_MS, now).map_err(backend)?;
                    now
                }
            };
            let next = meta
                .get(META_NEXT_SEQUENCE)
                .map_err(backend)?
                .map(|g| g.value())
                .unwrap_or(1);
            (next, created)
        };
        txn.commit().map_err(backend)?;

        let created = Utc
            .timestamp_millis_opt(i64::try_from(created_at_ms).unwrap_or(0))
            .single()
            .unwrap_or_default();
        let source = StreamSource {
            region: options.region,
            account_id: options.account_id,
            table_name: options.table_name,
            stream_label: created.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        };
        let latest =
            watch::channel((next_sequence > 1).then(|| SequenceNumber(next_sequence - 1))).0;
        let db = Arc::new(db);
        let committer = Committer::start(Arc::clone(&db), latest.clone())?;
        Ok(EmbeddedEngine {
            inner: Arc::new(Inner {
                db,
                source,
                meter: CapacityMeter::default(),
                latest,
                bulk: std::sync::atomic::AtomicBool::new(false),
                batch: Mutex::new(None),
                committer,
            }),
        })
    }

    /// Bulk mode for a history import: while on, writes go into one shared write transaction
    /// committed every few thousand writes without waiting for the disk (reads see every write
    /// acknowledged before them), append no change records (a restored past is not streamed:
    /// the importer evaluates what it wrote itself, and a stack started on the file afterwards
    /// does not replay it), and every operation runs on the caller's thread (no hand-off
    /// to the committer thread: one sequential importer, short operations); turning it off commits
    /// durably, which puts everything written meanwhile on disk. A crash while on loses the
    /// writes since it was turned on (an import is re-run: it is idempotent); so does a storage
    /// failure in the middle of a write, after which every operation fails until bulk mode is
    /// turned off. Blocking.
    pub fn set_bulk(&self, on: bool) -> Result<(), StoreError> {
        let mut batch = self.inner.lock_batch()?;
        self.inner
            .bulk
            .store(on, std::sync::atomic::Ordering::SeqCst);
        if on {
            if batch.is_none() {
                *batch = Some(Batch::default());
            }
            return Ok(());
        }
        let Some(mut ended) = batch.take() else {
            return Ok(());
        };
        if let Some(lost) = ended.lost.take() {
            return Err(StoreError::Backend(lost));
        }
        let txn = match ended.open.take() {
            Some(txn) => txn,
            None => self.inner.db.begin_write().map_err(backend)?,
        };
        txn.commit().map_err(backend)
    }

    /// Where this engine's records claim to come from.
    pub fn stream_source(&self) -> &StreamSource {
        &self.inner.source
    }

    /// Up to `limit` change records after `after` (from the oldest kept when `None`), in
    /// sequence order.
    pub async fn read_changes(
        &self,
        after: Option<SequenceNumber>,
        limit: usize,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        self.inner.read_changes(after, limit)
    }

    /// Deletes the change records up to and including `up_to`; returns how many it deleted.
    /// Sequence numbers keep increasing after a trim.
    pub async fn trim_changes(&self, up_to: SequenceNumber) -> Result<u64, StoreError> {
        let removed = Arc::new(AtomicU64::new(0));
        self.inner
            .trim_changes(up_to, Arc::clone(&removed))?
            .outcome()
            .await?;
        Ok(removed.load(Ordering::Acquire))
    }

    /// The sequence number of the last change written, if any.
    pub fn latest_sequence_number(&self) -> Option<SequenceNumber> {
        *self.inner.latest.borrow()
    }

    /// Wakes on every committed write that changed something, with its last sequence number:
    /// a change log consumer waits on this instead of polling.
    pub fn subscribe(&self) -> watch::Receiver<Option<SequenceNumber>> {
        self.inner.latest.subscribe()
    }
}

impl Engine for EmbeddedEngine {
    fn table_name(&self) -> &str {
        &self.inner.source.table_name
    }

    fn get(&self, key: Key) -> BoxFuture<'_, Result<GetOutput, StoreError>> {
        Box::pin(async move {
            let item = self.inner.get(&key)?;
            Ok(GetOutput {
                item,
                capacity: None,
            })
        })
    }

    fn put(
        &self,
        item: Item,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(async move {
            self.inner.put(item, condition)?.outcome().await?;
            Ok(WriteOutput::default())
        })
    }

    fn delete(
        &self,
        key: Key,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(async move {
            self.inner.delete(key, condition)?.outcome().await?;
            Ok(WriteOutput::default())
        })
    }

    fn transact_write(
        &self,
        operations: Vec<TransactOp>,
        token: Option<ClientRequestToken>,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(async move {
            self.inner.transact(operations, token)?.outcome().await?;
            Ok(WriteOutput::default())
        })
    }

    fn query(&self, query: Query) -> BoxFuture<'_, Result<Page, StoreError>> {
        Box::pin(async move { self.inner.query(query) })
    }

    /// The embedded engine has no capacity units: this meter stays at zero.
    fn capacity(&self) -> &CapacityMeter {
        &self.inner.meter
    }
}

impl Inner {
    /// Whether bulk mode is on (see [`EmbeddedEngine::set_bulk`]); its writes append no change
    /// records.
    fn in_bulk(&self) -> bool {
        self.bulk.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn lock_batch(&self) -> Result<MutexGuard<'_, Option<Batch>>, StoreError> {
        self.batch.lock().map_err(|_| {
            StoreError::Backend("the embedded engine's bulk batch was poisoned".into())
        })
    }

    /// Runs `work` in a write transaction and commits it: durably with the writes it meets (see
    /// [`group`]), or in bulk mode in the shared batch (see [`Batch`]), on the caller's thread.
    /// `work` returns the last change record it wrote. A refusal (a condition, a token, a bad
    /// request) writes nothing of its own, so the shared transaction goes on (expired tokens may
    /// have been forgotten first, which changes nothing anyone can read).
    fn write(
        &self,
        work: impl FnOnce(&WriteTransaction, bool) -> Result<Option<SequenceNumber>, StoreError>
        + Send
        + 'static,
    ) -> Result<Pending, StoreError> {
        // Outside bulk mode (the stack serving requests) no lock is taken.
        if !self.in_bulk() {
            return Ok(self.committer.submit(Box::new(work)));
        }
        Ok(match self.lock_batch()?.as_mut() {
            Some(batch) => Pending::Done(self.write_in_batch(batch, Box::new(work))),
            // Turned off meanwhile.
            None => self.committer.submit(Box::new(work)),
        })
    }

    /// Applies `work` to bulk mode's shared transaction, committing it every
    /// [`BULK_WRITES_PER_COMMIT`] writes.
    fn write_in_batch(&self, batch: &mut Batch, work: Work) -> Result<(), StoreError> {
        if let Some(lost) = &batch.lost {
            return Err(StoreError::Backend(lost.clone()));
        }
        let txn = match batch.open.take() {
            Some(txn) => txn,
            None => {
                let mut txn = self.db.begin_write().map_err(backend)?;
                if !(batch.commits + 1).is_multiple_of(BULK_COMMITS_PER_DURABLE) {
                    txn.set_durability(Durability::None)
                        .map_err(|e| StoreError::Backend(format!("bulk mode: {e}")))?;
                }
                txn
            }
        };
        // Bulk writes append no change records: there is no sequence number to announce.
        match work(&txn, false) {
            Ok(_) => {
                batch.writes += 1;
                if batch.writes < BULK_WRITES_PER_COMMIT {
                    batch.open = Some(txn);
                    return Ok(());
                }
                batch.writes = 0;
                batch.commits += 1;
                txn.commit().map_err(|e| {
                    let error = backend(e);
                    batch.lost = Some(format!(
                        "a bulk commit failed, the writes since the last one are lost: {error}"
                    ));
                    error
                })
            }
            Err(refused) if is_refusal(&refused) => {
                batch.open = Some(txn);
                Err(refused)
            }
            Err(failed) => {
                // The shared transaction is aborted with the writes acknowledged in it.
                drop(txn);
                batch.lost = Some(format!(
                    "a write failed in bulk mode, the writes since the last commit are lost: {failed}"
                ));
                Err(failed)
            }
        }
    }

    /// Runs `read` on what is committed, or in bulk mode on the shared write transaction (which
    /// holds the writes acknowledged but not yet committed).
    fn read<T>(&self, read: impl ReadOp<Output = T>) -> Result<T, StoreError> {
        if !self.in_bulk() {
            return read.run(&self.db.begin_read().map_err(backend)?);
        }
        let guard = self.lock_batch()?;
        if let Some(batch) = guard.as_ref() {
            if let Some(lost) = &batch.lost {
                return Err(StoreError::Backend(lost.clone()));
            }
            if let Some(txn) = &batch.open {
                return read.run(txn);
            }
        }
        drop(guard);
        read.run(&self.db.begin_read().map_err(backend)?)
    }

    fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        check_key(key)?;
        self.read(GetItem(key))
    }

    fn put(&self, item: Item, condition: Condition) -> Result<Pending, StoreError> {
        let item = Encoded::new(prepare_item(item)?)?;
        let key = Key::of_item(&item.item)?;
        self.write(move |txn, log| {
            let mut writer = Writer::open(txn, log)?;
            let current = writer.current(&key)?;
            if !condition.holds(current.as_ref().map(|c| &c.item)) {
                return Err(StoreError::ConditionFailed {
                    item: current.map(|c| c.item),
                });
            }
            writer.put(&key, item, current)?;
            writer.finish()
        })
    }

    fn delete(&self, key: Key, condition: Condition) -> Result<Pending, StoreError> {
        check_key(&key)?;
        self.write(move |txn, log| {
            let mut writer = Writer::open(txn, log)?;
            let current = writer.current(&key)?;
            if !condition.holds(current.as_ref().map(|c| &c.item)) {
                return Err(StoreError::ConditionFailed {
                    item: current.map(|c| c.item),
                });
            }
            writer.delete(&key, current)?;
            writer.finish()
        })
    }

    fn transact(
        &self,
        operations: Vec<TransactOp>,
        token: Option<ClientRequestToken>,
    ) -> Result<Pending, StoreError> {
        let keys = validate_transaction(&operations)?;
        let operations = operations
            .into_iter()
            .map(|op| match op {
                TransactOp::Put { item, condition } => Ok(TransactOp::Put {
                    item: prepare_item(item)?,
                    condition,
                }),
                other => Ok(other),
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // What a token is compared on: computed only when there is a token.
        let request = token.as_ref().map(|_| requests::canonical(&operations));
        // Each put's JSON, encoded here rather than on the one thread that commits.
        let operations = operations
            .into_iter()
            .map(|op| match op {
                TransactOp::Put { item, condition } => Ok(Op::Put(Encoded::new(item)?, condition)),
                TransactOp::Delete { condition, .. } => Ok(Op::Delete(condition)),
                TransactOp::ConditionCheck { condition, .. } => Ok(Op::Check(condition)),
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let now = now_ms();

        self.write(move |txn, log| {
            if let Some(token) = &token {
                let mut tokens = txn.open_table(TOKENS).map_err(backend)?;
                let mut expiry = txn.open_table(TOKEN_EXPIRY).map_err(backend)?;
                forget_expired_tokens(&mut tokens, &mut expiry, now)?;
                let seen = tokens
                    .get(token.as_str())
                    .map_err(backend)?
                    .map(|g| serde_json::from_slice::<TokenRecord>(g.value()));
                match seen {
                    // The same request again: done already, nothing more is written.
                    Some(Ok(seen)) if Some(&seen.request) == request.as_ref() => {
                        return Ok(None);
                    }
                    Some(Ok(_)) => return Err(StoreError::IdempotentParameterMismatch),
                    Some(Err(e)) => return Err(corrupt("token", e)),
                    None => {}
                }
            }

            let mut writer = Writer::open(txn, log)?;
            let mut currents = Vec::with_capacity(operations.len());
            let mut reasons = Vec::with_capacity(operations.len());
            for (operation, key) in operations.iter().zip(&keys) {
                let current = writer.current(key)?;
                let stored = current.as_ref().map(|c| &c.item);
                reasons.push(
                    (!operation.condition().holds(stored)).then(|| CancelReason {
                        code: CancelCode::ConditionalCheckFailed,
                        message: Some("The conditional request failed.".to_string()),
                        item: stored.cloned(),
                    }),
                );
                currents.push(current);
            }
            if reasons.iter().any(Option::is_some) {
                return Err(StoreError::TransactionCanceled { reasons });
            }
            for ((operation, key), current) in operations.into_iter().zip(&keys).zip(currents) {
                match operation {
                    Op::Put(item, _) => writer.put(key, item, current)?,
                    Op::Delete(_) => writer.delete(key, current)?,
                    Op::Check(_) => {}
                }
            }
            let last = writer.finish()?;

            if let (Some(token), Some(request)) = (&token, request) {
                let mut tokens = txn.open_table(TOKENS).map_err(backend)?;
                let mut expiry = txn.open_table(TOKEN_EXPIRY).map_err(backend)?;
                let record = serde_json::to_vec(&TokenRecord {
                    request,
                    committed_at_ms: now,
                })
                .map_err(|e| StoreError::Backend(format!("encoding a token: {e}")))?;
                tokens
                    .insert(token.as_str(), record.as_slice())
                    .map_err(backend)?;
                expiry.insert((now, token.as_str()), ()).map_err(backend)?;
            }
            Ok(last)
        })
    }

    fn query(&self, query: Query) -> Result<Page, StoreError> {
        if query.limit == Some(0) {
            return Err(StoreError::Validation("a query limit is at least 1".into()));
        }
        if query.partition.is_empty() {
            return Err(StoreError::Validation(
                "the partition key value may not be empty".into(),
            ));
        }
        let (lower, upper) = query::sort_bounds(query.sort.as_ref())?;
        self.read(RunQuery {
            query,
            lower,
            upper,
        })
    }

    fn read_changes(
        &self,
        after: Option<SequenceNumber>,
        limit: usize,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        let first = match after {
            Some(SequenceNumber(u64::MAX)) => return Ok(Vec::new()),
            Some(SequenceNumber(n)) => n + 1,
            None => 0,
        };
        self.read(ReadChanges { first, limit })
    }

    /// Deletes the change records up to `up_to`, counting them in `removed`.
    fn trim_changes(
        &self,
        up_to: SequenceNumber,
        removed: Arc<AtomicU64>,
    ) -> Result<Pending, StoreError> {
        self.write(move |txn, _| {
            let mut count = 0;
            let mut changes = txn.open_table(CHANGES).map_err(backend)?;
            for entry in changes
                .extract_from_if(..=up_to.0, |_, _| true)
                .map_err(backend)?
            {
                entry.map_err(backend)?;
                count += 1;
            }
            removed.store(count, Ordering::Release);
            Ok(None)
        })
    }
}

/// What a read reads from: a read transaction, or in bulk mode the shared write transaction.
trait Snapshot {
    fn table<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> Result<impl ReadableTable<K, V> + '_, StoreError>;
}

impl Snapshot for ReadTransaction {
    fn table<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> Result<impl ReadableTable<K, V> + '_, StoreError> {
        self.open_table(definition).map_err(backend)
    }
}

impl Snapshot for WriteTransaction {
    fn table<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        definition: TableDefinition<'_, K, V>,
    ) -> Result<impl ReadableTable<K, V> + '_, StoreError> {
        self.open_table(definition).map_err(backend)
    }
}

/// One read, run on whichever [`Snapshot`] holds the latest acknowledged writes.
trait ReadOp {
    type Output;
    fn run(self, snapshot: &impl Snapshot) -> Result<Self::Output, StoreError>;
}

struct GetItem<'k>(&'k Key);

impl ReadOp for GetItem<'_> {
    type Output = Option<Item>;
    fn run(self, snapshot: &impl Snapshot) -> Result<Option<Item>, StoreError> {
        read_item(&snapshot.table(ITEMS)?, &self.0.pk, &self.0.sk)
    }
}

struct RunQuery {
    query: Query,
    lower: std::ops::Bound<Vec<u8>>,
    upper: std::ops::Bound<Vec<u8>>,
}

impl ReadOp for RunQuery {
    type Output = Page;
    fn run(self, snapshot: &impl Snapshot) -> Result<Page, StoreError> {
        let items = snapshot.table(ITEMS)?;
        let entries = match self.query.index {
            Index::Primary => {
                return query::query_table(&items, &self.query, self.lower, self.upper);
            }
            Index::Gsi2 => GSI2,
            _ => GSI1,
        };
        let index = self.query.index;
        query::query_index(
            &snapshot.table(entries)?,
            &items,
            index,
            &self.query,
            self.lower,
            self.upper,
        )
    }
}

struct ReadChanges {
    first: u64,
    limit: usize,
}

impl ReadOp for ReadChanges {
    type Output = Vec<ChangeRecord>;
    fn run(self, snapshot: &impl Snapshot) -> Result<Vec<ChangeRecord>, StoreError> {
        let changes = snapshot.table(CHANGES)?;
        let mut records = Vec::new();
        for entry in changes
            .range(self.first..)
            .map_err(backend)?
            .take(self.limit)
        {
            let (sequence, stored) = entry.map_err(backend)?;
            let stored: StoredChange =
                serde_json::from_slice(stored.value()).map_err(|e| corrupt("change", e))?;
            records.push(stored.into_record(SequenceNumber(sequence.value())));
        }
        Ok(records)
    }
}

/// An item with the JSON it is stored as: encoded once, by the writer's own task for a new item
/// (not on the one thread that commits), and read as stored for an item being replaced, so that
/// its change record copies both images instead of encoding them again.
struct Encoded {
    item: Item,
    json: Vec<u8>,
}

impl Encoded {
    fn new(item: Item) -> Result<Self, StoreError> {
        let json = serde_json::to_vec(&item)
            .map_err(|e| StoreError::Backend(format!("encoding an item: {e}")))?;
        Ok(Encoded { item, json })
    }
}

/// A transaction's operation as the committing thread applies it: a put carries its encoding.
enum Op {
    Put(Encoded, Condition),
    Delete(Condition),
    Check(Condition),
}

impl Op {
    fn condition(&self) -> &Condition {
        match self {
            Op::Put(_, condition) | Op::Delete(condition) | Op::Check(condition) => condition,
        }
    }
}

/// The tables one write transaction changes, and the change records it has appended.
struct Writer<'t> {
    items: Table<'t, ItemKey, &'static [u8]>,
    gsi1: Table<'t, IndexKey, ()>,
    gsi2: Table<'t, IndexKey, ()>,
    changes: Table<'t, u64, &'static [u8]>,
    meta: Table<'t, &'static str, u64>,
    /// Whether this writer appends change records.
    log: bool,
    next_sequence: u64,
    now: DateTime<Utc>,
    last: Option<SequenceNumber>,
}

impl<'t> Writer<'t> {
    fn open(txn: &'t WriteTransaction, log: bool) -> Result<Self, StoreError> {
        let meta = txn.open_table(META).map_err(backend)?;
        let next_sequence = meta
            .get(META_NEXT_SEQUENCE)
            .map_err(backend)?
            .map(|g| g.value())
            .unwrap_or(1);
        Ok(Writer {
            items: txn.open_table(ITEMS).map_err(backend)?,
            gsi1: txn.open_table(GSI1).map_err(backend)?,
            gsi2: txn.open_table(GSI2).map_err(backend)?,
            changes: txn.open_table(CHANGES).map_err(backend)?,
            meta,
            log,
            next_sequence,
            now: Utc::now(),
            last: None,
        })
    }

    /// The stored item at `key`, with the JSON it is stored as.
    fn current(&self, key: &Key) -> Result<Option<Encoded>, StoreError> {
        match self
            .items
            .get((key.pk.as_bytes(), key.sk.as_bytes()))
            .map_err(backend)?
        {
            Some(value) => {
                let json = value.value().to_vec();
                Ok(Some(Encoded {
                    item: decode_item(&json)?,
                    json,
                }))
            }
            None => Ok(None),
        }
    }

    fn put(&mut self, key: &Key, new: Encoded, old: Option<Encoded>) -> Result<(), StoreError> {
        self.items
            .insert((key.pk.as_bytes(), key.sk.as_bytes()), new.json.as_slice())
            .map_err(backend)?;
        self.reindex(key, old.as_ref().map(|o| &o.item), Some(&new.item))?;
        // DynamoDB writes no stream record for a put that changes nothing.
        match old {
            Some(old) if items_equal(&old.item, &new.item) => Ok(()),
            Some(old) => self.record(ChangeKind::Modify, key, Some(&new), Some(&old)),
            None => self.record(ChangeKind::Insert, key, Some(&new), None),
        }
    }

    fn delete(&mut self, key: &Key, old: Option<Encoded>) -> Result<(), StoreError> {
        let Some(old) = old else {
            return Ok(());
        };
        self.items
            .remove((key.pk.as_bytes(), key.sk.as_bytes()))
            .map_err(backend)?;
        self.reindex(key, Some(&old.item), None)?;
        self.record(ChangeKind::Remove, key, None, Some(&old))
    }

    fn reindex(
        &mut self,
        key: &Key,
        old: Option<&Item>,
        new: Option<&Item>,
    ) -> Result<(), StoreError> {
        for index in Index::GLOBAL_SECONDARY {
            let before = old.and_then(|item| index_key(index, item));
            let after = new.and_then(|item| index_key(index, item));
            if before == after {
                continue;
            }
            let table = match index {
                Index::Gsi2 => &mut self.gsi2,
                _ => &mut self.gsi1,
            };
            if let Some((pk, sk)) = before {
                table
                    .remove((
                        pk.as_bytes(),
                        sk.as_bytes(),
                        key.pk.as_bytes(),
                        key.sk.as_bytes(),
                    ))
                    .map_err(backend)?;
            }
            if let Some((pk, sk)) = after {
                table
                    .insert(
                        (
                            pk.as_bytes(),
                            sk.as_bytes(),
                            key.pk.as_bytes(),
                            key.sk.as_bytes(),
                        ),
                        (),
                    )
                    .map_err(backend)?;
            }
        }
        Ok(())
    }

    fn record(
        &mut self,
        event_name: ChangeKind,
        key: &Key,
        new_image: Option<&Encoded>,
        old_image: Option<&Encoded>,
    ) -> Result<(), StoreError> {
        if !self.log {
            return Ok(());
        }
        let keys = key.to_item();
        let size = item_size(&keys)
            + new_image.map_or(0, |i| item_size(&i.item))
            + old_image.map_or(0, |i| item_size(&i.item));
        let encoded = change_log::encode(
            event_name,
            &keys,
            new_image.map(|i| i.json.as_slice()),
            old_image.map(|i| i.json.as_slice()),
            self.now.timestamp_millis(),
            size as u64,
        )?;
        let sequence = self.next_sequence;
        self.changes
            .insert(sequence, encoded.as_slice())
            .map_err(backend)?;
        self.next_sequence = sequence.checked_add(1).ok_or_else(|| {
            StoreError::Backend("the change log ran out of sequence numbers".into())
        })?;
        self.last = Some(SequenceNumber(sequence));
        Ok(())
    }

    /// Saves the sequence counter; returns the last sequence number written, if any.
    fn finish(mut self) -> Result<Option<SequenceNumber>, StoreError> {
        if self.last.is_some() {
            self.meta
                .insert(META_NEXT_SEQUENCE, self.next_sequence)
                .map_err(backend)?;
        }
        Ok(self.last)
    }
}

#[derive(Serialize, Deserialize)]
struct TokenRecord {
    request: String,
    committed_at_ms: u64,
}

fn forget_expired_tokens(
    tokens: &mut Table<'_, &'static str, &'static [u8]>,
    expiry: &mut Table<'_, (u64, &'static str), ()>,
    now: u64,
) -> Result<(), StoreError> {
    let cutoff = now.saturating_sub(TOKEN_LIFETIME_MS);
    let mut expired = Vec::new();
    for entry in expiry
        .extract_from_if(..(cutoff, ""), |_, _| true)
        .map_err(backend)?
    {
        let (key, _) = entry.map_err(backend)?;
        expired.push(key.value().1.to_string());
    }
    for token in expired {
        tokens.remove(token.as_str()).map_err(backend)?;
    }
    Ok(())
}

fn read_item(
    items: &impl ReadableTable<ItemKey, &'static [u8]>,
    pk: &str,
    sk: &str,
) -> Result<Option<Item>, StoreError> {
    match items.get((pk.as_bytes(), sk.as_bytes())).map_err(backend)? {
        Some(value) => decode_item(value.value()).map(Some),
        None => Ok(None),
    }
}

fn decode_item(bytes: &[u8]) -> Result<Item, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| corrupt("item", e))
}

/// The item's keys in `index`; `None` (not indexed: sparse) unless it has both.
fn index_key(index: Index, item: &Item) -> Option<(String, String)> {
    let pk = key_string(item, index.partition_key()).ok().flatten()?;
    let sk = key_string(item, index.sort_key()).ok().flatten()?;
    Some((pk.to_string(), sk.to_string()))
}

fn check_key(key: &Key) -> Result<(), StoreError> {
    if key.pk.is_empty() || key.sk.is_empty() {
        return Err(StoreError::Validation(
            "key attributes may not be empty".into(),
        ));
    }
    Ok(())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Whether a write's error is a refusal (a condition, a token, a bad request): it wrote nothing
/// of its own, so the transaction it shares with other writes goes on.
fn is_refusal(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::ConditionFailed { .. }
            | StoreError::TransactionCanceled { .. }
            | StoreError::IdempotentParameterMismatch
            | StoreError::Validation(_)
    )
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("embedded database: {error}"))
}

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("a stored {what} cannot be read: {error}"))
}

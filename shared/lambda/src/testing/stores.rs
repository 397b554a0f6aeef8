//! The real stores on fresh storage: the embedded engine in its own temporary directory, and a
//! fresh table (with its stream) on this test process's DynamoDB Local. Each keeps its engine
//! at hand for the stream records the writes produced and for writes that bypass the repository.

use aws_sdk_dynamodbstreams::types::Record;
use serde_json::Value;
use standing_domain::UserId;
use standing_store::{
    AttributeValue, Condition, DynamoDbEngine, EmbeddedEngine, EmbeddedOptions, Engine, Item,
    Repository, SequenceNumber, create_table,
};
use standing_testkit::{DynamoDbLocal, TempDir, read_stream_records, unique_table_name};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A repository on a fresh embedded engine.
pub struct EmbeddedStore {
    pub repo: Repository,
    pub engine: Arc<EmbeddedEngine>,
    _dir: TempDir,
}

impl EmbeddedStore {
    pub fn new() -> Self {
        Self::in_dir(TempDir::new("function-test").expect("a temporary directory"))
    }

    /// A repository on a fresh embedded engine in RAM (`/dev/shm`) where the machine has one,
    /// else in the temporary directory: for tests that commit tens of thousands of times and
    /// prove something other than durability (each commit still goes through redb's fsync,
    /// which costs nothing on a RAM disk).
    pub fn in_ram() -> Self {
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            TempDir::new_in(shm, "function-test")
        } else {
            TempDir::new("function-test")
        };
        Self::in_dir(dir.expect("a temporary directory"))
    }

    fn in_dir(dir: TempDir) -> Self {
        let engine =
            EmbeddedEngine::open(dir.path().join("standing.redb"), EmbeddedOptions::default())
                .expect("a fresh embedded engine opens");
        let engine = Arc::new(engine);
        Self {
            repo: Repository::new(engine.clone()),
            engine,
            _dir: dir,
        }
    }

    /// The position of the last change written, to read only what comes after it.
    pub fn position(&self) -> Option<SequenceNumber> {
        self.engine.latest_sequence_number()
    }

    /// Every change written after `after` (all of them when `None`) as one stream event in
    /// Lambda's wire shape, built from the engine's change log.
    pub async fn stream_event_after(&self, after: Option<SequenceNumber>) -> Value {
        let changes = self
            .engine
            .read_changes(after, 10_000)
            .await
            .expect("the change log reads");
        super::stream::event_from_changes(&changes, self.engine.stream_source())
    }

    /// Writes an item straight through the engine, as nothing in the application would.
    pub async fn put_raw(&self, item: Item) {
        self.engine
            .put(item, Condition::None)
            .await
            .expect("the embedded engine takes the item");
    }
}

impl Default for EmbeddedStore {
    fn default() -> Self {
        Self::new()
    }
}

/// A repository on a fresh table, created as the store defines it (stream included), on this
/// test process's DynamoDB Local.
pub struct DynamoDbLocalStore {
    pub repo: Repository,
    pub client: aws_sdk_dynamodb::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub table: String,
    /// `http://127.0.0.1:PORT`, for a process pointed at the same server.
    pub endpoint: String,
}

impl DynamoDbLocalStore {
    /// Starts DynamoDB Local on first use in the process (a few seconds); fails with what to
    /// install when java or npm is missing.
    pub async fn new(prefix: &str) -> Self {
        let local = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("DynamoDB Local: {e}"));
        let client = local.dynamodb_client();
        let table = unique_table_name(prefix);
        create_table(&client, &table)
            .await
            .unwrap_or_else(|e| panic!("creating table {table}: {e}"));
        Self {
            repo: Repository::new(Arc::new(DynamoDbEngine::new(client.clone(), table.clone()))),
            streams: local.streams_client(),
            client,
            table,
            endpoint: local.endpoint().to_owned(),
        }
    }

    /// The ARN of the table's stream, as the event source mapping names it in each record.
    pub async fn stream_arn(&self) -> String {
        self.client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .expect("DescribeTable")
            .table()
            .and_then(|t| t.latest_stream_arn())
            .expect("the table has a stream")
            .to_owned()
    }

    /// The stream's records after `after` (from the start when `None`), once at least
    /// `at_least` of them are there, read for real (GetShardIterator, GetRecords).
    pub async fn stream_records_after(&self, after: Option<&str>, at_least: usize) -> Vec<Record> {
        let shards = self
            .streams
            .describe_stream()
            .stream_arn(self.stream_arn().await)
            .send()
            .await
            .expect("DescribeStream")
            .stream_description()
            .map(|d| d.shards().len())
            .unwrap_or(0);
        // Lambda reads each shard in its own batches; one shard makes one ordered batch.
        assert_eq!(shards, 1, "the test table's stream has {shards} shards");
        let wanted = |r: &Record| after.is_none_or(|a| sequence_after(r, a));
        // Records reach the stream shortly after the write; poll until enough have.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut records;
        loop {
            records = read_stream_records(
                &self.client,
                &self.streams,
                &self.table,
                at_least,
                Duration::from_secs(1),
            )
            .await
            .unwrap_or_else(|e| panic!("reading the stream of {}: {e}", self.table));
            records.retain(wanted);
            if records.len() >= at_least || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            records.len() >= at_least,
            "expected at least {at_least} stream records after {after:?}, got {}",
            records.len()
        );
        records
    }

    /// Those records as the stream event Lambda delivers.
    pub async fn stream_event_after(&self, after: Option<&str>, at_least: usize) -> Value {
        let records = self.stream_records_after(after, at_least).await;
        super::stream::event_from_stream_records(&records, &self.stream_arn().await)
    }

    /// Writes an item straight through the engine, as nothing in the application would.
    pub async fn put_raw(&self, item: Item) {
        self.repo
            .engine()
            .put(item, Condition::None)
            .await
            .expect("DynamoDB Local takes the item");
    }
}

/// A reader of a table's one-shard stream that goes on from where it stopped, as an event
/// source mapping does (the testkit's reader starts from the horizon every time).
pub struct StreamTail {
    streams: aws_sdk_dynamodbstreams::Client,
    arn: String,
    shard: String,
    iterator: Option<String>,
    /// The sequence number of the last record read, to open the shard again after it.
    last: Option<String>,
    sentinels: u64,
}

/// The partition of the tail's sentinel items: outside every freelancer's.
const SENTINEL_PK: &str = "TAIL#sentinel";

impl DynamoDbLocalStore {
    /// A tail of this table's stream, from its first record.
    pub async fn tail(&self) -> StreamTail {
        let arn = self.stream_arn().await;
        let shards: Vec<String> = self
            .streams
            .describe_stream()
            .stream_arn(&arn)
            .send()
            .await
            .expect("DescribeStream")
            .stream_description()
            .map(|d| {
                d.shards()
                    .iter()
                    .filter_map(|s| s.shard_id().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(shards.len(), 1, "the test table's stream has {shards:?}");
        let mut tail = StreamTail {
            streams: self.streams.clone(),
            arn,
            shard: shards[0].clone(),
            iterator: None,
            last: None,
            sentinels: 0,
        };
        tail.reopen().await;
        tail
    }
}

impl StreamTail {
    /// Opens the shard after the last record read, or at its oldest record when none was read.
    async fn reopen(&mut self) {
        use aws_sdk_dynamodbstreams::types::ShardIteratorType;
        let request = self
            .streams
            .get_shard_iterator()
            .stream_arn(&self.arn)
            .shard_id(&self.shard);
        let request = match &self.last {
            Some(last) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(last),
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        self.iterator = request
            .send()
            .await
            .expect("GetShardIterator")
            .shard_iterator()
            .map(str::to_owned);
    }

    /// Every record written to `store` since the last call, in order. A record reaches the
    /// stream a moment after its write, so the tail writes a sentinel item of its own and reads
    /// until the sentinel's record: on one shard, every write before it is then there. The
    /// sentinels' records are not returned.
    pub async fn since_last(&mut self, store: &DynamoDbLocalStore) -> Vec<Record> {
        use aws_sdk_dynamodbstreams::error::ProvideErrorMetadata;
        self.sentinels += 1;
        let s = |v: &str| AttributeValue::S(v.to_owned());
        let sentinel = self.sentinels.to_string();
        store
            .put_raw(Item::from(HashMap::from([
                ("PK".to_owned(), s(SENTINEL_PK)),
                ("SK".to_owned(), s(&sentinel)),
                ("entity_type".to_owned(), s("tail-sentinel")),
            ])))
            .await;
        let is_sentinel = |r: &Record, sk: Option<&str>| {
            let keys = r.dynamodb().and_then(|d| d.keys());
            let attribute = |name: &str| match keys.and_then(|k| k.get(name)) {
                Some(aws_sdk_dynamodbstreams::types::AttributeValue::S(v)) => Some(v.as_str()),
                _ => None,
            };
            attribute("PK") == Some(SENTINEL_PK) && sk.is_none_or(|sk| attribute("SK") == Some(sk))
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut out = Vec::new();
        loop {
            let iterator = self.iterator.take().expect("the shard is open");
            let read = self
                .streams
                .get_records()
                .shard_iterator(iterator)
                .send()
                .await;
            let page = match read {
                Ok(page) => page,
                // DynamoDB Local refuses an iterator taken on an empty shard, or one that
                // expired, once records came: open the shard again after the last record read
                // (as the local stack's pump does).
                Err(e)
                    if matches!(
                        e.code(),
                        Some("TrimmedDataAccessException" | "ExpiredIteratorException")
                    ) =>
                {
                    assert!(
                        Instant::now() < deadline,
                        "the stream kept refusing reads for 60 s: {e:?}"
                    );
                    self.reopen().await;
                    continue;
                }
                Err(e) => panic!("GetRecords: {e:?}"),
            };
            self.iterator = page.next_shard_iterator().map(str::to_owned);
            let mut reached = false;
            for record in page.records() {
                let sequence = record.dynamodb().and_then(|d| d.sequence_number());
                if let Some(sequence) = sequence {
                    self.last = Some(sequence.to_owned());
                }
                if is_sentinel(record, Some(&sentinel)) {
                    reached = true;
                } else if !is_sentinel(record, None) {
                    out.push(record.clone());
                }
            }
            if reached {
                return out;
            }
            assert!(
                Instant::now() < deadline,
                "the sentinel's record did not reach the stream within 60 s"
            );
            if page.records().is_empty() {
                // Records reach the stream a moment after their write.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// The last sequence number of a stream event's records.
pub fn last_sequence_number(event: &Value) -> Option<String> {
    event["Records"]
        .as_array()?
        .last()?
        .pointer("/dynamodb/SequenceNumber")?
        .as_str()
        .map(str::to_owned)
}

/// Whether the record comes after sequence number `after` (decimal strings: shorter is smaller).
fn sequence_after(record: &Record, after: &str) -> bool {
    let own = record
        .dynamodb()
        .and_then(|d| d.sequence_number())
        .unwrap_or_default();
    (own.len(), own) > (after.len(), after)
}

/// An item in the repository's envelope (keys, `entity_type`, `freelancer_id`, `version`) whose
/// `data` does not decode as what `entity_type` says: what a bad deploy or a hand edit of the
/// table leaves behind. Reads that meet it fail as storage failures.
pub fn undecodable_item(pk: &str, sk: &str, entity_type: &str, freelancer: &UserId) -> Item {
    let s = |v: &str| AttributeValue::S(v.to_owned());
    Item::from(HashMap::from([
        ("PK".to_owned(), s(pk)),
        ("SK".to_owned(), s(sk)),
        ("entity_type".to_owned(), s(entity_type)),
        ("freelancer_id".to_owned(), s(freelancer.as_str())),
        ("version".to_owned(), AttributeValue::N("1".to_owned())),
        (
            "data".to_owned(),
            AttributeValue::M(HashMap::from([(
                "written_by".to_owned(),
                s("a writer that knows nothing of this schema"),
            )])),
        ),
    ]))
}

//! With `--dynamodb-endpoint`: the SDK clients for that endpoint, and the table's real stream
//! read as an event source mapping reads it (DescribeStream → shards → GetShardIterator →
//! GetRecords), each record converted to the `aws_lambda_events` record a function receives and
//! delivered through the same [`Delivery`] as the embedded change log. Per-shard checkpoints live
//! in the data directory.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_lambda_events::event::dynamodb::{EventRecord, StreamViewType};
use aws_sdk_dynamodbstreams::error::ProvideErrorMetadata;
use aws_sdk_dynamodbstreams::types::{
    AttributeValue as SdkValue, OperationType, Record, Shard, ShardIteratorType,
};
use chrono::{TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_dynamo::{AttributeValue, Item};
use tokio::sync::watch;

use standing_store::table::{PARTITION_KEY, SORT_KEY};

use crate::pump::{BATCH_SIZE, Delivery, STREAM_MARK_READ, is_evidence};
use crate::state;

/// The partition of stream marks: items a client writes (`SK` a number that grows) to learn when
/// the stream has caught up with its earlier writes. A stream record reaches DynamoDB Local's
/// stream a moment after its write, so an empty read proves nothing; but the records of one
/// shard come in order, so once a mark's record is read and its batch delivered, every write
/// made before the mark was delivered and the evaluations it triggered committed. The pump
/// reports the highest mark read at `/metrics` ([`STREAM_MARK_READ`]). A mark is no evidence:
/// the stream filter drops it, and no query reads its partition. (DynamoDB Local gives a table
/// one shard at a time; on a stream of several, a mark speaks only for its own shard.)
pub const STREAM_MARK_PARTITION: &str = "STREAM-MARK";

/// How often an open shard with nothing new is read again (Lambda reads four times a second).
const POLL: Duration = Duration::from_millis(250);
/// How often the shard list is read again while nothing suggests it changed.
const DISCOVERY: Duration = Duration::from_secs(10);

/// Credentials and region for a local endpoint: the environment's when set, else placeholders
/// that DynamoDB Local accepts (letters and digits only). No profile, no instance metadata.
fn credentials() -> aws_sdk_dynamodb::config::Credentials {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => aws_sdk_dynamodb::config::Credentials::new(
            id,
            secret,
            var("AWS_SESSION_TOKEN"),
            None,
            "environment",
        ),
        _ => aws_sdk_dynamodb::config::Credentials::new(
            "standinglocal",
            "standinglocal",
            None,
            None,
            "standing-local",
        ),
    }
}

fn region() -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// A DynamoDB client and a DynamoDB Streams client for `endpoint`.
pub fn clients(endpoint: &str) -> (aws_sdk_dynamodb::Client, aws_sdk_dynamodbstreams::Client) {
    let region = region();
    let dynamodb = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(region.clone()))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .build();
    let streams = aws_sdk_dynamodbstreams::Config::builder()
        .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodbstreams::config::Region::new(region))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .build();
    (
        aws_sdk_dynamodb::Client::from_conf(dynamodb),
        aws_sdk_dynamodbstreams::Client::from_conf(streams),
    )
}

/// The table's stream ARN, or a sentence saying why there is none.
pub async fn stream_arn(client: &aws_sdk_dynamodb::Client, table: &str) -> Result<String, String> {
    let described = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|e| {
            format!(
                "DescribeTable {table}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            )
        })?;
    described
        .table()
        .and_then(|t| t.latest_stream_arn())
        .map(str::to_owned)
        .ok_or_else(|| {
            format!("table {table} has no stream: enable its stream with NEW_AND_OLD_IMAGES")
        })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ShardCheckpoint {
    /// The last sequence number delivered.
    after: Option<String>,
    /// A closed shard read to its end.
    finished: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Checkpoints {
    stream_arn: String,
    shards: BTreeMap<String, ShardCheckpoint>,
}

/// Reads a DynamoDB table's stream into the stream function.
pub struct StreamPump {
    client: aws_sdk_dynamodbstreams::Client,
    stream_arn: String,
    delivery: Delivery,
    checkpoint_file: PathBuf,
}

impl StreamPump {
    pub fn new(
        client: aws_sdk_dynamodbstreams::Client,
        stream_arn: String,
        delivery: Delivery,
        checkpoint_file: PathBuf,
    ) -> Self {
        // Shown as 0 from the start, before the first mark is read.
        metrics::gauge!(STREAM_MARK_READ).set(0.0);
        Self {
            client,
            stream_arn,
            delivery,
            checkpoint_file,
        }
    }

    fn load(&self) -> Checkpoints {
        match state::read_json::<Checkpoints>(&self.checkpoint_file) {
            Ok(Some(c)) if c.stream_arn == self.stream_arn => c,
            Ok(_) => Checkpoints {
                stream_arn: self.stream_arn.clone(),
                shards: BTreeMap::new(),
            },
            Err(e) => {
                tracing::warn!(error = %e, "the stream checkpoint cannot be read; reading the stream from its start");
                Checkpoints {
                    stream_arn: self.stream_arn.clone(),
                    shards: BTreeMap::new(),
                }
            }
        }
    }

    async fn save(&self, checkpoints: &Checkpoints) {
        let path = self.checkpoint_file.clone();
        let value = checkpoints.clone();
        let saved = tokio::task::spawn_blocking(move || state::write_json(&path, &value))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if let Err(e) = saved {
            tracing::error!(error = %e, "saving the stream checkpoint failed");
        }
    }

    /// Every shard of the stream, parents listed with their children.
    async fn shards(&self) -> Result<Vec<Shard>, String> {
        let mut shards = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let page = self
                .client
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(start.clone())
                .send()
                .await
                .map_err(|e| format!("DescribeStream: {}", sdk_error(&e)))?;
            let Some(description) = page.stream_description() else {
                break;
            };
            shards.extend(description.shards().iter().cloned());
            start = description.last_evaluated_shard_id().map(str::to_owned);
            if start.is_none() {
                break;
            }
        }
        Ok(shards)
    }

    async fn iterator(&self, shard: &str, after: Option<&str>) -> Result<Option<String>, String> {
        let request = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard);
        let request = match after {
            Some(sequence) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(sequence),
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let out = request
            .send()
            .await
            .map_err(|e| format!("GetShardIterator {shard}: {}", sdk_error(&e)))?;
        Ok(out.shard_iterator().map(str::to_owned))
    }

    /// Runs until `stop` turns true and a read of every open shard found nothing new.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut checkpoints = self.load();
        let mut shards: Vec<Shard> = Vec::new();
        let mut iterators: HashMap<String, String> = HashMap::new();
        // Shards whose reads after the checkpoint were refused as trimmed, with how many times
        // in a row: the first refusal opens the shard after the checkpoint again (DynamoDB Local
        // sometimes refuses a good iterator once), later ones read from the oldest record kept
        // and skip what the checkpoint already covers, so nothing is delivered twice.
        let mut trimmed: HashMap<String, u32> = HashMap::new();
        let mut discovered_at: Option<Instant> = None;
        // The highest stream mark read and delivered so far.
        let mut mark_read = 0u64;
        loop {
            let draining = *stop.borrow_and_update();
            if discovered_at.is_none_or(|at| at.elapsed() > DISCOVERY) {
                match self.shards().await {
                    Ok(found) => {
                        shards = found;
                        discovered_at = Some(Instant::now());
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "listing the stream's shards failed; retrying");
                        if draining {
                            return;
                        }
                        pause(&mut stop, Duration::from_secs(1)).await;
                        continue;
                    }
                }
            }
            let mut delivered_any = false;
            let mut failed = false;
            for shard in readable(&shards, &checkpoints) {
                let entry = checkpoints.shards.entry(shard.clone()).or_default();
                let iterator = match iterators.remove(&shard) {
                    Some(iterator) => Some(iterator),
                    None => match self
                        .iterator(
                            &shard,
                            entry
                                .after
                                .as_deref()
                                .filter(|_| trimmed.get(&shard).is_none_or(|n| *n < 2)),
                        )
                        .await
                    {
                        Ok(iterator) => iterator,
                        Err(e) => {
                            tracing::error!(error = %e, "opening a shard failed; retrying");
                            failed = true;
                            continue;
                        }
                    },
                };
                let Some(iterator) = iterator else {
                    entry.finished = true;
                    discovered_at = None;
                    continue;
                };
                match self.read(&iterator).await {
                    Ok((records, next)) => {
                        let last = records
                            .last()
                            .and_then(|r| r.dynamodb())
                            .and_then(|d| d.sequence_number())
                            .map(str::to_owned);
                        let delivered = entry.after.clone();
                        let fresh: Vec<Record> = records
                            .into_iter()
                            .filter(|r| {
                                is_after(
                                    r.dynamodb().and_then(|d| d.sequence_number()),
                                    delivered.as_deref(),
                                )
                            })
                            .collect();
                        if !fresh.is_empty() {
                            trimmed.remove(&shard);
                        }
                        let events = self.event_records(&fresh);
                        if !events.is_empty() {
                            self.delivery.deliver(&events).await;
                        }
                        if let Some(mark) = fresh.iter().filter_map(stream_mark).max()
                            && mark > mark_read
                        {
                            mark_read = mark;
                            metrics::gauge!(STREAM_MARK_READ).set(mark as f64);
                        }
                        let entry = checkpoints.shards.entry(shard.clone()).or_default();
                        let mut changed = false;
                        if let Some(last) = last {
                            // Records were read, new or skipped: read on without pausing.
                            delivered_any = true;
                            if is_after(Some(&last), delivered.as_deref()) {
                                entry.after = Some(last);
                                changed = true;
                            }
                        }
                        match next {
                            Some(next) => {
                                iterators.insert(shard, next);
                            }
                            None => {
                                entry.finished = true;
                                changed = true;
                                discovered_at = None;
                            }
                        }
                        if changed {
                            self.save(&checkpoints).await;
                        }
                    }
                    Err(ReadError::Expired) => {}
                    Err(ReadError::Trimmed) => {
                        let times = trimmed.entry(shard.clone()).or_default();
                        *times += 1;
                        tracing::warn!(
                            shard,
                            times = *times,
                            "the stream refused a read after the checkpoint as trimmed; opening the shard again{}",
                            if *times >= 2 {
                                " from the oldest record kept, skipping what was delivered"
                            } else {
                                ""
                            }
                        );
                        discovered_at = None;
                    }
                    Err(ReadError::Other(e)) => {
                        tracing::error!(error = %e, "reading the stream failed; retrying");
                        failed = true;
                    }
                }
            }
            if delivered_any {
                continue;
            }
            if draining {
                return;
            }
            pause(
                &mut stop,
                if failed { Duration::from_secs(1) } else { POLL },
            )
            .await;
        }
    }

    async fn read(&self, iterator: &str) -> Result<(Vec<Record>, Option<String>), ReadError> {
        let out = self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(i32::try_from(BATCH_SIZE).unwrap_or(100))
            .send()
            .await
            .map_err(|e| match e.code() {
                Some("ExpiredIteratorException") => ReadError::Expired,
                Some("TrimmedDataAccessException") => ReadError::Trimmed,
                _ => ReadError::Other(format!("GetRecords: {}", sdk_error(&e))),
            })?;
        Ok((
            out.records().to_vec(),
            out.next_shard_iterator().map(str::to_owned),
        ))
    }

    fn event_records(&self, records: &[Record]) -> Vec<EventRecord> {
        records
            .iter()
            .filter_map(|r| match event_record(r, &self.stream_arn) {
                Ok(record) => Some(record),
                Err(e) => {
                    tracing::error!(error = %e, event_id = r.event_id().unwrap_or(""), "a stream record cannot be converted; skipped");
                    None
                }
            })
            .filter(|r| is_evidence(&r.change.new_image))
            .collect()
    }
}

enum ReadError {
    /// The iterator is older than 15 minutes: open the shard again from the checkpoint.
    Expired,
    /// The checkpoint is older than the stream's retention.
    Trimmed,
    Other(String),
}

fn sdk_error<E>(error: &aws_sdk_dynamodbstreams::error::SdkError<E>) -> String
where
    E: std::error::Error + 'static,
{
    aws_sdk_dynamodbstreams::error::DisplayErrorContext(error).to_string()
}

/// The number of the stream mark a record writes, if it writes one (not a removal; the keys
/// alone tell, whatever images the stream carries).
fn stream_mark(record: &Record) -> Option<u64> {
    if record.event_name() == Some(&OperationType::Remove) {
        return None;
    }
    let change = record.dynamodb()?;
    let keys = change.keys()?;
    match (keys.get(PARTITION_KEY), keys.get(SORT_KEY)) {
        (Some(SdkValue::S(partition)), Some(SdkValue::S(sort)))
            if partition == STREAM_MARK_PARTITION =>
        {
            sort.parse().ok()
        }
        _ => None,
    }
}

/// Whether a record's sequence number comes after the checkpoint's (within a shard, sequence
/// numbers are decimal strings that grow: compare by length, then digit by digit). A record
/// without one, or a shard without a checkpoint, counts as new.
fn is_after(sequence: Option<&str>, checkpoint: Option<&str>) -> bool {
    match (sequence, checkpoint) {
        (Some(s), Some(c)) => (s.len(), s) > (c.len(), c),
        _ => true,
    }
}

/// Sleeps for `duration` or until `stop` changes.
async fn pause(stop: &mut watch::Receiver<bool>, duration: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = stop.changed() => {}
    }
}

/// The shards to read now, oldest first: not finished, and whose parent is finished or gone
/// (a child's records come after all of its parent's).
fn readable(shards: &[Shard], checkpoints: &Checkpoints) -> Vec<String> {
    let finished = |id: &str| checkpoints.shards.get(id).is_some_and(|c| c.finished);
    let listed = |id: &str| shards.iter().any(|s| s.shard_id() == Some(id));
    shards
        .iter()
        .filter_map(|s| s.shard_id().map(|id| (id, s.parent_shard_id())))
        .filter(|(id, _)| !finished(id))
        .filter(|(_, parent)| parent.is_none_or(|p| finished(p) || !listed(p)))
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// A DynamoDB Streams record as a Lambda function receives it.
pub fn event_record(record: &Record, stream_arn: &str) -> Result<EventRecord, String> {
    let mut out = EventRecord::default();
    out.aws_region = record.aws_region().unwrap_or_default().to_owned();
    out.event_id = record.event_id().unwrap_or_default().to_owned();
    out.event_name = record
        .event_name()
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    out.event_source = record.event_source().map(str::to_owned);
    out.event_version = record.event_version().map(str::to_owned);
    out.event_source_arn = Some(stream_arn.to_owned());
    if let Some(identity) = record.user_identity() {
        out.user_identity = serde_json::from_value(serde_json::json!({
            "type": identity.r#type().unwrap_or_default(),
            "principalId": identity.principal_id().unwrap_or_default(),
        }))
        .ok();
    }
    let Some(change) = record.dynamodb() else {
        return Err("the record has no `dynamodb` part".to_owned());
    };
    if let Some(at) = change.approximate_creation_date_time() {
        out.change.approximate_creation_date_time =
            Utc.timestamp_opt(at.secs(), 0).single().unwrap_or_default();
    }
    out.change.keys = item(change.keys())?;
    out.change.new_image = item(change.new_image())?;
    out.change.old_image = item(change.old_image())?;
    out.change.sequence_number = change.sequence_number().map(str::to_owned);
    out.change.size_bytes = change.size_bytes().unwrap_or_default();
    out.change.stream_view_type = change
        .stream_view_type()
        .and_then(|t| serde_json::from_value::<StreamViewType>(serde_json::json!(t.as_str())).ok());
    Ok(out)
}

fn item(map: Option<&HashMap<String, SdkValue>>) -> Result<Item, String> {
    let mut out: HashMap<String, AttributeValue> = HashMap::new();
    for (name, value) in map.into_iter().flatten() {
        out.insert(name.clone(), attribute(value)?);
    }
    Ok(Item::from(out))
}

/// One attribute value. Written out rather than through serde_dynamo's `From`, which panics on
/// a value type the SDK does not know.
fn attribute(value: &SdkValue) -> Result<AttributeValue, String> {
    Ok(match value {
        SdkValue::S(s) => AttributeValue::S(s.clone()),
        SdkValue::N(n) => AttributeValue::N(n.clone()),
        SdkValue::Bool(b) => AttributeValue::Bool(*b),
        SdkValue::Null(b) => AttributeValue::Null(*b),
        SdkValue::B(blob) => AttributeValue::B(blob.as_ref().to_vec()),
        SdkValue::Ss(values) => AttributeValue::Ss(values.clone()),
        SdkValue::Ns(values) => AttributeValue::Ns(values.clone()),
        SdkValue::Bs(blobs) => {
            AttributeValue::Bs(blobs.iter().map(|b| b.as_ref().to_vec()).collect())
        }
        SdkValue::L(values) => {
            AttributeValue::L(values.iter().map(attribute).collect::<Result<_, _>>()?)
        }
        SdkValue::M(map) => AttributeValue::M(
            map.iter()
                .map(|(k, v)| attribute(v).map(|v| (k.clone(), v)))
                .collect::<Result<_, _>>()?,
        ),
        other => {
            return Err(format!(
                "an attribute value of a type this stack does not know: {other:?}"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodbstreams::primitives::{Blob, DateTime as SdkDateTime};
    use aws_sdk_dynamodbstreams::types::{
        OperationType, StreamRecord, StreamViewType as SdkViewType,
    };

    #[test]
    fn an_sdk_stream_record_becomes_the_record_a_function_receives() {
        let image = HashMap::from([
            ("PK".to_owned(), SdkValue::S("FL#f1".into())),
            ("entity_type".to_owned(), SdkValue::S("feedback".into())),
            ("version".to_owned(), SdkValue::N("2".into())),
            ("raw".to_owned(), SdkValue::B(Blob::new(vec![1, 2]))),
            (
                "data".to_owned(),
                SdkValue::M(HashMap::from([(
                    "list".to_owned(),
                    SdkValue::L(vec![SdkValue::Bool(true), SdkValue::Null(true)]),
                )])),
            ),
        ]);
        let record = Record::builder()
            .aws_region("us-east-1")
            .event_id("e-1")
            .event_name(OperationType::Modify)
            .event_source("aws:dynamodb")
            .event_version("1.1")
            .dynamodb(
                StreamRecord::builder()
                    .approximate_creation_date_time(SdkDateTime::from_secs(1_795_510_800))
                    .set_keys(Some(HashMap::from([(
                        "PK".to_owned(),
                        SdkValue::S("FL#f1".into()),
                    )])))
                    .set_new_image(Some(image))
                    .sequence_number("4100000000000000000001")
                    .size_bytes(120)
                    .stream_view_type(SdkViewType::NewAndOldImages)
                    .build(),
            )
            .build();
        let arn = "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2026-11-24T09:00:00.000";
        let out = event_record(&record, arn).unwrap();
        assert_eq!(out.event_name, "MODIFY");
        assert_eq!(out.event_source_arn.as_deref(), Some(arn));
        assert_eq!(
            out.change.sequence_number.as_deref(),
            Some("4100000000000000000001")
        );
        assert_eq!(out.change.size_bytes, 120);
        assert_eq!(
            out.change.stream_view_type,
            Some(StreamViewType::NewAndOldImages)
        );
        assert_eq!(
            out.change.approximate_creation_date_time.timestamp(),
            1_795_510_800
        );
        assert!(out.change.old_image.is_empty());
        assert!(is_evidence(&out.change.new_image));
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(
            json["dynamodb"]["NewImage"]["version"],
            serde_json::json!({"N": "2"})
        );
        assert_eq!(
            json["dynamodb"]["NewImage"]["raw"],
            serde_json::json!({"B": "AQI="})
        );
        assert_eq!(
            json["dynamodb"]["NewImage"]["data"]["M"]["list"]["L"][1],
            serde_json::json!({"NULL": true})
        );
    }

    #[test]
    fn a_sequence_number_is_after_the_checkpoint_by_its_numeric_value() {
        assert!(is_after(Some("200"), Some("199")));
        assert!(is_after(Some("1000"), Some("999")));
        assert!(!is_after(Some("999"), Some("1000")));
        assert!(!is_after(Some("500"), Some("500")));
        assert!(is_after(Some("1"), None));
        assert!(is_after(None, Some("1")));
    }

    #[test]
    fn a_child_shard_waits_for_its_parent_to_be_read_to_its_end() {
        let shard = |id: &str, parent: Option<&str>| {
            Shard::builder()
                .shard_id(id)
                .set_parent_shard_id(parent.map(str::to_owned))
                .build()
        };
        let shards = vec![
            shard("a", None),
            shard("b", Some("a")),
            shard("c", Some("gone")),
        ];
        let mut checkpoints = Checkpoints::default();
        assert_eq!(readable(&shards, &checkpoints), vec!["a", "c"]);
        checkpoints.shards.insert(
            "a".into(),
            ShardCheckpoint {
                after: Some("1".into()),
                finished: true,
            },
        );
        assert_eq!(readable(&shards, &checkpoints), vec!["b", "c"]);
    }

    fn record_of(keys: [(&str, &str); 2], new_image: bool) -> Record {
        let keys: HashMap<String, SdkValue> = keys
            .iter()
            .map(|(k, v)| ((*k).to_owned(), SdkValue::S((*v).to_owned())))
            .collect();
        let change = StreamRecord::builder().set_keys(Some(keys.clone()));
        let change = if new_image {
            change.set_new_image(Some(keys))
        } else {
            change
        };
        Record::builder().dynamodb(change.build()).build()
    }

    #[test]
    fn a_stream_mark_is_read_by_its_number_and_nothing_else_is_one() {
        let mark = |pk: &str, sk: &str| record_of([("PK", pk), ("SK", sk)], true);
        assert_eq!(stream_mark(&mark(STREAM_MARK_PARTITION, "42")), Some(42));
        assert_eq!(stream_mark(&mark("FL#f1", "42")), None);
        assert_eq!(stream_mark(&mark(STREAM_MARK_PARTITION, "forty")), None);
        // On a stream of keys only, a mark is still a mark.
        let keys_only = record_of([("PK", STREAM_MARK_PARTITION), ("SK", "43")], false);
        assert_eq!(stream_mark(&keys_only), Some(43));
        // A mark removed marks nothing.
        let mut removed = record_of([("PK", STREAM_MARK_PARTITION), ("SK", "44")], true);
        removed.event_name = Some(OperationType::Remove);
        assert_eq!(stream_mark(&removed), None);
    }

    #[test]
    fn the_tests_write_stream_marks_where_the_pump_reads_them() {
        assert_eq!(
            STREAM_MARK_PARTITION,
            standing_testkit::STREAM_MARK_PARTITION
        );
    }

    #[test]
    fn a_stream_mark_is_not_evidence() {
        let image: Item = HashMap::from([
            (
                "PK".to_owned(),
                AttributeValue::S(STREAM_MARK_PARTITION.to_owned()),
            ),
            ("SK".to_owned(), AttributeValue::S("1".to_owned())),
        ])
        .into();
        assert!(!is_evidence(&image));
    }
}

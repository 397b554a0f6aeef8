//! The table's stream → evaluate-freelancer, as Lambda's event source mapping does it: records
//! filtered to evidence items, batches of up to 100 in order, a partial batch failure retried from
//! the failed record with backoff, and, for the embedded engine, a checkpoint in the data
//! directory and the change log trimmed behind it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord};
use serde::{Deserialize, Serialize};
use serde_dynamo::{AttributeValue, Item};
use standing_lambda::stream::EVIDENCE_TYPES;
use standing_store::{ChangeRecord, EmbeddedEngine, SequenceNumber, StoreError};
use tokio::sync::watch;

use crate::functions::{FunctionError, StreamFunction};
use crate::state;

/// The event source mapping's `BatchSize`.
pub const BATCH_SIZE: usize = 100;
/// The most change records read for one batch, evidence or not.
const MOST_READ_PER_BATCH: usize = 10 * BATCH_SIZE;
/// Its `MaximumRetryAttempts`: a record failing this many retries is given up on.
pub const MAX_RETRY_ATTEMPTS: u32 = 5;
/// How often the checkpoint is written while the stream does not let up.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// The longest pause between two retries.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Milliseconds from an evidence write's commit to the end of the delivery that carried it (the
/// evaluation it triggered committed): Lambda's `IteratorAge`, to the millisecond.
pub const STREAM_LAG: &str = "stream_lag";
/// Change records committed and not yet delivered, as of the scrape ([`Progress`]).
pub const STREAM_PENDING: &str = "stream_pending_records";
/// On a DynamoDB table's stream, which does not say how far behind it is: the highest stream
/// mark read and delivered (see `ddb_stream::STREAM_MARK_PARTITION`), 0 before the first.
pub const STREAM_MARK_READ: &str = "stream_mark_read";
/// Stream records given up on after every retry (written to the failure file): their
/// evaluations never committed, so a stream with pending 0 is caught up only when this is 0 too.
pub const STREAM_GIVEN_UP: &str = "stream_records_given_up";

/// Describes the pump's metrics to the recorder.
pub fn describe_metrics() {
    metrics::describe_histogram!(
        STREAM_LAG,
        metrics::Unit::Milliseconds,
        "from an evidence write's commit to the end of its delivery to the evaluation"
    );
    metrics::describe_gauge!(
        STREAM_PENDING,
        metrics::Unit::Count,
        "change records committed and not yet delivered"
    );
    metrics::describe_gauge!(
        STREAM_MARK_READ,
        metrics::Unit::Count,
        "the highest stream mark read from a DynamoDB table's stream, with every record before it delivered"
    );
    metrics::describe_counter!(
        STREAM_GIVEN_UP,
        metrics::Unit::Count,
        "stream records given up on after every retry (in the failure file)"
    );
}

/// How far the embedded pump has delivered the change log, read against the log's latest record
/// when `/metrics` is scraped. The pump moves past a window only once its delivery returned, so
/// pending 0 at a scrape means every write committed before it was delivered, and every
/// evaluation those writes triggered was committed (its own record is in the log, and was read
/// past too). Tests wait on it instead of on the wall clock.
#[derive(Clone)]
pub struct Progress {
    engine: EmbeddedEngine,
    /// The sequence number of the last change read and delivered (0: none).
    delivered: Arc<AtomicU64>,
}

impl Progress {
    pub fn new(engine: EmbeddedEngine) -> Self {
        Self {
            engine,
            delivered: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Change records committed and not yet delivered.
    pub fn pending(&self) -> u64 {
        let written = self.engine.latest_sequence_number().map_or(0, |s| s.0);
        written.saturating_sub(self.delivered.load(Ordering::Acquire))
    }

    fn delivered_through(&self, sequence: Option<SequenceNumber>) {
        self.delivered
            .store(sequence.map_or(0, |s| s.0), Ordering::Release);
    }

    /// Sets the pending gauge from the log as it is now. Only the scrape calls it, just before
    /// rendering: a value the pump computed earlier could otherwise overwrite a newer one.
    pub fn record(&self) {
        metrics::gauge!(STREAM_PENDING).set(self.pending() as f64);
    }
}

/// The mapping's filter: only changes whose new image is an evidence item reach the function.
/// REMOVE records carry no new image and are dropped too.
pub fn is_evidence(new_image: &Item) -> bool {
    matches!(
        new_image.get("entity_type"),
        Some(AttributeValue::S(kind)) if EVIDENCE_TYPES.contains(&kind.as_str())
    )
}

/// A record given up on, as the failure queue would receive it.
#[derive(Debug, Serialize)]
struct GivenUp<'a> {
    given_up_at: String,
    event_source_arn: Option<&'a str>,
    event_id: &'a str,
    sequence_number: Option<&'a str>,
    keys: &'a Item,
    attempts: u32,
    reason: String,
}

/// Invokes the stream function and retries as Lambda does.
pub struct Delivery {
    function: Arc<dyn StreamFunction>,
    /// Where records given up on are appended, one JSON line each: the local failure queue.
    failures: PathBuf,
    first_backoff: Duration,
}

impl Delivery {
    pub fn new(function: Arc<dyn StreamFunction>, failures: PathBuf) -> Self {
        Self {
            function,
            failures,
            first_backoff: Duration::from_millis(250),
        }
    }

    #[cfg(test)]
    fn with_backoff(mut self, first: Duration) -> Self {
        self.first_backoff = first;
        self
    }

    /// Delivers `records` in order, in batches of up to [`BATCH_SIZE`]. A batch whose response
    /// names failed records commits the records before the first of them and is retried from
    /// it, after a pause that doubles each time; a batch whose invocation fails as a whole is
    /// halved first (`BisectBatchOnFunctionError`). A record still failing after
    /// [`MAX_RETRY_ATTEMPTS`] retries is given up on. Returns once every record is committed or
    /// given up on.
    pub async fn deliver(&self, records: &[EventRecord]) {
        let mut start = 0;
        let mut limit = BATCH_SIZE;
        let mut attempts = 0u32;
        while start < records.len() {
            let end = records.len().min(start + limit);
            let batch = &records[start..end];
            let failure = match self.invoke(batch).await {
                Ok(None) => None,
                Ok(Some(first_failed)) => {
                    Some((first_failed, "the function reported it failed".to_owned()))
                }
                Err(e) if batch.len() > 1 => {
                    tracing::warn!(error = %e, records = batch.len(), "stream batch failed as a whole; splitting it");
                    limit = batch.len().div_ceil(2);
                    continue;
                }
                Err(e) => Some((0, e.to_string())),
            };
            let Some((first_failed, reason)) = failure else {
                start = end;
                limit = BATCH_SIZE;
                attempts = 0;
                continue;
            };
            if first_failed > 0 {
                start += first_failed;
                attempts = 0;
            }
            attempts += 1;
            let record = &records[start];
            if attempts > MAX_RETRY_ATTEMPTS {
                self.give_up(record, attempts, reason).await;
                start += 1;
                limit = BATCH_SIZE;
                attempts = 0;
                continue;
            }
            let pause = self
                .first_backoff
                .saturating_mul(1 << (attempts - 1).min(16))
                .min(MAX_BACKOFF);
            tracing::warn!(
                sequence_number = record.change.sequence_number.as_deref().unwrap_or(""),
                attempt = attempts,
                retry_in_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                %reason,
                "stream record failed; retrying from it"
            );
            tokio::time::sleep(pause).await;
        }
    }

    /// One invocation: `Ok(None)` when it all committed, `Ok(Some(i))` when the batch is to be
    /// retried from its `i`-th record.
    async fn invoke(&self, batch: &[EventRecord]) -> Result<Option<usize>, FunctionError> {
        let mut event = StreamEvent::default();
        event.records = batch.to_vec();
        let response = self.function.call(event).await?;
        let mut first: Option<usize> = None;
        for failure in &response.batch_item_failures {
            let position = failure.item_identifier.as_deref().and_then(|id| {
                batch
                    .iter()
                    .position(|r| r.change.sequence_number.as_deref() == Some(id))
            });
            // Lambda fails the whole batch on an identifier that names none of its records.
            let position = position.unwrap_or(0);
            first = Some(first.map_or(position, |f| f.min(position)));
        }
        Ok(first)
    }

    async fn give_up(&self, record: &EventRecord, attempts: u32, reason: String) {
        metrics::counter!(STREAM_GIVEN_UP).increment(1);
        tracing::error!(
            sequence_number = record.change.sequence_number.as_deref().unwrap_or(""),
            attempts,
            %reason,
            file = %self.failures.display(),
            "stream record given up on; it is written to the failure file"
        );
        let line = GivenUp {
            given_up_at: chrono::Utc::now().to_rfc3339(),
            event_source_arn: record.event_source_arn.as_deref(),
            event_id: &record.event_id,
            sequence_number: record.change.sequence_number.as_deref(),
            keys: &record.change.keys,
            attempts,
            reason,
        };
        let written = serde_json::to_value(&line).map_err(std::io::Error::other);
        let path = self.failures.clone();
        let saved = match written {
            Ok(value) => {
                tokio::task::spawn_blocking(move || state::append_json_line(&path, &value))
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e)))
            }
            Err(e) => Err(e),
        };
        if let Err(e) = saved {
            tracing::error!(error = %e, "the failure file could not be written");
        }
    }
}

/// One delivery's worth of the change log.
#[derive(Default)]
struct Batch {
    /// The evidence records to deliver, in order.
    evidence: Vec<ChangeRecord>,
    /// The last change read, evidence or not: delivery resumes after it. `None`: nothing new.
    last: Option<SequenceNumber>,
}

/// Where the embedded change log has been delivered up to, for the table it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Checkpoint {
    /// The change log's stream label: a checkpoint of another (re-created) table is ignored.
    stream_label: String,
    after: u64,
}

/// Feeds the embedded engine's change log to the stream function.
pub struct EmbeddedPump {
    engine: EmbeddedEngine,
    delivery: Delivery,
    checkpoint_file: PathBuf,
    progress: Progress,
}

impl EmbeddedPump {
    pub fn new(
        engine: EmbeddedEngine,
        delivery: Delivery,
        checkpoint_file: PathBuf,
        progress: Progress,
    ) -> Self {
        Self {
            engine,
            delivery,
            checkpoint_file,
            progress,
        }
    }

    /// Where delivery resumes: after the checkpoint of this table, else from the oldest record.
    fn resume_after(&self) -> Option<SequenceNumber> {
        let label = &self.engine.stream_source().stream_label;
        match state::read_json::<Checkpoint>(&self.checkpoint_file) {
            Ok(Some(c)) if &c.stream_label == label => Some(SequenceNumber(c.after)),
            Ok(Some(_)) => {
                tracing::warn!(
                    "the stream checkpoint belongs to another table; starting from the oldest record"
                );
                None
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "the stream checkpoint cannot be read; starting from the oldest record");
                None
            }
        }
    }

    /// Runs until `stop` turns true and every record written by then is delivered. Wakes on
    /// every committed write.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut writes = self.engine.subscribe();
        let mut after = self.resume_after();
        self.progress.delivered_through(after);
        let mut trimmed_to = None;
        // What the checkpoint file says, and when it was written.
        let mut saved = after;
        let mut saved_at = std::time::Instant::now();
        loop {
            let draining = *stop.borrow_and_update();
            writes.borrow_and_update();
            let written = self.engine.latest_sequence_number();
            let window = match self.next_batch(after).await {
                Ok(window) => window,
                Err(e) => {
                    tracing::error!(error = %e, "reading the change log failed; retrying");
                    if draining {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let Some(last) = window.last else {
                // Nothing after `after`, so nothing up to what was written before the read is
                // left to deliver (a checkpoint behind a trimmed log included).
                self.progress.delivered_through(written.max(after));
                // Caught up: the checkpoint is written before the log is trimmed behind it.
                if let Some(position) = after
                    && after != saved
                {
                    self.save(position).await;
                    saved = after;
                    saved_at = std::time::Instant::now();
                }
                if after != trimmed_to {
                    self.trim(after).await;
                    trimmed_to = after;
                }
                if draining {
                    return;
                }
                tokio::select! {
                    changed = writes.changed() => if changed.is_err() { return },
                    _ = stop.changed() => {}
                }
                continue;
            };
            let evidence = &window.evidence;
            if !evidence.is_empty() {
                self.delivery.deliver(&self.event_records(evidence)).await;
                let delivered = chrono::Utc::now();
                for change in evidence {
                    let lag = (delivered - change.approximate_creation_time).num_microseconds();
                    metrics::histogram!(STREAM_LAG).record(lag.unwrap_or(i64::MAX) as f64 / 1000.0);
                }
            }
            after = Some(last);
            self.progress.delivered_through(after);
            // Under a steady stream the checkpoint (two disk flushes) is written every
            // CHECKPOINT_EVERY rather than after every window: a crash delivers at most that
            // much again, which re-evaluation, being idempotent, absorbs.
            if saved_at.elapsed() >= CHECKPOINT_EVERY {
                self.save(last).await;
                saved = after;
                saved_at = std::time::Instant::now();
            }
        }
    }

    /// The next batch after `after`: up to [`BATCH_SIZE`] evidence records, read on through
    /// the log until the batch is full or the log ends. The mapping filters before it batches,
    /// so a batch of 100 is 100 records the function wants, however many other changes lie
    /// between them. It reads at most [`MOST_READ_PER_BATCH`] records, so a long run of
    /// other changes still lets the loop move its checkpoint and hear a stop.
    async fn next_batch(&self, after: Option<SequenceNumber>) -> Result<Batch, StoreError> {
        let mut batch = Batch::default();
        let mut from = after;
        for _ in 0..MOST_READ_PER_BATCH / BATCH_SIZE {
            let window = self.engine.read_changes(from, BATCH_SIZE).await?;
            let read = window.len();
            for change in window {
                batch.last = Some(change.sequence_number);
                if change.new_image.as_ref().is_some_and(is_evidence) {
                    batch.evidence.push(change);
                    if batch.evidence.len() == BATCH_SIZE {
                        return Ok(batch);
                    }
                }
            }
            if read < BATCH_SIZE {
                return Ok(batch);
            }
            from = batch.last;
        }
        Ok(batch)
    }

    fn event_records(&self, evidence: &[ChangeRecord]) -> Vec<EventRecord> {
        let source = self.engine.stream_source();
        evidence.iter().map(|c| c.to_event_record(source)).collect()
    }

    async fn save(&self, after: SequenceNumber) {
        let checkpoint = Checkpoint {
            stream_label: self.engine.stream_source().stream_label.clone(),
            after: after.0,
        };
        let path = self.checkpoint_file.clone();
        let saved = tokio::task::spawn_blocking(move || state::write_json(&path, &checkpoint))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if let Err(e) = saved {
            // Delivery goes on; a restart would deliver these records again, which is harmless.
            tracing::error!(error = %e, "saving the stream checkpoint failed");
        }
    }

    async fn trim(&self, after: Option<SequenceNumber>) {
        let Some(up_to) = after else { return };
        match self.engine.trim_changes(up_to).await {
            Ok(n) if n > 0 => tracing::debug!(records = n, "change log trimmed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "trimming the change log failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::BoxFuture;
    use aws_lambda_events::event::streams::DynamoDbEventResponse;
    use standing_testkit::TempDir;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// Called with a batch's sequence numbers; answers the ones to report failed, or `Err` to
    /// fail the invocation.
    type Behaviour = Box<dyn Fn(&[String]) -> Result<Vec<String>, FunctionError> + Send + Sync>;

    /// A stream function that records every batch and fails as told.
    struct Scripted {
        seen: Mutex<Vec<Vec<String>>>,
        behaviour: Behaviour,
    }

    impl StreamFunction for Scripted {
        fn call(
            &self,
            event: StreamEvent,
        ) -> BoxFuture<'_, Result<DynamoDbEventResponse, FunctionError>> {
            let sequence: Vec<String> = event
                .records
                .iter()
                .filter_map(|r| r.change.sequence_number.clone())
                .collect();
            self.seen.lock().unwrap().push(sequence.clone());
            let outcome = (self.behaviour)(&sequence).map(standing_lambda::batch_item_failures);
            Box::pin(async move { outcome })
        }
    }

    fn scripted(
        behaviour: impl Fn(&[String]) -> Result<Vec<String>, FunctionError> + Send + Sync + 'static,
    ) -> Arc<Scripted> {
        Arc::new(Scripted {
            seen: Mutex::new(Vec::new()),
            behaviour: Box::new(behaviour),
        })
    }

    fn records(n: usize) -> Vec<EventRecord> {
        (1..=n)
            .map(|i| {
                let mut r = EventRecord::default();
                r.event_id = format!("e{i}");
                r.change.sequence_number = Some(format!("{i}"));
                r
            })
            .collect()
    }

    fn delivery(function: Arc<Scripted>, dir: &TempDir) -> Delivery {
        Delivery::new(function, dir.path().join("failures.jsonl"))
            .with_backoff(Duration::from_millis(1))
    }

    #[tokio::test]
    async fn records_go_in_order_in_batches_of_at_most_a_hundred() {
        let dir = TempDir::new("pump").unwrap();
        let f = scripted(|_| Ok(vec![]));
        delivery(f.clone(), &dir).deliver(&records(250)).await;
        let seen = f.seen.lock().unwrap();
        assert_eq!(
            seen.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![100, 100, 50]
        );
        assert_eq!(seen[2][0], "201");
    }

    #[tokio::test]
    async fn a_reported_failure_is_retried_from_that_record_and_the_ones_before_commit() {
        let dir = TempDir::new("pump").unwrap();
        let calls = Mutex::new(0);
        let f = scripted(move |batch| {
            let mut n = calls.lock().unwrap();
            *n += 1;
            // The first call fails at record 3 (and 4); the retry succeeds.
            Ok(if *n == 1 {
                vec!["4".into(), "3".into()]
            } else {
                vec![]
            })
            .map(|v: Vec<String>| v.into_iter().filter(|s| batch.contains(s)).collect())
        });
        delivery(f.clone(), &dir).deliver(&records(5)).await;
        let seen = f.seen.lock().unwrap();
        assert_eq!(seen[0], vec!["1", "2", "3", "4", "5"]);
        assert_eq!(seen[1], vec!["3", "4", "5"]);
        assert_eq!(seen.len(), 2);
    }

    #[tokio::test]
    async fn a_record_that_keeps_failing_is_given_up_on_after_the_retries_and_the_rest_go_on() {
        let dir = TempDir::new("pump").unwrap();
        let f = scripted(|batch| Ok(batch.iter().filter(|s| *s == "2").cloned().collect()));
        delivery(f.clone(), &dir).deliver(&records(3)).await;
        let seen = f.seen.lock().unwrap();
        // The first try and five retries start at record 2; then record 3 goes alone.
        assert_eq!(
            seen.len(),
            1 + 1 + usize::try_from(MAX_RETRY_ATTEMPTS).unwrap()
        );
        assert_eq!(seen.last().unwrap(), &vec!["3".to_owned()]);
        let failed = std::fs::read_to_string(dir.path().join("failures.jsonl")).unwrap();
        let line: serde_json::Value = serde_json::from_str(failed.trim()).unwrap();
        assert_eq!(line["sequence_number"], "2");
        assert_eq!(line["attempts"], MAX_RETRY_ATTEMPTS + 1);
    }

    #[tokio::test]
    async fn a_batch_failing_as_a_whole_is_halved_until_the_bad_record_is_alone() {
        let dir = TempDir::new("pump").unwrap();
        let f = scripted(|batch| {
            if batch.iter().any(|s| s == "3") {
                Err(FunctionError("boom".into()))
            } else {
                Ok(vec![])
            }
        });
        delivery(f.clone(), &dir).deliver(&records(4)).await;
        let seen = f.seen.lock().unwrap();
        assert_eq!(seen[0].len(), 4);
        assert_eq!(seen[1], vec!["1", "2"]);
        assert_eq!(seen[2], vec!["3", "4"]);
        assert_eq!(seen[3], vec!["3"]);
        assert_eq!(seen.last().unwrap(), &vec!["4".to_owned()]);
        assert!(dir.path().join("failures.jsonl").exists());
    }

    #[tokio::test]
    async fn an_identifier_naming_no_record_of_the_batch_retries_the_whole_batch() {
        let dir = TempDir::new("pump").unwrap();
        let calls = Mutex::new(0);
        let f = scripted(move |_| {
            let mut n = calls.lock().unwrap();
            *n += 1;
            Ok(if *n == 1 { vec!["nope".into()] } else { vec![] })
        });
        delivery(f.clone(), &dir).deliver(&records(2)).await;
        let seen = f.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1], vec!["1", "2"]);
    }

    #[tokio::test]
    async fn a_batch_holds_a_hundred_evidence_records_however_many_other_changes_lie_between() {
        use standing_store::{Condition, EmbeddedOptions, Engine};
        let dir = TempDir::new("pump-batch").unwrap();
        let engine =
            EmbeddedEngine::open(dir.path().join("t.redb"), EmbeddedOptions::default()).unwrap();
        // An item of `kind` in partition `pk`, sorted by its kind.
        let of_kind = |pk: String, kind: &str| {
            Item::from(HashMap::from([
                ("PK".to_owned(), AttributeValue::S(pk)),
                ("SK".to_owned(), AttributeValue::S(kind.to_owned())),
                ("entity_type".to_owned(), AttributeValue::S(kind.to_owned())),
            ]))
        };
        // 150 evidence writes, each followed by two that are not (a standing and an audit
        // entry, as an evaluation writes).
        for i in 0..150 {
            for kind in ["feedback", "standing", "audit"] {
                engine
                    .put(of_kind(format!("F#{i}"), kind), Condition::None)
                    .await
                    .unwrap();
            }
        }
        let pump = EmbeddedPump::new(
            engine.clone(),
            delivery(scripted(|_| Ok(vec![])), &dir),
            dir.path().join("checkpoint.json"),
            Progress::new(engine.clone()),
        );
        let first = pump.next_batch(None).await.unwrap();
        assert_eq!(first.evidence.len(), BATCH_SIZE);
        assert!(
            first
                .evidence
                .iter()
                .all(|c| c.new_image.as_ref().is_some_and(is_evidence))
        );
        // It ends at its hundredth evidence record: the two after it open the next batch.
        assert_eq!(first.last, Some(first.evidence[99].sequence_number));
        assert_eq!(first.last, Some(SequenceNumber(298)));
        let second = pump.next_batch(first.last).await.unwrap();
        assert_eq!(second.evidence.len(), 50);
        assert_eq!(second.last, engine.latest_sequence_number());
        let none = pump.next_batch(second.last).await.unwrap();
        assert!(none.evidence.is_empty() && none.last.is_none());

        // A run of other changes longer than a batch reads: it ends a batch with no evidence,
        // and the next one goes on from there.
        for i in 0..MOST_READ_PER_BATCH + 10 {
            engine
                .put(of_kind(format!("S#{i}"), "standing"), Condition::None)
                .await
                .unwrap();
        }
        engine
            .put(of_kind("F#last".to_owned(), "feedback"), Condition::None)
            .await
            .unwrap();
        let long = pump.next_batch(second.last).await.unwrap();
        assert!(long.evidence.is_empty());
        assert_eq!(
            long.last.map(|s| s.0),
            second.last.map(|s| s.0 + MOST_READ_PER_BATCH as u64)
        );
        let after_it = pump.next_batch(long.last).await.unwrap();
        assert_eq!(after_it.evidence.len(), 1);
        assert_eq!(after_it.last, engine.latest_sequence_number());
    }

    #[test]
    fn only_new_images_of_evidence_items_pass_the_filter() {
        let image = |kind: &str| {
            Item::from(HashMap::from([(
                "entity_type".to_owned(),
                AttributeValue::S(kind.to_owned()),
            )]))
        };
        assert!(is_evidence(&image("feedback")));
        assert!(is_evidence(&image("complaint")));
        assert!(!is_evidence(&image("standing")));
        assert!(!is_evidence(&image("audit")));
        assert!(!is_evidence(&Item::from(
            HashMap::<String, AttributeValue>::new()
        )));
    }
}

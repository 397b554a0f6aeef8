//! A lane: one fresh store fed the marketplace's events, whose stream records (the embedded
//! engine's change log, or DynamoDB Local's real stream) are delivered to the stream handler in
//! one delivery mode, with Lambda's retry rule for a partial batch failure; and what a lane
//! holds at the end, to compare lanes item for item.

use super::market::{Event, Outcome, Rng, apply};
use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Duration, Utc};
use lambda_http::{Context, LambdaEvent};
use standing_domain::PolicyConfig;
use standing_domain::fixtures::FixedClock;
use standing_domain::model::AuditEntry;
use standing_domain::ports::{StandingSnapshot, StandingStore, Versioned};
use standing_lambda::testing::faults::FaultyEngine;
use standing_lambda::testing::stores::{DynamoDbLocalStore, EmbeddedStore, StreamTail};
use standing_store::{AttributeValue, Engine, Item, Query, Repository, SequenceNumber, keys};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// How a lane's stream records reach the handler.
pub enum Mode {
    /// Each batch once, in sequence order.
    OnceInOrder,
    /// Each batch twice in a row, as after a timeout Lambda repeats a batch that committed.
    EachTwice,
    /// The records spread over `shards` shards by item (so each item's records keep their order,
    /// as DynamoDB Streams guarantees), cut into batches of random sizes, the shards' batches
    /// interleaved at random, and up to two shards delivered concurrently, as Lambda processes
    /// shards in parallel.
    Shuffled { rng: Rng, shards: usize },
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::OnceInOrder => "once, in order",
            Mode::EachTwice => "each twice",
            Mode::Shuffled { .. } => "shuffled across items",
        }
    }
}

/// Records per batch in order: the event source mapping's default batch size.
const BATCH: usize = 100;
/// The most records a shuffled batch holds.
const MAX_SHUFFLED_BATCH: usize = 50;
/// Lambda would retry a failing batch until the records expire; a proof gives up sooner.
const MAX_ATTEMPTS: u32 = 20;

/// What a lane did.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    /// Records in the change log, and those the filter passed to the handler.
    pub records: u64,
    pub delivered_records: u64,
    pub batches: u64,
    pub deliveries: u64,
    /// Freelancers the deliveries named, each evaluated once per delivery.
    pub evaluations: u64,
    /// Deliveries that reported failures, each followed by a retry from the lowest reported.
    pub partial_failures: u64,
    pub schedule_runs: u64,
    /// Freelancers the schedule found due and evaluated again.
    pub scheduled_evaluations: u64,
    pub schedule_failures: u64,
    pub applying: std::time::Duration,
    pub delivering: std::time::Duration,
}

/// Writes seen in the change log, by entity type and event name, and the audit keys written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Writes {
    pub by_entity: BTreeMap<(String, String), u64>,
    /// Audit items written more than once, or changed or removed after: none, ever.
    pub audit_rewrites: Vec<String>,
    audit_keys: BTreeSet<String>,
}

impl Writes {
    fn count(&mut self, record: &EventRecord) {
        let entity = entity_type(record).unwrap_or_default().to_owned();
        *self
            .by_entity
            .entry((entity.clone(), record.event_name.clone()))
            .or_default() += 1;
        if entity == keys::entity::AUDIT {
            let sk = match record.change.keys.get("SK") {
                Some(AttributeValue::S(s)) => s.clone(),
                _ => String::new(),
            };
            let first = self.audit_keys.insert(sk.clone());
            if !first || record.event_name != "INSERT" {
                self.audit_rewrites
                    .push(format!("{} {sk}", record.event_name));
            }
        }
    }

    pub fn audit_inserts(&self) -> u64 {
        self.audit_keys.len() as u64
    }
}

/// Which engine a proof runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    DynamoDbLocal,
}

impl Backend {
    /// Fresh storage on this engine.
    pub async fn fresh(self) -> Storage {
        match self {
            Backend::Embedded => Storage::embedded(),
            Backend::DynamoDbLocal => Storage::dynamodb_local().await,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::DynamoDbLocal => "DynamoDB Local",
        }
    }
}

/// The storage under a lane, and where its stream was last read.
pub enum Storage {
    /// The embedded engine in RAM; its change log is the stream.
    Embedded {
        store: EmbeddedStore,
        cursor: Option<SequenceNumber>,
    },
    /// A fresh table on DynamoDB Local, its real stream read on from where it stopped.
    DynamoDbLocal {
        store: DynamoDbLocalStore,
        tail: StreamTail,
    },
}

impl Storage {
    pub fn embedded() -> Self {
        Storage::Embedded {
            store: EmbeddedStore::in_ram(),
            cursor: None,
        }
    }

    pub async fn dynamodb_local() -> Self {
        let store = DynamoDbLocalStore::new("proof").await;
        let tail = store.tail().await;
        Storage::DynamoDbLocal { store, tail }
    }

    pub fn repo(&self) -> &Repository {
        match self {
            Storage::Embedded { store, .. } => &store.repo,
            Storage::DynamoDbLocal { store, .. } => &store.repo,
        }
    }

    fn engine(&self) -> &Arc<dyn Engine> {
        self.repo().engine()
    }

    /// Every stream record written since the last call, in order, in Lambda's shape.
    async fn new_records(&mut self) -> Vec<EventRecord> {
        match self {
            Storage::Embedded { store, cursor } => {
                let changes = store
                    .engine
                    .read_changes(*cursor, usize::MAX)
                    .await
                    .expect("the change log reads");
                if let Some(last) = changes.last() {
                    *cursor = Some(last.sequence_number);
                }
                let source = store.engine.stream_source();
                changes.iter().map(|c| c.to_event_record(source)).collect()
            }
            Storage::DynamoDbLocal { store, tail } => {
                let records = tail.since_last(store).await;
                let arn = store.stream_arn().await;
                let event =
                    standing_lambda::testing::stream::event_from_stream_records(&records, &arn);
                serde_json::from_value::<StreamEvent>(event)
                    .expect("the stream's records read as Lambda's event")
                    .records
            }
        }
    }
}

/// One store, its evaluator and its delivery mode.
pub struct Lane {
    pub mode: Mode,
    pub store: Storage,
    /// The repository the evaluator reads and writes through: over [`Lane::faults`].
    pub evaluator: Repository,
    pub faults: Arc<FaultyEngine>,
    pub figures: Figures,
    pub writes: Writes,
}

fn schedule_event() -> EventBridgeEvent {
    serde_json::from_str(standing_lambda::testing::fixtures::SCHEDULED_EVENT)
        .expect("the scheduled event fixture reads")
}

fn sequence(record: &EventRecord) -> u64 {
    record
        .change
        .sequence_number
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("every record has a numeric sequence number")
}

/// The record's `entity_type`, from its new image or else its old one.
fn entity_type(record: &EventRecord) -> Option<&str> {
    [&record.change.new_image, &record.change.old_image]
        .into_iter()
        .find_map(|image| match image.get("entity_type") {
            Some(AttributeValue::S(t)) => Some(t.as_str()),
            _ => None,
        })
}

/// Whether the stream filter passes the record: an evidence item.
fn is_evidence(record: &EventRecord) -> bool {
    entity_type(record).is_some_and(|t| keys::entity::EVIDENCE.contains(&t))
}

/// How many distinct freelancers a batch names: the handler evaluates each once.
fn named_freelancers(records: &[EventRecord]) -> u64 {
    let mut named = BTreeSet::new();
    for record in records {
        let image = if record.change.new_image.is_empty() {
            &record.change.old_image
        } else {
            &record.change.new_image
        };
        if let Some(AttributeValue::S(id)) = image.get("freelancer_id") {
            named.insert(id.as_str());
        }
    }
    named.len() as u64
}

/// A stable shard for an item: DynamoDB keeps an item's records in one shard.
fn shard_of(record: &EventRecord, shards: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for attribute in ["PK", "SK"] {
        if let Some(AttributeValue::S(s)) = record.change.keys.get(attribute) {
            for byte in s.bytes().chain([0]) {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    (hash % shards as u64) as usize
}

impl Lane {
    /// A lane whose evaluator reads and writes through a [`FaultyEngine`] (the events do
    /// not), which fails nothing until told to and counts the evaluator's calls.
    pub fn new(mode: Mode, store: Storage) -> Self {
        let faults = Arc::new(FaultyEngine::new(store.engine().clone()));
        Self {
            mode,
            evaluator: Repository::new(faults.clone()),
            store,
            faults,
            figures: Figures::default(),
            writes: Writes::default(),
        }
    }

    pub async fn apply(
        &mut self,
        clock: &FixedClock,
        policy: &PolicyConfig,
        event: &Event,
    ) -> Outcome {
        let started = Instant::now();
        let outcome = apply(self.store.repo(), clock, policy, event).await;
        self.figures.applying += started.elapsed();
        outcome
    }

    /// The change records written since the last call, counted.
    async fn new_records(&mut self) -> Vec<EventRecord> {
        let records = self.store.new_records().await;
        for record in &records {
            self.writes.count(record);
        }
        records
    }

    /// Delivers every record written since the last delivery (the evaluator's own included:
    /// the handler must ignore those) in this lane's mode, at the clock's time.
    pub async fn deliver(&mut self, clock: &FixedClock, policy: &PolicyConfig) {
        let started = Instant::now();
        let all = self.new_records().await;
        self.figures.records += all.len() as u64;
        // The event source mapping's filter passes evidence items only; the handler ignoring the
        // evaluator's own records is proved by the function's API tests.
        let records: Vec<EventRecord> = all.into_iter().filter(is_evidence).collect();
        self.figures.delivered_records += records.len() as u64;
        let evaluator = &self.evaluator;
        let mut done = Delivered::default();
        match &mut self.mode {
            Mode::OnceInOrder => {
                // One evaluation at a time: a run's n-th store call is the same call in every
                // run of the history, which the fault proof fails in turn.
                for batch in records.chunks(BATCH) {
                    done.add(until_committed(evaluator, clock, policy, 1, batch.to_vec()).await);
                }
            }
            Mode::EachTwice => {
                for batch in records.chunks(BATCH) {
                    for _ in 0..2 {
                        done.add(
                            until_committed(evaluator, clock, policy, AT_ONCE, batch.to_vec())
                                .await,
                        );
                    }
                }
            }
            Mode::Shuffled { rng, shards } => {
                let mut queues: Vec<VecDeque<Vec<EventRecord>>> = vec![VecDeque::new(); *shards];
                let mut by_shard: Vec<Vec<EventRecord>> = vec![Vec::new(); *shards];
                for record in records {
                    by_shard[shard_of(&record, *shards)].push(record);
                }
                for (shard, mut records) in by_shard.into_iter().enumerate() {
                    while !records.is_empty() {
                        // Half the batches take what the shard holds (up to the most a
                        // batch holds), the others a random part of it.
                        let most = MAX_SHUFFLED_BATCH.min(records.len());
                        let size = if rng.chance(0.5) {
                            most
                        } else {
                            1 + rng.below(most)
                        };
                        let rest = records.split_off(size);
                        queues[shard].push_back(records);
                        records = rest;
                    }
                }
                loop {
                    let ready: Vec<usize> = (0..queues.len())
                        .filter(|&s| !queues[s].is_empty())
                        .collect();
                    if ready.is_empty() {
                        break;
                    }
                    let first = *rng.pick(&ready);
                    let second = ready
                        .iter()
                        .copied()
                        .filter(|&s| s != first)
                        .nth(rng.below(ready.len()));
                    let a = queues[first].pop_front().unwrap_or_default();
                    match second.filter(|_| rng.chance(0.5)) {
                        // Two shards at once: their records are different items.
                        Some(second) => {
                            let b = queues[second].pop_front().unwrap_or_default();
                            let (x, y) = tokio::join!(
                                until_committed(evaluator, clock, policy, AT_ONCE, a),
                                until_committed(evaluator, clock, policy, AT_ONCE, b)
                            );
                            done.add(x);
                            done.add(y);
                        }
                        None => {
                            done.add(until_committed(evaluator, clock, policy, AT_ONCE, a).await)
                        }
                    }
                }
            }
        }
        self.figures.batches += done.batches;
        self.figures.deliveries += done.deliveries;
        self.figures.evaluations += done.evaluations;
        self.figures.partial_failures += done.partial_failures;
        self.figures.delivering += started.elapsed();
    }

    /// The hourly schedule at the clock's time, run again (as EventBridge retries a failed
    /// invocation) until it succeeds.
    pub async fn schedule(&mut self, clock: &FixedClock, policy: &PolicyConfig) {
        let started = Instant::now();
        for _ in 0..MAX_ATTEMPTS {
            self.figures.schedule_runs += 1;
            let event = LambdaEvent::new(schedule_event(), Context::default());
            match evaluate_freelancer::handle_schedule(
                &self.evaluator,
                clock,
                policy,
                evaluate_freelancer::RolloutLimits::default(),
                event,
            )
            .await
            {
                Ok(report) => {
                    self.figures.scheduled_evaluations +=
                        u64::from(report.reevaluated.unwrap_or_default());
                    self.figures.delivering += started.elapsed();
                    return;
                }
                Err(_) => self.figures.schedule_failures += 1,
            }
        }
        panic!("the schedule failed {MAX_ATTEMPTS} times in a row");
    }

    /// Counts what the last evaluations wrote (the change log after the last delivery).
    pub async fn finish(&mut self) {
        self.new_records().await;
    }

    /// What the lane holds for `freelancers`.
    pub async fn state(&self, freelancers: &[String]) -> BTreeMap<String, Held> {
        let mut out = BTreeMap::new();
        for freelancer in freelancers {
            let id = standing_domain::UserId::parse(freelancer.as_str()).expect("a freelancer id");
            let repo = self.store.repo();
            let standing = repo.get_standing(&id).await.expect("the standing reads");
            let audit = {
                let id = &id;
                super::every_page(|page| async move { repo.audit_trail(id, &page).await }).await
            };
            let partition = keys::freelancer_pk(&id);
            let mut items = Vec::new();
            let mut start = None;
            loop {
                let page = self
                    .store
                    .engine()
                    .query(
                        Query::new(standing_store::Index::Primary, partition.clone())
                            .start_after(start),
                    )
                    .await
                    .expect("the partition reads");
                items.extend(page.items);
                match page.last_evaluated_key {
                    Some(key) => start = Some(key),
                    None => break,
                }
            }
            let audit_items = items
                .iter()
                .filter(|i| matches!(i.get("SK"), Some(AttributeValue::S(s)) if s.starts_with(keys::AUDIT_PREFIX)))
                .cloned()
                .collect();
            out.insert(
                freelancer.clone(),
                Held {
                    standing,
                    audit,
                    audit_items,
                    items,
                },
            );
        }
        out
    }
}

/// What a lane holds for one freelancer.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The stored standing snapshot and its version.
    pub standing: Option<Versioned<StandingSnapshot>>,
    pub audit: Vec<AuditEntry>,
    /// The audit items as stored, keys included.
    pub audit_items: Vec<Item>,
    /// Every item of the freelancer's partition as stored: evidence, complaints, appeals,
    /// standing, audit, notices, reinstatement windows, guards.
    pub items: Vec<Item>,
}

#[derive(Debug, Default)]
struct Delivered {
    batches: u64,
    deliveries: u64,
    evaluations: u64,
    partial_failures: u64,
}

impl Delivered {
    fn add(&mut self, other: Delivered) {
        self.batches += other.batches;
        self.deliveries += other.deliveries;
        self.evaluations += other.evaluations;
        self.partial_failures += other.partial_failures;
    }
}

/// Evaluations in flight at once in the lanes that do not count calls: as in AWS.
const AT_ONCE: usize = evaluate_freelancer::EVALUATIONS_AT_ONCE;

/// Delivers a batch; while the handler reports failures, delivers again from the lowest
/// sequence number reported, which is what Lambda does with ReportBatchItemFailures.
async fn until_committed(
    evaluator: &Repository,
    clock: &FixedClock,
    policy: &PolicyConfig,
    at_once: usize,
    mut batch: Vec<EventRecord>,
) -> Delivered {
    let mut done = Delivered {
        batches: 1,
        ..Delivered::default()
    };
    for _ in 0..MAX_ATTEMPTS {
        done.deliveries += 1;
        let mut event = StreamEvent::default();
        event.records = batch.clone();
        done.evaluations += named_freelancers(&event.records);
        let response = evaluate_freelancer::handle_stream_at_once(
            evaluator,
            clock,
            policy,
            at_once,
            LambdaEvent::new(event, Context::default()),
        )
        .await;
        let lowest = response
            .batch_item_failures
            .iter()
            .map(|f| {
                f.item_identifier
                    .as_deref()
                    .and_then(|s| s.parse::<u64>().ok())
                    .expect("a failure names a record's sequence number")
            })
            .min();
        match lowest {
            None => return done,
            Some(lowest) => {
                done.partial_failures += 1;
                batch.retain(|r| sequence(r) >= lowest);
            }
        }
    }
    panic!("a batch still failed after {MAX_ATTEMPTS} deliveries");
}

/// Days from one step to the next.
pub const DAYS_PER_STEP: i64 = 3;

/// When step `step` begins: 09:00 on its first day.
pub fn step_start(first_day: DateTime<Utc>, step: usize) -> DateTime<Utc> {
    first_day + Duration::days(DAYS_PER_STEP * step as i64) + Duration::hours(9)
}

/// What a lane's task is told to do, each at its own moment of the injected clock.
enum Order {
    Apply(DateTime<Utc>, Box<Event>, oneshot::Sender<Outcome>),
    Deliver(DateTime<Utc>, oneshot::Sender<()>),
    Schedule(DateTime<Utc>, oneshot::Sender<()>),
}

/// A lane on a task of its own, so that lanes run side by side on the runtime's threads; the
/// test talks to it by orders and gets the lane back when it stops.
pub struct Runner {
    orders: mpsc::UnboundedSender<Order>,
    task: tokio::task::JoinHandle<Lane>,
    /// The lane's evidence repository, for reading while it runs.
    pub repo: Repository,
}

impl Runner {
    pub fn spawn(mut lane: Lane, policy: PolicyConfig) -> Self {
        let (orders, mut inbox) = mpsc::unbounded_channel::<Order>();
        let repo = lane.store.repo().clone();
        let task = tokio::spawn(async move {
            let clock = FixedClock::at(DateTime::<Utc>::MIN_UTC);
            while let Some(order) = inbox.recv().await {
                match order {
                    Order::Apply(at, event, done) => {
                        clock.set(at);
                        let _ = done.send(lane.apply(&clock, &policy, &event).await);
                    }
                    Order::Deliver(at, done) => {
                        clock.set(at);
                        lane.deliver(&clock, &policy).await;
                        let _ = done.send(());
                    }
                    Order::Schedule(at, done) => {
                        clock.set(at);
                        lane.schedule(&clock, &policy).await;
                        let _ = done.send(());
                    }
                }
            }
            lane.finish().await;
            lane
        });
        Self { orders, task, repo }
    }

    async fn order<T>(&self, order: impl FnOnce(oneshot::Sender<T>) -> Order) -> T {
        let (done, answer) = oneshot::channel();
        self.orders
            .send(order(done))
            .unwrap_or_else(|_| panic!("the lane's task stopped (it panicked: see above)"));
        answer
            .await
            .unwrap_or_else(|_| panic!("the lane's task stopped (it panicked: see above)"))
    }

    pub async fn apply(&self, at: DateTime<Utc>, event: &Event) -> Outcome {
        let event = Box::new(event.clone());
        self.order(|done| Order::Apply(at, event, done)).await
    }

    pub async fn deliver(&self, at: DateTime<Utc>) {
        self.order(|done| Order::Deliver(at, done)).await;
    }

    pub async fn schedule(&self, at: DateTime<Utc>) {
        self.order(|done| Order::Schedule(at, done)).await;
    }

    /// Counts the last writes and hands the lane back.
    pub async fn stop(self) -> Lane {
        drop(self.orders);
        match self.task.await {
            Ok(lane) => lane,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

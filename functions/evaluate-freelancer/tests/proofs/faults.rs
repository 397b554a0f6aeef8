//! Proof 2: a failure anywhere in the evaluator's writes is mended by the retry. A random
//! history is run once without faults, counting the evaluator's engine calls; then, for each of
//! its writes in turn, on a fresh store, the same history with that one write failing, either
//! refused before it reaches storage or done by storage with its answer lost, and the batch (or
//! the schedule) retried as Lambda (or EventBridge) retries it.

use super::*;
use lanes::{Backend, Mode};
use market::{Event, Market, Outcome, Size};
use standing_domain::PolicyConfig;
use standing_domain::fixtures::FixedClock;
use standing_lambda::testing::faults::{Call, Fault, FaultyEngine};
use standing_lambda::testing::stores::EmbeddedStore;
use standing_store::{Condition, Engine, Key};
use std::sync::Arc;
use std::time::Instant;

/// Accepted events in the history; `STANDING_PROOF_FAULT_EVENTS` overrides.
fn events(default: u64) -> u64 {
    std::env::var("STANDING_PROOF_FAULT_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
const EVENTS_PER_STEP: usize = 6;

/// How many of the evaluator's writes fail in turn on DynamoDB Local.
const DYNAMODB_LOCAL_FAILING_WRITES: usize = 12;

/// At most `most` of `all`, the first and the last among them, evenly spread.
fn spread(all: &[usize], most: usize) -> Vec<usize> {
    if all.len() <= most {
        return all.to_vec();
    }
    if most < 2 {
        return all.iter().copied().take(most).collect();
    }
    let last = all.len() - 1;
    let mut picked: Vec<usize> = (0..most).map(|i| all[i * last / (most - 1)]).collect();
    picked.dedup();
    picked
}

/// The events of each step, with what each use case answered in the run without faults.
type History = Vec<Vec<(Event, Outcome)>>;

/// Runs a recorded history on `lane`: the events must be answered as they were.
async fn rerun(lane: &mut Lane, history: &History, policy: &PolicyConfig, seed: u64) {
    let clock = FixedClock::at(first_day());
    for (step, events) in history.iter().enumerate() {
        for (i, (event, expected)) in events.iter().enumerate() {
            clock.set(event_time(step, i));
            let outcome = lane.apply(&clock, policy, event).await;
            assert_eq!(&outcome, expected, "seed {seed}, step {step}: {event:?}");
        }
        clock.set(delivery_time(step, events.len()));
        lane.deliver(&clock, policy).await;
        clock.set(schedule_time(step));
        lane.schedule(&clock, policy).await;
    }
    lane.finish().await;
}

/// One run with call `n` failing as `fault`; returns the lane, the fault fired.
async fn with_fault(
    backend: Backend,
    history: &History,
    policy: &PolicyConfig,
    seed: u64,
    n: usize,
    fault: Fault,
) -> Lane {
    let mut lane = Lane::new(Mode::OnceInOrder, backend.fresh().await);
    let faults = lane.faults.clone();
    faults.fail_call(n, fault);
    rerun(&mut lane, history, policy, seed).await;
    let fired = faults.fired();
    assert_eq!(fired.len(), 1, "seed {seed}: call {n} {fault:?}: {fired:?}");
    assert!(fired[0].1.is_write(), "seed {seed}: {fired:?}");
    lane
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evaluation_failing_at_any_of_its_writes_and_retried_ends_as_without_faults_and_audits_once()
 {
    faults(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_dynamodb_local_an_evaluation_failing_at_any_of_its_writes_and_retried_ends_as_without_faults_and_audits_once()
 {
    faults(Backend::DynamoDbLocal).await;
}

async fn faults(backend: Backend) {
    let seed = market::seed();
    let engine = backend.name();
    println!("faults ({engine}): seed {seed} (STANDING_PROOF_SEED={seed} replays this history)");
    let started = Instant::now();
    let policy = PolicyConfig::default();

    // GIVEN a random history run without faults, the evaluator's calls counted
    let size = Size {
        freelancers: 3,
        clients: 8,
        reviewers: 3,
    };
    let mut market = Market::new(seed, size);
    let mut clean = Lane::new(Mode::OnceInOrder, backend.fresh().await);
    let clock = FixedClock::at(first_day());
    let mut history: History = Vec::new();
    let wanted = events(match backend {
        Backend::Embedded => 170,
        Backend::DynamoDbLocal => 60,
    });
    // A history in which nothing was sanctioned proves little: it goes on (up to four times as
    // long) until the evaluator has written an audit entry.
    let sanctioned = |clean: &Lane| clean.writes.audit_inserts() > 0;
    while market.accepted_total() < wanted
        || (!sanctioned(&clean) && market.accepted_total() < 4 * wanted)
    {
        let step = history.len();
        market.begin_step(event_time(step, 0));
        let mut events = Vec::new();
        for i in 0..market.events_in_step(EVENTS_PER_STEP) {
            let now = event_time(step, i);
            clock.set(now);
            let event = market.next(clean.store.repo(), now).await;
            let outcome = clean.apply(&clock, &policy, &event).await;
            market.observe(&event, &outcome);
            events.push((event, outcome));
        }
        clock.set(delivery_time(step, events.len()));
        clean.deliver(&clock, &policy).await;
        clock.set(schedule_time(step));
        clean.schedule(&clock, &policy).await;
        history.push(events);
    }
    clean.finish().await;
    let expected = clean.state(&market.freelancers).await;
    let calls = clean.faults.calls();
    let writes: Vec<usize> = (0..calls.len()).filter(|&n| calls[n].is_write()).collect();
    assert!(
        expected.values().any(|h| !h.audit.is_empty()),
        "seed {seed}: a history without a single sanction proves little"
    );
    assert!(
        !writes.is_empty(),
        "seed {seed}: the evaluator wrote nothing"
    );

    // WHEN each of those writes fails in turn, refused or with its answer lost, on a fresh store
    // fed the same history, and the failing batch or schedule is retried
    let history = Arc::new(history);
    let run = |n: usize, fault: Fault| {
        let (history, policy) = (history.clone(), policy.clone());
        tokio::spawn(async move { with_fault(backend, &history, &policy, seed, n, fault).await })
    };
    // Every write fails in turn on the embedded engine. On DynamoDB Local each run replays the
    // whole history against a Java server at milliseconds a call, so a spread of the writes
    // fails in turn there (the first, the last and evenly between), keeping CI inside its time.
    let failing = match backend {
        Backend::Embedded => writes.clone(),
        Backend::DynamoDbLocal => spread(&writes, DYNAMODB_LOCAL_FAILING_WRITES),
    };
    let mut runs = 0;
    let mut retried = 0;
    for &n in &failing {
        // Two runs side by side, one per thread.
        let (refused, lost) = (run(n, Fault::Refused), run(n, Fault::AnswerLost));
        let (refused, lost) = (refused.await.unwrap(), lost.await.unwrap());
        for (fault, lane) in [(Fault::Refused, &refused), (Fault::AnswerLost, &lost)] {
            runs += 1;
            retried += lane.figures.partial_failures + lane.figures.schedule_failures;
            // THEN the failure was seen and retried
            assert_eq!(
                lane.figures.partial_failures + lane.figures.schedule_failures,
                1,
                "seed {seed}: call {n} {fault:?} should fail one delivery or one schedule run"
            );
            // AND the store ends as without faults: standings, versions, sanctions, audit trails
            // and every item of every partition
            if let Some(difference) =
                first_difference(&expected, &lane.state(&market.freelancers).await)
            {
                panic!(
                    "seed {seed}: call {n} ({:?}) {fault:?}: {difference}",
                    calls[n]
                );
            }
            // AND no audit entry was written twice, nor anything else more than without faults
            assert!(
                lane.writes.audit_rewrites.is_empty(),
                "seed {seed}: call {n} {fault:?}: {:?}",
                lane.writes.audit_rewrites
            );
            assert_eq!(
                lane.writes, clean.writes,
                "seed {seed}: call {n} {fault:?}: the writes differ from the run without faults"
            );
        }
    }

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for call in &calls {
        *kinds.entry(format!("{call:?}")).or_default() += 1;
    }
    println!(
        "faults ({engine}): {} events accepted over {} days ({} refused); the evaluator made {} engine calls ({kinds:?}), {} of them writes",
        market.accepted_total(),
        history.len() as i64 * lanes::DAYS_PER_STEP,
        market.refused_total(),
        calls.len(),
        writes.len()
    );
    println!(
        "faults ({engine}): without faults: {}",
        lane_figures(&clean)
    );
    println!(
        "faults ({engine}): {runs} runs with one write failing ({} of the {} writes, each refused and with its answer lost), {retried} retries; each ended holding {}; {} audit inserts each",
        failing.len(),
        writes.len(),
        tally(&expected),
        clean.writes.audit_inserts()
    );
    println!("faults ({engine}): elapsed {}", seconds(started.elapsed()));
}

#[test]
fn a_spread_of_the_writes_keeps_the_first_and_the_last_and_takes_no_more_than_asked() {
    let all: Vec<usize> = (10..40).collect();
    let picked = spread(&all, 12);
    assert_eq!(picked.len(), 12);
    assert_eq!((picked[0], picked[11]), (10, 39));
    assert!(picked.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(spread(&all[..5], 12), all[..5].to_vec());
}

#[tokio::test]
async fn the_fault_wrapper_fails_the_call_it_is_told_to_and_a_lost_answer_was_still_written() {
    // GIVEN a wrapper told to refuse call 1 and lose the answer of call 2
    let store = EmbeddedStore::new();
    let faulty = FaultyEngine::new(store.engine.clone() as Arc<dyn Engine>);
    faulty.fail_call(1, Fault::Refused);
    faulty.fail_call(2, Fault::AnswerLost);
    let key = |sk: &str| Key::new("FL#fl-x", sk);
    // WHEN three puts and a get go through it
    let first = faulty.put(key("a").to_item(), Condition::None).await;
    let refused = faulty.put(key("b").to_item(), Condition::None).await;
    let lost = faulty.put(key("c").to_item(), Condition::None).await;
    let read = faulty.get(key("c")).await;
    // THEN the first and the last succeed, the refused put wrote nothing and the one whose
    // answer was lost was written
    assert!(first.is_ok() && read.is_ok());
    assert!(refused.is_err() && lost.is_err());
    assert!(store.engine.get(key("b")).await.unwrap().item.is_none());
    assert!(store.engine.get(key("c")).await.unwrap().item.is_some());
    assert_eq!(faulty.calls(), [Call::Put, Call::Put, Call::Put, Call::Get]);
    assert_eq!(
        faulty.fired(),
        [
            (1, Call::Put, Fault::Refused),
            (2, Call::Put, Fault::AnswerLost)
        ]
    );
}

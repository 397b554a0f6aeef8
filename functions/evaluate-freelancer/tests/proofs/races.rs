//! Proof 3: an evaluation never writes a standing decided on a read that another write has
//! since overtaken. Each race is made to happen every time: the evaluation's first write is
//! held at the door (it has read the standing and the evidence it decides on), storage moves on
//! behind its back, then the write is let through. Whatever the evaluation then does, the stored
//! standing must be what an evaluation of storage as it now is gives. On both engines.

use chrono::{DateTime, Duration, Utc};
use standing_domain::fixtures::{FixedClock, actor, day, user};
use standing_domain::model::Standing;
use standing_domain::ports::StandingStore;
use standing_domain::usecases::feedback::{self, DecideReport, ReportFeedback};
use standing_domain::usecases::standing::{load_record, reevaluate};
use standing_domain::{ContractId, PolicyConfig, ReportOutcome, ReportReason, Role};
use standing_domain::{DomainError, Evaluation};
use standing_lambda::testing::arrange;
use standing_lambda::testing::faults::{FaultyEngine, HeldWrite};
use standing_lambda::testing::stores::{DynamoDbLocalStore, EmbeddedStore};
use standing_store::{Engine, Repository};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// The store the races run on, and a repository over the same storage whose writes can be held.
struct Storage {
    repo: Repository,
    held: Repository,
    faults: Arc<FaultyEngine>,
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

impl Storage {
    fn over(repo: Repository, keep: Box<dyn std::any::Any + Send + Sync>) -> Self {
        let faults = Arc::new(FaultyEngine::new(repo.engine().clone()));
        Self {
            held: Repository::new(faults.clone() as Arc<dyn Engine>),
            repo,
            faults,
            _keep: keep,
        }
    }

    fn embedded() -> Self {
        let store = EmbeddedStore::new();
        Self::over(store.repo.clone(), Box::new(store))
    }

    async fn dynamodb_local() -> Self {
        let store = DynamoDbLocalStore::new("races").await;
        Self::over(store.repo.clone(), Box::new(store))
    }

    /// Starts an evaluation of the freelancer at `at` through the holding repository and waits
    /// until it has read everything and holds its first write. Returns its clock (to move on,
    /// as a real clock would, before the write goes through), the door and the evaluation.
    async fn evaluation_held_at_its_write(
        &self,
        at: DateTime<Utc>,
    ) -> (
        Arc<FixedClock>,
        HeldWrite,
        JoinHandle<Result<Evaluation, DomainError>>,
    ) {
        let clock = Arc::new(FixedClock::at(at));
        let mut door = self.faults.hold_next_write();
        let held = tokio::spawn({
            let (repo, clock) = (self.held.clone(), clock.clone());
            async move { reevaluate(&repo, &*clock, &PolicyConfig::default(), &user(FREELANCER)).await }
        });
        door.arrived().await;
        (clock, door, held)
    }
}

const FREELANCER: &str = "fl-race";

fn ended() -> DateTime<Utc> {
    day(100)
}

/// The freelancer reports the client's feedback on `contract` and a reviewer removes it.
async fn remove_feedback(repo: &Repository, contract: &str, at: DateTime<Utc>) {
    let policy = PolicyConfig::default();
    let clock = FixedClock::at(at);
    let report = feedback::report(
        repo,
        &clock,
        &policy,
        &actor(FREELANCER, &[Role::Freelancer]),
        &ContractId::parse(contract).unwrap(),
        ReportFeedback {
            reason: ReportReason::Manipulation,
            details: Default::default(),
        },
    )
    .await
    .expect("the report is filed");
    feedback::decide_report(
        repo,
        &clock,
        &actor("rev-race", &[Role::Reviewer]),
        &report.report_id,
        DecideReport {
            outcome: ReportOutcome::Removed,
            note: Default::default(),
        },
    )
    .await
    .expect("the report is decided");
}

/// The stored standing, and the standing an evaluation of storage as it now is gives (read
/// only: nothing is written).
async fn stored_and_fresh(repo: &Repository, at: DateTime<Utc>) -> (Standing, Standing) {
    let id = user(FREELANCER);
    let policy = PolicyConfig::default();
    let stored = repo.get_standing(&id).await.unwrap().unwrap().value;
    let record = load_record(repo, &id, &stored.sanctions, at, &policy)
        .await
        .unwrap();
    let fresh = standing_domain::evaluate(&record, &policy, at);
    (stored.standing, fresh.standing)
}

/// An evaluation reads three negatives and is about to store a block; meanwhile one of them is
/// removed after a report and the stream's evaluation of that removal finds nothing to change
/// (two negatives: good, as stored). The held evaluation must not then store its block.
async fn evidence_withdrawn_between_read_and_write(storage: Storage) {
    let policy = PolicyConfig::default();
    let id = user(FREELANCER);
    let rated = ended() + Duration::days(1);
    // GIVEN two negatives from two clients, evaluated: good
    let clients = ["cl-race-1", "cl-race-2", "cl-race-3"];
    arrange::negative_contracts(&storage.repo, FREELANCER, &clients[..2], ended()).await;
    let first = reevaluate(&storage.repo, &FixedClock::at(rated), &policy, &id)
        .await
        .unwrap();
    assert_eq!(first.standing, Standing::Good);
    // AND a third negative from a third client, revealed
    let third = format!("{FREELANCER}-c3");
    arrange::contract(&storage.repo, &third, clients[2], FREELANCER, Some(ended())).await;
    arrange::negative_feedback(&storage.repo, &third, clients[2], rated).await;
    arrange::freelancer_feedback(&storage.repo, &third, FREELANCER, rated).await;

    // WHEN the stream's evaluation of the third negative has read it and holds its write,
    let now = rated + Duration::hours(1);
    let (clock, door, held) = storage.evaluation_held_at_its_write(now).await;
    // AND the third negative is removed after a report, and the evaluation of that removal
    // runs to its end,
    let later = now + Duration::hours(1);
    remove_feedback(&storage.repo, &third, later).await;
    let removal = reevaluate(&storage.repo, &FixedClock::at(later), &policy, &id)
        .await
        .unwrap();
    assert_eq!(
        removal.standing,
        Standing::Good,
        "two negatives do not block"
    );
    // AND then, the clock having moved on, the held write goes through
    clock.set(later);
    door.release();
    let _ = held.await.unwrap();

    // THEN the stored standing is what the evidence as it now stands gives: no block rests on
    // feedback that was removed
    let (stored, fresh) = stored_and_fresh(&storage.repo, later).await;
    assert_eq!(fresh, Standing::Good);
    assert_eq!(
        stored, fresh,
        "an evaluation decided before the removal stored its block after it"
    );
}

/// An evaluation decides as of an earlier moment and is about to write; meanwhile a later
/// evaluation (the hourly run, after a window closed) stores a newer standing. The held write
/// must not overwrite it with the earlier moment's decision: only the standing's version tells
/// them apart, for no evidence changed in between.
async fn overtaken_by_a_later_evaluation(storage: Storage) {
    let policy = PolicyConfig::default();
    let id = user(FREELANCER);
    // GIVEN three negatives from three clients that the freelancer never answers, so each
    // counts from its window's close, 14 days after its contract ended: two contracts ended on
    // day 100 (close on day 114), the third on day 105 (close on day 119)
    let clients = ["cl-race-1", "cl-race-2", "cl-race-3"];
    for (n, client) in clients.iter().enumerate() {
        let contract = format!("{FREELANCER}-c{}", n + 1);
        let end = if n < 2 {
            ended()
        } else {
            ended() + Duration::days(5)
        };
        arrange::contract(&storage.repo, &contract, client, FREELANCER, Some(end)).await;
        arrange::negative_feedback(&storage.repo, &contract, client, end + Duration::days(1)).await;
    }
    let first = reevaluate(
        &storage.repo,
        &FixedClock::at(ended() + Duration::days(7)),
        &policy,
        &id,
    )
    .await
    .unwrap();
    assert_eq!(first.standing, Standing::Good, "nothing is revealed yet");

    // WHEN an evaluation on day 116 (two negatives revealed: still good, next due on day 119)
    // has read and holds its write,
    let (clock, door, held) = storage
        .evaluation_held_at_its_write(ended() + Duration::days(16))
        .await;
    // AND the hourly run on day 120 (three revealed) stores the block,
    let after = ended() + Duration::days(20);
    let hourly = reevaluate(&storage.repo, &FixedClock::at(after), &policy, &id)
        .await
        .unwrap();
    assert_eq!(hourly.standing, Standing::BlockedNewWork);
    // AND then, the clock having moved on, the held write goes through
    clock.set(after);
    door.release();
    let _ = held.await.unwrap();

    // THEN the block stands: day 116's decision did not overwrite day 120's
    let (stored, fresh) = stored_and_fresh(&storage.repo, after).await;
    assert_eq!(fresh, Standing::BlockedNewWork);
    assert_eq!(
        stored, fresh,
        "an evaluation decided on day 116 overwrote the block stored on day 120"
    );
}

#[tokio::test]
async fn an_evaluation_whose_evidence_was_withdrawn_before_it_wrote_does_not_store_its_block() {
    evidence_withdrawn_between_read_and_write(Storage::embedded()).await;
}

#[tokio::test]
async fn on_dynamodb_local_an_evaluation_whose_evidence_was_withdrawn_before_it_wrote_does_not_store_its_block()
 {
    evidence_withdrawn_between_read_and_write(Storage::dynamodb_local().await).await;
}

#[tokio::test]
async fn an_evaluation_overtaken_by_a_later_one_never_writes_over_it() {
    overtaken_by_a_later_evaluation(Storage::embedded()).await;
}

#[tokio::test]
async fn on_dynamodb_local_an_evaluation_overtaken_by_a_later_one_never_writes_over_it() {
    overtaken_by_a_later_evaluation(Storage::dynamodb_local().await).await;
}

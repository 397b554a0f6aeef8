//! The repository's contract, run on both engines with the same bodies: each use case's writes
//! and reads, conflicts, all-or-nothing changes, and the stream records the writes produce.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support code

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use standing_domain::fixtures::*;
use standing_domain::model::ComplaintStatus;
use standing_domain::model::{PolicyMode, PolicyVersion};
use standing_domain::paging::{Page, PageRequest};
use standing_domain::ports::{
    AppealStore, ComplaintStore, ContractStore, FeedbackStore, StandingStore, SweepStore, Versioned,
};
use standing_domain::ports::{Clock, PolicyStore};
use standing_domain::usecases::policies::{self, InForce};
use standing_domain::usecases::{appeals, complaints, contracts, feedback, standing, sweep};
use standing_domain::*;
use standing_store::{
    BoxFuture, CapacityMeter, ClientRequestToken, Condition, DynamoDbEngine, EmbeddedEngine,
    EmbeddedOptions, Engine, GetOutput, Item, Key, Page as EnginePage, Query, Repository,
    StoreError, TransactOp, WriteOutput, create_table,
};
use standing_testkit::{DynamoDbLocal, TempDir, unique_table_name};

/// A repository on a fresh store, and what keeps that store alive.
struct Fixture {
    repo: Repository,
    embedded: Option<Arc<EmbeddedEngine>>,
    dynamo: Option<(aws_sdk_dynamodb::Client, String)>,
    _dir: Option<TempDir>,
}

async fn embedded() -> Fixture {
    let dir = TempDir::new("repo").unwrap();
    let engine = Arc::new(
        EmbeddedEngine::open(dir.path().join("standing.redb"), EmbeddedOptions::default()).unwrap(),
    );
    Fixture {
        repo: Repository::new(engine.clone() as Arc<dyn Engine>),
        embedded: Some(engine),
        dynamo: None,
        _dir: Some(dir),
    }
}

async fn dynamodb() -> Fixture {
    let local = DynamoDbLocal::shared().unwrap();
    let client = local.dynamodb_client();
    let table = unique_table_name("repo");
    create_table(&client, &table).await.unwrap();
    let engine = Arc::new(DynamoDbEngine::new(client.clone(), table.clone()));
    Fixture {
        repo: Repository::new(engine),
        embedded: None,
        dynamo: Some((client, table)),
        _dir: None,
    }
}

macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {
        mod on_embedded {
            $(#[tokio::test] async fn $name() { super::$name(super::embedded().await).await; })+
        }
        mod on_dynamodb_local {
            $(#[tokio::test] async fn $name() { super::$name(super::dynamodb().await).await; })+
        }
    };
}

on_both_engines!(
    a_registered_contract_and_its_feedback_read_back_as_written,
    a_second_feedback_in_one_direction_is_refused_by_the_store_itself,
    a_feedback_insert_and_a_contract_update_that_read_the_same_contract_exclude_each_other,
    a_write_at_a_stale_version_is_refused_with_a_conflict,
    complaints_open_a_case_guard_the_claim_and_leave_the_queue_when_decided,
    a_complaint_whose_case_update_is_stale_is_not_written_at_all,
    one_appeal_per_sanction_is_pending_and_a_decision_frees_the_next,
    an_evaluation_writes_standing_audit_and_notices_once_and_a_replay_writes_nothing,
    the_daily_sweep_notices_an_open_reinstatement_window_once,
    a_lifted_blocks_reinstatement_window_is_withdrawn_before_the_sweep_announces_it,
    the_evidence_read_is_a_key_range_by_contract_end,
    the_standings_jss_follows_the_clock_when_feedback_is_revealed_without_a_new_write,
    the_profile_reads_contracts_newest_first_in_bounded_slices_with_their_feedback,
    the_audit_trail_is_read_a_page_after_its_cursor_and_a_foreign_cursor_is_refused,
    two_reporters_filing_the_same_claim_at_once_open_the_review_case,
    one_reporter_filing_more_than_the_open_limit_at_once_gets_only_the_limit_in,
    a_filing_decided_on_a_stale_read_of_the_complaints_is_refused,
    the_queue_comes_in_pages_and_the_next_stays_right_when_an_earlier_complaint_leaves,
);

/// An engine that passes every call on and keeps the limit of each query it saw.
struct Recording {
    inner: Arc<dyn Engine>,
    limits: std::sync::Mutex<Vec<Option<u32>>>,
}

impl Engine for Recording {
    fn table_name(&self) -> &str {
        self.inner.table_name()
    }
    fn get(&self, key: Key) -> BoxFuture<'_, Result<GetOutput, StoreError>> {
        self.inner.get(key)
    }
    fn put(
        &self,
        item: Item,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        self.inner.put(item, condition)
    }
    fn delete(
        &self,
        key: Key,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        self.inner.delete(key, condition)
    }
    fn transact_write(
        &self,
        operations: Vec<TransactOp>,
        token: Option<ClientRequestToken>,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        self.inner.transact_write(operations, token)
    }
    fn query(&self, query: Query) -> BoxFuture<'_, Result<EnginePage, StoreError>> {
        if let Ok(mut limits) = self.limits.lock() {
            limits.push(query.limit);
        }
        self.inner.query(query)
    }
    fn capacity(&self) -> &CapacityMeter {
        self.inner.capacity()
    }
}

fn service() -> Actor {
    actor("svc", &[Role::Service])
}

fn register_cmd(client: &str, ended: Option<DateTime<Utc>>) -> contracts::RegisterContract {
    contracts::RegisterContract {
        client_id: user(client),
        freelancer_id: user("fl1"),
        started_at: ended.unwrap_or(day(0)) - Duration::days(30),
        ended_at: ended,
        total_charged_minor: 50_000,
        currency: Currency::parse("USD").unwrap(),
    }
}

fn cid(id: &str) -> ContractId {
    ContractId::parse(id).unwrap()
}

fn negative_feedback() -> feedback::SubmitFeedback {
    let mut public = public(1);
    public.comment = Comment::parse("missed every deadline").unwrap();
    feedback::SubmitFeedback {
        public,
        private: Some(model::PrivatePart {
            reason_ended: ReasonEnded::QualityIssues,
            recommend: Some(Recommend::parse(1).unwrap()),
            dissatisfied_with: [Area::Performance].into_iter().collect(),
            note: None,
        }),
    }
}

/// GIVEN negatives from three distinct clients (contracts ended on days 10, 20, 30), evaluated on
/// day 40: the freelancer is blocked. Returns the clock (at day 40) and that evaluation.
async fn blocked_by_three_clients(repo: &Repository) -> (FixedClock, Evaluation) {
    for (i, client) in ["cl1", "cl2", "cl3"].iter().enumerate() {
        negative_contract_in(repo, &format!("c{i}"), client, day(10 * (i as i64 + 1))).await;
    }
    let clock = FixedClock::at(day(40));
    let evaluation = standing::reevaluate(repo, &clock, &policy(), &user("fl1"))
        .await
        .unwrap();
    (clock, evaluation)
}

/// Registers contract `id` with `client`, ended at `ended`, and leaves negative feedback at
/// `ended + 1 day`, where the freelancer leaves theirs too: revealed, and so counting (§3), then.
async fn negative_contract_in(repo: &Repository, id: &str, client: &str, ended: DateTime<Utc>) {
    let clock = FixedClock::at(ended + Duration::days(1));
    contracts::register(repo, &service(), cid(id), register_cmd(client, Some(ended)))
        .await
        .unwrap();
    feedback::submit(
        repo,
        &clock,
        &policy(),
        &actor(client, &[Role::Client]),
        &cid(id),
        negative_feedback(),
    )
    .await
    .unwrap();
    let own = feedback::SubmitFeedback {
        public: public(4),
        private: None,
    };
    feedback::submit(
        repo,
        &clock,
        &policy(),
        &actor("fl1", &[Role::Freelancer]),
        &cid(id),
        own,
    )
    .await
    .unwrap();
}

async fn a_registered_contract_and_its_feedback_read_back_as_written(f: Fixture) {
    let repo = &f.repo;
    let clock = FixedClock::at(day(2));
    let contract = contracts::register(
        repo,
        &service(),
        cid("c1"),
        register_cmd("cl1", Some(day(1))),
    )
    .await
    .unwrap();
    assert_eq!(
        repo.get_contract(&cid("c1"))
            .await
            .unwrap()
            .map(|v| v.value),
        Some(contract.clone())
    );
    assert!(
        repo.has_contract_between(&user("cl1"), &user("fl1"))
            .await
            .unwrap()
    );
    assert!(
        !repo
            .has_contract_between(&user("cl2"), &user("fl1"))
            .await
            .unwrap()
    );

    let client = actor("cl1", &[Role::Client]);
    let freelancer = actor("fl1", &[Role::Freelancer]);
    feedback::submit(
        repo,
        &clock,
        &policy(),
        &client,
        &cid("c1"),
        negative_feedback(),
    )
    .await
    .unwrap();
    let own = feedback::SubmitFeedback {
        public: public(4),
        private: None,
    };
    feedback::submit(repo, &clock, &policy(), &freelancer, &cid("c1"), own)
        .await
        .unwrap();

    let stored = repo.contract_feedback(&contract).await.unwrap();
    let client_fb = stored.client.unwrap();
    assert_eq!(client_fb.version, 1);
    assert_eq!(
        client_fb.value.private.as_ref().map(|p| p.reason_ended),
        Some(ReasonEnded::QualityIssues)
    );
    assert_eq!(
        client_fb.value.current().public.comment.as_str(),
        "missed every deadline"
    );
    assert_eq!(
        stored.freelancer.map(|v| v.value.submitted_at),
        Some(day(2))
    );

    // Both left feedback: revealed; the freelancer sees the client's public part, never its private part.
    let view = feedback::view_contract(repo, &clock, &policy(), &freelancer, &cid("c1"))
        .await
        .unwrap();
    let seen = view.client.unwrap();
    assert!(seen.revealed && seen.private.is_none());

    if let Some(engine) = &f.embedded {
        let changes = engine.read_changes(None, 100).await.unwrap();
        let feedback_inserts = changes
            .iter()
            .filter(|c| {
                c.new_image.as_ref().and_then(|i| i.get("entity_type"))
                    == Some(&standing_store::AttributeValue::S("feedback".into()))
            })
            .count();
        assert_eq!(feedback_inserts, 2);
        assert!(changes.iter().all(|c| {
            c.new_image
                .as_ref()
                .is_some_and(|i| i.contains_key("freelancer_id"))
        }));
    }
    if let Some((client, table)) = &f.dynamo {
        let local = DynamoDbLocal::shared().unwrap();
        let records = standing_testkit::read_stream_records(
            client,
            &local.streams_client(),
            table,
            4,
            std::time::Duration::from_secs(10),
        )
        .await
        .unwrap();
        let feedback_inserts = records
            .iter()
            .filter(|r| {
                r.dynamodb()
                    .and_then(|d| d.new_image())
                    .and_then(|i| i.get("entity_type"))
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|s| s == "feedback")
            })
            .count();
        assert_eq!(feedback_inserts, 2, "{records:?}");
    }
}

async fn a_second_feedback_in_one_direction_is_refused_by_the_store_itself(f: Fixture) {
    let repo = &f.repo;
    let contract = contracts::register(
        repo,
        &service(),
        cid("c1"),
        register_cmd("cl1", Some(day(1))),
    )
    .await
    .unwrap();
    let fb = client_feedback("c1", "cl1", 5, ReasonEnded::Other, &[], day(2));
    let read = repo
        .get_contract(&contract.contract_id)
        .await
        .unwrap()
        .unwrap();
    repo.insert_feedback(&read, &fb).await.unwrap();
    let reread = repo
        .get_contract(&contract.contract_id)
        .await
        .unwrap()
        .unwrap();
    let again = repo.insert_feedback(&reread, &fb).await;
    assert!(
        matches!(again, Err(DomainError::AlreadyExists(_))),
        "{again:?}"
    );
}

async fn a_feedback_insert_and_a_contract_update_that_read_the_same_contract_exclude_each_other(
    f: Fixture,
) {
    let repo = &f.repo;
    for c in ["c1", "c2"] {
        contracts::register(repo, &service(), cid(c), register_cmd("cl1", Some(day(1))))
            .await
            .unwrap();
    }
    let moved = |c: &Versioned<model::Contract>| {
        let mut later = c.value.clone();
        later.ended_at = Some(day(2));
        later
    };
    let fb = |c: &str| client_feedback(c, "cl1", 1, ReasonEnded::QualityIssues, &[], day(3));

    // The contract update lands first: the feedback insert that read the old end is refused, so
    // no feedback is stored under an end the contract no longer has.
    let read = repo.get_contract(&cid("c1")).await.unwrap().unwrap();
    repo.put_contract(&moved(&read), Some(&read)).await.unwrap();
    let orphan = repo.insert_feedback(&read, &fb("c1")).await;
    assert!(
        matches!(orphan, Err(DomainError::Conflict(_))),
        "{orphan:?}"
    );
    let now = repo.get_contract(&cid("c1")).await.unwrap().unwrap();
    assert_eq!(
        repo.contract_feedback(&now.value).await.unwrap().client,
        None
    );
    assert_eq!(
        repo.contract_feedback(&read.value).await.unwrap().client,
        None
    );

    // The feedback insert lands first: the contract update that read the contract before it is
    // refused, and the feedback stays where the contract's end says it is.
    let read = repo.get_contract(&cid("c2")).await.unwrap().unwrap();
    repo.insert_feedback(&read, &fb("c2")).await.unwrap();
    let update = repo.put_contract(&moved(&read), Some(&read)).await;
    assert!(
        matches!(update, Err(DomainError::Conflict(_))),
        "{update:?}"
    );
    let now = repo.get_contract(&cid("c2")).await.unwrap().unwrap();
    assert_eq!(now.value.ended_at, Some(day(1)));
    assert!(
        repo.contract_feedback(&now.value)
            .await
            .unwrap()
            .client
            .is_some()
    );
}

async fn a_write_at_a_stale_version_is_refused_with_a_conflict(f: Fixture) {
    let repo = &f.repo;
    let contract = contracts::register(
        repo,
        &service(),
        cid("c1"),
        register_cmd("cl1", Some(day(1))),
    )
    .await
    .unwrap();
    let mut fb = client_feedback("c1", "cl1", 5, ReasonEnded::Other, &[], day(2));
    let read = repo
        .get_contract(&contract.contract_id)
        .await
        .unwrap()
        .unwrap();
    repo.insert_feedback(&read, &fb).await.unwrap();
    fb.change.requested_at = Some(day(3));
    repo.update_feedback(&contract, &fb, 1).await.unwrap();
    let stale = repo.update_feedback(&contract, &fb, 1).await;
    assert!(matches!(stale, Err(DomainError::Conflict(_))), "{stale:?}");
    let stale_contract = repo.put_contract(&contract, None).await;
    assert!(
        matches!(stale_contract, Err(DomainError::Conflict(_))),
        "{stale_contract:?}"
    );
    // A replacement based on a version that has moved on is refused too.
    let current = repo.get_contract(&cid("c1")).await.unwrap().unwrap();
    let mut ended_later = contract.clone();
    ended_later.total_charged = Money::new(60_000, Currency::parse("USD").unwrap());
    repo.put_contract(&ended_later, Some(&current))
        .await
        .unwrap();
    let replay = repo.put_contract(&ended_later, Some(&current)).await;
    assert!(
        matches!(replay, Err(DomainError::Conflict(_))),
        "{replay:?}"
    );
}

fn complaint_cmd(claim_text: &str) -> complaints::FileComplaint {
    complaints::FileComplaint {
        category: ComplaintCategory::Certification,
        claim: claim(claim_text),
        statement: Statement::parse("the registry has no such certificate").unwrap(),
        evidence: vec![EvidenceText::parse("https://registry.example/none").unwrap()],
    }
}

async fn complaints_open_a_case_guard_the_claim_and_leave_the_queue_when_decided(f: Fixture) {
    let repo = &f.repo;
    let clock = FixedClock::at(day(5));
    for (c, client) in [("c1", "cl1"), ("c2", "cl2")] {
        contracts::register(repo, &service(), cid(c), register_cmd(client, Some(day(1))))
            .await
            .unwrap();
    }
    let cl1 = actor("cl1", &[Role::Client]);
    let cl2 = actor("cl2", &[Role::Client]);
    let first = complaints::file(
        repo,
        &clock,
        &policy(),
        complaints::may_file(repo, &cl1, &user("fl1"))
            .await
            .unwrap(),
        complaint_cmd("AWS SA"),
    )
    .await
    .unwrap();
    assert_eq!(first.status(), ComplaintStatus::Open);
    // The store's guard refuses a duplicate even when the rule check is bypassed.
    let mut dup = first.clone();
    dup.complaint_id = ComplaintId::parse("dup").unwrap();
    assert!(matches!(
        repo.file_complaint(
            &dup,
            &[],
            repo.complaint_set_version(&user("fl1")).await.unwrap()
        )
        .await,
        Err(DomainError::AlreadyExists(_))
    ));

    clock.advance(Duration::hours(1));
    let second = complaints::file(
        repo,
        &clock,
        &policy(),
        complaints::may_file(repo, &cl2, &user("fl1"))
            .await
            .unwrap(),
        complaint_cmd("AWS SA"),
    )
    .await
    .unwrap();
    assert_eq!(second.status(), ComplaintStatus::UnderReview);
    let stored_first = repo
        .get_complaint(&first.complaint_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored_first.value.status(), ComplaintStatus::UnderReview);
    assert_eq!(stored_first.version, 2);

    let reviewer = actor("rev1", &[Role::Reviewer]);
    let queue = complaints::queue(
        repo,
        &reviewer,
        ComplaintStatus::UnderReview,
        &PageRequest::default(),
    )
    .await
    .unwrap();
    let ids: Vec<_> = queue.items.iter().map(|c| c.complaint_id.clone()).collect();
    assert_eq!(
        ids,
        vec![first.complaint_id.clone(), second.complaint_id.clone()],
        "oldest first"
    );
    assert!(
        complaints::queue(
            repo,
            &reviewer,
            ComplaintStatus::Open,
            &PageRequest::default()
        )
        .await
        .unwrap()
        .items
        .is_empty()
    );

    let decision = complaints::DecideComplaint {
        outcome: ComplaintOutcome::Substantiated,
        terms_clause: TermsClause::parse("ToS 4.2").unwrap(),
        note: Note::parse("no such certificate").unwrap(),
    };
    let right = complaints::may_decide(repo, &reviewer, &first.complaint_id)
        .await
        .unwrap();
    complaints::decide(repo, &clock, &policy(), right, decision)
        .await
        .unwrap();
    let queue = complaints::queue(
        repo,
        &reviewer,
        ComplaintStatus::Decided,
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(queue.items.len(), 1);
    // The guard is freed: the same reporter may complain about the same claim again.
    clock.advance(Duration::hours(1));
    complaints::file(
        repo,
        &clock,
        &policy(),
        complaints::may_file(repo, &cl1, &user("fl1"))
            .await
            .unwrap(),
        complaint_cmd("AWS SA"),
    )
    .await
    .unwrap();
}

async fn a_complaint_whose_case_update_is_stale_is_not_written_at_all(f: Fixture) {
    let repo = &f.repo;
    let clock = FixedClock::at(day(5));
    contracts::register(
        repo,
        &service(),
        cid("c1"),
        register_cmd("cl1", Some(day(1))),
    )
    .await
    .unwrap();
    let first = complaints::file(
        repo,
        &clock,
        &policy(),
        complaints::may_file(repo, &actor("cl1", &[Role::Client]), &user("fl1"))
            .await
            .unwrap(),
        complaint_cmd("A"),
    )
    .await
    .unwrap();
    let mut moved = first.clone();
    moved.under_review_since = Some(day(6));
    let mut new = complaint("k-new", "cl2", "A", day(6));
    new.under_review_since = Some(day(6));
    let stale = [standing_domain::ports::Versioned {
        value: moved,
        version: 7,
    }];
    let set = repo.complaint_set_version(&user("fl1")).await.unwrap();
    let result = repo.file_complaint(&new, &stale, set).await;
    assert!(
        matches!(result, Err(DomainError::Conflict(_))),
        "{result:?}"
    );
    assert!(
        repo.get_complaint(&new.complaint_id)
            .await
            .unwrap()
            .is_none(),
        "nothing of the transaction was written"
    );
    assert_eq!(
        repo.freelancer_complaints(&user("fl1"))
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn one_appeal_per_sanction_is_pending_and_a_decision_frees_the_next(f: Fixture) {
    let repo = &f.repo;
    let (clock, e) = blocked_by_three_clients(repo).await;
    assert_eq!(e.standing, Standing::BlockedNewWork);
    let sanction = e.sanctions[0].sanction_id.clone();
    let me = actor("fl1", &[Role::Freelancer]);
    let contest = || appeals::FileAppeal {
        sanction_id: sanction.clone(),
        kind: AppealKind::Contest,
        statement: Statement::parse("the third client never paid").unwrap(),
    };
    let appeal = appeals::file(repo, &clock, &policy(), &me, &user("fl1"), contest())
        .await
        .unwrap();
    let again = appeals::file(repo, &clock, &policy(), &me, &user("fl1"), contest()).await;
    assert!(matches!(again, Err(DomainError::Conflict(_))), "{again:?}");
    // The store's guard holds even when the rule check is bypassed.
    let mut twin = appeal.clone();
    twin.appeal_id = AppealId::parse("twin").unwrap();
    assert!(matches!(
        repo.file_appeal(&twin).await,
        Err(DomainError::Conflict(_))
    ));

    let reviewer = actor("rev1", &[Role::Reviewer]);
    assert_eq!(
        appeals::pending(repo, &reviewer, &PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let decide = appeals::DecideAppeal {
        outcome: AppealOutcome::Denied,
        note: Note::parse("upheld").unwrap(),
    };
    let right = appeals::may_decide(repo, &reviewer, &appeal.appeal_id)
        .await
        .unwrap();
    appeals::decide(repo, &clock, right, decide).await.unwrap();
    assert!(
        appeals::pending(repo, &reviewer, &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        repo.file_appeal(&twin).await.is_ok(),
        "the decision freed the sanction's guard"
    );
}

async fn an_evaluation_writes_standing_audit_and_notices_once_and_a_replay_writes_nothing(
    f: Fixture,
) {
    let repo = &f.repo;
    let (clock, first) = blocked_by_three_clients(repo).await;
    assert_eq!(first.changes.len(), 1);
    let stored = repo.get_standing(&user("fl1")).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.value.standing, Standing::BlockedNewWork);
    assert_eq!(
        repo.audit_trail(&user("fl1"), &PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    clock.advance(Duration::minutes(5));
    let replay = standing::reevaluate(repo, &clock, &policy(), &user("fl1"))
        .await
        .unwrap();
    assert!(replay.changes.is_empty());
    assert_eq!(
        repo.get_standing(&user("fl1"))
            .await
            .unwrap()
            .unwrap()
            .version,
        1,
        "a replay writes nothing"
    );
    assert_eq!(
        repo.audit_trail(&user("fl1"), &PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    // Once revealed, a reviewer removes one negative: the block is reversed automatically.
    clock.set(day(45));
    let freelancer = actor("fl1", &[Role::Freelancer]);
    let report = feedback::report(
        repo,
        &clock,
        &policy(),
        &freelancer,
        &cid("c2"),
        feedback::ReportFeedback {
            reason: ReportReason::Manipulation,
            details: Note::parse("a competitor").unwrap(),
        },
    )
    .await
    .unwrap();
    let reviewer = actor("rev1", &[Role::Reviewer]);
    let decision = feedback::DecideReport {
        outcome: ReportOutcome::Removed,
        note: Note::parse("fake").unwrap(),
    };
    feedback::decide_report(repo, &clock, &reviewer, &report.report_id, decision)
        .await
        .unwrap();
    let after = standing::reevaluate(repo, &clock, &policy(), &user("fl1"))
        .await
        .unwrap();
    assert_eq!(after.standing, Standing::Good);
    let trail = standing::audit(repo, &reviewer, &user("fl1"), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        trail
            .items
            .iter()
            .map(|a| a.action.as_str())
            .collect::<Vec<_>>(),
        vec!["imposed", "lifted"]
    );
    assert_eq!(trail.items[1].before, Standing::BlockedNewWork);
    assert_eq!(trail.items[1].after, Standing::Good);
}

async fn the_daily_sweep_notices_an_open_reinstatement_window_once(f: Fixture) {
    let repo = &f.repo;
    let (clock, e) = blocked_by_three_clients(repo).await;
    let opens = e.sanctions[0].appeal.reinstatement_opens_at.unwrap();
    clock.set(opens - Duration::days(1));
    assert_eq!(
        sweep::daily_check(repo, &clock, &policy())
            .await
            .unwrap()
            .reinstatement_notices,
        0
    );
    clock.set(opens + Duration::hours(1));
    assert_eq!(
        sweep::daily_check(repo, &clock, &policy())
            .await
            .unwrap()
            .reinstatement_notices,
        1
    );
    assert_eq!(
        sweep::daily_check(repo, &clock, &policy())
            .await
            .unwrap()
            .reinstatement_notices,
        0
    );
    assert!(
        repo.due_reinstatements(opens + Duration::days(1), &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

async fn a_lifted_blocks_reinstatement_window_is_withdrawn_before_the_sweep_announces_it(
    f: Fixture,
) {
    // GIVEN a block, contested at once and the contest granted
    let repo = &f.repo;
    let (clock, e) = blocked_by_three_clients(repo).await;
    let opens = e.sanctions[0].appeal.reinstatement_opens_at.unwrap();
    let contest = appeals::FileAppeal {
        sanction_id: e.sanctions[0].sanction_id.clone(),
        kind: AppealKind::Contest,
        statement: Statement::parse("the third client never paid").unwrap(),
    };
    let me = actor("fl1", &[Role::Freelancer]);
    let appeal = appeals::file(repo, &clock, &policy(), &me, &user("fl1"), contest)
        .await
        .unwrap();
    let granted = appeals::DecideAppeal {
        outcome: AppealOutcome::Granted,
        note: Note::parse("the contracts were misattributed").unwrap(),
    };
    let reviewer = actor("rev1", &[Role::Reviewer]);
    clock.set(day(41));
    let right = appeals::may_decide(repo, &reviewer, &appeal.appeal_id)
        .await
        .unwrap();
    appeals::decide(repo, &clock, right, granted).await.unwrap();
    assert_eq!(
        repo.due_reinstatements(opens, &PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // WHEN the evaluation lifts the block
    let lifted = standing::reevaluate(repo, &clock, &policy(), &user("fl1"))
        .await
        .unwrap();
    assert!(lifted.sanctions.is_empty());
    // THEN its reinstatement window is no longer due, and the sweep announces nothing
    assert!(
        repo.due_reinstatements(opens, &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    clock.set(opens + Duration::hours(1));
    assert_eq!(
        sweep::daily_check(repo, &clock, &policy())
            .await
            .unwrap()
            .reinstatement_notices,
        0
    );
}

async fn the_evidence_read_is_a_key_range_by_contract_end(f: Fixture) {
    let repo = &f.repo;
    for (id, end) in [("old", day(-900)), ("mid", day(100)), ("new", day(300))] {
        contracts::register(repo, &service(), cid(id), register_cmd("cl1", Some(end)))
            .await
            .unwrap();
    }
    contracts::register(repo, &service(), cid("active"), register_cmd("cl1", None))
        .await
        .unwrap();
    let since = repo.evidence_since(&user("fl1"), day(0)).await.unwrap();
    let ids: Vec<&str> = since
        .iter()
        .map(|e| e.contract.contract_id.as_str())
        .collect();
    assert_eq!(ids, vec!["mid", "new"]);
    let all = repo
        .evidence_since(&user("fl1"), DateTime::<Utc>::MIN_UTC)
        .await
        .unwrap();
    assert_eq!(all.len(), 3, "active contracts carry no evidence yet");
    // Ending the active contract moves it into the evidence range.
    contracts::register(
        repo,
        &service(),
        cid("active"),
        register_cmd("cl1", Some(day(350))),
    )
    .await
    .unwrap();
    assert_eq!(
        repo.evidence_since(&user("fl1"), day(0))
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn the_standings_jss_follows_the_clock_when_feedback_is_revealed_without_a_new_write(
    f: Fixture,
) {
    let repo = &f.repo;
    // GIVEN two ended contracts with two clients, and positive feedback on one of them
    for (id, client) in [("j1", "jc1"), ("j2", "jc2")] {
        contracts::register(
            repo,
            &service(),
            cid(id),
            register_cmd(client, Some(day(0))),
        )
        .await
        .unwrap();
    }
    let clock = FixedClock::at(day(1));
    let praise = feedback::SubmitFeedback {
        public: public(5),
        private: Some(model::PrivatePart {
            reason_ended: ReasonEnded::CompletedSuccessfully,
            recommend: Some(Recommend::parse(9).unwrap()),
            dissatisfied_with: Areas::EMPTY,
            note: None,
        }),
    };
    feedback::submit(
        repo,
        &clock,
        &policy(),
        &actor("jc1", &[Role::Client]),
        &cid("j1"),
        praise,
    )
    .await
    .unwrap();
    standing::reevaluate(repo, &clock, &policy(), &user("fl1"))
        .await
        .unwrap();
    let fl = actor("fl1", &[Role::Freelancer]);
    // WHEN nothing is revealed yet THEN there is no JSS
    let before = standing::standing(repo, &clock, &InForce::only(&policy()), &fl, &user("fl1"))
        .await
        .unwrap();
    assert_eq!(before.jss, None);
    // WHEN the windows close with no further write THEN the standing shows the JSS of now:
    // one positive and one neutral contract of equal weight.
    clock.set(day(20));
    let after = standing::standing(repo, &clock, &InForce::only(&policy()), &fl, &user("fl1"))
        .await
        .unwrap();
    assert_eq!(after.jss, Some(50));
    assert_eq!(after.version, before.version, "reading wrote nothing");
    let profile = standing::profile(
        repo,
        &clock,
        &policy(),
        &user("fl1"),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(profile.jss, after.jss);
}

async fn the_profile_reads_contracts_newest_first_in_bounded_slices_with_their_feedback(
    f: Fixture,
) {
    // GIVEN five ended contracts, each with the client's feedback and the freelancer's
    for (i, id) in ["p1", "p2", "p3", "p4", "p5"].iter().enumerate() {
        negative_contract_in(&f.repo, id, &format!("pc{i}"), day(10 * i as i64)).await;
    }
    let recording = Arc::new(Recording {
        inner: f.repo.engine().clone(),
        limits: std::sync::Mutex::new(Vec::new()),
    });
    let repo = Repository::new(recording.clone() as Arc<dyn Engine>);
    // WHEN they are read two at a time, each slice after the last key of the one before
    let mut seen = Vec::new();
    let mut keys = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let slice = repo
            .evidence_before(&user("fl1"), before.as_deref(), 2)
            .await
            .unwrap();
        assert!(slice.len() <= 2, "a slice holds at most what was asked");
        for (key, evidence) in &slice {
            assert!(
                evidence.client_feedback.is_some(),
                "{key}: client feedback joined"
            );
            assert!(
                evidence.freelancer_feedback_at.is_some(),
                "{key}: freelancer's joined"
            );
            seen.push(evidence.contract.contract_id.as_str().to_owned());
            keys.push(key.clone());
        }
        match slice.last() {
            Some((key, _)) if slice.len() == 2 => before = Some(key.clone()),
            _ => break,
        }
    }
    // THEN every contract comes once, newest first, and no query read without a bound
    assert_eq!(seen, ["p5", "p4", "p3", "p2", "p1"]);
    assert!(keys.windows(2).all(|w| w[0] > w[1]), "{keys:?}");
    let limits = recording.limits.lock().unwrap().clone();
    assert!(!limits.is_empty());
    assert!(
        limits.iter().all(|l| l.is_some_and(|n| n <= 6)),
        "every query bounded by the slice: {limits:?}"
    );
    // AND a cursor that is not one of this list's keys is the caller's error
    assert!(matches!(
        repo.evidence_before(&user("fl1"), Some("AUDIT#2026"), 2).await,
        Err(DomainError::InvalidField { field, .. }) if field == "cursor"
    ));
}

async fn the_audit_trail_is_read_a_page_after_its_cursor_and_a_foreign_cursor_is_refused(
    f: Fixture,
) {
    let repo = &f.repo;
    // GIVEN a freelancer blocked by three clients' feedback: a trail of several entries
    let _ = blocked_by_three_clients(repo).await;
    let whole = repo
        .audit_trail(&user("fl1"), &PageRequest::default())
        .await
        .unwrap();
    assert!(whole.next_cursor.is_none());
    assert!(!whole.items.is_empty());
    // WHEN it is read one entry a page
    let mut paged = Vec::new();
    let mut request = Some(PageRequest::parse(Some("1"), None).unwrap());
    while let Some(page) = request.take() {
        let got = repo.audit_trail(&user("fl1"), &page).await.unwrap();
        assert!(got.items.len() <= 1);
        request = page.next(&got);
        paged.extend(got.items);
    }
    // THEN the pages together are the whole trail, in order, each entry once
    assert_eq!(paged, whole.items);
    // AND a cursor another list gave out (the queue's) is refused as a cursor
    contracts::register(
        repo,
        &service(),
        cid("q1"),
        register_cmd("qc1", Some(day(1))),
    )
    .await
    .unwrap();
    contracts::register(
        repo,
        &service(),
        cid("q2"),
        register_cmd("qc1", Some(day(1))),
    )
    .await
    .unwrap();
    let clock = FixedClock::at(day(5));
    for text in ["claim one", "claim two"] {
        let qc1 = actor("qc1", &[Role::Client]);
        complaints::file(
            repo,
            &clock,
            &policy(),
            complaints::may_file(repo, &qc1, &user("fl1"))
                .await
                .unwrap(),
            complaint_cmd(text),
        )
        .await
        .unwrap();
    }
    let one = PageRequest::parse(Some("1"), None).unwrap();
    let queue = repo
        .complaint_queue(ComplaintStatus::Open, &one)
        .await
        .unwrap();
    let cursor = queue
        .next_cursor
        .expect("two open complaints make two pages");
    let foreign = PageRequest::parse(Some("1"), Some(&cursor)).unwrap();
    assert!(matches!(
        repo.audit_trail(&user("fl1"), &foreign).await,
        Err(DomainError::InvalidField { field, .. }) if field == "cursor"
    ));
}

/// Where one stored item of each entity type, as the repository writes it today, is kept in
/// DynamoDB JSON: the items a table holds outlive the code that wrote them. A file is named by
/// its entity type, and by what it shows after a dot when a type has more than one
/// (`guard.evidence-mark.json`).
const STORED_ITEMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/items");

/// Writes one item of every entity type through the use cases, and returns the richest image of
/// each type from the change log, by type.
async fn items_written_today() -> std::collections::BTreeMap<String, Item> {
    let f = embedded().await;
    let repo = &f.repo;
    let (clock, e) = blocked_by_three_clients(repo).await;
    let freelancer = actor("fl1", &[Role::Freelancer]);
    feedback::respond(
        repo,
        &clock,
        &policy(),
        &freelancer,
        &cid("c1"),
        ResponseText::parse("I delivered what the contract asked for").unwrap(),
    )
    .await
    .unwrap();
    let report = feedback::report(
        repo,
        &clock,
        &policy(),
        &freelancer,
        &cid("c2"),
        feedback::ReportFeedback {
            reason: ReportReason::Manipulation,
            details: Note::parse("a competitor").unwrap(),
        },
    )
    .await
    .unwrap();
    let reviewer = actor("rev1", &[Role::Reviewer]);
    feedback::decide_report(
        repo,
        &clock,
        &reviewer,
        &report.report_id,
        feedback::DecideReport {
            outcome: ReportOutcome::Kept,
            note: Note::parse("the client's account is consistent").unwrap(),
        },
    )
    .await
    .unwrap();
    appeals::file(
        repo,
        &clock,
        &policy(),
        &freelancer,
        &user("fl1"),
        appeals::FileAppeal {
            sanction_id: e.sanctions[0].sanction_id.clone(),
            kind: AppealKind::Contest,
            statement: Statement::parse("the third client never paid").unwrap(),
        },
    )
    .await
    .unwrap();
    for client in ["cl1", "cl2"] {
        let reporter = actor(client, &[Role::Client]);
        complaints::file(
            repo,
            &clock,
            &policy(),
            complaints::may_file(repo, &reporter, &user("fl1"))
                .await
                .unwrap(),
            complaint_cmd("AWS SA"),
        )
        .await
        .unwrap();
    }
    // The policy lab's items: a published version, the selection with its rollout, an
    // activation, and a shadow's disagreement (a candidate needing four clients frees fl1).
    let admin = actor("pa1", &[Role::PolicyAdmin]);
    let version = PolicyVersion::parse("pilot-2").unwrap();
    let mut candidate = policy();
    candidate.version = "pilot-2".into();
    candidate.quality_min_distinct_clients = 4;
    policies::publish(repo, &clock, &admin, &version, candidate.clone())
        .await
        .unwrap();
    policies::activate(
        repo,
        &clock,
        &policy(),
        &admin,
        &version,
        PolicyMode::Shadow,
    )
    .await
    .unwrap();
    // The shadow's disagreement as a backtest of fl1's whole history finds it (a live shadow
    // carries live's block as decided, so it agrees on fl1).
    let live = standing::reevaluate(repo, &clock, &policy(), &user("fl1"))
        .await
        .unwrap();
    let history = standing::load_record(repo, &user("fl1"), &[], clock.now(), &candidate)
        .await
        .unwrap();
    let judged = standing_domain::evaluate(&history, &candidate, clock.now());
    let found = policies::disagreement(&policy(), &live, &candidate, &judged).unwrap();
    repo.put_shadow_record("pilot-2", &user("fl1"), Some(&found))
        .await
        .unwrap();
    let engine = f.embedded.clone().unwrap();
    let changes = engine.read_changes(None, 10_000).await.unwrap();
    let mut richest: std::collections::BTreeMap<String, Item> = Default::default();
    for image in changes.into_iter().filter_map(|c| c.new_image) {
        let Some(standing_store::AttributeValue::S(entity)) = image.get("entity_type").cloned()
        else {
            continue;
        };
        let size = serde_json::to_string(&image).unwrap().len();
        let richer = richest
            .get(&entity)
            .is_none_or(|kept| serde_json::to_string(kept).unwrap().len() < size);
        if richer {
            richest.insert(entity, image);
        }
    }
    richest
}

/// Decodes a stored item as the repository reads its entity type, into the domain value it
/// holds, and encodes that value back as the repository writes it.
fn decode_and_encode(entity: &str, item: Item) -> Result<Item, String> {
    use standing_store::{
        AppealItem, AuditItem, ComplaintItem, ContractItem, Due, Envelope, FeedbackItem, Guard,
        NoticeItem, OutboxItem, PolicyChangeItem, PolicyItem, Reference, SelectionItem, ShadowItem,
        StandingItem, Stored, from_item,
    };
    /// Through the domain: item → domain value → item.
    fn through_domain<T: Stored>(item: Item) -> Result<Item, String> {
        let envelope: Envelope<T> = from_item(item).map_err(|e| e.to_string())?;
        let domain = envelope.data.into_domain().map_err(|e| e.to_string())?;
        let again = Envelope {
            data: T::from_domain(&domain),
            ..envelope
        };
        again.to_item().map_err(|e| e.to_string())
    }
    /// The store's own bookkeeping, which has no domain value.
    fn again<T: serde::Serialize + serde::de::DeserializeOwned>(
        item: Item,
    ) -> Result<Item, String> {
        let envelope: Envelope<T> = from_item(item).map_err(|e| e.to_string())?;
        envelope.to_item().map_err(|e| e.to_string())
    }
    match entity {
        "contract" => through_domain::<ContractItem>(item),
        "feedback" => through_domain::<FeedbackItem>(item),
        "complaint" => through_domain::<ComplaintItem>(item),
        "appeal" => through_domain::<AppealItem>(item),
        "standing" => through_domain::<StandingItem>(item),
        "audit" => through_domain::<AuditItem>(item),
        "notice" => through_domain::<NoticeItem>(item),
        "policy" => through_domain::<PolicyItem>(item),
        "policy_selection" => through_domain::<SelectionItem>(item),
        "policy_change" => through_domain::<PolicyChangeItem>(item),
        "shadow" => through_domain::<ShadowItem>(item),
        "due" => again::<Due>(item),
        "guard" => again::<Guard>(item),
        "ref" => again::<Reference>(item),
        // An event as it leaves: its body is the outbound contract, not a domain value.
        "outbox" => again::<OutboxItem>(item),
        other => Err(format!("no decoder for entity type {other}")),
    }
}

/// Every attribute of `old` is in `new` with the same value (maps compared the same way, so a
/// field added since the fixture was written is fine; one renamed, dropped or retyped is not).
fn keeps_everything(
    old: &standing_store::AttributeValue,
    new: &standing_store::AttributeValue,
    path: &str,
    lost: &mut Vec<String>,
) {
    use standing_store::AttributeValue as V;
    match (old, new) {
        (V::M(o), V::M(n)) => {
            for (k, v) in o {
                match n.get(k) {
                    Some(nv) => keeps_everything(v, nv, &format!("{path}.{k}"), lost),
                    None => lost.push(format!("{path}.{k} is gone")),
                }
            }
        }
        (V::L(o), V::L(n)) if o.len() == n.len() => {
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                keeps_everything(a, b, &format!("{path}[{i}]"), lost);
            }
        }
        (a, b) if a == b => {}
        (a, b) => lost.push(format!("{path} was {a:?}, is now {b:?}")),
    }
}

/// Items written by an earlier build must still decode, and come back with every attribute they
/// had: a renamed or retyped field in a domain struct fails here, not on the table. Run with
/// `STANDING_WRITE_FIXTURES=1` to add the types a new build writes (never to paper over a loss:
/// keep the old files, and migrate).
#[tokio::test]
async fn items_stored_by_earlier_builds_still_decode_with_every_attribute_they_had() {
    let dir = std::path::Path::new(STORED_ITEMS);
    if std::env::var("STANDING_WRITE_FIXTURES").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(dir).unwrap();
        for (entity, item) in items_written_today().await {
            let path = dir.join(format!("{entity}.json"));
            if !path.exists() {
                // Through a JSON value, whose maps sort their keys: a stable file.
                let sorted = serde_json::to_value(&item).unwrap();
                std::fs::write(&path, serde_json::to_string_pretty(&sorted).unwrap() + "\n")
                    .unwrap();
            }
        }
    }
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let entity = name.split('.').next().unwrap_or_default().to_owned();
        let old: Item = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        match decode_and_encode(&entity, old.clone()) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(new) => {
                let mut lost = Vec::new();
                keeps_everything(
                    &standing_store::AttributeValue::M(old.into()),
                    &standing_store::AttributeValue::M(new.into()),
                    &name,
                    &mut lost,
                );
                failures.extend(lost);
            }
        }
        checked.push(entity);
    }
    checked.sort();
    // Every entity type the repository writes today has a stored example.
    let written: Vec<String> = items_written_today().await.into_keys().collect();
    for entity in &written {
        assert!(
            checked.contains(entity),
            "no stored example of `{entity}` items in {STORED_ITEMS}: run with STANDING_WRITE_FIXTURES=1"
        );
    }
    assert!(
        failures.is_empty(),
        "stored items no longer read back whole:\n{}",
        failures.join("\n")
    );
    println!("stored items checked: {}", checked.join(", "));
}

async fn two_reporters_filing_the_same_claim_at_once_open_the_review_case(f: Fixture) {
    let repo = &f.repo;
    for (c, client) in [("r1", "rc1"), ("r2", "rc2")] {
        contracts::register(repo, &service(), cid(c), register_cmd(client, Some(day(1))))
            .await
            .unwrap();
    }
    let clock = FixedClock::at(day(5));
    let file = |client: &'static str| {
        let clock = &clock;
        async move {
            let reporter = actor(client, &[Role::Client]);
            let right = complaints::may_file(repo, &reporter, &user("fl1"))
                .await
                .unwrap();
            complaints::file(repo, clock, &policy(), right, complaint_cmd("AWS SA")).await
        }
    };
    // Both read the complaints before either writes (the futures interleave at each await).
    let (a, b) = tokio::join!(file("rc1"), file("rc2"));
    a.unwrap();
    b.unwrap();
    let review = repo
        .complaint_queue(ComplaintStatus::UnderReview, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        review.items.len(),
        2,
        "the second filing saw the first and opened the case"
    );
}

async fn one_reporter_filing_more_than_the_open_limit_at_once_gets_only_the_limit_in(f: Fixture) {
    let repo = &f.repo;
    contracts::register(
        repo,
        &service(),
        cid("lim"),
        register_cmd("lc1", Some(day(1))),
    )
    .await
    .unwrap();
    let clock = FixedClock::at(day(5));
    let limit = policy().max_open_complaints_per_reporter as usize;
    let reporter = actor("lc1", &[Role::Client]);
    let mut filings = Vec::new();
    for n in 0..=limit {
        let (reporter, clock) = (reporter.clone(), &clock);
        filings.push(async move {
            let right = complaints::may_file(repo, &reporter, &user("fl1"))
                .await
                .unwrap();
            complaints::file(
                repo,
                clock,
                &policy(),
                right,
                complaint_cmd(&format!("claim {n}")),
            )
            .await
        });
    }
    let results = futures_join_all(filings).await;
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(accepted, limit, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| matches!(r, Err(DomainError::Policy(_)))),
        "the one over the limit is refused by the rule, not lost to a conflict: {results:?}"
    );
    assert_eq!(
        repo.freelancer_complaints(&user("fl1"))
            .await
            .unwrap()
            .len(),
        limit
    );
}

async fn a_filing_decided_on_a_stale_read_of_the_complaints_is_refused(f: Fixture) {
    let repo = &f.repo;
    contracts::register(
        repo,
        &service(),
        cid("st"),
        register_cmd("sc1", Some(day(1))),
    )
    .await
    .unwrap();
    let before = repo.complaint_set_version(&user("fl1")).await.unwrap();
    assert_eq!(before, None);
    let clock = FixedClock::at(day(5));
    let reporter = actor("sc1", &[Role::Client]);
    complaints::file(
        repo,
        &clock,
        &policy(),
        complaints::may_file(repo, &reporter, &user("fl1"))
            .await
            .unwrap(),
        complaint_cmd("first"),
    )
    .await
    .unwrap();
    let late = complaint("late", "sc1", "second", day(5));
    let result = repo.file_complaint(&late, &[], before).await;
    assert!(
        matches!(result, Err(DomainError::Conflict(_))),
        "{result:?}"
    );
    assert_eq!(
        repo.freelancer_complaints(&user("fl1"))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Runs the futures together on this task, all of them interleaving at their awaits.
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, slot) in pinned.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

async fn the_queue_comes_in_pages_and_the_next_stays_right_when_an_earlier_complaint_leaves(
    f: Fixture,
) {
    let repo = &f.repo;
    for (c, client) in [("qa", "qc1"), ("qb", "qc2")] {
        contracts::register(repo, &service(), cid(c), register_cmd(client, Some(day(1))))
            .await
            .unwrap();
    }
    // GIVEN two claims, each complained of by both reporters: four complaints in review,
    // filed an hour apart
    let clock = FixedClock::at(day(5));
    let mut filed = Vec::new();
    for (claim, client) in [
        ("one", "qc1"),
        ("one", "qc2"),
        ("two", "qc1"),
        ("two", "qc2"),
    ] {
        let reporter = actor(client, &[Role::Client]);
        let complaint = complaints::file(
            repo,
            &clock,
            &policy(),
            complaints::may_file(repo, &reporter, &user("fl1"))
                .await
                .unwrap(),
            complaint_cmd(claim),
        )
        .await
        .unwrap();
        filed.push(complaint.complaint_id);
        clock.advance(Duration::hours(1));
    }
    let two = PageRequest::parse(Some("2"), None).unwrap();
    let first = repo
        .complaint_queue(ComplaintStatus::UnderReview, &two)
        .await
        .unwrap();
    let ids = |page: &Page<model::Complaint>| -> Vec<ComplaintId> {
        page.items.iter().map(|c| c.complaint_id.clone()).collect()
    };
    assert_eq!(ids(&first), filed[..2], "oldest first");
    // WHEN the first complaint is decided and leaves the queue before the next page is read
    let reviewer = actor("rev1", &[Role::Reviewer]);
    let right = complaints::may_decide(repo, &reviewer, &filed[0])
        .await
        .unwrap();
    complaints::decide(
        repo,
        &clock,
        &policy(),
        right,
        complaints::DecideComplaint {
            outcome: ComplaintOutcome::Unsubstantiated,
            terms_clause: TermsClause::parse("ToS 4.2").unwrap(),
            note: Note::parse("the register lists it").unwrap(),
        },
    )
    .await
    .unwrap();
    // THEN the next page is the two after the cursor, none skipped or repeated, and the last
    let next = two.next(&first).unwrap();
    let second = repo
        .complaint_queue(ComplaintStatus::UnderReview, &next)
        .await
        .unwrap();
    assert_eq!(ids(&second), filed[2..]);
    assert_eq!(second.next_cursor, None);
}

/// A policy rollout walks every stored standing once, a page at a time, whichever of the
/// index's shards each lives in, and a cursor from another list is refused.
#[tokio::test]
async fn the_standings_walk_gives_every_freelancer_once_a_page_at_a_time() {
    let f = embedded().await;
    let repo = &f.repo;
    let clock = FixedClock::at(day(5));
    let mut expected: Vec<String> = (0..23).map(|i| format!("fl-walk-{i:02}")).collect();
    for id in &expected {
        standing::reevaluate(repo, &clock, &policy(), &user(id))
            .await
            .unwrap();
    }
    let mut seen: Vec<String> = Vec::new();
    let mut request = Some(PageRequest::first(4));
    let mut pages = 0;
    while let Some(page) = request.take() {
        let got = repo.standings_page(&page).await.unwrap();
        assert!(got.items.len() <= 4);
        request = page.next(&got);
        seen.extend(got.items.iter().map(|u| u.to_string()));
        pages += 1;
    }
    assert!(pages >= 6, "{pages} pages");
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected);
    let foreign = PageRequest::parse(Some("4"), Some("c1.4142")).unwrap();
    assert!(matches!(
        repo.standings_page(&foreign).await,
        Err(DomainError::InvalidField { field, .. }) if field == "cursor"
    ));
}

/// A live switch's rollout goes on from its checkpoint across runs, one page a run here, until
/// every freelancer was re-evaluated; a run after that does nothing.
#[tokio::test]
async fn a_rollout_continues_from_its_checkpoint_across_runs_until_everyone_is_reevaluated() {
    let f = embedded().await;
    let repo = &f.repo;
    let clock = FixedClock::at(day(5));
    for i in 0..5 {
        standing::reevaluate(repo, &clock, &policy(), &user(&format!("fl-roll-{i}")))
            .await
            .unwrap();
    }
    let admin = actor("pa1", &[Role::PolicyAdmin]);
    let version = PolicyVersion::parse("pilot-2").unwrap();
    let mut candidate = policy();
    candidate.version = "pilot-2".into();
    policies::publish(repo, &clock, &admin, &version, candidate)
        .await
        .unwrap();
    policies::activate(repo, &clock, &policy(), &admin, &version, PolicyMode::Live)
        .await
        .unwrap();
    let mut runs = Vec::new();
    for _ in 0..4 {
        let step = policies::rollout_step(repo, &clock, 2, 1).await.unwrap();
        runs.push((step.reevaluated, step.finished));
    }
    assert_eq!(runs, vec![(2, false), (2, false), (1, true), (0, false)]);
    let selection = repo.policy_selection().await.unwrap().unwrap().value;
    let rollout = selection.rollout.unwrap();
    assert_eq!(rollout.reevaluated, 5);
    assert!(rollout.finished_at.is_some() && rollout.checkpoint.is_none());
    // Each standing now records the version it was evaluated under.
    for i in 0..5 {
        let stored = repo
            .get_standing(&user(&format!("fl-roll-{i}")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.value.policy_version, "pilot-2");
    }
}

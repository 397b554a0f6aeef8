//! The stream path on the embedded engine: its change log, turned into the DynamoDB stream
//! events Lambda delivers (NEW_AND_OLD_IMAGES), fed to the handler.

use super::*;
use standing_lambda::testing::stores::{EmbeddedStore, last_sequence_number, undecodable_item};
use standing_store::{Condition, Engine, Key, SequenceNumber, keys};

const CLIENTS: [&str; 3] = ["fl-bo-client1", "fl-bo-client2", "fl-bo-client3"];

/// fl-bo's three contracts, rated negatively by three clients, on a fresh engine.
async fn three_negative_contracts() -> (EmbeddedStore, Vec<String>) {
    let store = EmbeddedStore::new();
    let contracts = arrange::negative_contracts(&store.repo, "fl-bo", &CLIENTS, ended()).await;
    (store, contracts)
}

fn feedback_ids(contracts: &[String]) -> Vec<String> {
    contracts
        .iter()
        .map(|c| {
            standing_domain::FeedbackId::for_contract(
                &standing_domain::ContractId::parse(c.as_str()).unwrap(),
                standing_domain::Direction::Client,
            )
            .to_string()
        })
        .collect()
}

#[tokio::test]
async fn the_change_log_of_three_negative_feedbacks_blocks_the_freelancer_with_its_evidence() {
    // GIVEN three negative feedbacks from three clients, in the change log
    let (store, contracts) = three_negative_contracts().await;
    let functions = Functions::on(&store.repo);
    let event = store.stream_event_after(None).await;
    assert_eq!(
        entity_types(&event),
        [
            "contract", "contract", "guard", "feedback", "contract", "guard", "feedback",
            "contract", "guard"
        ]
        .repeat(3),
        "a contract is two items (its own, and its copy among the evidence); each side's feedback \
         is one, written with the contract's next version; each write moves the freelancer's \
         evidence mark on"
    );
    assert!(event["Records"].as_array().unwrap().iter().all(|r| {
        r["eventSource"] == "aws:dynamodb"
            && r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    }));
    // WHEN the batch is delivered
    let failures = functions.deliver(&event).await;
    // THEN every record commits and the freelancer is blocked on that evidence
    assert!(failures.is_empty(), "{failures:?}");
    let standing = functions.standing("fl-bo", FREELANCER).await;
    assert_eq!(standing.status, 200);
    assert_quality_block(
        &standing.body,
        &["fl-bo-c1", "fl-bo-c2", "fl-bo-c3"],
        &feedback_ids(&contracts),
    );
    assert_eq!(standing.body["version"], 1);
    // Both sides have given theirs, so the negatives are revealed and the JSS counts them.
    assert_eq!(standing.body["jss"], 0);
}

#[tokio::test]
async fn a_replayed_batch_and_the_evaluators_own_records_change_nothing() {
    // GIVEN the batch delivered once
    let (store, _) = three_negative_contracts().await;
    let functions = Functions::on(&store.repo);
    let batch = store.stream_event_after(None).await;
    let end_of_batch: SequenceNumber = last_sequence_number(&batch).unwrap().parse().unwrap();
    assert!(functions.deliver(&batch).await.is_empty());
    let own = store.stream_event_after(Some(end_of_batch)).await;
    let written = store.position();
    let standing = functions.standing("fl-bo", REVIEWER).await.body;
    let audit = functions.audit_items("fl-bo").await;
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
    assert_eq!(audit[0]["action"], "imposed");

    // WHEN Lambda delivers the same batch again, an hour later
    functions.clock.advance(Duration::hours(1));
    assert!(functions.deliver(&batch).await.is_empty());
    // AND the records of the evaluator's own writes reach it
    let own_types = entity_types(&own);
    assert!(
        own_types.iter().any(|t| t == "outbox")
            && own_types
                .iter()
                .all(|t| ["standing", "audit", "notice", "outbox", "due"].contains(&t.as_str())),
        "{own_types:?}"
    );
    assert!(functions.deliver(&own).await.is_empty());

    // THEN the standing (its version included) and the audit trail are as they were
    assert_eq!(functions.standing("fl-bo", REVIEWER).await.body, standing);
    assert_eq!(functions.audit_items("fl-bo").await, audit);
    // AND nothing was written at all
    assert_eq!(store.position(), written, "a replay wrote something");
}

#[tokio::test]
async fn a_freelancer_whose_evaluation_fails_is_reported_by_its_first_record_while_others_commit() {
    // GIVEN fl-x's contract, then fl-bo's evidence of a block, then an evidence item of fl-x
    // that no longer decodes, written straight through the engine
    let store = EmbeddedStore::new();
    arrange::contract(&store.repo, "fl-x-c1", "cl-zed", "fl-x", Some(ended())).await;
    arrange::negative_contracts(&store.repo, "fl-bo", &CLIENTS, ended()).await;
    let fl_x = standing_domain::UserId::parse("fl-x").unwrap();
    let contract = standing_domain::ContractId::parse("fl-x-c1").unwrap();
    let broken_sk =
        keys::evidence_feedback_sk(ended(), &contract, standing_domain::Direction::Client);
    store
        .put_raw(undecodable_item("FL#fl-x", &broken_sk, "feedback", &fl_x))
        .await;
    let functions = Functions::on(&store.repo);
    let batch = store.stream_event_after(None).await;
    let first_of_x = first_sequence_number_of(&batch, "fl-x");
    assert_eq!(
        batch["Records"][0]["dynamodb"]["SequenceNumber"],
        first_of_x.as_str()
    );

    // WHEN the batch is delivered
    let failures = functions.deliver(&batch).await;

    // THEN fl-x is reported by its first record, and only fl-x
    assert_eq!(failures, [first_of_x.as_str()]);
    // AND fl-bo's evaluation committed
    assert_eq!(
        functions.standing("fl-bo", FREELANCER).await.body["standing"],
        "blocked_new_work"
    );
    // AND fl-x has no standing: reading it meets the same item and is a 500 (ours to fix)
    let x = functions.standing("fl-x", REVIEWER).await;
    assert_eq!((x.status, x.code()), (500, "internal"));

    // WHEN the item is repaired and Lambda retries from the reported record
    store
        .engine
        .delete(Key::new("FL#fl-x", broken_sk), Condition::None)
        .await
        .unwrap();
    let from: u64 = first_of_x.parse().unwrap();
    let retry = store
        .stream_event_after(Some(SequenceNumber(from - 1)))
        .await;
    // THEN the retry commits: fl-x is evaluated and fl-bo is unchanged
    assert!(functions.deliver(&retry).await.is_empty());
    let x = functions.standing("fl-x", REVIEWER).await;
    assert_eq!(
        (
            x.status,
            x.body["standing"].clone(),
            x.body["version"].clone()
        ),
        (200, "good".into(), 1.into())
    );
    assert_eq!(
        functions.standing("fl-bo", FREELANCER).await.body["version"],
        1
    );
}

#[tokio::test]
async fn the_captured_aws_stream_batch_is_evaluated_on_the_real_engine() {
    // GIVEN the captured batch (fl-ada and fl-bo, with the evaluator's own records among them)
    let store = EmbeddedStore::new();
    let functions = Functions::on(&store.repo);
    let batch: Value =
        serde_json::from_str(standing_lambda::testing::fixtures::STREAM_BATCH).unwrap();
    // WHEN it is delivered to an engine that holds nothing of theirs
    let failures = functions.deliver(&batch).await;
    // THEN both are evaluated (nothing against them) and nothing fails
    assert!(failures.is_empty(), "{failures:?}");
    for freelancer in ["fl-ada", "fl-bo"] {
        let standing = functions.standing(freelancer, SERVICE).await;
        assert_eq!(standing.body["standing"], "good", "{freelancer}");
        assert_eq!(standing.body["version"], 1, "{freelancer}");
    }
}

#[tokio::test]
async fn a_reviewer_removing_feedback_the_block_rested_on_lifts_it_through_the_stream() {
    // GIVEN fl-bo blocked through the stream
    let (store, _) = three_negative_contracts().await;
    let functions = Functions::on(&store.repo);
    assert!(
        functions
            .deliver(&store.stream_event_after(None).await)
            .await
            .is_empty()
    );
    let before = store.position();

    // WHEN, after the reveal, fl-bo reports one of the feedbacks and a reviewer removes it,
    // through submit-feedback's handler
    functions.clock.set(ended() + Duration::days(15));
    let report = functions
        .feedback_call(
            "POST",
            "/contracts/fl-bo-c1/feedback/client/report",
            FREELANCER,
            r#"{"reason": "not_about_the_work"}"#,
        )
        .await;
    assert_eq!(report.status, 201, "{:?}", report.body);
    let decision = format!(
        "/feedback-reports/{}/decision",
        report.body["report_id"].as_str().unwrap()
    );
    let removed = functions
        .feedback_call("POST", &decision, REVIEWER, r#"{"outcome": "removed"}"#)
        .await;
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    // AND the stream delivers those writes
    let changes = store.stream_event_after(before).await;
    assert_eq!(
        entity_types(&changes),
        ["feedback", "guard", "feedback", "guard"],
        "the report and its decision, each moving the evidence mark on"
    );
    assert!(functions.deliver(&changes).await.is_empty());

    // THEN the block is reversed, with that reason in the audit trail
    let standing = functions.standing("fl-bo", FREELANCER).await.body;
    assert_eq!(standing["standing"], "good", "{standing}");
    assert_eq!(standing["sanctions"], serde_json::json!([]));
    assert_eq!(standing["version"], 2);
    let audit = functions.audit_items("fl-bo").await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["imposed", "lifted"]);
}

//! The stream path on DynamoDB Local, for real: writes through submit-feedback's HTTP handler
//! on a DynamoDB repository, the table's stream read with GetShardIterator / GetRecords, the
//! records turned into the event Lambda delivers, fed to the handler.

use super::*;
use standing_lambda::testing::stores::{
    DynamoDbLocalStore, last_sequence_number, undecodable_item,
};
use standing_store::keys;

const SERVICE_CALLER: Caller = SERVICE;

/// Registers `contract` (ended at [`ended`]) between `client` and `freelancer`, has the client
/// rate it negatively and the freelancer leave theirs (so the negative is revealed and counts),
/// all through submit-feedback's handler. Returns the client's feedback id.
async fn negative_contract(
    functions: &Functions,
    contract: &str,
    client: &'static str,
    freelancer: &'static str,
) -> String {
    let body = arrange::body::contract(
        client,
        freelancer,
        ended() - Duration::days(30),
        Some(ended()),
    );
    let registered = functions
        .feedback_call(
            "PUT",
            &format!("/contracts/{contract}"),
            SERVICE_CALLER,
            &body,
        )
        .await;
    assert_eq!(registered.status, 200, "{:?}", registered.body);
    let rated = functions
        .feedback_call(
            "POST",
            &format!("/contracts/{contract}/feedback"),
            Some((client, "[client]")),
            &arrange::body::negative_feedback(),
        )
        .await;
    assert_eq!(rated.status, 201, "{:?}", rated.body);
    let answered = functions
        .feedback_call(
            "POST",
            &format!("/contracts/{contract}/feedback"),
            Some((freelancer, "[freelancer]")),
            &arrange::body::freelancer_feedback(),
        )
        .await;
    assert_eq!(answered.status, 201, "{:?}", answered.body);
    rated.body["feedback_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn on_dynamodb_local_three_negative_feedbacks_streamed_to_the_evaluator_block_the_freelancer_once()
 {
    // GIVEN three clients' negative feedback on fl-bo, written through the HTTP handlers
    let store = DynamoDbLocalStore::new("evaluate-stream").await;
    let functions = Functions::on(&store.repo);
    functions.clock.set(ended() + Duration::days(1));
    let mut feedback_ids = Vec::new();
    for (contract, client) in [("c-1", "cl-ada"), ("c-2", "cl-cy"), ("c-3", "cl-eve")] {
        feedback_ids.push(negative_contract(&functions, contract, client, "fl-bo").await);
    }
    // AND the table's stream records, as Lambda delivers them
    let batch = store.stream_event_after(None, 27).await;
    assert_eq!(
        entity_types(&batch),
        [
            "contract", "contract", "guard", "feedback", "contract", "guard", "feedback",
            "contract", "guard"
        ]
        .repeat(3)
    );
    let arn = store.stream_arn().await;
    for record in batch["Records"].as_array().unwrap() {
        assert_eq!(record["eventSource"], "aws:dynamodb");
        assert_eq!(record["eventSourceARN"], arn.as_str());
        assert_eq!(record["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
    }
    // Each feedback moves its contract to the next version in the same transaction; every
    // write moves the evidence mark on (inserted by the first contract, modified after).
    let names: Vec<&str> = batch["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["eventName"].as_str().unwrap_or(""))
        .collect();
    let contract = |mark: &'static str| {
        [
            "INSERT", "INSERT", mark, "INSERT", "MODIFY", "MODIFY", "INSERT", "MODIFY", "MODIFY",
        ]
    };
    assert_eq!(
        names,
        [contract("INSERT"), contract("MODIFY"), contract("MODIFY")].concat()
    );

    // WHEN the batch reaches evaluate-freelancer
    functions.clock.set(ended() + Duration::days(2));
    let failures = functions.deliver(&batch).await;

    // THEN nothing fails, and the standing says blocked_new_work with the sanction's evidence
    assert!(failures.is_empty(), "{failures:?}");
    let standing = functions.standing("fl-bo", FREELANCER).await;
    assert_eq!(standing.status, 200, "{:?}", standing.body);
    assert_quality_block(&standing.body, &["c-1", "c-2", "c-3"], &feedback_ids);
    assert_eq!(standing.body["version"], 1);
    let audit = functions.audit_items("fl-bo").await;
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");

    // WHEN the same batch is delivered again, and then the records of the evaluator's own writes
    functions.clock.advance(Duration::hours(1));
    assert!(functions.deliver(&batch).await.is_empty());
    let own = store
        .stream_event_after(last_sequence_number(&batch).as_deref(), 1)
        .await;
    assert!(
        entity_types(&own)
            .iter()
            .all(|t| ["standing", "audit", "notice", "outbox", "due"].contains(&t.as_str())),
        "{:?}",
        entity_types(&own)
    );
    assert!(functions.deliver(&own).await.is_empty());

    // THEN nothing changed: the standing's version and the audit trail are as they were
    assert_eq!(
        functions.standing("fl-bo", FREELANCER).await.body,
        standing.body
    );
    assert_eq!(functions.audit_items("fl-bo").await, audit);
}

#[tokio::test]
async fn on_dynamodb_local_a_freelancer_whose_evaluation_fails_is_reported_by_its_first_record_while_others_commit()
 {
    // GIVEN fl-x's contract, then fl-bo's three negative contracts, written through the HTTP
    // handlers, then an evidence item of fl-x that does not decode, written straight through
    // the DynamoDB engine
    let store = DynamoDbLocalStore::new("evaluate-failure").await;
    let functions = Functions::on(&store.repo);
    functions.clock.set(ended() + Duration::days(1));
    let body = arrange::body::contract(
        "cl-zed",
        "fl-x",
        ended() - Duration::days(30),
        Some(ended()),
    );
    let registered = functions
        .feedback_call("PUT", "/contracts/x-1", SERVICE_CALLER, &body)
        .await;
    assert_eq!(registered.status, 200);
    let mut feedback_ids = Vec::new();
    for (contract, client) in [("c-1", "cl-ada"), ("c-2", "cl-cy"), ("c-3", "cl-eve")] {
        feedback_ids.push(negative_contract(&functions, contract, client, "fl-bo").await);
    }
    let fl_x = standing_domain::UserId::parse("fl-x").unwrap();
    let broken_sk = keys::evidence_feedback_sk(
        ended(),
        &standing_domain::ContractId::parse("x-1").unwrap(),
        standing_domain::Direction::Client,
    );
    store
        .put_raw(undecodable_item("FL#fl-x", &broken_sk, "feedback", &fl_x))
        .await;
    let batch = store.stream_event_after(None, 21).await;
    let first_of_x = first_sequence_number_of(&batch, "fl-x");
    assert_eq!(
        batch["Records"][0]["dynamodb"]["SequenceNumber"],
        first_of_x.as_str()
    );

    // WHEN the batch reaches evaluate-freelancer
    functions.clock.set(ended() + Duration::days(2));
    let failures = functions.deliver(&batch).await;

    // THEN fl-x alone is reported, by the sequence number of its first record
    assert_eq!(failures, [first_of_x]);
    // AND fl-bo's evaluation committed
    let standing = functions.standing("fl-bo", FREELANCER).await;
    assert_quality_block(&standing.body, &["c-1", "c-2", "c-3"], &feedback_ids);
    // AND fl-x was not evaluated: reading its standing meets the same item (500, ours to fix)
    let x = functions.standing("fl-x", REVIEWER).await;
    assert_eq!((x.status, x.code()), (500, "internal"));
}

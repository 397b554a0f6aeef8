//! The built binary, run as Lambda runs it: polling a fake Runtime API, with the environment
//! Lambda gives it, on a fresh table of DynamoDB Local.

use super::*;
use standing_domain::ContractId;
use standing_domain::ports::{ContractStore, FeedbackStore};
use standing_lambda::testing::fixtures::STREAM_BATCH;
use standing_lambda::testing::runtime_api::{Answer, LambdaFunction};
use standing_lambda::testing::stores::DynamoDbLocalStore;

#[tokio::test]
async fn the_binary_registers_a_contract_and_takes_feedback_through_the_runtime_api() {
    // GIVEN the binary, started as Lambda starts it, on a fresh table
    let store = DynamoDbLocalStore::new("submit-feedback-bin").await;
    let mut function = LambdaFunction::start(
        env!("CARGO_BIN_EXE_submit-feedback"),
        "standing-submit-feedback",
        &store,
    );
    let ended = Utc::now() - Duration::days(1);
    let contract = body::contract("cl-ada", "fl-bo", ended - Duration::days(30), Some(ended));

    // WHEN the service registers a contract that ended yesterday
    let registered = function
        .http("PUT", "/contracts/c-bin", SERVICE, Some(&contract))
        .await;
    function.report_init_duration();
    // THEN the posted response is API Gateway's 200 with the contract
    assert_eq!(registered.status, 200, "{:?}", registered.body);
    assert_eq!(registered.body["contract_id"], "c-bin");
    assert_eq!(registered.header("content-type"), Some("application/json"));

    // WHEN its client leaves feedback
    let submitted = function
        .http(
            "POST",
            "/contracts/c-bin/feedback",
            CLIENT,
            Some(&body::positive_feedback()),
        )
        .await;
    // THEN it is created, and it is in the table
    assert_eq!(submitted.status, 201, "{:?}", submitted.body);
    let id = ContractId::parse("c-bin").unwrap();
    let contract = store.repo.get_contract(&id).await.unwrap().unwrap().value;
    let stored = store.repo.contract_feedback(&contract).await.unwrap();
    assert_eq!(
        stored.client.unwrap().value.feedback_id.as_str(),
        submitted.body["feedback_id"].as_str().unwrap()
    );

    // WHEN a stream batch is routed to it by mistake
    let misrouted = function
        .invoke(&serde_json::from_str(STREAM_BATCH).unwrap())
        .await;
    // THEN it reports an invocation error and keeps serving
    match misrouted {
        Answer::Error { body, .. } => assert!(
            body["errorMessage"]
                .as_str()
                .unwrap()
                .contains("has no stream or schedule trigger"),
            "{body}"
        ),
        other => panic!("a misrouted event was answered: {other:?}"),
    }
    assert!(function.is_running(), "{}", function.log());
    // AND a refusal is an answer, not an invocation error
    let again = function
        .http(
            "POST",
            "/contracts/c-bin/feedback",
            CLIENT,
            Some(&body::positive_feedback()),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "already_exists"));
}

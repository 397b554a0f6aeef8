//! The built binary, run as Lambda runs it: polling a fake Runtime API, with the environment
//! Lambda gives it, on a fresh table of DynamoDB Local; invoked by API Gateway and by the
//! table's stream.

use super::*;
use standing_lambda::testing::fixtures::SCHEDULED_EVENT;
use standing_lambda::testing::runtime_api::{Answer, LambdaFunction};
use standing_lambda::testing::stores::DynamoDbLocalStore;

#[tokio::test]
async fn the_binary_evaluates_a_stream_batch_and_serves_the_standing_through_the_runtime_api() {
    // GIVEN fl-bo's three negative contracts, ended three days ago, on a fresh table
    let store = DynamoDbLocalStore::new("evaluate-bin").await;
    let clients = ["fl-bo-client1", "fl-bo-client2", "fl-bo-client3"];
    arrange::negative_contracts(
        &store.repo,
        "fl-bo",
        &clients,
        Utc::now() - Duration::days(3),
    )
    .await;
    // AND the binary, started as Lambda starts it
    let mut function = LambdaFunction::start(
        env!("CARGO_BIN_EXE_evaluate-freelancer"),
        "standing-evaluate-freelancer",
        &store,
    );

    // WHEN the table's stream records arrive as Lambda's event source mapping delivers them
    let batch = store.stream_event_after(None, 9).await;
    let answer = function.invoke(&batch).await;
    function.report_init_duration();
    // THEN the posted response is the partial batch response, with no failures
    assert_eq!(
        answer,
        Answer::Response(serde_json::json!({"batchItemFailures": []}))
    );

    // WHEN the freelancer asks for their standing through API Gateway
    let standing = function
        .http("GET", "/freelancers/fl-bo/standing", FREELANCER, None)
        .await;
    // THEN it is the stored block
    assert_eq!(standing.status, 200, "{:?}", standing.body);
    assert_eq!(standing.body["standing"], "blocked_new_work");
    assert_eq!(standing.body["version"], 1);
    assert_eq!(
        standing.body["sanctions"][0]["evidence"]["contract_ids"],
        serde_json::json!(["fl-bo-c1", "fl-bo-c2", "fl-bo-c3"])
    );
    // AND another freelancer is refused
    let refused = function
        .http("GET", "/freelancers/fl-bo/standing", OTHER_FREELANCER, None)
        .await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));

    // WHEN the hourly schedule fires
    let hourly = function
        .invoke(&serde_json::from_str(SCHEDULED_EVENT).unwrap())
        .await;
    // THEN it answers its report: nothing is due (the block is stored; time alone changes
    // nothing before the contracts leave the window), and it keeps serving
    assert_eq!(
        hourly,
        Answer::Response(
            serde_json::json!({"reevaluated": 0, "policy_rollout": {"version": null, "reevaluated": 0, "failed": 0, "pages": 0, "finished": false, "failures": []}})
        ),
        "{}",
        function.log()
    );
    assert!(function.is_running(), "{}", function.log());
    let audit = function
        .http("GET", "/freelancers/fl-bo/audit", REVIEWER, None)
        .await;
    assert_eq!(
        audit.body["items"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        audit.body
    );
}

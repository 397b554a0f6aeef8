//! The built binary, run as Lambda runs it: polling a fake Runtime API, with the environment
//! Lambda gives it, on a fresh table of DynamoDB Local.

use super::*;
use standing_lambda::testing::fixtures::SCHEDULED_EVENT;
use standing_lambda::testing::runtime_api::{Answer, LambdaFunction};
use standing_lambda::testing::stores::DynamoDbLocalStore;

#[tokio::test]
async fn the_binary_files_a_complaint_and_lists_it_through_the_runtime_api() {
    // GIVEN a table where cl-ada had a contract with fl-bo, and the binary started on it
    let store = DynamoDbLocalStore::new("file-complaint-bin").await;
    arrange::contract(
        &store.repo,
        "c-1",
        "cl-ada",
        "fl-bo",
        Some(Utc::now() - Duration::days(3)),
    )
    .await;
    let mut function = LambdaFunction::start(
        env!("CARGO_BIN_EXE_file-complaint"),
        "standing-file-complaint",
        &store,
    );

    // WHEN cl-ada files a complaint about fl-bo
    let filed = function
        .http("POST", COMPLAINTS, CLIENT, Some(&complaint(CLAIM)))
        .await;
    function.report_init_duration();
    // THEN the posted response is API Gateway's 201 with the complaint's id
    assert_eq!(filed.status, 201, "{:?}", filed.body);
    let id = filed.body["complaint_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cp_"), "{id}");

    // AND a reviewer finds it in the open queue
    let queue = function
        .http("GET", "/complaints?status=open", REVIEWER, None)
        .await;
    assert_eq!(queue.status, 200, "{:?}", queue.body);
    assert_eq!(ids(&queue), [id]);

    // WHEN the daily schedule is routed to it by mistake
    let misrouted = function
        .invoke(&serde_json::from_str(SCHEDULED_EVENT).unwrap())
        .await;
    // THEN it reports an invocation error and keeps serving
    assert!(
        matches!(&misrouted, Answer::Error { body, .. }
            if body["errorMessage"].as_str().is_some_and(|m| m.contains("has no stream or schedule trigger"))),
        "{misrouted:?}"
    );
    assert!(function.is_running(), "{}", function.log());
    let refused = function
        .http("GET", "/complaints?status=open", CLIENT, None)
        .await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));
}

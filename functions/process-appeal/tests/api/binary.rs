//! The built binary, run as Lambda runs it: polling a fake Runtime API, with the environment
//! Lambda gives it, on a fresh table of DynamoDB Local; invoked by API Gateway and by the
//! daily schedule.

use super::*;
use standing_lambda::testing::fixtures::{SCHEDULED_EVENT, STREAM_BATCH};
use standing_lambda::testing::runtime_api::{Answer, LambdaFunction};
use standing_lambda::testing::stores::DynamoDbLocalStore;

#[tokio::test]
async fn the_binary_files_appeals_and_runs_the_daily_check_through_the_runtime_api() {
    // GIVEN fl-bo under a block that began two days ago, on a fresh table
    let store = DynamoDbLocalStore::new("process-appeal-bin").await;
    let block = arrange::blocked(&store.repo, "fl-bo", Utc::now() - Duration::days(3)).await;
    let sanction_id = block.sanction_id.to_string();
    // AND the binary, started as Lambda starts it
    let mut function = LambdaFunction::start(
        env!("CARGO_BIN_EXE_process-appeal"),
        "standing-process-appeal",
        &store,
    );

    // WHEN fl-bo applies for reinstatement already
    let early = function
        .http(
            "POST",
            APPEALS,
            FREELANCER,
            Some(&appeal(&sanction_id, "reinstatement")),
        )
        .await;
    function.report_init_duration();
    // THEN the posted response is API Gateway's 422 with the date it opens
    assert_eq!(
        (early.status, early.code()),
        (422, "appeal_not_yet_open"),
        "{:?}",
        early.body
    );
    assert_eq!(
        early.body["error"]["details"]["opens_at"],
        stamp(block.appeal.reinstatement_opens_at.unwrap()).as_str()
    );

    // WHEN fl-bo contests the block instead
    let contest = function
        .http(
            "POST",
            APPEALS,
            FREELANCER,
            Some(&appeal(&sanction_id, "contest")),
        )
        .await;
    // THEN it is filed, and reviewers find it pending
    assert_eq!(contest.status, 201, "{:?}", contest.body);
    let appeal_id = contest.body["appeal_id"].as_str().unwrap().to_owned();
    let pending = function
        .http("GET", "/appeals?status=pending", REVIEWER, None)
        .await;
    assert_eq!(pending.status, 200);
    assert_eq!(pending.body["items"][0]["appeal_id"], appeal_id.as_str());

    // WHEN EventBridge's daily schedule invokes it
    let report = function
        .invoke(&serde_json::from_str(SCHEDULED_EVENT).unwrap())
        .await;
    // THEN it posts the check's report
    assert_eq!(
        report,
        Answer::Response(json!({"reinstatement_notices": 0, "overdue_appeals_flagged": 0}))
    );

    // WHEN a stream batch is routed to it by mistake
    let misrouted = function
        .invoke(&serde_json::from_str(STREAM_BATCH).unwrap())
        .await;
    // THEN it reports an invocation error and keeps serving
    assert!(
        matches!(&misrouted, Answer::Error { body, .. }
            if body["errorMessage"].as_str().is_some_and(|m| m.contains("has no stream trigger"))),
        "{misrouted:?}"
    );
    assert!(function.is_running(), "{}", function.log());
    let decided = function
        .http(
            "POST",
            &format!("/appeals/{appeal_id}/decision"),
            REVIEWER,
            Some(r#"{"outcome": "denied"}"#),
        )
        .await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
}

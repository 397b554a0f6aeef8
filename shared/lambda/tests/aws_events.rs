//! The edge against fixtures of the exact shapes AWS sends: an HTTP API (payload 2.0) request
//! with a JWT authorizer, a DynamoDB stream batch with NEW_AND_OLD_IMAGES, a scheduled event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support code

use lambda_http::http::Method;
use lambda_http::{Request, RequestExt};
use serde_json::Value;
use standing_domain::usecases::feedback::SubmitFeedback;
use standing_domain::{ContractId, Role};
use standing_lambda::router::request_path;
use standing_lambda::{
    Incoming, Route, actor, batch_item_failures, changed_freelancers, parse_body, route,
};

const HTTP_REQUEST: &str = include_str!("fixtures/apigw_http_v2_jwt_post_feedback.json");
const STREAM_BATCH: &str = include_str!("fixtures/dynamodb_stream_new_and_old_images.json");
const SCHEDULED: &str = include_str!("fixtures/eventbridge_scheduled_event.json");

fn http_fixture() -> Value {
    serde_json::from_str(HTTP_REQUEST).unwrap()
}

fn to_request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Submit,
    View,
}

const ROUTES: &[Route<Op>] = &[
    Route::new(
        Method::POST,
        "/contracts/{contract_id}/feedback",
        Op::Submit,
    ),
    Route::new(Method::GET, "/contracts/{contract_id}/feedback", Op::View),
];

#[test]
fn the_jwt_authorizers_claims_give_the_signed_in_caller_and_their_roles() {
    let request = to_request(&http_fixture());
    let actor = actor(&request).unwrap();
    assert_eq!(actor.user_id.as_str(), "client-7f3a");
    assert_eq!(actor.roles, vec![Role::Client, Role::Reviewer]);
}

#[test]
fn a_roles_claim_that_is_a_plain_string_or_a_json_array_inside_a_string_grants_no_role() {
    // API Gateway hands a token's array claim over as "[a b]"; these came from string claims.
    for roles in [r#"["freelancer"]"#, "freelancer"] {
        let mut event = http_fixture();
        event["requestContext"]["authorizer"]["jwt"]["claims"]["roles"] = Value::from(roles);
        let actor = actor(&to_request(&event)).unwrap();
        assert_eq!(actor.roles, vec![], "{roles}");
    }
}

#[test]
fn a_request_without_the_authorizer_block_or_without_sub_is_unauthenticated() {
    let mut event = http_fixture();
    event["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let e = actor(&to_request(&event)).unwrap_err();
    assert_eq!((e.status().as_u16(), e.code()), (401, "unauthenticated"));

    let mut event = http_fixture();
    event["requestContext"]["authorizer"]["jwt"]["claims"]
        .as_object_mut()
        .unwrap()
        .remove("sub");
    let e = actor(&to_request(&event)).unwrap_err();
    assert_eq!(e.code(), "unauthenticated");
}

#[test]
fn the_base64_body_api_gateway_sends_is_decoded_and_parsed_into_the_command() {
    let request = to_request(&http_fixture());
    let command: SubmitFeedback = parse_body(&request).unwrap();
    assert_eq!(command.public.scores.skills.get(), 5);
    assert_eq!(
        command.public.comment.as_str(),
        "Clear plan, delivered early."
    );
    assert!(command.private.is_some());
}

#[test]
fn the_request_routes_to_its_template_with_the_typed_path_parameter() {
    let request = to_request(&http_fixture());
    assert_eq!(request.method(), Method::POST);
    let (op, params) = route(ROUTES, &request).unwrap();
    assert_eq!(*op, Op::Submit);
    let id: ContractId = params.get("contract_id").unwrap();
    assert_eq!(id.as_str(), "c-1001");
    // The same value API Gateway extracted itself.
    assert_eq!(
        request.path_parameters().first("contract_id"),
        Some("c-1001")
    );
}

#[test]
fn a_named_stage_in_the_raw_path_is_not_part_of_the_routed_path() {
    let mut event = http_fixture();
    event["requestContext"]["stage"] = Value::from("prod");
    event["rawPath"] = Value::from("/prod/contracts/c-1001/feedback");
    let request = to_request(&event);
    assert_eq!(request_path(&request), "/contracts/c-1001/feedback");
    assert_eq!(*route(ROUTES, &request).unwrap().0, Op::Submit);
}

#[test]
fn the_stream_batch_collapses_to_each_freelancer_once_with_the_first_sequence_number() {
    let batch: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(STREAM_BATCH).unwrap();
    assert_eq!(batch.records.len(), 7);
    let changed = changed_freelancers(&batch);
    let seen: Vec<(&str, &str)> = changed
        .iter()
        .map(|c| (c.freelancer_id.as_str(), c.sequence_number.as_str()))
        .collect();
    // fl-ada: contract (1), feedback (2, 5); fl-bo: complaint (3), appeal (6). The evaluator's
    // own standing (4) and audit (7) records trigger nothing.
    assert_eq!(
        seen,
        vec![
            ("fl-ada", "4100000000000000000001"),
            ("fl-bo", "4100000000000000000003"),
        ]
    );
}

#[test]
fn a_batch_of_only_the_evaluators_own_records_re_evaluates_nobody() {
    let mut batch: Value = serde_json::from_str(STREAM_BATCH).unwrap();
    let records = batch["Records"].as_array_mut().unwrap();
    records.retain(|r| {
        let t = r["dynamodb"]["NewImage"]["entity_type"]["S"].as_str();
        matches!(t, Some("standing" | "audit"))
    });
    assert_eq!(records.len(), 2);
    let batch: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(batch).unwrap();
    assert!(changed_freelancers(&batch).is_empty());
}

#[test]
fn failed_freelancers_are_reported_by_their_first_sequence_number() {
    let batch: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(STREAM_BATCH).unwrap();
    let changed = changed_freelancers(&batch);
    let failed = changed
        .iter()
        .filter(|c| c.freelancer_id.as_str() == "fl-bo")
        .map(|c| c.sequence_number.clone());
    let response = serde_json::to_value(batch_item_failures(failed)).unwrap();
    assert_eq!(
        response,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": "4100000000000000000003"}]})
    );
}

#[test]
fn each_fixture_is_recognised_as_its_kind_of_invocation() {
    assert!(matches!(
        serde_json::from_str::<Incoming>(HTTP_REQUEST).unwrap(),
        Incoming::Http(_)
    ));
    assert!(matches!(
        serde_json::from_str::<Incoming>(STREAM_BATCH).unwrap(),
        Incoming::Stream(_)
    ));
    match serde_json::from_str::<Incoming>(SCHEDULED).unwrap() {
        Incoming::Schedule(event) => assert_eq!(event.detail_type, "Scheduled Event"),
        other => panic!("{other:?}"),
    }
}

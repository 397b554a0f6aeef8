//! `POST` and `GET /contracts/{contract_id}/feedback`: once per party, inside the window,
//! double-blind until both have spoken or the window closes.

use super::*;
use standing_lambda::testing::invoke::invocation;
use standing_lambda::testing::stores::undecodable_item;

#[tokio::test]
async fn the_client_leaves_feedback_and_gets_it_back_unrevealed_with_its_private_part() {
    // GIVEN an ended contract
    let api = Api::with_ended_contract().await;
    // WHEN its client leaves feedback a day later
    let reply = api.submit(CLIENT, &body::negative_feedback()).await;
    // THEN it is created in the client direction, with its overall score and private part,
    // not yet revealed
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let feedback = &reply.body;
    assert!(feedback["feedback_id"].as_str().unwrap().starts_with("fb_"));
    assert_eq!(feedback["direction"], "client");
    assert_eq!(feedback["public"]["overall"], 1.0);
    assert_eq!(feedback["public"]["scores"]["skills"], 1);
    assert_eq!(feedback["public"]["comment"], "Missed every deadline.");
    assert_eq!(feedback["private"]["reason_ended"], "quality_issues");
    assert_eq!(
        feedback["private"]["dissatisfied_with"],
        serde_json::json!(["performance"])
    );
    assert_eq!(feedback["submitted_at"], "2026-10-29T00:00:00Z");
    assert_eq!(feedback["revealed"], false);
    assert_eq!(feedback["version"], 1);
}

#[tokio::test]
async fn the_freelancers_feedback_goes_in_the_freelancer_direction_and_reveals_both() {
    let api = Api::with_client_feedback().await;
    let reply = api.submit(FREELANCER, &body::freelancer_feedback()).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["direction"], "freelancer");
    assert!(reply.body.get("private").is_none());
    assert_eq!(reply.body["revealed"], true);
}

#[tokio::test]
async fn a_freelancer_may_not_send_a_private_part() {
    let api = Api::with_ended_contract().await;
    let reply = api.submit(FREELANCER, &body::negative_feedback()).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_field"));
    assert_eq!(reply.body["error"]["details"]["field"], "private");
}

#[tokio::test]
async fn a_second_feedback_in_the_same_direction_is_409_already_exists() {
    let api = Api::with_client_feedback().await;
    let reply = api.submit(CLIENT, &body::positive_feedback()).await;
    assert_eq!((reply.status, reply.code()), (409, "already_exists"));
}

#[tokio::test]
async fn nobody_but_the_two_parties_may_leave_feedback() {
    let api = Api::with_ended_contract().await;
    for caller in [
        OTHER_CLIENT,
        OTHER_FREELANCER,
        REVIEWER,
        SERVICE,
        // The client's id without the client role is not the client.
        Some(("cl-ada", "[freelancer]")),
    ] {
        let reply = api.submit(caller, &body::positive_feedback()).await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
}

/// api.md, order of checks: a client or freelancer who is no party of this contract is refused
/// before the body is read, so a garbled or empty body tells them nothing of its rules.
#[tokio::test]
async fn a_stranger_to_the_contract_is_forbidden_before_the_body_is_read_on_every_feedback_route() {
    let api = Api::with_client_feedback().await;
    let routes = [
        ("POST", "/contracts/c-1/feedback", OTHER_CLIENT),
        ("POST", "/contracts/c-1/feedback", OTHER_FREELANCER),
        (
            "POST",
            "/contracts/c-1/feedback/client/change-consent",
            OTHER_FREELANCER,
        ),
        ("PATCH", "/contracts/c-1/feedback/client", OTHER_CLIENT),
        (
            "PUT",
            "/contracts/c-1/feedback/client/response",
            OTHER_FREELANCER,
        ),
        (
            "POST",
            "/contracts/c-1/feedback/client/report",
            OTHER_FREELANCER,
        ),
    ];
    for (method, path, caller) in routes {
        for body in ["{", r#"{"x": 1}"#] {
            let reply = api.call(method, path, caller, Some(body)).await;
            assert_eq!(
                (reply.status, reply.code()),
                (403, "forbidden"),
                "{method} {path} {caller:?} {body}"
            );
        }
    }
    // The party itself gets the body's error.
    let reply = api
        .call(
            "POST",
            "/contracts/c-1/feedback/client/report",
            FREELANCER,
            Some("{"),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_json"));
}

#[tokio::test]
async fn feedback_on_a_contract_nobody_registered_is_404_not_found() {
    let api = Api::new();
    let reply = api
        .call(
            "POST",
            "/contracts/c-404/feedback",
            CLIENT,
            Some(&body::positive_feedback()),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (404, "not_found"));
}

#[tokio::test]
async fn feedback_on_a_contract_that_has_not_ended_is_422_contract_not_ended() {
    let api = Api::new();
    api.call("PUT", CONTRACT, SERVICE, Some(&Api::contract_body(None)))
        .await;
    let reply = api.submit(CLIENT, &body::positive_feedback()).await;
    assert_eq!((reply.status, reply.code()), (422, "contract_not_ended"));
}

#[tokio::test]
async fn feedback_a_second_after_the_fourteen_day_window_is_422_window_closed_with_its_end() {
    let api = Api::with_ended_contract().await;
    api.clock
        .set(ended() + Duration::days(14) + Duration::seconds(1));
    let reply = api.submit(CLIENT, &body::positive_feedback()).await;
    assert_eq!((reply.status, reply.code()), (422, "window_closed"));
    assert_eq!(
        reply.body["error"]["details"]["closed_at"],
        "2026-11-11T00:00:00Z"
    );
    assert_eq!(
        reply.body["error"]["details"]["window"],
        "the feedback window"
    );
}

#[tokio::test]
async fn before_the_reveal_each_party_sees_only_its_own_side() {
    let api = Api::with_client_feedback().await;

    let client_view = api.view(CLIENT).await;
    assert_eq!(client_view.status, 200);
    assert_eq!(client_view.body["contract_id"], "c-1");
    assert_eq!(
        client_view.body["client"]["private"]["reason_ended"],
        "quality_issues"
    );
    assert_eq!(client_view.body["client"]["revealed"], false);
    assert_eq!(client_view.body["freelancer"], serde_json::Value::Null);

    let freelancer_view = api.view(FREELANCER).await;
    assert_eq!(freelancer_view.status, 200);
    assert_eq!(freelancer_view.body["client"], serde_json::Value::Null);
}

#[tokio::test]
async fn after_the_reveal_the_freelancer_sees_the_public_part_but_never_the_private_one() {
    let api = Api::with_both_feedbacks().await;
    let freelancer_view = api.view(FREELANCER).await;
    let client_side = &freelancer_view.body["client"];
    assert_eq!(client_side["revealed"], true);
    assert_eq!(client_side["public"]["comment"], "Missed every deadline.");
    assert!(client_side.get("private").is_none(), "{client_side}");
    assert_eq!(
        freelancer_view.body["freelancer"]["direction"],
        "freelancer"
    );

    let client_view = api.view(CLIENT).await;
    assert_eq!(
        client_view.body["freelancer"]["public"]["comment"],
        "Quick answers, fair scope."
    );
}

#[tokio::test]
async fn the_window_closing_reveals_the_feedback_of_a_side_that_spoke_alone() {
    let api = Api::with_client_feedback().await;
    api.clock.set(ended() + Duration::days(14));
    let reply = api.view(FREELANCER).await;
    assert_eq!(reply.body["client"]["revealed"], true);
    assert!(reply.body["client"].get("private").is_none());
}

#[tokio::test]
async fn a_reviewer_sees_both_sides_in_full_before_the_reveal() {
    let api = Api::with_client_feedback().await;
    api.submit(FREELANCER, &body::freelancer_feedback()).await;
    // The client is also a reviewer: the reviewer's view wins.
    for caller in [REVIEWER, Some(("cl-ada", "[client reviewer]"))] {
        let reply = api.view(caller).await;
        assert_eq!(reply.status, 200, "{caller:?}");
        assert_eq!(
            reply.body["client"]["private"]["reason_ended"],
            "quality_issues"
        );
        assert_eq!(reply.body["freelancer"]["direction"], "freelancer");
    }
}

#[tokio::test]
async fn nobody_else_may_read_a_contracts_feedback() {
    let api = Api::with_client_feedback().await;
    for caller in [OTHER_CLIENT, OTHER_FREELANCER, SERVICE] {
        let reply = api.view(caller).await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "forbidden"),
            "{caller:?}"
        );
    }
    assert_eq!(api.view(None).await.status, 401);
}

#[tokio::test]
async fn the_aws_fixture_request_is_answered_201_on_the_real_engine() {
    // GIVEN the contract the captured API Gateway request is about, and its time
    let api = Api::new();
    let contract = body::contract(
        "client-7f3a",
        "fl-ada",
        "2026-10-01T09:00:00Z".parse().unwrap(),
        Some("2026-11-20T17:00:00Z".parse().unwrap()),
    );
    api.call("PUT", "/contracts/c-1001", SERVICE, Some(&contract))
        .await;
    api.clock.set("2026-11-24T09:00:00Z".parse().unwrap());
    // WHEN the request arrives exactly as captured (base64 body, "[client reviewer]" roles)
    let fixture: serde_json::Value =
        serde_json::from_str(standing_lambda::testing::fixtures::HTTP_POST_FEEDBACK).unwrap();
    let answer = submit_feedback::handle(
        &api.store.repo,
        &api.clock,
        &api.policy,
        invocation(&fixture),
    )
    .await
    .unwrap();
    // THEN the feedback is created, in API Gateway's response shape
    let reply = Reply::from_answer(answer);
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["direction"], "client");
    assert_eq!(reply.body["private"]["recommend"], 9);
    assert_eq!(reply.body["public"]["overall"], 4.7);
}

#[tokio::test]
async fn a_stored_item_that_no_longer_decodes_answers_500_internal_without_its_internals() {
    // GIVEN a contract item that no longer decodes
    let api = Api::new();
    let fl = standing_domain::UserId::parse("fl-bo").unwrap();
    api.store
        .put_raw(undecodable_item(
            "CONTRACT#c-9",
            "CONTRACT",
            "contract",
            &fl,
        ))
        .await;
    // WHEN its feedback is read
    let reply = api
        .call("GET", "/contracts/c-9/feedback", CLIENT, None)
        .await;
    // THEN it is a fault of ours, not one to retry (issue 11), and nothing of the storage detail
    assert_eq!((reply.status, reply.code()), (500, "internal"));
    assert_eq!(reply.header("retry-after"), None);
    let text = reply.body.to_string();
    for internal in ["decode", "CONTRACT#", "written_by", "schema"] {
        assert!(!text.contains(internal), "{text}");
    }
}

/// The body's own errors, to a party of the contract (the body is read once the caller is known
/// to be one).
mod body_errors {
    use super::*;

    #[tokio::test]
    async fn malformed_json_is_400_invalid_json() {
        let api = Api::with_ended_contract().await;
        let reply = api.submit(CLIENT, r#"{"public": "#).await;
        assert_eq!((reply.status, reply.code()), (400, "invalid_json"));
    }

    #[tokio::test]
    async fn a_score_out_of_range_is_400_invalid_field_naming_its_path() {
        let api = Api::with_ended_contract().await;
        let body = serde_json::json!({
            "public": {
                "scores": {"skills": 0, "quality": 3, "availability": 3, "deadlines": 3,
                           "communication": 3, "cooperation": 3},
                "comment": "Fine."
            },
            "private": {"reason_ended": "completed_successfully"}
        });
        let reply = api.submit(CLIENT, &body.to_string()).await;
        assert_eq!((reply.status, reply.code()), (400, "invalid_field"));
        assert_eq!(
            reply.body["error"]["details"]["field"],
            "public.scores.skills"
        );
        assert_eq!(
            reply.body["error"]["message"],
            "`public.scores.skills` must be a whole number from 1 to 5 (got 0)"
        );
    }

    #[tokio::test]
    async fn a_body_over_64_kib_is_413() {
        let api = Api::with_client_feedback().await;
        let big = format!(r#"{{"text":"{}"}}"#, "a".repeat(70 * 1024));
        let reply = api
            .call(
                "PUT",
                "/contracts/c-1/feedback/client/response",
                FREELANCER,
                Some(&big),
            )
            .await;
        assert_eq!((reply.status, reply.code()), (413, "payload_too_large"));
    }

    #[tokio::test]
    async fn consent_must_be_a_boolean() {
        let api = Api::with_client_feedback().await;
        let reply = api
            .call(
                "POST",
                "/contracts/c-1/feedback/client/change-consent",
                FREELANCER,
                Some(r#"{"consent":"yes"}"#),
            )
            .await;
        assert_eq!((reply.status, reply.code()), (400, "invalid_field"));
        assert_eq!(reply.body["error"]["details"]["field"], "consent");
        assert_eq!(
            reply.body["error"]["message"],
            r#"`consent` must be a boolean (got string "yes")"#
        );
    }

    #[tokio::test]
    async fn a_report_with_an_unknown_reason_lists_the_reasons() {
        let api = Api::with_client_feedback().await;
        let reply = api
            .call(
                "POST",
                "/contracts/c-1/feedback/client/report",
                FREELANCER,
                Some(r#"{"reason":"rude"}"#),
            )
            .await;
        assert_eq!((reply.status, reply.code()), (400, "invalid_field"));
        assert_eq!(reply.body["error"]["details"]["field"], "reason");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("`coercion_or_extortion`"), "{message}");
    }
}

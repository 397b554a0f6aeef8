//! Scenario 2, errors: every error code of the contract at least once over HTTP, each in the
//! shape `{"error": {"code", "message", "details"}}` with a sentence for a message; and bad
//! input on every write route is a 4xx, never a 5xx.

use chrono::Duration;
use serde_json::{Value, json};

use crate::api::{
    freelancer_feedback, give_feedback, negative_feedback, register, register_ended, standing,
    standing_becomes, time, version,
};
use crate::support::{Caller, Clock, Stack, Store, on_both_stores};

const T0: &str = "2031-03-01T09:00:00Z";

fn every_documented_error_code_answers_in_the_contracts_shape(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let t0 = stack.set_clock(T0);
    let fl = Caller::freelancer("fl-err");
    let (c1, c2, c3) = (
        Caller::client("cl-1"),
        Caller::client("cl-2"),
        Caller::client("cl-3"),
    );
    let stranger = Caller::client("cl-stranger");
    let reviewer = Caller::reviewer("rv-1");
    register_ended(&stack, "k1", (&c1, &fl), t0 - Duration::days(1));
    register(
        &stack,
        "k-running",
        (&c2, &fl),
        t0 - Duration::days(10),
        None,
    );
    let old_end = t0 - Duration::days(30);
    register_ended(&stack, "k-old", (&c3, &fl), old_end);
    let feedback = "/contracts/k1/feedback";
    let raw = |method: &str, path: &str, who: &Caller, body: &str| {
        stack.send(method, path, Some(&who.token), Some(body))
    };

    // 400 invalid_json: not JSON, or not an object.
    let details = raw("POST", feedback, &c1, r#"{"public": "#).expect_error(400, "invalid_json");
    assert!(details["line"].is_number(), "{details}");
    for body in ["", "[]", "null", "not json", "{'public': 1}"] {
        raw("POST", feedback, &c1, body).expect_error(400, "invalid_json");
    }

    // 400 invalid_field, naming the field.
    let mut zero = negative_feedback("n");
    zero["public"]["scores"]["skills"] = json!(0);
    let details = stack
        .post(feedback, &c1, &zero)
        .expect_error(400, "invalid_field");
    assert_eq!(details["field"], "public.scores.skills");
    let no_private = json!({"public": negative_feedback("n")["public"]});
    let details = stack
        .post(feedback, &c1, &no_private)
        .expect_error(400, "invalid_field");
    assert_eq!(details["field"], "private");
    let mut long = negative_feedback("n");
    long["public"]["comment"] = json!("x".repeat(5001));
    let details = stack
        .post(feedback, &c1, &long)
        .expect_error(400, "invalid_field");
    assert_eq!(details["field"], "public.comment");
    let details = stack
        .get("/complaints?status=closed", &reviewer)
        .expect_error(400, "invalid_field");
    assert_eq!(details["field"], "status");
    let details = stack
        .get("/contracts/a%20b/feedback", &c1)
        .expect_error(400, "invalid_field");
    assert_eq!(details["field"], "contract_id");

    // 401 unauthenticated: no token, or not one the stack signed.
    let none = stack.send("GET", "/freelancers/fl-err/standing", None, None);
    none.expect_error(401, "unauthenticated");
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    stack
        .send(
            "GET",
            "/freelancers/fl-err/standing",
            Some("not-a-jwt"),
            None,
        )
        .expect_error(401, "unauthenticated");

    // 403 forbidden: a client who is not a party.
    stack
        .post(feedback, &stranger, &negative_feedback("n"))
        .expect_error(403, "forbidden");

    // 404 not_found: an unknown contract, an unknown report, an unknown route.
    stack
        .get("/contracts/k-none/feedback", &c1)
        .expect_error(404, "not_found");
    stack
        .post(
            "/feedback-reports/rp-none/decision",
            &reviewer,
            &json!({"outcome": "kept"}),
        )
        .expect_error(404, "not_found");
    stack
        .send("GET", "/nowhere", None, None)
        .expect_error(404, "not_found");

    // 405: a known path, another method; `Allow` says which.
    let wrong = stack.send("DELETE", "/contracts/k1", Some(&c1.token), None);
    let details = wrong.expect_error(405, "method_not_allowed");
    assert_eq!(details["allow"], json!(["PUT"]));
    assert_eq!(wrong.headers["allow"], "PUT");

    // 409 already_exists: feedback twice.
    give_feedback(&stack, "k1", &c1, &negative_feedback("n"));
    stack
        .post(feedback, &c1, &negative_feedback("n"))
        .expect_error(409, "already_exists");

    // 409 conflict: the parties of a registered contract cannot change.
    let other_client = json!({
        "client_id": "cl-9", "freelancer_id": fl.id,
        "started_at": t0 - Duration::days(31), "ended_at": t0 - Duration::days(1),
        "total_charged_minor": 120_000, "currency": "USD",
    });
    stack
        .put("/contracts/k1", &Caller::service(), &other_client)
        .expect_error(409, "conflict");

    // 422 contract_not_ended, window_closed.
    stack
        .post(
            "/contracts/k-running/feedback",
            &c2,
            &negative_feedback("n"),
        )
        .expect_error(422, "contract_not_ended");
    let details = stack
        .post("/contracts/k-old/feedback", &c3, &negative_feedback("n"))
        .expect_error(422, "window_closed");
    assert_eq!(time(&details["closed_at"]), old_end + Duration::days(14));
    assert_eq!(details["window"], "the feedback window");

    // 422 no_consent, private_feedback_immutable; and the other refusals of a change.
    let patch = "/contracts/k1/feedback/client";
    stack
        .patch(
            patch,
            &c1,
            &json!({"public": negative_feedback("n")["public"]}),
        )
        .expect_error(422, "no_consent");
    stack
        .patch(patch, &c1, &json!({"private": {"note": "softer"}}))
        .expect_error(422, "private_feedback_immutable");
    stack
        .post(
            "/contracts/k1/feedback/client/change-consent",
            &fl,
            &json!({"consent": false}),
        )
        .expect_error(422, "no_change_request");
    // Not revealed yet: the freelancer has left nothing and the window is open.
    stack
        .post(
            "/contracts/k1/feedback/client/report",
            &fl,
            &json!({"reason": "irrelevant"}),
        )
        .expect_error(422, "not_revealed");

    // 403 forbidden for a client with no contract with the freelancer; 422 not_under_review.
    let complaint = json!({
        "category": "degree", "claim": "PhD", "statement": "No such degree.",
        "evidence": ["The university has no record."],
    });
    stack
        .post("/freelancers/fl-err/complaints", &stranger, &complaint)
        .expect_error(403, "forbidden");
    let filed = stack.post("/freelancers/fl-err/complaints", &c1, &complaint);
    let id = filed.expect(201)["complaint_id"]
        .as_str()
        .unwrap()
        .to_owned();
    stack
        .post(
            &format!("/complaints/{id}/decision"),
            &reviewer,
            &json!({"outcome": "substantiated", "terms_clause": "ToS 4.2"}),
        )
        .expect_error(422, "not_under_review");

    // 413: a body over the limit.
    let big = json!({"text": "a".repeat(70 * 1024)});
    stack
        .put("/contracts/k1/feedback/client/response", &fl, &big)
        .expect_error(413, "payload_too_large");

    // 422 appeal_not_yet_open, with the date it opens; 409 conflict for a second open appeal.
    // (The freelancer answers each negative, so each is revealed and counts, §3.)
    let before = version(&standing(&stack, &fl));
    give_feedback(&stack, "k1", &fl, &freelancer_feedback(4));
    for n in [4, 5] {
        let client = Caller::client(&format!("cl-{n}"));
        let contract = format!("k{n}");
        register_ended(&stack, &contract, (&client, &fl), t0 - Duration::days(1));
        give_feedback(&stack, &contract, &client, &negative_feedback("n"));
        give_feedback(&stack, &contract, &fl, &freelancer_feedback(4));
    }
    let blocked = standing_becomes(&stack, &fl, before, "blocked_new_work");
    let block = &blocked["sanctions"][0];
    let appeals = "/freelancers/fl-err/appeals";
    let appeal = |kind: &str| json!({"sanction_id": block["sanction_id"], "kind": kind, "statement": "It was a mistake."});
    let details = stack
        .post(appeals, &fl, &appeal("reinstatement"))
        .expect_error(422, "appeal_not_yet_open");
    let opens_at = time(&details["opens_at"]);
    let promised = time(&block["appeal"]["reinstatement_opens_at"]);
    assert_eq!(
        opens_at, promised,
        "the refusal names the sanction's own moment"
    );
    stack.post(appeals, &fl, &appeal("contest")).expect(201);
    stack
        .post(appeals, &fl, &appeal("contest"))
        .expect_error(409, "conflict");

    bad_input_on_every_write_route_is_a_4xx(&stack, &fl, &c1, &reviewer);
}
on_both_stores!(every_documented_error_code_answers_in_the_contracts_shape);

/// Malformed bodies on every route that reads one: 400 in the contract's shape, never a 5xx.
fn bad_input_on_every_write_route_is_a_4xx(
    stack: &Stack,
    fl: &Caller,
    client: &Caller,
    reviewer: &Caller,
) {
    let routes: [(&str, &str, &Caller); 11] = [
        ("PUT", "/contracts/k1", &Caller::service()),
        ("POST", "/contracts/k1/feedback", client),
        ("POST", "/contracts/k1/feedback/client/change-consent", fl),
        ("PATCH", "/contracts/k1/feedback/client", client),
        ("PUT", "/contracts/k1/feedback/client/response", fl),
        ("POST", "/contracts/k1/feedback/client/report", fl),
        ("POST", "/feedback-reports/rp-1/decision", reviewer),
        ("POST", "/freelancers/fl-err/complaints", client),
        ("POST", "/complaints/cp-1/decision", reviewer),
        ("POST", "/freelancers/fl-err/appeals", fl),
        ("POST", "/appeals/ap-1/decision", reviewer),
    ];
    let deep = format!("{}1{}", r#"{"a":"#.repeat(300), "}".repeat(300));
    let bodies: [&str; 9] = [
        "",
        "{",
        "[1]",
        "null",
        "\"text\"",
        r#"{"unexpected": true}"#,
        r#"{"outcome": 7, "consent": "yes", "text": [], "reason": {}}"#,
        r#"{"text": "\u0000"}"#,
        &deep,
    ];
    for (method, path, who) in routes {
        for body in bodies {
            let reply = stack.send(method, path, Some(&who.token), Some(body));
            let code = reply.body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                code == "invalid_json" || code == "invalid_field",
                "{method} {path} with {body:.40}: {} {}",
                reply.status,
                reply.body
            );
            reply.expect_error(400, &code);
        }
    }
    let still: Value = standing(stack, fl);
    assert_eq!(
        still["standing"], "blocked_new_work",
        "nothing changed: {still}"
    );
}

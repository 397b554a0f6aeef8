//! §8a, who may decide: a reviewer never decides a matter they take part in. Each refusal is a
//! 403 before the body is read, and the matter stays for another reviewer.

use chrono::Duration;
use serde_json::{Value, json};

use crate::api::{
    freelancer_feedback, give_feedback, negative_feedback, register_ended, standing,
    standing_becomes, version,
};
use crate::support::{Caller, Clock, Stack, Store, on_both_stores};

fn complaint(claim: &str) -> Value {
    json!({
        "category": "certification", "claim": claim,
        "statement": format!("\"{claim}\" is not in the issuer's register."),
        "evidence": ["https://registry.example/lookup?no-match"],
    })
}

const SUBSTANTIATED: &str = r#"{"outcome": "substantiated", "terms_clause": "ToS 4.2"}"#;

/// Registers an ended contract of `fl` with each client.
fn contracts_with(stack: &Stack, fl: &Caller, clients: &[&Caller]) {
    for (n, client) in clients.iter().enumerate() {
        let contract = format!("{}-k{n}", fl.id);
        register_ended(
            stack,
            &contract,
            (client, fl),
            stack.now() - Duration::days(1),
        );
    }
}

fn file(stack: &Stack, fl: &Caller, by: &Caller, claim: &str) -> String {
    stack
        .post(
            &format!("/freelancers/{}/complaints", fl.id),
            by,
            &complaint(claim),
        )
        .expect(201)["complaint_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `reviewer` deciding `path` is refused with 403, with the contract's body and with a body
/// that does not parse.
fn refused(stack: &Stack, path: &str, reviewer: &Caller, body: &str) {
    for body in [body, "{\"outcome\": 7"] {
        let reply = stack.send("POST", path, Some(&reviewer.token), Some(body));
        reply.expect_error(403, "forbidden");
    }
}

/// The freelancer contests the first sanction of `standing`; the path of its decision.
fn contest(stack: &Stack, fl: &Caller, standing: &Value) -> String {
    let appeal = stack
        .post(
            &format!("/freelancers/{}/appeals", fl.id),
            fl,
            &json!({
                "sanction_id": standing["sanctions"][0]["sanction_id"],
                "kind": "contest",
                "statement": "This was decided in error.",
            }),
        )
        .expect(201);
    format!(
        "/appeals/{}/decision",
        appeal["appeal_id"].as_str().unwrap()
    )
}

/// A reviewer with no part in the matter decides it: it stayed in the queue.
fn decided_by_another(stack: &Stack, path: &str, body: &str) {
    stack
        .send(
            "POST",
            path,
            Some(&Caller::reviewer("rv-2").token),
            Some(body),
        )
        .expect(200);
}

fn a_reporter_in_a_case_may_not_decide_another_reporters_complaint(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let fl = Caller::freelancer("fl-case");
    let (ada, bo) = (
        Caller::client("cl-ada"),
        Caller::new("rc-bo", &["client", "reviewer"]),
    );
    contracts_with(&stack, &fl, &[&ada, &bo]);
    let theirs = file(&stack, &fl, &ada, "AWS Certified Solutions Architect");
    file(&stack, &fl, &bo, "PMP");
    let path = format!("/complaints/{theirs}/decision");
    refused(&stack, &path, &bo, SUBSTANTIATED);
    // Still in the queue, and another reviewer decides it.
    let queue = stack
        .get("/complaints?status=under_review", &Caller::reviewer("rv-1"))
        .expect(200);
    assert!(queue.to_string().contains(&theirs), "{queue}");
    decided_by_another(&stack, &path, SUBSTANTIATED);
}
on_both_stores!(a_reporter_in_a_case_may_not_decide_another_reporters_complaint);

fn a_reviewer_whose_complaint_produced_a_permanent_block_may_not_decide_the_freelancers_contest(
    store: Store,
) {
    let stack = Stack::start(&store, Clock::Dev);
    let fl = Caller::freelancer("fl-perm");
    let reporters = [
        Caller::client("cl-1"),
        Caller::client("cl-2"),
        Caller::new("rc-3", &["client", "reviewer"]),
    ];
    contracts_with(&stack, &fl, &reporters.iter().collect::<Vec<_>>());
    let ids: Vec<String> = reporters
        .iter()
        .zip(["CISSP", "PMP", "CPA"])
        .map(|(by, claim)| file(&stack, &fl, by, claim))
        .collect();
    let rv = Caller::reviewer("rv-1");
    let before = version(&standing(&stack, &fl));
    for id in &ids {
        stack
            .send(
                "POST",
                &format!("/complaints/{id}/decision"),
                Some(&rv.token),
                Some(SUBSTANTIATED),
            )
            .expect(200);
    }
    let blocked = standing_becomes(&stack, &fl, before, "permanently_blocked");
    let path = contest(&stack, &fl, &blocked);
    let deny = r#"{"outcome": "denied", "note": "Upheld."}"#;
    refused(&stack, &path, &reporters[2], deny);
    decided_by_another(&stack, &path, deny);
}
on_both_stores!(
    a_reviewer_whose_complaint_produced_a_permanent_block_may_not_decide_the_freelancers_contest
);

fn a_client_whose_feedback_a_block_rests_on_may_not_decide_the_freelancers_appeal(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let fl = Caller::freelancer("fl-qual");
    let clients = [
        Caller::client("cl-q1"),
        Caller::client("cl-q2"),
        Caller::new("rc-q3", &["client", "reviewer"]),
    ];
    contracts_with(&stack, &fl, &clients.iter().collect::<Vec<_>>());
    let before = version(&standing(&stack, &fl));
    for (n, client) in clients.iter().enumerate() {
        let contract = format!("{}-k{n}", fl.id);
        give_feedback(&stack, &contract, client, &negative_feedback("n"));
        give_feedback(&stack, &contract, &fl, &freelancer_feedback(4));
    }
    let blocked = standing_becomes(&stack, &fl, before, "blocked_new_work");
    let path = contest(&stack, &fl, &blocked);
    let grant = r#"{"outcome": "granted", "note": "Reversed."}"#;
    refused(&stack, &path, &clients[2], grant);
    decided_by_another(&stack, &path, grant);
}
on_both_stores!(a_client_whose_feedback_a_block_rests_on_may_not_decide_the_freelancers_appeal);

//! The writes of the quality rule's scenario, through the HTTP API.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::{Reply, Stack, token};
use standing_testkit::http::stream_progress;
use standing_testkit::poll::StreamProgress;

/// Registers an ended contract between `client` and `freelancer`.
pub fn ended_contract(stack: &Stack, contract: &str, client: &str, freelancer: &str) -> Reply {
    ended_contract_at(
        stack,
        contract,
        client,
        freelancer,
        Utc::now() - Duration::days(1),
    )
}

pub fn ended_contract_at(
    stack: &Stack,
    contract: &str,
    client: &str,
    freelancer: &str,
    ended_at: chrono::DateTime<Utc>,
) -> Reply {
    let body = json!({
        "client_id": client,
        "freelancer_id": freelancer,
        "started_at": ended_at - Duration::days(30),
        "ended_at": ended_at,
        "total_charged_minor": 50_000,
        "currency": "USD",
    });
    stack.put(
        &format!("/contracts/{contract}"),
        Some(&token("marketplace", &["service"])),
        &body,
    )
}

/// The client's feedback, with every public score at `score`.
pub fn feedback(stack: &Stack, contract: &str, client: &str, score: u8) -> Reply {
    let reason = if score <= 2 {
        "lacked_skills"
    } else {
        "completed_successfully"
    };
    let body = json!({
        "public": {
            "scores": {
                "skills": score, "quality": score, "availability": score,
                "deadlines": score, "communication": score, "cooperation": score,
            },
            "comment": "Delivered little of what was agreed.",
        },
        "private": {"reason_ended": reason, "recommend": 0},
    });
    stack.post(
        &format!("/contracts/{contract}/feedback"),
        Some(&token(client, &["client"])),
        &body,
    )
}

/// The freelancer's feedback about the client: once both sides have given theirs, both are
/// revealed, and the client's counts toward the quality rule from then (§3).
pub fn freelancer_feedback(stack: &Stack, contract: &str, freelancer: &str) -> Reply {
    let body = json!({
        "public": {
            "scores": {
                "skills": 4, "quality": 4, "availability": 4,
                "deadlines": 4, "communication": 4, "cooperation": 4,
            },
            "comment": "Clear brief, quick answers.",
        },
    });
    stack.post(
        &format!("/contracts/{contract}/feedback"),
        Some(&token(freelancer, &["freelancer"])),
        &body,
    )
}

/// Three ended contracts with three distinct clients, each with negative feedback the
/// freelancer has answered with theirs (so it is revealed): enough for the quality block.
pub fn three_negative_feedbacks(stack: &Stack, freelancer: &str) {
    for n in 1..=3 {
        let contract = format!("{freelancer}-k{n}");
        let client = format!("{freelancer}-cl{n}");
        let registered = ended_contract(stack, &contract, &client, freelancer);
        assert_eq!(registered.status, 200, "{:?}", registered.body);
        let given = feedback(stack, &contract, &client, 1);
        assert_eq!(given.status, 201, "{:?}", given.body);
        let answered = freelancer_feedback(stack, &contract, freelancer);
        assert_eq!(answered.status, 201, "{:?}", answered.body);
    }
}

/// The freelancer's standing, as they read it.
pub fn standing(stack: &Stack, freelancer: &str) -> Value {
    let reply = stack.get(
        &format!("/freelancers/{freelancer}/standing"),
        Some(&token(freelancer, &["freelancer"])),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

/// The freelancer's standing once an evaluation has stored a block (the stream's, or the read's
/// own for a freelancer never evaluated: either way it is stored, at version 1 or later).
pub fn stored_block(stack: &Stack, freelancer: &str) -> Option<Value> {
    let s = standing(stack, freelancer);
    (s["standing"] == "blocked_new_work" && s["version"].as_u64().is_some_and(|v| v >= 1))
        .then_some(s)
}

/// The standing once the stream has caught up: every record committed so far delivered and the
/// evaluations it triggered committed (`stream_pending_records` 0 at a scrape of `/metrics`).
/// An evaluation of the last records rewrites a standing whose evidence mark it finds moved
/// even when the outcome is the same (its version and `evaluated_at` change), so the first
/// blocked answer may not be the last one written. On DynamoDB Local's stream, which does not
/// say how far behind it is, it is a stream mark written to the table after the writes and read
/// by the stack (`stream_mark_read`).
pub fn settled(stack: &Stack, freelancer: &str) -> serde_json::Value {
    standing_testkit::poll::settled(
        std::time::Duration::from_secs(30),
        || stack_progress(stack),
        || stack.write_stream_mark(),
        || standing(stack, freelancer),
        || format!("the standing of {freelancer}; stderr:\n{}", stack.stderr()),
    )
}

/// How far the stack's stream has got, from `/metrics` now. Panics when the stack gave up on a
/// record.
fn stack_progress(stack: &Stack) -> StreamProgress {
    let reply = stack.get("/metrics", None);
    stream_progress(reply.body.as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}; stderr:\n{}", stack.stderr()))
}

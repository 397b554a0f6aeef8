//! The contract's requests and bodies as the scenarios use them, and the wait for the stream's
//! re-evaluation.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::{Caller, Reply, Stack, poll};

/// How long a write may take to reach the evaluator and its outcome to be stored. The stack
/// promises about a second; the bound leaves room for two busy cores and DynamoDB Local.
pub const EVALUATION: Duration = Duration::from_secs(30);

/// `PUT /contracts/{id}` by the marketplace, charging 1,200.00 USD; the contract as registered.
#[track_caller]
pub fn register(
    stack: &Stack,
    contract: &str,
    (client, freelancer): (&Caller, &Caller),
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
) -> Value {
    let body = json!({
        "client_id": client.id,
        "freelancer_id": freelancer.id,
        "started_at": started_at,
        "ended_at": ended_at,
        "total_charged_minor": 120_000,
        "currency": "USD",
    });
    stack
        .put(&format!("/contracts/{contract}"), &Caller::service(), &body)
        .expect(200)
}

/// An ended contract: 30 days to `ended_at`.
#[track_caller]
pub fn register_ended(
    stack: &Stack,
    contract: &str,
    parties: (&Caller, &Caller),
    ended_at: DateTime<Utc>,
) -> Value {
    let started_at = ended_at - chrono::Duration::days(30);
    register(stack, contract, parties, started_at, Some(ended_at))
}

/// The six public scores, all at `score`.
pub fn scores(score: u8) -> Value {
    json!({
        "skills": score, "quality": score, "availability": score,
        "deadlines": score, "communication": score, "cooperation": score,
    })
}

pub fn public(score: u8, comment: &str) -> Value {
    json!({ "scores": scores(score), "comment": comment })
}

/// A client's feedback: `public` and a private part ending for `reason` with `note`.
pub fn client_feedback(public: Value, reason: &str, note: &str) -> Value {
    json!({
        "public": public,
        "private": { "reason_ended": reason, "recommend": 3, "note": note },
    })
}

/// A freelancer's feedback about the client (public part only).
pub fn freelancer_feedback(score: u8) -> Value {
    json!({ "public": public(score, "Clear brief, paid on time.") })
}

/// Negative by its public scores alone (every score 1), with a harmless private part.
pub fn negative_feedback(note: &str) -> Value {
    client_feedback(
        public(1, "Most of the work had to be redone."),
        "other",
        note,
    )
}

#[track_caller]
pub fn give_feedback(stack: &Stack, contract: &str, by: &Caller, body: &Value) -> Value {
    stack
        .post(&format!("/contracts/{contract}/feedback"), by, body)
        .expect(201)
}

#[track_caller]
pub fn feedback_of(stack: &Stack, contract: &str, viewer: &Caller) -> Value {
    stack
        .get(&format!("/contracts/{contract}/feedback"), viewer)
        .expect(200)
}

/// The freelancer's standing as the marketplace reads it.
#[track_caller]
pub fn standing(stack: &Stack, freelancer: &Caller) -> Value {
    stack
        .get(
            &format!("/freelancers/{}/standing", freelancer.id),
            &Caller::service(),
        )
        .expect(200)
}

pub fn version(standing: &Value) -> u64 {
    standing["version"].as_u64().unwrap_or(0)
}

/// The standing once an evaluation stored after version `after` satisfies `wanted`. (A freelancer
/// never evaluated is evaluated and stored by the first read, at version 1.)
#[track_caller]
pub fn standing_after(
    stack: &Stack,
    freelancer: &Caller,
    after: u64,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    let reached = poll(EVALUATION, || {
        last = standing(stack, freelancer);
        (version(&last) > after && wanted(&last)).then(|| last.clone())
    });
    reached.unwrap_or_else(|| {
        panic!(
            "{} is not {what} within {EVALUATION:?} after version {after}; last read {last}\nstack stderr:\n{}",
            freelancer.id,
            stack.stderr()
        )
    })
}

/// The standing once an evaluation after version `after` stored `standing`.
#[track_caller]
pub fn standing_becomes(stack: &Stack, freelancer: &Caller, after: u64, standing: &str) -> Value {
    standing_after(stack, freelancer, after, standing, |s| {
        s["standing"] == standing
    })
}

/// The standing once the stream has settled: every record committed so far delivered and the
/// evaluations it triggered committed (the stack's `stream_pending_records` is 0, and no record
/// was given up on). A scenario that moves the dev clock right after writing evidence waits for
/// this first: an evaluation that read the clock before the move and commits after the hourly
/// run that the move fired is only picked up by the next hourly run (by design: at most an hour
/// late), which a test on the dev clock never reaches. It says nothing of evaluations the stream
/// did not trigger (the hourly run, a rollout). On DynamoDB Local's stream, which does not say
/// how far behind it is, it is a stream mark written to the table after the writes and read by
/// the stack (`stream_mark_read`).
#[track_caller]
pub fn settled(stack: &Stack, freelancer: &Caller) -> Value {
    standing_testkit::poll::settled(
        EVALUATION,
        || stack.stream_progress(),
        || stack.write_stream_mark(),
        || standing(stack, freelancer),
        || {
            format!(
                "the standing of {}; stderr:\n{}",
                freelancer.id,
                stack.stderr()
            )
        },
    )
}

/// The ids of a JSON array of strings, sorted.
pub fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// A timestamp field.
#[track_caller]
pub fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("not an RFC 3339 time: {value}"))
}

/// Whether a reply body mentions `text` anywhere.
pub fn mentions(reply: &Reply, text: &str) -> bool {
    reply.body.to_string().contains(text)
}

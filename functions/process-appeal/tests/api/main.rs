//! process-appeal end to end: the handler on the real embedded engine, invoked with API
//! Gateway's exact HTTP API (payload 2.0) events carrying JWT authorizer claims and with
//! EventBridge's scheduled event, and the built binary answering both through a Lambda Runtime
//! API on DynamoDB Local.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod appeals;
mod binary;
mod schedule;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use standing_domain::PolicyConfig;
use standing_domain::fixtures::{FixedClock, day};
use standing_domain::model::Sanction;
use standing_lambda::testing::arrange;
use standing_lambda::testing::invoke::{Caller, Reply, http_invocation};
use standing_lambda::testing::stores::EmbeddedStore;

// Callers, with their claims as the JWT authorizer hands them over.
const FREELANCER: Caller = Some(("fl-bo", "[freelancer]"));
const OTHER_FREELANCER: Caller = Some(("fl-di", "[freelancer]"));
const CLIENT: Caller = Some(("fl-bo-client1", "[client]"));
const REVIEWER: Caller = Some(("rev-ray", "[reviewer]"));
const SERVICE: Caller = Some(("svc-marketplace", "[service]"));

const APPEALS: &str = "/freelancers/fl-bo/appeals";

/// When fl-bo's contracts ended; the block began when their clients' feedback was evaluated.
fn ended() -> DateTime<Utc> {
    day(300)
}

fn appeal(sanction_id: &str, kind: &str) -> String {
    json!({
        "sanction_id": sanction_id,
        "kind": kind,
        "statement": "Two of those clients changed the brief after the deadline."
    })
    .to_string()
}

/// A moment as response bodies write it (to the fraction of a second it carries).
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The function on a fresh embedded engine where fl-bo is under a quality block.
struct Api {
    store: EmbeddedStore,
    clock: FixedClock,
    policy: PolicyConfig,
    block: Sanction,
}

impl Api {
    /// The clock a day after the block began.
    async fn new() -> Self {
        let store = EmbeddedStore::new();
        let block = arrange::blocked(&store.repo, "fl-bo", ended()).await;
        Self {
            store,
            clock: FixedClock::at(block.started_at + Duration::days(1)),
            policy: PolicyConfig::default(),
            block,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        standing_domain::ports::Clock::now(&self.clock)
    }

    fn sanction_id(&self) -> String {
        self.block.sanction_id.to_string()
    }

    fn reinstatement_opens_at(&self) -> DateTime<Utc> {
        self.block.appeal.reinstatement_opens_at.unwrap()
    }

    /// One invocation as Lambda makes it: the event's JSON in, the answer's JSON out.
    async fn call(&self, method: &str, path: &str, caller: Caller, body: Option<&str>) -> Reply {
        let event = http_invocation(method, path, caller, body);
        let answer = process_appeal::handle(&self.store.repo, &self.clock, &self.policy, event)
            .await
            .expect("every HTTP invocation is answered");
        Reply::from_answer(answer)
    }

    async fn file(&self, caller: Caller, kind: &str) -> Reply {
        self.call(
            "POST",
            APPEALS,
            caller,
            Some(&appeal(&self.sanction_id(), kind)),
        )
        .await
    }

    async fn pending(&self) -> Vec<Value> {
        let reply = self
            .call("GET", "/appeals?status=pending", REVIEWER, None)
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["next_cursor"], Value::Null, "{:?}", reply.body);
        reply.body["items"].as_array().unwrap().clone()
    }

    async fn decide(&self, appeal_id: &str, caller: Caller, outcome: &str) -> Reply {
        let body = json!({"outcome": outcome, "note": "Read the contracts' messages."}).to_string();
        self.call(
            "POST",
            &format!("/appeals/{appeal_id}/decision"),
            caller,
            Some(&body),
        )
        .await
    }
}

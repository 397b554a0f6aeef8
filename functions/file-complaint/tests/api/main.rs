//! file-complaint end to end: the handler on the real embedded engine, invoked with API
//! Gateway's exact HTTP API (payload 2.0) events carrying JWT authorizer claims, and the built
//! binary answering through a Lambda Runtime API on DynamoDB Local.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod binary;
mod complaints;

use chrono::{DateTime, Duration, Utc};
use standing_domain::PolicyConfig;
use standing_domain::fixtures::{FixedClock, day};
use standing_lambda::testing::arrange;
use standing_lambda::testing::invoke::{Caller, Reply, http_invocation};
use standing_lambda::testing::stores::EmbeddedStore;

// Callers, with their claims as the JWT authorizer hands them over.
const CLIENT: Caller = Some(("cl-ada", "[client]"));
const SECOND_CLIENT: Caller = Some(("cl-cy", "[client]"));
const CLIENT_WITHOUT_CONTRACT: Caller = Some(("cl-eve", "[client]"));
const FREELANCER: Caller = Some(("fl-bo", "[freelancer]"));
const OTHER_FREELANCER: Caller = Some(("fl-di", "[freelancer]"));
const REVIEWER: Caller = Some(("rev-ray", "[reviewer]"));
const SERVICE: Caller = Some(("svc-marketplace", "[service]"));

/// Where complaints about fl-bo are filed.
const COMPLAINTS: &str = "/freelancers/fl-bo/complaints";

fn complaint(claim: &str) -> String {
    serde_json::json!({
        "category": "certification",
        "claim": claim,
        "statement": "The certification number belongs to somebody else.",
        "evidence": ["https://example.org/registry/lookup?number=AWS-123"]
    })
    .to_string()
}

const CLAIM: &str = "AWS Certified Solutions Architect";

fn decision(outcome: &str) -> String {
    serde_json::json!({
        "outcome": outcome,
        "terms_clause": "ToS 4.2 Accurate profile",
        "note": "Checked the issuer's registry."
    })
    .to_string()
}

fn now() -> DateTime<Utc> {
    day(200)
}

/// The function on a fresh embedded engine where cl-ada and cl-cy have had contracts with
/// fl-bo, and cl-eve has not.
struct Api {
    store: EmbeddedStore,
    clock: FixedClock,
    policy: PolicyConfig,
}

impl Api {
    async fn new() -> Self {
        let store = EmbeddedStore::new();
        for (id, client) in [("c-1", "cl-ada"), ("c-2", "cl-cy")] {
            arrange::contract(&store.repo, id, client, "fl-bo", Some(day(100))).await;
        }
        arrange::contract(&store.repo, "c-3", "cl-eve", "fl-di", Some(day(100))).await;
        Self {
            store,
            clock: FixedClock::at(now()),
            policy: PolicyConfig::default(),
        }
    }

    /// ... and complaints about the same claim from both of fl-bo's clients, an hour apart:
    /// a review case. Returns their ids, oldest first.
    async fn with_case() -> (Self, String, String) {
        let api = Self::new().await;
        let first = api.file(CLIENT, &complaint(CLAIM)).await;
        api.clock.advance(Duration::hours(1));
        let second = api.file(SECOND_CLIENT, &complaint(CLAIM)).await;
        assert_eq!((first.status, second.status), (201, 201));
        let id = |reply: &Reply| reply.body["complaint_id"].as_str().unwrap().to_owned();
        let ids = (id(&first), id(&second));
        (api, ids.0, ids.1)
    }

    /// One invocation as Lambda makes it: the event's JSON in, the answer's JSON out.
    async fn call(&self, method: &str, path: &str, caller: Caller, body: Option<&str>) -> Reply {
        let event = http_invocation(method, path, caller, body);
        let answer = file_complaint::handle(&self.store.repo, &self.clock, &self.policy, event)
            .await
            .expect("every HTTP invocation is answered");
        Reply::from_answer(answer)
    }

    async fn file(&self, caller: Caller, body: &str) -> Reply {
        self.call("POST", COMPLAINTS, caller, Some(body)).await
    }

    async fn queue(&self, status: &str) -> Reply {
        self.call(
            "GET",
            &format!("/complaints?status={status}"),
            REVIEWER,
            None,
        )
        .await
    }

    async fn decide(&self, id: &str, caller: Caller, outcome: &str) -> Reply {
        self.call(
            "POST",
            &format!("/complaints/{id}/decision"),
            caller,
            Some(&decision(outcome)),
        )
        .await
    }
}

/// The complaint ids of a queue, in its order.
fn ids(queue: &Reply) -> Vec<String> {
    assert_eq!(
        queue.body["next_cursor"],
        serde_json::Value::Null,
        "{:?}",
        queue.body
    );
    queue.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page of a queue: {:?}", queue.body))
        .iter()
        .map(|c| c["complaint_id"].as_str().unwrap().to_owned())
        .collect()
}

//! submit-feedback end to end: the handler on the real embedded engine, invoked with API
//! Gateway's exact HTTP API (payload 2.0) events carrying JWT authorizer claims, and the built
//! binary answering through a Lambda Runtime API on DynamoDB Local.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod binary;
mod changes;
mod contracts;
mod feedback;

use chrono::{DateTime, Duration, Utc};
use standing_domain::PolicyConfig;
use standing_domain::fixtures::{FixedClock, day};
use standing_lambda::testing::arrange::body;
use standing_lambda::testing::invoke::{Caller, Reply, http_invocation};
use standing_lambda::testing::stores::EmbeddedStore;

// Callers, with their claims as the JWT authorizer hands them over.
const SERVICE: Caller = Some(("svc-marketplace", "[service]"));
const CLIENT: Caller = Some(("cl-ada", "[client]"));
const FREELANCER: Caller = Some(("fl-bo", "[freelancer]"));
const OTHER_CLIENT: Caller = Some(("cl-cy", "[client]"));
const OTHER_FREELANCER: Caller = Some(("fl-di", "[freelancer]"));
const REVIEWER: Caller = Some(("rev-eve", "[reviewer]"));

/// The contract most tests are about: cl-ada hired fl-bo.
const CONTRACT: &str = "/contracts/c-1";

/// When that contract ended.
fn ended() -> DateTime<Utc> {
    day(300)
}

/// The function on a fresh embedded engine, with a clock the tests move.
struct Api {
    store: EmbeddedStore,
    clock: FixedClock,
    policy: PolicyConfig,
}

impl Api {
    /// Nothing stored; the clock a day after [`ended`].
    fn new() -> Self {
        Self {
            store: EmbeddedStore::new(),
            clock: FixedClock::at(ended() + Duration::days(1)),
            policy: PolicyConfig::default(),
        }
    }

    /// The service has registered [`CONTRACT`], ended at [`ended`].
    async fn with_ended_contract() -> Self {
        let api = Self::new();
        let reply = api
            .call(
                "PUT",
                CONTRACT,
                SERVICE,
                Some(&Self::contract_body(Some(ended()))),
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        api
    }

    /// ... and the client has left negative feedback on it.
    async fn with_client_feedback() -> Self {
        let api = Self::with_ended_contract().await;
        let reply = api.submit(CLIENT, &body::negative_feedback()).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        api
    }

    /// ... and the freelancer too, which reveals both.
    async fn with_both_feedbacks() -> Self {
        let api = Self::with_client_feedback().await;
        let reply = api.submit(FREELANCER, &body::freelancer_feedback()).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        api
    }

    fn contract_body(ended_at: Option<DateTime<Utc>>) -> String {
        body::contract("cl-ada", "fl-bo", day(270), ended_at)
    }

    /// One invocation as Lambda makes it: the event's JSON in, the answer's JSON out.
    async fn call(&self, method: &str, path: &str, caller: Caller, body: Option<&str>) -> Reply {
        let event = http_invocation(method, path, caller, body);
        let answer = submit_feedback::handle(&self.store.repo, &self.clock, &self.policy, event)
            .await
            .expect("every HTTP invocation is answered");
        let reply = Reply::from_answer(answer);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        reply
    }

    async fn submit(&self, caller: Caller, body: &str) -> Reply {
        self.call("POST", &format!("{CONTRACT}/feedback"), caller, Some(body))
            .await
    }

    async fn view(&self, caller: Caller) -> Reply {
        self.call("GET", &format!("{CONTRACT}/feedback"), caller, None)
            .await
    }
}

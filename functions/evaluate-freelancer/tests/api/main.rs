//! evaluate-freelancer end to end: the stream handler fed DynamoDB stream events built from the
//! real change records of the embedded engine and of DynamoDB Local, the reads invoked with API
//! Gateway's exact HTTP API (payload 2.0) events carrying JWT authorizer claims, and the built
//! binary answering both kinds through a Lambda Runtime API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod binary;
mod reads;
mod schedule;
mod stream_dynamodb_local;
mod stream_embedded;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use standing_domain::PolicyConfig;
use standing_domain::fixtures::{FixedClock, day};
use standing_lambda::testing::arrange;
use standing_lambda::testing::invoke::{
    Caller, Reply, batch_item_failures, http_invocation, invocation, wire,
};
use standing_store::Repository;

// Callers, with their claims as the JWT authorizer hands them over.
const FREELANCER: Caller = Some(("fl-bo", "[freelancer]"));
const OTHER_FREELANCER: Caller = Some(("fl-di", "[freelancer]"));
const CLIENT: Caller = Some(("fl-bo-client1", "[client]"));
const REVIEWER: Caller = Some(("rev-ray", "[reviewer]"));
const SERVICE: Caller = Some(("svc-marketplace", "[service]"));

/// When fl-bo's contracts ended; their clients rated them a day later.
fn ended() -> DateTime<Utc> {
    day(300)
}

/// The functions on one repository, with a clock the tests move: evaluate-freelancer, and
/// submit-feedback for writing evidence the way clients do.
struct Functions {
    repo: Repository,
    clock: FixedClock,
    policy: PolicyConfig,
}

impl Functions {
    /// The clock two days after [`ended`], after the feedback.
    fn on(repo: &Repository) -> Self {
        Self {
            repo: repo.clone(),
            clock: FixedClock::at(ended() + Duration::days(2)),
            policy: PolicyConfig::default(),
        }
    }

    /// An HTTP invocation of evaluate-freelancer, as Lambda makes it.
    async fn call(&self, method: &str, path: &str, caller: Caller, body: Option<&str>) -> Reply {
        let event = http_invocation(method, path, caller, body);
        let answer = evaluate_freelancer::handle(
            &self.repo,
            &self.clock,
            &self.policy,
            evaluate_freelancer::RolloutLimits::default(),
            event,
        )
        .await
        .expect("every HTTP invocation is answered");
        Reply::from_answer(answer)
    }

    /// An HTTP invocation of submit-feedback on the same table.
    async fn feedback_call(&self, method: &str, path: &str, caller: Caller, body: &str) -> Reply {
        let event = http_invocation(method, path, caller, Some(body));
        let answer = submit_feedback::handle(&self.repo, &self.clock, &self.policy, event)
            .await
            .expect("every HTTP invocation is answered");
        Reply::from_answer(answer)
    }

    /// Delivers a stream event (its JSON, as Lambda sends it) and returns the sequence numbers
    /// the function reports in `batchItemFailures`.
    async fn deliver(&self, event: &Value) -> Vec<String> {
        let answer = evaluate_freelancer::handle(
            &self.repo,
            &self.clock,
            &self.policy,
            evaluate_freelancer::RolloutLimits::default(),
            invocation(event),
        )
        .await
        .expect("a stream batch is always answered, failures included");
        batch_item_failures(&wire(answer))
    }

    async fn standing(&self, freelancer: &str, caller: Caller) -> Reply {
        self.call(
            "GET",
            &format!("/freelancers/{freelancer}/standing"),
            caller,
            None,
        )
        .await
    }

    async fn audit(&self, freelancer: &str) -> Reply {
        let reply = self
            .call(
                "GET",
                &format!("/freelancers/{freelancer}/audit"),
                REVIEWER,
                None,
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply
    }

    /// The audit trail's entries: one page holds all of them here (api.md, Lists).
    async fn audit_items(&self, freelancer: &str) -> Value {
        let page = self.audit(freelancer).await.body;
        assert_eq!(page["next_cursor"], Value::Null, "{page}");
        page["items"].clone()
    }
}

/// The first record of a stream event naming `freelancer`, and its sequence number.
fn first_sequence_number_of(event: &Value, freelancer: &str) -> String {
    event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            ["NewImage", "OldImage"]
                .iter()
                .any(|image| r["dynamodb"][image]["freelancer_id"]["S"] == freelancer)
        })
        .and_then(|r| r["dynamodb"]["SequenceNumber"].as_str())
        .unwrap_or_else(|| panic!("no record names {freelancer}"))
        .to_owned()
}

/// The `entity_type`s a stream event's records carry, in order.
fn entity_types(event: &Value) -> Vec<String> {
    event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let image = if r["dynamodb"]["NewImage"]["entity_type"].is_object() {
                &r["dynamodb"]["NewImage"]
            } else {
                &r["dynamodb"]["OldImage"]
            };
            image["entity_type"]["S"].as_str().unwrap_or("").to_owned()
        })
        .collect()
}

/// Checks a quality block on fl-bo's three contracts, as the standing route shows it.
fn assert_quality_block(standing: &Value, contracts: &[&str], feedback_ids: &[String]) {
    assert_eq!(standing["freelancer_id"], "fl-bo");
    assert_eq!(standing["standing"], "blocked_new_work", "{standing}");
    let sanctions = standing["sanctions"].as_array().unwrap();
    assert_eq!(sanctions.len(), 1, "{standing}");
    let block = &sanctions[0];
    assert!(block["sanction_id"].as_str().unwrap().starts_with("sn_"));
    assert_eq!(block["kind"], "blocked_new_work");
    assert_eq!(block["rule"], "quality.multiple_negative");
    assert_eq!(block["policy_version"], PolicyConfig::default().version);
    assert_eq!(block["decided_by"], "automated");
    assert_eq!(
        block["evidence"]["contract_ids"],
        serde_json::json!(contracts)
    );
    let mut feedback_ids = feedback_ids.to_vec();
    feedback_ids.sort();
    assert_eq!(
        block["evidence"]["feedback_ids"],
        serde_json::json!(feedback_ids)
    );
    assert_eq!(block["evidence"]["complaint_ids"], serde_json::json!([]));
    let statement = block["statement"].as_str().unwrap();
    assert!(statement.contains("3 of 3 rated contracts"), "{statement}");
    assert!(statement.contains("from 3 distinct clients"), "{statement}");
    let started: DateTime<Utc> = block["started_at"].as_str().unwrap().parse().unwrap();
    let opens: DateTime<Utc> = block["appeal"]["reinstatement_opens_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        opens,
        started.checked_add_months(chrono::Months::new(6)).unwrap()
    );
    assert!(block["appeal"]["contest_until"].is_string());
}

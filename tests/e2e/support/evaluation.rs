//! A fresh evaluation of a freelancer, beside the one the stack stored. The API has no route
//! that evaluates on demand (a standing once stored is only read back; the stream and the
//! hourly schedule evaluate again), so this opens the stack's own table with the store's own
//! code and runs the domain's evaluator on it, as the stream's evaluation would, without
//! writing. On the embedded engine the stack must be stopped first: its file is locked.

use std::sync::Arc;

use serde_json::{Value, json};
use standing_domain::evaluation::DisputedCredential;
use standing_domain::model::Sanction;
use standing_domain::ports::{Clock, StandingSnapshot, StandingStore};
use standing_domain::usecases::standing::load_record;
use standing_domain::{Evaluation, PolicyConfig, UserId, evaluate};
use standing_lambda::SystemClock;
use standing_lambda::body::{DisputedBody, EligibilityBody, SanctionBody};
use standing_store::{DynamoDbEngine, EmbeddedEngine, EmbeddedOptions, Engine, Repository};
use standing_testkit::dynamodb_client;

use super::stack::{Location, Store};

/// What the store holds for a freelancer, and what evaluating them now gives.
#[derive(Debug)]
pub struct Evaluations {
    /// The standing the stack stored last, with its version.
    pub stored: Value,
    pub version: u64,
    /// Evaluated now on the evidence in the store, from the stored sanctions (what the stream's
    /// next evaluation would compute).
    pub again: Value,
    /// Evaluated now on the same evidence as if nothing had been stored before.
    pub from_scratch: Value,
}

/// The fields an evaluation decides (not when it ran), in the contract's shapes.
fn decided(snapshot: &StandingSnapshot) -> Value {
    json!({
        "standing": snapshot.standing,
        "sanctions": sanctions(&snapshot.sanctions),
        "jss": snapshot.jss,
        "eligibility": EligibilityBody::from(&snapshot.eligibility),
        "disputed_credentials": disputed(&snapshot.disputed_credentials),
        "policy_version": snapshot.policy_version,
        "next_due": snapshot.next_due,
    })
}

fn decided_now(evaluation: &Evaluation, policy: &PolicyConfig) -> Value {
    json!({
        "standing": evaluation.standing,
        "sanctions": sanctions(&evaluation.sanctions),
        "jss": evaluation.jss,
        "eligibility": EligibilityBody::from(&evaluation.eligibility),
        "disputed_credentials": disputed(&evaluation.disputed_credentials),
        "policy_version": policy.version,
        "next_due": evaluation.next_due,
    })
}

fn sanctions(sanctions: &[Sanction]) -> Vec<SanctionBody> {
    sanctions.iter().map(SanctionBody::from).collect()
}

fn disputed(credentials: &[DisputedCredential]) -> Vec<DisputedBody> {
    credentials.iter().map(DisputedBody::from).collect()
}

/// Evaluates `freelancer` afresh on `store` under the rule book's defaults (the policy the suite's
/// stacks run), beside what the stack stored.
pub fn evaluate_afresh(store: &Store, freelancer: &str) -> Evaluations {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let engine: Arc<dyn Engine> = match store.location() {
            Location::Embedded(path) => Arc::new(
                EmbeddedEngine::open(
                    &path,
                    EmbeddedOptions {
                        table_name: standing_local::cli::DEFAULT_TABLE.to_owned(),
                        ..EmbeddedOptions::default()
                    },
                )
                .unwrap_or_else(|e| {
                    panic!(
                        "{} does not open (is the stack stopped?): {e}",
                        path.display()
                    )
                }),
            ),
            Location::DynamoDb { endpoint, table } => {
                Arc::new(DynamoDbEngine::new(dynamodb_client(&endpoint), table))
            }
        };
        let repository = Repository::new(engine);
        let policy = PolicyConfig::default();
        let id = UserId::parse(freelancer).unwrap();
        let stored = repository
            .get_standing(&id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no standing stored for {freelancer}"));
        let now = SystemClock.now();
        let mut outcomes = Vec::new();
        for previous in [stored.value.sanctions.clone(), Vec::new()] {
            let record = load_record(&repository, &id, &previous, now, &policy)
                .await
                .unwrap();
            outcomes.push(decided_now(&evaluate(&record, &policy, now), &policy));
        }
        let from_scratch = outcomes.pop().unwrap();
        let again = outcomes.pop().unwrap();
        Evaluations {
            stored: decided(&stored.value),
            version: stored.version,
            again,
            from_scratch,
        }
    })
}

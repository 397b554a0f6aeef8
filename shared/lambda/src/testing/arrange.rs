//! What a test needs to exist before the request it is about, arranged through the domain's use
//! cases on a real repository (the same code the handlers run), and the contract's request
//! bodies as the JSON text a client sends.

use chrono::{DateTime, Duration, Utc};
use standing_domain::fixtures::{FixedClock, actor, day};
use standing_domain::model::{Contract, Sanction};
use standing_domain::ports::{
    AppealStore, ComplaintStore, ContractStore, FeedbackStore, StandingStore,
};
use standing_domain::usecases::feedback::{FeedbackView, SubmitFeedback};
use standing_domain::usecases::{contracts, feedback, standing};
use standing_domain::{Actor, ContractId, Currency, PolicyConfig, Role, UserId};

/// The marketplace's back end.
pub fn service() -> Actor {
    actor("svc-marketplace", &[Role::Service])
}

/// Registers contract `id` between `client` and `freelancer`: 500.00 USD charged, ended at
/// `ended_at` after 30 days, or active since day 0 (fixtures' epoch) when `ended_at` is `None`.
pub async fn contract<S: ContractStore + FeedbackStore>(
    store: &S,
    id: &str,
    client: &str,
    freelancer: &str,
    ended_at: Option<DateTime<Utc>>,
) -> Contract {
    let cmd = contracts::RegisterContract {
        client_id: UserId::parse(client).expect("a client id"),
        freelancer_id: UserId::parse(freelancer).expect("a freelancer id"),
        started_at: ended_at.map_or(day(0), |ended| ended - Duration::days(30)),
        ended_at,
        total_charged_minor: 50_000,
        currency: Currency::parse("USD").expect("USD"),
    };
    let id = ContractId::parse(id).expect("a contract id");
    contracts::register(store, &service(), id, cmd)
        .await
        .expect("the contract registers")
}

/// The client of contract `id` leaves negative feedback at `at`: every score 1, ended for
/// quality issues, dissatisfied with the performance.
pub async fn negative_feedback<S: ContractStore + FeedbackStore>(
    store: &S,
    id: &str,
    client: &str,
    at: DateTime<Utc>,
) -> FeedbackView {
    let cmd: SubmitFeedback = crate::command::read(
        serde_json::from_str(&body::negative_feedback()).expect("the body is JSON"),
    )
    .expect("the body is a command");
    feedback::submit(
        store,
        &FixedClock::at(at),
        &PolicyConfig::default(),
        &actor(client, &[Role::Client]),
        &ContractId::parse(id).expect("a contract id"),
        cmd,
    )
    .await
    .expect("the feedback is accepted")
}

/// The freelancer of contract `id` leaves their feedback about the client at `at`.
pub async fn freelancer_feedback<S: ContractStore + FeedbackStore>(
    store: &S,
    id: &str,
    freelancer: &str,
    at: DateTime<Utc>,
) -> FeedbackView {
    let cmd: SubmitFeedback = crate::command::read(
        serde_json::from_str(&body::freelancer_feedback()).expect("the body is JSON"),
    )
    .expect("the body is a command");
    feedback::submit(
        store,
        &FixedClock::at(at),
        &PolicyConfig::default(),
        &actor(freelancer, &[Role::Freelancer]),
        &ContractId::parse(id).expect("a contract id"),
        cmd,
    )
    .await
    .expect("the feedback is accepted")
}

/// Contracts `{freelancer}-c1`, `-c2`, … of `freelancer`, one per client, each ended at
/// `ended_at`, rated negatively a day later and answered by the freelancer at the same moment,
/// so each negative is revealed (and counts, §3) a day after `ended_at`: the evidence of a
/// quality block when there are three clients. Returns the contract ids.
pub async fn negative_contracts<S: ContractStore + FeedbackStore>(
    store: &S,
    freelancer: &str,
    clients: &[&str],
    ended_at: DateTime<Utc>,
) -> Vec<String> {
    let mut ids = Vec::new();
    let rated_at = ended_at + Duration::days(1);
    for (n, client) in clients.iter().enumerate() {
        let id = format!("{freelancer}-c{}", n + 1);
        contract(store, &id, client, freelancer, Some(ended_at)).await;
        negative_feedback(store, &id, client, rated_at).await;
        freelancer_feedback(store, &id, freelancer, rated_at).await;
        ids.push(id);
    }
    ids
}

/// A freelancer under a quality block: three clients rated their contracts (ended at
/// `ended_at`) negatively a day later, and the freelancer was evaluated then, as the stream
/// would have it. Returns the block.
pub async fn blocked<S>(store: &S, freelancer: &str, ended_at: DateTime<Utc>) -> Sanction
where
    S: ContractStore + FeedbackStore + StandingStore + ComplaintStore + AppealStore,
{
    let clients: Vec<String> = (1..=3).map(|n| format!("{freelancer}-client{n}")).collect();
    let clients: Vec<&str> = clients.iter().map(String::as_str).collect();
    negative_contracts(store, freelancer, &clients, ended_at).await;
    let id = UserId::parse(freelancer).expect("a freelancer id");
    let evaluation = standing::reevaluate(
        store,
        &FixedClock::at(ended_at + Duration::days(1)),
        &PolicyConfig::default(),
        &id,
    )
    .await
    .expect("the evaluation runs");
    evaluation
        .sanctions
        .into_iter()
        .next()
        .expect("three negative contracts from three clients block the freelancer")
}

/// Request bodies of the contract, as a client sends them.
pub mod body {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde_json::json;

    fn stamp(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// `PUT /contracts/{id}`: 500.00 USD; `ended_at` left out while the contract is active.
    pub fn contract(
        client: &str,
        freelancer: &str,
        started_at: DateTime<Utc>,
        ended_at: Option<DateTime<Utc>>,
    ) -> String {
        let mut body = json!({
            "client_id": client,
            "freelancer_id": freelancer,
            "started_at": stamp(started_at),
            "total_charged_minor": 50_000,
            "currency": "USD",
        });
        if let Some(ended_at) = ended_at {
            body["ended_at"] = json!(stamp(ended_at));
        }
        body.to_string()
    }

    /// A public part with every score `score`.
    pub fn public(score: u8, comment: &str) -> serde_json::Value {
        json!({
            "scores": {
                "skills": score, "quality": score, "availability": score,
                "deadlines": score, "communication": score, "cooperation": score
            },
            "comment": comment,
        })
    }

    /// A client's negative feedback: every score 1, quality issues, dissatisfied with the
    /// performance, with a private note.
    pub fn negative_feedback() -> String {
        json!({
            "public": public(1, "Missed every deadline."),
            "private": {
                "reason_ended": "quality_issues",
                "recommend": 1,
                "dissatisfied_with": ["performance"],
                "note": "Would not hire again."
            }
        })
        .to_string()
    }

    /// A client's positive feedback: every score 5, completed successfully.
    pub fn positive_feedback() -> String {
        json!({
            "public": public(5, "Clear plan, delivered early."),
            "private": {"reason_ended": "completed_successfully", "recommend": 9}
        })
        .to_string()
    }

    /// A freelancer's feedback about the client: a public part only.
    pub fn freelancer_feedback() -> String {
        json!({ "public": public(4, "Quick answers, fair scope.") }).to_string()
    }
}

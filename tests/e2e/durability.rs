//! Scenario 3, durability: a restart in the middle of a sequence of writes keeps every answer, and
//! a kill -9 during a burst of concurrent writes loses nothing that was answered with a 2xx. On
//! DynamoDB Local the data lives in DynamoDB; there the same checks show that the stack restarts
//! on its table and stream and carries on.

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::api::{
    feedback_of, freelancer_feedback, give_feedback, ids, negative_feedback, public,
    register_ended, settled, standing, standing_becomes, version,
};
use crate::support::{Caller, Clock, Reply, Stack, Store, on_both_stores, poll};

/// What the reviewer reads back of everything written for `freelancer`: feedback on `contracts`,
/// standing, audit trail and complaints.
fn read_back(stack: &Stack, freelancer: &Caller, contracts: &[&str]) -> Value {
    let reviewer = Caller::reviewer("rv-1");
    let feedback: Vec<Value> = contracts
        .iter()
        .map(|k| feedback_of(stack, k, &reviewer))
        .collect();
    // The stream's last evaluation may still rewrite the standing (a moved evidence mark is
    // written even when the outcome is the same): read it once the stream has caught up.
    let mut shown = settled(stack, freelancer);
    // The time of the read is not part of what was written.
    if let Some(s) = shown.as_object_mut() {
        s.remove("evaluated_at");
    }
    json!({
        "feedback": feedback,
        "standing": shown,
        "audit": stack.get(&format!("/freelancers/{}/audit", freelancer.id), &reviewer).expect(200),
        "complaints": stack.get("/complaints?status=under_review", &reviewer).expect(200),
    })
}

fn complaint(claim: &str) -> Value {
    json!({
        "category": "certification", "claim": claim, "statement": "The issuer has no record.",
        "evidence": ["https://issuer.example/verify?id=none"],
    })
}

fn a_restart_in_the_middle_of_a_sequence_of_writes_keeps_every_answer(store: Store) {
    let fl = Caller::freelancer("fl-restart");
    let clients: Vec<Caller> = (1..=3)
        .map(|n| Caller::client(&format!("cl-{n}")))
        .collect();
    let ended = Utc::now() - chrono::Duration::days(1);

    // The first half of the writes.
    let stack = Stack::start(&store, Clock::Wall);
    for (n, client) in clients.iter().enumerate() {
        register_ended(&stack, &format!("k{}", n + 1), (client, &fl), ended);
    }
    let k1_client = give_feedback(&stack, "k1", &clients[0], &negative_feedback("n1"));
    let k1_freelancer = give_feedback(&stack, "k1", &fl, &freelancer_feedback(4));
    let k2_client = give_feedback(&stack, "k2", &clients[1], &negative_feedback("n2"));
    // The freelancer answers, so the negative is revealed and counts (§3).
    give_feedback(&stack, "k2", &fl, &freelancer_feedback(4));
    stack
        .send(
            "POST",
            "/contracts/k1/feedback/client/change-request",
            Some(&clients[0].token),
            None,
        )
        .expect(201);
    stack
        .post(
            "/contracts/k1/feedback/client/change-consent",
            &fl,
            &json!({"consent": true}),
        )
        .expect(200);
    let first_complaint = stack
        .post(
            "/freelancers/fl-restart/complaints",
            &clients[0],
            &complaint("PMP"),
        )
        .expect(201);
    let status = stack.stop();
    assert_eq!(status.code(), Some(0), "SIGTERM stops the stack cleanly");

    // The second half, on a new process, builds on what the first half was told.
    let stack = Stack::start(&store, Clock::Wall);
    let before = version(&standing(&stack, &fl));
    let changed = stack.patch(
        "/contracts/k1/feedback/client",
        &clients[0],
        &json!({"public": public(2, "Still short of what was agreed.")}),
    );
    assert_eq!(
        changed.expect(200)["version"],
        2,
        "the consent survived the restart"
    );
    let k3_client = give_feedback(&stack, "k3", &clients[2], &negative_feedback("n3"));
    give_feedback(&stack, "k3", &fl, &freelancer_feedback(4));
    let second_complaint = stack
        .post(
            "/freelancers/fl-restart/complaints",
            &clients[1],
            &complaint("CISSP"),
        )
        .expect(201);
    assert!(
        second_complaint["under_review_since"].is_string(),
        "the complaint filed before the restart counts: {second_complaint}"
    );
    stack
        .put(
            "/contracts/k1/feedback/client/response",
            &fl,
            &json!({"text": "Noted."}),
        )
        .expect(201);

    // Everything answered, before the restart and after it, is there and was evaluated.
    let blocked = standing_becomes(&stack, &fl, before, "blocked_new_work");
    assert_eq!(
        ids(&blocked["sanctions"][0]["evidence"]["contract_ids"]),
        ["k1", "k2", "k3"]
    );
    let reviewer = Caller::reviewer("rv-1");
    let k1 = feedback_of(&stack, "k1", &reviewer);
    assert_eq!(k1["client"]["feedback_id"], k1_client["feedback_id"]);
    assert_eq!(k1["client"]["version"], 2);
    assert_eq!(k1["client"]["response"]["text"], "Noted.");
    assert_eq!(
        k1["freelancer"]["feedback_id"],
        k1_freelancer["feedback_id"]
    );
    assert_eq!(
        feedback_of(&stack, "k2", &reviewer)["client"]["feedback_id"],
        k2_client["feedback_id"]
    );
    assert_eq!(
        feedback_of(&stack, "k3", &reviewer)["client"]["feedback_id"],
        k3_client["feedback_id"]
    );
    let queue = stack
        .get("/complaints?status=under_review", &reviewer)
        .expect(200);
    let queued: Vec<&Value> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["complaint_id"])
        .collect();
    assert_eq!(
        queued,
        [
            &first_complaint["complaint_id"],
            &second_complaint["complaint_id"]
        ]
    );

    // And a restart changes none of it.
    let contracts = ["k1", "k2", "k3"];
    let read = read_back(&stack, &fl, &contracts);
    assert_eq!(stack.stop().code(), Some(0));
    let stack = Stack::start(&store, Clock::Wall);
    assert_eq!(read_back(&stack, &fl, &contracts), read);
}
on_both_stores!(a_restart_in_the_middle_of_a_sequence_of_writes_keeps_every_answer);

const WORKERS: usize = 4;
/// Each worker's upper bound on contracts; the kill comes long before.
const PER_WORKER: usize = 200;
/// Writes answered before the kill.
const ANSWERED_BEFORE_KILL: usize = 40;

/// What the stack answered with a 2xx during the burst.
#[derive(Default)]
struct Answered {
    /// Registered contracts.
    contracts: Vec<String>,
    /// (contract, feedback id, client) of the feedback given.
    feedback: Vec<(String, Value, String)>,
    /// Contracts whose freelancer answered too, so the client's feedback is revealed.
    answered_by_freelancer: Vec<String>,
    /// Replies that were neither a 2xx nor a cut connection.
    unexpected: Vec<String>,
}

impl Answered {
    fn total(&self) -> usize {
        self.contracts.len() + self.feedback.len() + self.answered_by_freelancer.len()
    }

    /// Distinct clients with revealed feedback: what the quality rule counts.
    fn distinct_clients(&self) -> usize {
        self.feedback
            .iter()
            .filter(|f| self.answered_by_freelancer.contains(&f.0))
            .map(|f| &f.2)
            .collect::<BTreeSet<_>>()
            .len()
    }
}

/// Registers contracts with `fl-burst`, gives negative feedback on each and the freelancer's
/// answer, until the connection is cut. `true` when it was.
fn burst(stack: &Stack, worker: usize, answered: Arc<Mutex<Answered>>) -> JoinHandle<bool> {
    let addr = stack.addr();
    let (service, client) = (Caller::service(), Caller::client(&format!("bc-{worker}")));
    let fl = Caller::freelancer("fl-burst");
    let ended = Utc::now() - chrono::Duration::days(1);
    let send = move |method: &str, path: &str, token: &str, body: &Value| {
        crate::support::send(addr, method, path, Some(token), Some(&body.to_string()))
    };
    thread::spawn(move || {
        let accept = |reply: Reply, status: u16| {
            if reply.status == status {
                return true;
            }
            let mut answered = answered.lock().unwrap();
            answered.unexpected.push(format!(
                "{} {}: {}",
                reply.request, reply.status, reply.body
            ));
            false
        };
        for i in 0..PER_WORKER {
            let contract = format!("b{worker}-{i}");
            let body = json!({
                "client_id": client.id, "freelancer_id": fl.id,
                "started_at": ended - chrono::Duration::days(30), "ended_at": ended,
                "total_charged_minor": 30_000, "currency": "USD",
            });
            let Ok(reply) = send(
                "PUT",
                &format!("/contracts/{contract}"),
                &service.token,
                &body,
            ) else {
                return true;
            };
            if !accept(reply, 200) {
                return false;
            }
            answered.lock().unwrap().contracts.push(contract.clone());
            let path = format!("/contracts/{contract}/feedback");
            let Ok(reply) = send("POST", &path, &client.token, &negative_feedback("b")) else {
                return true;
            };
            let id = reply.body["feedback_id"].clone();
            if !accept(reply, 201) {
                return false;
            }
            answered
                .lock()
                .unwrap()
                .feedback
                .push((contract.clone(), id, client.id.clone()));
            let Ok(reply) = send("POST", &path, &fl.token, &freelancer_feedback(4)) else {
                return true;
            };
            if !accept(reply, 201) {
                return false;
            }
            answered
                .lock()
                .unwrap()
                .answered_by_freelancer
                .push(contract);
        }
        false
    })
}

fn a_kill_9_during_a_burst_of_concurrent_writes_loses_nothing_that_was_answered(store: Store) {
    let stack = Stack::start(&store, Clock::Wall);
    let answered = Arc::new(Mutex::new(Answered::default()));
    let workers: Vec<JoinHandle<bool>> = (0..WORKERS)
        .map(|w| burst(&stack, w, Arc::clone(&answered)))
        .collect();
    let enough = poll(Duration::from_secs(120), || {
        let a = answered.lock().unwrap();
        (a.total() >= ANSWERED_BEFORE_KILL && a.distinct_clients() >= 3).then_some(())
    });
    assert!(
        enough.is_some(),
        "the burst did not get going:\n{}",
        stack.stderr()
    );
    let status = stack.kill();
    assert_eq!(status.signal(), Some(9));

    // Every worker was cut off mid-burst (a request fails fast once the process is gone).
    let finished = poll(Duration::from_secs(60), || {
        workers.iter().all(JoinHandle::is_finished).then_some(())
    });
    assert!(finished.is_some(), "a worker hangs after the kill");
    for worker in workers {
        assert!(
            worker.join().unwrap(),
            "the kill came after a worker had finished"
        );
    }
    let answered = Arc::try_unwrap(answered)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert!(answered.unexpected.is_empty(), "{:#?}", answered.unexpected);

    // Restarted on the same data: every answered write is there.
    let stack = Stack::start(&store, Clock::Wall);
    let reviewer = Caller::reviewer("rv-1");
    for contract in &answered.contracts {
        stack
            .get(&format!("/contracts/{contract}/feedback"), &reviewer)
            .expect(200);
    }
    for (contract, id, _) in &answered.feedback {
        let seen = feedback_of(&stack, contract, &reviewer);
        assert_eq!(&seen["client"]["feedback_id"], id, "{contract}: {seen}");
    }
    // The evaluator catches up with what was written before the kill…
    let fl = Caller::freelancer("fl-burst");
    let blocked = standing_becomes(&stack, &fl, 0, "blocked_new_work");
    let given: BTreeSet<&String> = answered.feedback.iter().map(|f| &f.0).collect();
    for contract in ids(&blocked["sanctions"][0]["evidence"]["contract_ids"]) {
        assert!(given.contains(&contract), "{contract} was never answered");
    }
    // …and the stack carries on with new writes.
    let after = Caller::freelancer("fl-after");
    let before = version(&standing(&stack, &after));
    for n in 1..=3 {
        let client = Caller::client(&format!("ca-{n}"));
        let contract = format!("a{n}");
        register_ended(
            &stack,
            &contract,
            (&client, &after),
            Utc::now() - chrono::Duration::days(1),
        );
        give_feedback(&stack, &contract, &client, &negative_feedback("a"));
        give_feedback(&stack, &contract, &after, &freelancer_feedback(4));
    }
    standing_becomes(&stack, &after, before, "blocked_new_work");
    assert_eq!(stack.stop().code(), Some(0));
}
on_both_stores!(a_kill_9_during_a_burst_of_concurrent_writes_loses_nothing_that_was_answered);

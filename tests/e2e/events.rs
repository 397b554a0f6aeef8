//! Decisions leave the system (api.md, "outbound"): a block, its reversal and a reinstatement
//! reach a real webhook receiver as signed events, once each by id, although the receiver fails
//! deliveries, is down for a while, and the stack restarts with events still undelivered.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration as Days;
use serde_json::{Value, json};

use crate::api::{
    freelancer_feedback, give_feedback, negative_feedback, register_ended, standing,
    standing_becomes, version,
};
use crate::support::receiver::{self, Receiver, SharedLog};
use crate::support::{Caller, Clock, Stack, Store, on_both_stores, poll};

const T0: &str = "2032-03-01T09:00:00Z";
/// Long enough for a delivery that backs off after failures (it doubles from 250 ms).
const DELIVERED: Duration = Duration::from_secs(60);

fn secret() -> String {
    format!("whsec_{}", STANDARD.encode([42u8; 32]))
}

fn start(store: &Store, receiver_url: &str) -> Stack {
    let secret = secret();
    Stack::start_with_env(
        store,
        Clock::Dev,
        &["--webhook", receiver_url],
        &[("STANDING_WEBHOOK_SECRET", secret.as_str())],
    )
}

/// The accepted event that `wanted` picks, once it arrived.
#[track_caller]
fn arrives(log: &SharedLog, stack: &Stack, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    poll(DELIVERED, || {
        receiver::accepted(log)
            .iter()
            .map(|d| d.event())
            .find(|e| wanted(e))
    })
    .unwrap_or_else(|| {
        let got: Vec<String> = receiver::accepted(log)
            .iter()
            .map(|d| d.body.clone())
            .collect();
        panic!(
            "no {what} arrived within {DELIVERED:?}; accepted so far: {got:#?}\nstack stderr:\n{}",
            stack.stderr()
        )
    })
}

fn about(event: &Value, kind: &str, sanction: &Value) -> bool {
    event["type"] == kind && event["data"]["sanction"]["sanction_id"] == *sanction
}

fn decisions_leave_as_signed_events_once_each(store: Store) {
    let log = receiver::shared_log();
    // The receiver fails the first two deliveries: the first event is retried, with its id.
    receiver::fail_next(&log, 2);
    let first_receiver = Receiver::start(&secret(), 0, log.clone());
    let port = first_receiver.port();
    let url = first_receiver.url();
    let stack = start(&store, &url);
    let t0 = stack.set_clock(T0);
    let freelancer = Caller::freelancer("fl-outbound");
    let service = Caller::service();
    let reviewer = Caller::reviewer("rv-outbound");
    let clients: Vec<Caller> = (1..=4)
        .map(|n| Caller::client(&format!("cl-ob-{n}")))
        .collect();

    // A block: negatives from three clients, each revealed at once (the freelancer left theirs).
    for (n, client) in clients.iter().enumerate().take(3) {
        let contract = format!("kob{}", n + 1);
        register_ended(&stack, &contract, (client, &freelancer), t0 - Days::days(1));
        give_feedback(&stack, &contract, &freelancer, &freelancer_feedback(4));
    }
    let before = version(&standing(&stack, &freelancer));
    for (n, client) in clients.iter().enumerate().take(3) {
        let contract = format!("kob{}", n + 1);
        give_feedback(&stack, &contract, client, &negative_feedback("private"));
    }
    let blocked = standing_becomes(&stack, &freelancer, before, "blocked_new_work");
    let first_block = blocked["sanctions"][0]["sanction_id"].clone();
    let imposed = arrives(&log, &stack, "sanction.imposed", |e| {
        about(e, "sanction.imposed", &first_block)
    });
    assert_eq!(imposed["schema"], "standing.event/1");
    assert_eq!(imposed["data"]["freelancer_id"], "fl-outbound");
    assert_eq!(
        imposed["data"]["sanction"]["rule"],
        "quality.multiple_negative"
    );
    assert!(
        imposed["data"]["sanction"]["statement"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{imposed}"
    );

    // The receiver goes down; the block is reversed meanwhile (a removed report).
    first_receiver.stop();
    let before = version(&standing(&stack, &freelancer));
    let report = stack.post(
        "/contracts/kob3/feedback/client/report",
        &freelancer,
        &json!({"reason": "irrelevant", "details": "This client reviewed another project."}),
    );
    let report_id = report.expect(201)["report_id"].as_str().unwrap().to_owned();
    stack
        .post(
            &format!("/feedback-reports/{report_id}/decision"),
            &reviewer,
            &json!({"outcome": "removed", "note": "The review is about another project."}),
        )
        .expect(200);
    standing_becomes(&stack, &freelancer, before, "good");
    // The stack stops with the reversal's events undelivered, and starts again.
    assert!(stack.stop().success());
    let _receiver = Receiver::start(&secret(), port, log.clone());
    let stack = start(&store, &url);
    let lifted = arrives(&log, &stack, "the reversal's sanction.lifted", |e| {
        about(e, "sanction.lifted", &first_block)
    });
    assert_eq!(
        lifted["data"]["lift_reason"], "evidence_withdrawn",
        "{lifted}"
    );

    // A second block (a fourth client), then reinstatement six months on.
    register_ended(
        &stack,
        "kob4",
        (&clients[3], &freelancer),
        stack.now() - Days::days(1),
    );
    give_feedback(&stack, "kob4", &freelancer, &freelancer_feedback(4));
    let before = version(&standing(&stack, &freelancer));
    give_feedback(&stack, "kob4", &clients[3], &negative_feedback("private"));
    let blocked = standing_becomes(&stack, &freelancer, before, "blocked_new_work");
    let second_block = blocked["sanctions"][0]["sanction_id"].clone();
    arrives(&log, &stack, "the second sanction.imposed", |e| {
        about(e, "sanction.imposed", &second_block)
    });
    stack.advance_days(190);
    stack.post("/_dev/tick", &service, &json!({})).expect(200);
    let filed = stack.post(
        &format!("/freelancers/{}/appeals", freelancer.id),
        &freelancer,
        &json!({"sanction_id": second_block, "kind": "reinstatement", "statement": "I rebuilt my portfolio."}),
    );
    let appeal_id = filed.expect(201)["appeal_id"].clone();
    let before = version(&standing(&stack, &freelancer));
    stack
        .post(
            &format!("/appeals/{}/decision", appeal_id.as_str().unwrap()),
            &reviewer,
            &json!({"outcome": "granted", "note": "The new portfolio shows the skills."}),
        )
        .expect(200);
    standing_becomes(&stack, &freelancer, before, "good");
    let reinstated = arrives(&log, &stack, "the reinstatement's sanction.lifted", |e| {
        about(e, "sanction.lifted", &second_block)
    });
    assert_eq!(reinstated["data"]["lift_reason"], "reinstated");
    let decided = arrives(&log, &stack, "appeal.decided", |e| {
        e["type"] == "appeal.decided" && e["data"]["appeal"]["appeal_id"] == appeal_id
    });
    assert_eq!(decided["data"]["appeal"]["outcome"], "granted");
    arrives(&log, &stack, "the reinstatement notice", |e| {
        e["type"] == "notice.sent" && e["data"]["notice"]["kind"] == "reinstatement_open"
    });
    for (from, to) in [("good", "blocked_new_work"), ("blocked_new_work", "good")] {
        let changes = receiver::accepted(&log)
            .iter()
            .map(|d| d.event())
            .filter(|e| {
                e["type"] == "standing.changed"
                    && e["data"]["standing"] == json!({"before": from, "after": to})
            })
            .count();
        assert_eq!(changes, 2, "two changes from {from} to {to}");
    }

    // Once each by id; every failed delivery was retried under the same id with the same body;
    // every signature verified.
    let log = log.lock().unwrap();
    assert!(log.refused.is_empty(), "refused: {:?}", log.refused);
    let mut accepted: BTreeMap<&str, &str> = BTreeMap::new();
    for d in log.deliveries.iter().filter(|d| d.accepted) {
        assert!(
            accepted.insert(&d.id, &d.body).is_none(),
            "{} was accepted twice",
            d.id
        );
    }
    let failed: BTreeSet<&str> = log
        .deliveries
        .iter()
        .filter(|d| !d.accepted)
        .map(|d| d.id.as_str())
        .collect();
    assert!(!failed.is_empty(), "the receiver failed no delivery");
    for d in log.deliveries.iter().filter(|d| !d.accepted) {
        assert_eq!(
            accepted.get(d.id.as_str()),
            Some(&d.body.as_str()),
            "{}",
            d.id
        );
    }
}
on_both_stores!(decisions_leave_as_signed_events_once_each);

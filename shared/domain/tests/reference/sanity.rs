//! Hand-worked histories the reference must get right on its own: agreement with `evaluate` only
//! means something if the reference is right where the answer can be worked out on paper.

use crate::history::FREELANCER;
use crate::model::{Event, RefEvaluation, evaluate, feedback_id};
use chrono::Duration;
use standing_domain::fixtures::{day, policy};
use standing_domain::{ReasonEnded, Standing};

fn started(contract: &str, client: &str, ended: i64) -> Event {
    Event::ContractStarted {
        contract: contract.into(),
        client: client.into(),
        at: day(ended - 30),
        charged: 10_000,
    }
}

fn ended(contract: &str, at: i64) -> Event {
    Event::ContractEnded {
        contract: contract.into(),
        at: day(at),
    }
}

/// Negative by its private part alone (the contract ended over quality issues).
fn negative(contract: &str, at: i64) -> Event {
    Event::ClientFeedback {
        contract: contract.into(),
        at: day(at),
        scores: [4; 6],
        reason: ReasonEnded::QualityIssues,
        recommend: None,
        dissatisfied: vec![],
    }
}

fn freelancer(contract: &str, at: i64) -> Event {
    Event::FreelancerFeedback {
        contract: contract.into(),
        at: day(at),
        score: 4,
    }
}

/// A negative contract with `client` that ended on day `end`, with the client's feedback a day
/// later and the freelancer's two days later (so it is revealed on day `end + 2`).
fn revealed_negative(contract: &str, client: &str, end: i64) -> Vec<Event> {
    vec![
        started(contract, client, end),
        ended(contract, end),
        negative(contract, end + 1),
        freelancer(contract, end + 2),
    ]
}

fn at(events: &[Event], now: chrono::DateTime<chrono::Utc>) -> RefEvaluation {
    evaluate(events, &[], now, FREELANCER, &policy())
}

#[test]
fn the_reference_blocks_when_the_third_clients_feedback_is_revealed_not_when_it_is_given() {
    let mut events = revealed_negative("c1", "cl1", 0);
    events.extend(revealed_negative("c2", "cl2", 10));
    // The third client's feedback on day 21 is revealed only when the window closes, day 34.
    events.extend([
        started("c3", "cl3", 20),
        ended("c3", 20),
        negative("c3", 21),
    ]);
    assert_eq!(at(&events, day(30)).standing, Standing::Good);
    assert_eq!(
        at(&events, day(34) - Duration::seconds(1)).standing,
        Standing::Good
    );
    let e = at(&events, day(40));
    assert_eq!(e.standing, Standing::BlockedNewWork);
    assert_eq!(e.sanctions[0].started_at, day(34));
    assert_eq!(e.sanctions[0].imposed_at, day(40));
    assert_eq!(e.next_due, Some(day(365)));
}

#[test]
fn the_reference_replaces_a_withdrawn_block_from_the_first_later_moment_the_rule_holds() {
    let mut events = revealed_negative("c1", "cl1", 0);
    events.extend(revealed_negative("c2", "cl2", 10));
    events.extend(revealed_negative("c3", "cl3", 20));
    events.extend(revealed_negative("c4", "cl4", 30));
    // c1's feedback is removed on day 60: the block of day 22 no longer holds at its own moment,
    // but c2, c3 and c4 hold from c4's reveal on day 32.
    events.push(Event::ReportDecided {
        contract: "c1".into(),
        filed_at: day(50),
        at: day(60),
        removed: true,
        reviewer: "rev1".into(),
    });
    let before = at(&events, day(59));
    assert_eq!(before.sanctions[0].started_at, day(22));
    let after = evaluate(&events, &before.sanctions, day(61), FREELANCER, &policy());
    let block = &after.sanctions[0];
    assert_eq!(block.started_at, day(32));
    assert_eq!(
        block.replaces,
        Some((before.sanctions[0].sanction_id.clone(), day(22)))
    );
    assert_eq!(
        block.reinstatement_opens_at,
        Some("2026-07-23T00:00:00Z".parse().unwrap()),
        "the reinstatement path runs from the first block of the chain"
    );
    assert_eq!(block.feedback_ids, {
        let mut ids = vec![feedback_id("c2"), feedback_id("c3"), feedback_id("c4")];
        ids.sort();
        ids
    });
    assert!(
        after
            .block_ends
            .iter()
            .any(|e| e.reason == "evidence_withdrawn" && e.at == day(60))
    );
}

#[test]
fn the_reference_keeps_a_block_when_the_window_moves_on() {
    let mut events = revealed_negative("c1", "cl1", 0);
    events.extend(revealed_negative("c2", "cl2", 10));
    events.extend(revealed_negative("c3", "cl3", 20));
    let e = at(&events, day(800));
    assert_eq!(e.standing, Standing::BlockedNewWork);
    assert_eq!(e.sanctions[0].started_at, day(22));
}

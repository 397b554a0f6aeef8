//! A standing that is shown must exist: whatever a read shows right after the writes that
//! complete a block (before the stream has caught up) is stored, audited and can be appealed.

use serde_json::{Value, json};

use crate::api::{
    freelancer_feedback, give_feedback, negative_feedback, register_ended, standing_after,
};
use crate::support::{Caller, Clock, Stack, Store, on_both_stores};

const ROUNDS: usize = 50;

/// The sanction ids a read of eligibility names behind a "no".
fn refused_by(eligibility: &Value) -> Vec<String> {
    let mut ids: Vec<String> = ["submit_proposal", "accept_new_contract"]
        .iter()
        .filter(|a| eligibility[**a]["allowed"] == false)
        .flat_map(|a| {
            eligibility[*a]["sanctions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// One round: three negatives from three clients, each answered by the freelancer, then at once
/// a read (the standing, or on odd rounds the eligibility first). Whatever it shows must be
/// stored and audited; when it does not show the block yet (the stream's evaluation stored an
/// earlier moment), the standing is read until it does. Then the clock moves past the
/// reinstatement window and the freelancer applies against the sanction shown. Answers whether
/// the first read already showed the block.
fn round(stack: &Stack, n: usize) -> bool {
    let fl = Caller::freelancer(&format!("fl-shown-{n}"));
    let reviewer = Caller::reviewer("rv-shown");
    let ended = stack.now() - chrono::Duration::days(1);
    for k in 1..=3 {
        let client = Caller::client(&format!("cl-shown-{n}-{k}"));
        let contract = format!("k-shown-{n}-{k}");
        register_ended(stack, &contract, (&client, &fl), ended);
        give_feedback(stack, &contract, &client, &negative_feedback("n"));
        give_feedback(stack, &contract, &fl, &freelancer_feedback(4));
    }
    let standing_path = format!("/freelancers/{}/standing", fl.id);
    let eligibility_path = format!("/freelancers/{}/eligibility", fl.id);
    let refused = (n % 2 == 1).then(|| refused_by(&stack.get(&eligibility_path, &fl).expect(200)));
    let first = stack.get(&standing_path, &fl).expect(200);
    assert!(
        first["version"].as_u64().is_some_and(|v| v >= 1),
        "round {n}: the standing shown is stored: {first}"
    );
    let immediate = first["standing"] == "blocked_new_work";
    let shown = if immediate {
        first
    } else {
        standing_after(stack, &fl, 0, "blocked_new_work", |s| {
            s["standing"] == "blocked_new_work"
        })
    };
    let sanction = shown["sanctions"][0]["sanction_id"]
        .as_str()
        .unwrap_or_else(|| panic!("round {n}: no sanction shown: {shown}"))
        .to_owned();
    // Every no the eligibility said names a sanction that is stored.
    if let Some(refused) = refused {
        for id in refused {
            assert_eq!(
                id, sanction,
                "round {n}: eligibility refused by {id}, stored {shown}"
            );
        }
    }
    // Audited at once, whoever evaluated first.
    let trail = stack
        .get(&format!("/freelancers/{}/audit", fl.id), &reviewer)
        .expect(200);
    assert!(
        trail["items"].as_array().is_some_and(|t| t
            .iter()
            .any(|e| e["sanction_id"] == sanction.as_str() && e["action"] == "imposed")),
        "round {n}: {trail}"
    );

    stack.advance_days(185);
    let appeal = stack.post(
        &format!("/freelancers/{}/appeals", fl.id),
        &fl,
        &json!({"sanction_id": sanction, "kind": "reinstatement", "statement": "I retrained."}),
    );
    assert_eq!(
        appeal.status, 201,
        "round {n}: the appeal against the sanction shown: {}",
        appeal.body
    );
    immediate
}

fn a_block_shown_right_after_the_writes_is_stored_audited_and_appealable_every_time(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    stack.set_clock("2030-01-01T10:00:00Z");
    let immediate = (0..ROUNDS).filter(|n| round(&stack, *n)).count();
    println!(
        "{ROUNDS} rounds: every standing shown was stored, audited and appealable; the first read \
         already showed the block in {immediate}"
    );
}
on_both_stores!(a_block_shown_right_after_the_writes_is_stored_audited_and_appealable_every_time);

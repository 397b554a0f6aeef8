//! Decisions that are right at every moment (issue 9), over HTTP on both stores: each test is
//! one behaviour the rule book (§3, §4, §7, §8, §10) requires and a trust-and-safety team would
//! check, named as the sentence it proves.

use std::thread;

use chrono::{DateTime, Duration, Months, Utc};
use serde_json::{Value, json};

use crate::api::{
    client_feedback, feedback_of, freelancer_feedback, give_feedback, negative_feedback, public,
    register_ended, settled, standing, standing_after, standing_becomes, time, version,
};
use crate::support::{Caller, Clock, Stack, Store, on_both_stores, send};

const PRIVATE: &str = "Private: do not hire for data work.";

/// An ended contract of `fl` with `client` (ended a day ago on the stack's clock) and the
/// client's `feedback`; when `answered`, the freelancer leaves theirs too, so both are revealed.
fn rated(
    stack: &Stack,
    fl: &Caller,
    contract: &str,
    client: &Caller,
    feedback: &Value,
    answered: bool,
) -> Value {
    register_ended(
        stack,
        contract,
        (client, fl),
        stack.now() - Duration::days(1),
    );
    let given = give_feedback(stack, contract, client, feedback);
    if answered {
        give_feedback(stack, contract, fl, &freelancer_feedback(4));
    }
    given
}

fn positive() -> Value {
    client_feedback(public(5, "Excellent."), "completed_successfully", "fine")
}

fn block_of(standing: &Value) -> Value {
    standing["sanctions"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["rule"] == "quality.multiple_negative"))
        .cloned()
        .unwrap_or_else(|| panic!("no quality block: {standing}"))
}

fn months(t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    t.checked_add_months(Months::new(n)).unwrap()
}

/// The freelancer reports the client's feedback on `contract`; a reviewer removes it.
fn removed(stack: &Stack, fl: &Caller, contract: &str) {
    let report = stack
        .post(
            &format!("/contracts/{contract}/feedback/client/report"),
            fl,
            &json!({"reason": "not_about_the_work", "details": "About another project."}),
        )
        .expect(201);
    stack
        .post(
            &format!(
                "/feedback-reports/{}/decision",
                report["report_id"].as_str().unwrap()
            ),
            &Caller::reviewer("rv-report"),
            &json!({"outcome": "removed", "note": "Not about this contract."}),
        )
        .expect(200);
}

// 1. ------------------------------------------------------------------------------------------

fn a_contract_update_and_a_feedback_sent_together_never_orphan_the_feedback(store: Store) {
    let stack = Stack::start(&store, Clock::Wall);
    let (fl, reviewer, service) = (
        Caller::freelancer("fl-race"),
        Caller::reviewer("rv-race"),
        Caller::service(),
    );
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..20 {
        let client = Caller::client(&format!("cl-race-{i}"));
        let contract = format!("race-{i}");
        let ended = Utc::now() - Duration::days(3);
        register_ended(&stack, &contract, (&client, &fl), ended);
        let moved = json!({
            "client_id": client.id, "freelancer_id": fl.id,
            "started_at": ended - Duration::days(30), "ended_at": ended + Duration::days(1),
            "total_charged_minor": 120_000, "currency": "USD",
        })
        .to_string();
        let feedback = negative_feedback("race").to_string();
        let addr = stack.addr();
        let (path, token) = (format!("/contracts/{contract}"), service.token.clone());
        let put = thread::spawn(move || send(addr, "PUT", &path, Some(&token), Some(&moved)));
        let (path, token) = (
            format!("/contracts/{contract}/feedback"),
            client.token.clone(),
        );
        let post = thread::spawn(move || send(addr, "POST", &path, Some(&token), Some(&feedback)));
        let (put, post) = (put.join().unwrap().unwrap(), post.join().unwrap().unwrap());
        assert!(
            [200, 409].contains(&put.status),
            "{}: {}",
            put.request,
            put.body
        );
        let seen = feedback_of(&stack, &contract, &reviewer);
        match post.status {
            201 => {
                accepted += 1;
                assert_eq!(
                    seen["client"]["feedback_id"], post.body["feedback_id"],
                    "{seen}"
                );
                let again = stack.post(
                    &format!("/contracts/{contract}/feedback"),
                    &client,
                    &negative_feedback("again"),
                );
                again.expect_error(409, "already_exists");
            }
            409 => {
                refused += 1;
                assert_eq!(
                    seen["client"],
                    Value::Null,
                    "a refused write left nothing: {seen}"
                );
                let retried =
                    give_feedback(&stack, &contract, &client, &negative_feedback("retry"));
                let seen = feedback_of(&stack, &contract, &reviewer);
                assert_eq!(
                    seen["client"]["feedback_id"], retried["feedback_id"],
                    "{seen}"
                );
            }
            _ => panic!("{}: {} {}", post.request, post.status, post.body),
        }
    }
    println!(
        "20 races: {accepted} feedback accepted first, {refused} refused and retried; none orphaned"
    );
}
on_both_stores!(a_contract_update_and_a_feedback_sent_together_never_orphan_the_feedback);

// 2. ------------------------------------------------------------------------------------------

fn a_positive_changed_to_negative_long_after_blocks_from_the_change_and_is_contestable_from_then(
    store: Store,
) {
    let stack = Stack::start(&store, Clock::Dev);
    stack.set_clock("2031-02-01T09:00:00Z");
    let fl = Caller::freelancer("fl-change");
    let clients: Vec<Caller> = (1..=3)
        .map(|n| Caller::client(&format!("cl-ch-{n}")))
        .collect();
    rated(
        &stack,
        &fl,
        "ch-1",
        &clients[0],
        &negative_feedback("n"),
        true,
    );
    rated(
        &stack,
        &fl,
        "ch-2",
        &clients[1],
        &negative_feedback("n"),
        true,
    );
    rated(&stack, &fl, "ch-3", &clients[2], &positive(), true);
    let before = version(&standing(&stack, &fl));
    assert_eq!(standing(&stack, &fl)["standing"], "good");

    stack.advance_days(250);
    let ch3 = "/contracts/ch-3/feedback/client";
    stack
        .send(
            "POST",
            &format!("{ch3}/change-request"),
            Some(&clients[2].token),
            None,
        )
        .expect(201);
    stack
        .post(
            &format!("{ch3}/change-consent"),
            &fl,
            &json!({"consent": true}),
        )
        .expect(200);
    let changed_from = stack.now();
    stack
        .patch(
            ch3,
            &clients[2],
            &json!({"public": public(1, "On reflection, poor.")}),
        )
        .expect(200);

    let block = block_of(&standing_becomes(&stack, &fl, before, "blocked_new_work"));
    let started = time(&block["started_at"]);
    assert!(
        started >= changed_from,
        "not backdated to the contracts: {block}"
    );
    assert!(
        time(&block["appeal"]["contest_until"]) >= months(started, 6),
        "{block}"
    );
    assert_eq!(
        time(&block["appeal"]["reinstatement_opens_at"]),
        months(started, 6)
    );
    // A contest is open now, and reinstatement is not.
    let appeal =
        |kind: &str| json!({"sanction_id": block["sanction_id"], "kind": kind, "statement": "s"});
    let appeals = format!("/freelancers/{}/appeals", fl.id);
    stack
        .post(&appeals, &fl, &appeal("reinstatement"))
        .expect_error(422, "appeal_not_yet_open");
    stack.post(&appeals, &fl, &appeal("contest")).expect(201);
}
on_both_stores!(
    a_positive_changed_to_negative_long_after_blocks_from_the_change_and_is_contestable_from_then
);

// 3 and 4. ------------------------------------------------------------------------------------

/// The standing once an evaluation after version `after` stored a block other than `first`.
fn replacement_shown(stack: &Stack, fl: &Caller, after: u64, first: &Value) -> Value {
    standing_after(stack, fl, after, "replaced", |s| {
        s["sanctions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["sanction_id"] != first["sanction_id"]))
    })
}

/// Four negatives from four clients, each answered at once; the fourth a day after the first
/// three. Answers the first block (on the first three) and when the fourth was revealed.
fn four_negatives(stack: &Stack, fl: &Caller) -> (Value, DateTime<Utc>) {
    let before = version(&standing(stack, fl));
    for n in 1..=3 {
        let client = Caller::client(&format!("{}-cl{n}", fl.id));
        rated(
            stack,
            fl,
            &format!("{}-k{n}", fl.id),
            &client,
            &negative_feedback("n"),
            true,
        );
    }
    let first = block_of(&standing_becomes(stack, fl, before, "blocked_new_work"));
    stack.advance_days(1);
    let client = Caller::client(&format!("{}-cl4", fl.id));
    let fourth = rated(
        stack,
        fl,
        &format!("{}-k4", fl.id),
        &client,
        &negative_feedback("n"),
        false,
    );
    let own = give_feedback(stack, &format!("{}-k4", fl.id), fl, &freelancer_feedback(4));
    assert_eq!(own["revealed"], true, "{fourth}");
    (first, time(&own["submitted_at"]))
}

fn a_replacement_block_names_the_block_it_replaces_and_is_contestable_for_six_months_from_its_imposition(
    store: Store,
) {
    let stack = Stack::start(&store, Clock::Dev);
    stack.set_clock("2031-03-01T09:00:00Z");
    let fl = Caller::freelancer("fl-repl");
    let (first, fourth_revealed) = four_negatives(&stack, &fl);
    stack.advance_days(100);
    let before = version(&standing(&stack, &fl));
    let removed_at = stack.now();
    removed(&stack, &fl, "fl-repl-k1");
    let replaced = replacement_shown(&stack, &fl, before, &first);
    let block = block_of(&replaced);
    // It begins when the rule held again on the remaining evidence: the fourth's reveal…
    assert_eq!(time(&block["started_at"]), fourth_revealed, "{block}");
    // …names the block it replaces, and the freelancer has six months from now to contest it.
    assert_eq!(
        block["replaces"]["sanction_id"], first["sanction_id"],
        "{block}"
    );
    assert!(
        block["statement"]
            .as_str()
            .unwrap()
            .contains(first["sanction_id"].as_str().unwrap()),
        "{block}"
    );
    assert!(
        time(&block["appeal"]["contest_until"]) >= months(removed_at, 6),
        "{block}"
    );
    // The freelancer has been blocked without a break since the first block began.
    assert_eq!(
        time(&block["appeal"]["reinstatement_opens_at"]),
        months(time(&first["started_at"]), 6)
    );
}
on_both_stores!(
    a_replacement_block_names_the_block_it_replaces_and_is_contestable_for_six_months_from_its_imposition
);

fn a_granted_reinstatement_filed_against_a_replaced_block_lifts_its_replacement(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    stack.set_clock("2031-04-01T09:00:00Z");
    let fl = Caller::freelancer("fl-reinst");
    let (first, _) = four_negatives(&stack, &fl);
    stack.advance_days(190);
    let appeal = stack
        .post(
            &format!("/freelancers/{}/appeals", fl.id),
            &fl,
            &json!({"sanction_id": first["sanction_id"], "kind": "reinstatement", "statement": "Retrained."}),
        )
        .expect(201);
    let before = version(&standing(&stack, &fl));
    removed(&stack, &fl, "fl-reinst-k1");
    let replaced = replacement_shown(&stack, &fl, before, &first);
    assert_eq!(replaced["standing"], "blocked_new_work");
    let before = version(&replaced);
    stack
        .post(
            &format!(
                "/appeals/{}/decision",
                appeal["appeal_id"].as_str().unwrap()
            ),
            &Caller::reviewer("rv-reinst"),
            &json!({"outcome": "granted", "note": "Reinstated."}),
        )
        .expect(200);
    let good = standing_becomes(&stack, &fl, before, "good");
    assert_eq!(good["sanctions"], json!([]), "{good}");
    let eligibility = stack
        .get(&format!("/freelancers/{}/eligibility", fl.id), &fl)
        .expect(200);
    assert_eq!(
        eligibility["submit_proposal"]["allowed"], true,
        "{eligibility}"
    );
}
on_both_stores!(a_granted_reinstatement_filed_against_a_replaced_block_lifts_its_replacement);

// 5. ------------------------------------------------------------------------------------------

fn a_rule_that_comes_to_hold_when_positives_leave_the_window_blocks_with_no_new_write(
    store: Store,
) {
    let stack = Stack::start(&store, Clock::Dev);
    stack.set_clock("2031-05-01T09:00:00Z");
    let fl = Caller::freelancer("fl-window");
    // The first positive ends no earlier than this; the rule holds once it has left the window.
    let positives_ended = stack.now() - Duration::days(1);
    for n in 1..=13 {
        let client = Caller::client(&format!("cl-pos-{n}"));
        rated(&stack, &fl, &format!("pos-{n}"), &client, &positive(), true);
    }
    stack.advance_days(300);
    for n in 1..=3 {
        let client = Caller::client(&format!("cl-neg-{n}"));
        rated(
            &stack,
            &fl,
            &format!("neg-{n}"),
            &client,
            &negative_feedback("n"),
            true,
        );
    }
    // 3 of 16 (18.75%): good, whether or not the stream has evaluated the last write yet.
    let held = standing(&stack, &fl);
    assert_eq!(held["standing"], "good", "{held}");
    let before = version(&held);
    // Day 370: the positives have left the window; only the hourly re-evaluation can see it.
    stack.advance_days(70);
    let block = block_of(&standing_becomes(&stack, &fl, before, "blocked_new_work"));
    let left = time(&block["started_at"]);
    assert!(
        (left - (positives_ended + Duration::days(365)))
            .num_seconds()
            .abs()
            < 5,
        "it begins when the positives left the window: {block}"
    );
}
on_both_stores!(a_rule_that_comes_to_hold_when_positives_leave_the_window_blocks_with_no_new_write);

// 6. ------------------------------------------------------------------------------------------

fn a_party_who_also_holds_the_reviewer_role_sees_only_what_a_party_sees(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let fl = Caller::new("fl-two-roles", &["freelancer", "reviewer"]);
    let client = Caller::new("cl-two-roles", &["client", "reviewer"]);
    register_ended(
        &stack,
        "tr-1",
        (&client, &fl),
        stack.now() - Duration::days(1),
    );
    register_ended(
        &stack,
        "tr-2",
        (&client, &fl),
        stack.now() - Duration::days(1),
    );
    let note = "Private: never again.";
    give_feedback(
        &stack,
        "tr-1",
        &client,
        &client_feedback(public(2, "Late."), "quality_issues", note),
    );
    let seen = feedback_of(&stack, "tr-1", &fl);
    assert_eq!(seen["client"], Value::Null, "before the reveal: {seen}");
    give_feedback(&stack, "tr-1", &fl, &freelancer_feedback(4));
    let seen = feedback_of(&stack, "tr-1", &fl);
    assert_eq!(seen["client"]["public"]["comment"], "Late.", "{seen}");
    assert!(
        !seen.to_string().contains(note) && seen["client"].get("private").is_none(),
        "{seen}"
    );
    // The client, also a reviewer, sees nothing of the freelancer's side before the reveal.
    give_feedback(&stack, "tr-2", &fl, &freelancer_feedback(1));
    let seen = feedback_of(&stack, "tr-2", &client);
    assert_eq!(seen["freelancer"], Value::Null, "{seen}");
    // A reviewer who is no party sees everything.
    let full = feedback_of(&stack, "tr-1", &Caller::reviewer("rv-other"));
    assert_eq!(full["client"]["private"]["note"], note, "{full}");
}
on_both_stores!(a_party_who_also_holds_the_reviewer_role_sees_only_what_a_party_sees);

// 7. ------------------------------------------------------------------------------------------

fn unrevealed_negatives_count_from_their_reveal_and_the_statement_quotes_no_private_part(
    store: Store,
) {
    let stack = Stack::start(&store, Clock::Dev);
    stack.set_clock("2031-06-01T09:00:00Z");
    let fl = Caller::freelancer("fl-blind");
    let before = version(&standing(&stack, &fl));
    for n in 1..=3 {
        let client = Caller::client(&format!("cl-blind-{n}"));
        let private = client_feedback(public(4, "Fine."), "lacked_skills", PRIVATE);
        rated(&stack, &fl, &format!("bl-{n}"), &client, &private, false);
    }
    let closes = stack.now() - Duration::days(1) + Duration::days(14);
    // Before the window closes, nothing is revealed, so nothing counts.
    let eligibility = stack
        .get(&format!("/freelancers/{}/eligibility", fl.id), &fl)
        .expect(200);
    assert_eq!(
        eligibility["submit_proposal"]["allowed"], true,
        "{eligibility}"
    );
    // The evaluations of the writes are stored (with the reveal as their next due time) before
    // time moves: the hourly run the move fires then finds the standing due.
    settled(&stack, &fl);
    stack.advance_days(14);
    let blocked = standing_becomes(&stack, &fl, before, "blocked_new_work");
    let block = block_of(&blocked);
    let started = time(&block["started_at"]);
    assert!(
        (started - closes).num_seconds().abs() < 5,
        "from the reveal: {block}"
    );
    let shown = stack.get(&format!("/freelancers/{}/standing", fl.id), &fl);
    let text = shown.expect(200).to_string();
    assert!(!text.contains(PRIVATE), "a private note is quoted: {text}");
    assert!(!text.contains("lacked_skills"), "{text}");
    let statement = block["statement"].as_str().unwrap();
    assert!(statement.contains("3 distinct clients"), "{statement}");
    for n in 1..=3 {
        assert!(
            !statement.contains(&format!("cl-blind-{n}")),
            "names a client: {statement}"
        );
    }
}
on_both_stores!(
    unrevealed_negatives_count_from_their_reveal_and_the_statement_quotes_no_private_part
);

// 8. ------------------------------------------------------------------------------------------

fn every_substantiated_claim_is_flagged_once_the_freelancer_is_restricted(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let fl = Caller::freelancer("fl-flag");
    let (ada, bo, cy) = (
        Caller::client("cl-flag-1"),
        Caller::client("cl-flag-2"),
        Caller::client("cl-flag-3"),
    );
    for (n, c) in [&ada, &bo, &cy].iter().enumerate() {
        register_ended(
            &stack,
            &format!("fg-{n}"),
            (c, &fl),
            stack.now() - Duration::days(1),
        );
    }
    let file = |by: &Caller, claim: &str| {
        stack
            .post(
                &format!("/freelancers/{}/complaints", fl.id),
                by,
                &json!({"category": "badge", "claim": claim, "statement": "Not awarded.", "evidence": ["https://badges.example"]}),
            )
            .expect(201)["complaint_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let rv = Caller::reviewer("rv-flag");
    let decide = |id: &str| {
        stack
            .post(
                &format!("/complaints/{id}/decision"),
                &rv,
                &json!({"outcome": "substantiated", "terms_clause": "ToS 4.2"}),
            )
            .expect(200);
    };
    let before = version(&standing(&stack, &fl));
    let first = file(&ada, "Top Rated");
    let second = file(&bo, "Rising Talent");
    decide(&first);
    decide(&second);
    let restricted = standing_becomes(&stack, &fl, before, "restricted");
    // The first reporter's second claim (a case is open again with a third client's, which
    // stays undecided), decided after the rung was reached, moves no rung…
    let third = file(&ada, "Expert-Vetted");
    file(&cy, "Top Rated Plus");
    decide(&third);
    let flagged = |profile: &Value| -> Vec<String> {
        let mut ids: Vec<String> = profile["disputed_credentials"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["complaint_id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    let mut want = vec![first, second, third];
    want.sort();
    // …but it is flagged all the same, once the evaluation has stored it.
    let profile = crate::support::poll(crate::api::EVALUATION, || {
        let p = stack
            .get(
                &format!("/freelancers/{}/profile", fl.id),
                &Caller::client("anyone"),
            )
            .expect(200);
        (flagged(&p) == want).then_some(p)
    });
    assert!(
        profile.is_some(),
        "not every claim is flagged; restricted was {restricted}"
    );
}
on_both_stores!(every_substantiated_claim_is_flagged_once_the_freelancer_is_restricted);

//! The development clock: `POST /_dev/clock` moves the stack's time, the handlers and the
//! schedule run on it, and `POST /_dev/tick` runs the daily check at once.

use std::time::Duration;

use serde_json::json;

use crate::scenario::{ended_contract, feedback, stored_block, three_negative_feedbacks};
use crate::support::{Stack, TempDir, eventually, token};

fn dev_stack(dir: &TempDir) -> Stack {
    Stack::start(&dir.path().join("data"), &["--dev-clock"])
}

#[test]
fn the_dev_clock_moves_to_a_time_or_by_days_and_answers_the_new_now() {
    let dir = TempDir::new("local-clock").unwrap();
    let stack = dev_stack(&dir);
    let anyone = token("dev-1", &["reviewer"]);
    let set = stack.post(
        "/_dev/clock",
        Some(&anyone),
        &json!({"now": "2030-01-01T00:00:00Z"}),
    );
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert!(
        set.body["now"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-01T00:00:0"),
        "{:?}",
        set.body
    );
    let moved = stack.post("/_dev/clock", Some(&anyone), &json!({"advance_days": 10}));
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert!(
        moved.body["now"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-11T00:00:"),
        "{:?}",
        moved.body
    );
}

#[test]
fn a_clock_move_that_is_not_exactly_one_of_the_two_forms_is_a_400() {
    let dir = TempDir::new("local-clock").unwrap();
    let stack = dev_stack(&dir);
    let anyone = token("dev-1", &["reviewer"]);
    for (body, code) in [
        (json!({}), "invalid_field"),
        (
            json!({"advance_days": 1, "now": "2030-01-01T00:00:00Z"}),
            "invalid_field",
        ),
        (json!({"advance_days": -1}), "invalid_field"),
        (json!({"advance_days": 1_000_000}), "invalid_field"),
        (json!({"now": "yesterday"}), "invalid_field"),
        (json!({"now": "3500-01-01T00:00:00Z"}), "invalid_field"),
        (json!({"days": 1}), "invalid_field"),
    ] {
        let reply = stack.post("/_dev/clock", Some(&anyone), &body);
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        assert_eq!(
            reply.body["error"]["code"], code,
            "{body}: {:?}",
            reply.body
        );
    }
    let reply = stack.send("POST", "/_dev/clock", Some(&anyone), Some("{not json"));
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["error"]["code"], "invalid_json");
    let reply = stack.post("/_dev/clock", None, &json!({"advance_days": 1}));
    assert_eq!(reply.status, 401);
}

#[test]
fn the_handlers_read_the_dev_clock_so_a_feedback_window_closes_when_it_moves() {
    let dir = TempDir::new("local-clock").unwrap();
    let stack = dev_stack(&dir);
    assert_eq!(ended_contract(&stack, "w-k1", "w-cl1", "w-fl").status, 200);
    let moved = stack.post(
        "/_dev/clock",
        Some(&token("dev-1", &["reviewer"])),
        &json!({"advance_days": 30}),
    );
    assert_eq!(moved.status, 200);
    let late = feedback(&stack, "w-k1", "w-cl1", 5);
    assert_eq!(late.status, 422, "{:?}", late.body);
    assert_eq!(late.body["error"]["code"], "window_closed");
}

#[test]
fn a_tick_runs_the_daily_check_now_and_answers_its_report() {
    let dir = TempDir::new("local-clock").unwrap();
    let stack = dev_stack(&dir);
    let reply = stack.post(
        "/_dev/tick",
        Some(&token("dev-1", &["reviewer"])),
        &json!({}),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        json!({"reinstatement_notices": 0, "overdue_appeals_flagged": 0})
    );
}

#[test]
fn six_months_on_the_dev_clock_the_schedule_notices_the_reinstatement_window_and_the_appeal_opens()
{
    let dir = TempDir::new("local-clock").unwrap();
    let stack = dev_stack(&dir);
    three_negative_feedbacks(&stack, "six-fl");
    let blocked = eventually(Duration::from_secs(5), || stored_block(&stack, "six-fl"))
        .expect("the freelancer is blocked");
    let sanction = blocked["sanctions"][0]["sanction_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let freelancer = token("six-fl", &["freelancer"]);
    let appeal = json!({
        "sanction_id": sanction,
        "kind": "reinstatement",
        "statement": "I have taken a course and rebuilt my portfolio.",
    });
    let early = stack.post("/freelancers/six-fl/appeals", Some(&freelancer), &appeal);
    assert_eq!(early.status, 422, "{:?}", early.body);
    assert_eq!(early.body["error"]["code"], "appeal_not_yet_open");

    let moved = stack.post(
        "/_dev/clock",
        Some(&token("dev-1", &["reviewer"])),
        &json!({"advance_days": 200}),
    );
    assert_eq!(moved.status, 200);
    // The schedule runs on its own once the day changed on the stack's clock.
    let noticed = eventually(Duration::from_secs(5), || {
        stack
            .stderr()
            .contains(r#""reinstatement_notices":1"#)
            .then_some(())
    });
    assert!(
        noticed.is_some(),
        "no scheduled run noticed the window:\n{}",
        stack.stderr()
    );
    // Run again the same day, the check finds nothing new: it is idempotent.
    let tick = stack.post(
        "/_dev/tick",
        Some(&token("dev-1", &["reviewer"])),
        &json!({}),
    );
    assert_eq!(tick.body["reinstatement_notices"], 0, "{:?}", tick.body);

    let filed = stack.post("/freelancers/six-fl/appeals", Some(&freelancer), &appeal);
    assert_eq!(filed.status, 201, "{:?}", filed.body);
    assert!(filed.body["appeal_id"].is_string());
}

//! The development clock: `POST /_dev/clock` moves the stack's time, the handlers and the
//! schedule run on it, and `POST /_dev/tick` runs the daily check at once.

use std::time::Duration;

use serde_json::json;

use crate::scenario::{ended_contract, feedback, stored_block, three_negative_feedbacks};
use crate::support::{Stack, TempDir, poll, token};

fn dev_stack(dir: &TempDir) -> Stack {
    Stack::start(&dir.path().join("data"), &["--dev-clock"])
}

#[test]
fn the_dev_clock_moves_to_a_time_or_by_days_and_answers_the_new_now() {
    let dir = TempDir::new("local-clock").unwrap();
    let stack = dev_stack(&dir);
    let service = token("marketplace", &["service"]);
    let set = stack.post(
        "/_dev/clock",
        Some(&service),
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
    let moved = stack.post("/_dev/clock", Some(&service), &json!({"advance_days": 10}));
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
    let service = token("marketplace", &["service"]);
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
        let reply = stack.post("/_dev/clock", Some(&service), &body);
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        assert_eq!(
            reply.body["error"]["code"], code,
            "{body}: {:?}",
            reply.body
        );
    }
    let reply = stack.send("POST", "/_dev/clock", Some(&service), Some("{not json"));
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
        Some(&token("marketplace", &["service"])),
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
        Some(&token("marketplace", &["service"])),
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
    let blocked = poll(Duration::from_secs(5), || stored_block(&stack, "six-fl"))
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
        Some(&token("marketplace", &["service"])),
        &json!({"advance_days": 200}),
    );
    assert_eq!(moved.status, 200);
    // The schedule runs on its own once the day changed on the stack's clock.
    let noticed = poll(Duration::from_secs(5), || {
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
        Some(&token("marketplace", &["service"])),
        &json!({}),
    );
    assert_eq!(tick.body["reinstatement_notices"], 0, "{:?}", tick.body);

    let filed = stack.post("/freelancers/six-fl/appeals", Some(&freelancer), &appeal);
    assert_eq!(filed.status, 201, "{:?}", filed.body);
    assert!(filed.body["appeal_id"].is_string());
}

#[test]
fn the_dev_routes_obey_the_service_role_only() {
    let dir = TempDir::new("local-clock").unwrap();
    let stack = dev_stack(&dir);
    let service = token("marketplace", &["service"]);
    let before = stack.post("/_dev/clock", Some(&service), &json!({"advance_days": 0}));
    assert_eq!(before.status, 200, "{:?}", before.body);
    for caller in [
        token("nobody", &[]),
        token("rv-1", &["reviewer"]),
        token("fl-1", &["freelancer"]),
        token("cl-1", &["client", "reviewer"]),
    ] {
        let moved = stack.post("/_dev/clock", Some(&caller), &json!({"advance_days": 200}));
        assert_eq!(moved.status, 403, "{:?}", moved.body);
        assert_eq!(moved.body["error"]["code"], "forbidden");
        let ticked = stack.post("/_dev/tick", Some(&caller), &json!({}));
        assert_eq!(ticked.status, 403, "{:?}", ticked.body);
    }
    let unsigned = stack.post("/_dev/clock", None, &json!({"advance_days": 200}));
    assert_eq!(unsigned.status, 401, "{:?}", unsigned.body);
    // The clock did not move.
    let after = stack.post("/_dev/clock", Some(&service), &json!({"advance_days": 0}));
    let (b, a) = (
        before.body["now"].as_str().unwrap(),
        after.body["now"].as_str().unwrap(),
    );
    assert_eq!(&a[..10], &b[..10], "{b} then {a}");
}

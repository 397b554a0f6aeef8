//! Statements of reasons for the regulator (api.md, "outbound"): every block is stated in the
//! EU DSA Transparency Database's submission schema, over HTTP (`GET /transparency/statements`,
//! paginated, from a moment) and by `standing export-statements` (batches for the database's
//! batch endpoint), with no personal data.

use chrono::Duration as Days;
use serde_json::Value;

use crate::api::{
    freelancer_feedback, give_feedback, negative_feedback, register_ended, standing,
    standing_becomes, version,
};
use crate::support::{Caller, Clock, Stack, Store, on_both_stores};

const T0: &str = "2032-05-01T09:00:00Z";

/// The fields a statement of this export carries: the submission schema's names.
const FIELDS: &[&str] = &[
    "decision_provision",
    "account_type",
    "decision_ground",
    "incompatible_content_ground",
    "incompatible_content_explanation",
    "incompatible_content_illegal",
    "category",
    "category_specification",
    "category_specification_other",
    "content_type",
    "content_type_other",
    "content_date",
    "application_date",
    "decision_facts",
    "territorial_scope",
    "source_type",
    "automated_detection",
    "automated_decision",
    "puid",
];

/// Blocks `freelancer` by negatives from three clients of their own; answers the sanction.
fn block(stack: &Stack, freelancer: &Caller, tag: &str) -> Value {
    let now = stack.now();
    let clients: Vec<Caller> = (1..=3)
        .map(|n| Caller::client(&format!("cl-{tag}-{n}")))
        .collect();
    for (n, client) in clients.iter().enumerate() {
        let contract = format!("k{tag}{n}");
        register_ended(stack, &contract, (client, freelancer), now - Days::days(1));
        give_feedback(stack, &contract, freelancer, &freelancer_feedback(4));
    }
    let before = version(&standing(stack, freelancer));
    for (n, client) in clients.iter().enumerate() {
        give_feedback(
            stack,
            &format!("k{tag}{n}"),
            client,
            &negative_feedback("private"),
        );
    }
    let blocked = standing_becomes(stack, freelancer, before, "blocked_new_work");
    blocked["sanctions"][0].clone()
}

/// A statement of an automated block, checked field by field against its sanction.
#[track_caller]
fn is_statement_of(statement: &Value, sanction: &Value) {
    let fields: Vec<&str> = statement
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: Vec<&str> = FIELDS.to_vec();
    expected.sort_unstable();
    let mut got = fields.clone();
    got.sort_unstable();
    assert_eq!(got, expected, "{statement:#}");
    assert_eq!(statement["puid"], sanction["sanction_id"]);
    assert_eq!(
        statement["decision_provision"],
        "DECISION_PROVISION_PARTIAL_SUSPENSION"
    );
    assert_eq!(
        statement["decision_ground"],
        "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    );
    assert_eq!(
        statement["category"],
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    );
    assert_eq!(statement["automated_detection"], "Yes");
    assert_eq!(statement["automated_decision"], "AUTOMATED_DECISION_FULLY");
    assert_eq!(statement["source_type"], "SOURCE_VOLUNTARY");
    assert_eq!(
        statement["application_date"],
        sanction["started_at"].as_str().unwrap()[..10]
    );
    assert_eq!(statement["decision_facts"], sanction["statement"]);
    assert_eq!(statement["territorial_scope"].as_array().unwrap().len(), 27);
}

/// No user id of the scenario appears anywhere in the statements.
#[track_caller]
fn no_personal_data(statements: &Value, users: &[&str]) {
    let text = statements.to_string();
    for user in users {
        assert!(!text.contains(user), "{user} appears in {text}");
    }
}

fn every_block_is_stated_for_the_regulator_without_personal_data(store: Store) {
    let stack = Stack::start(&store, Clock::Dev);
    let t0 = stack.set_clock(T0);
    let first = Caller::freelancer("fl-dsa-first");
    let second = Caller::freelancer("fl-dsa-second");
    let service = Caller::service();
    let reviewer = Caller::reviewer("rv-dsa");
    let first_block = block(&stack, &first, "a");
    stack.advance_days(1);
    let second_block = block(&stack, &second, "b");
    let users = [
        "fl-dsa-first",
        "fl-dsa-second",
        "cl-a-1",
        "cl-a-2",
        "cl-a-3",
        "cl-b-1",
        "cl-b-2",
        "cl-b-3",
    ];

    // Both blocks, oldest first, to the service and to a reviewer alike.
    let all = stack.get("/transparency/statements", &service).expect(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2, "{all:#}");
    assert_eq!(all["next_cursor"], Value::Null);
    is_statement_of(&all["items"][0], &first_block);
    is_statement_of(&all["items"][1], &second_block);
    no_personal_data(&all, &users);
    assert_eq!(
        stack.get("/transparency/statements", &reviewer).expect(200),
        all
    );

    // One at a time, by the cursor.
    let page = stack
        .get("/transparency/statements?limit=1", &service)
        .expect(200);
    assert_eq!(page["items"], Value::Array(vec![all["items"][0].clone()]));
    let cursor = page["next_cursor"].as_str().unwrap();
    // Opaque, and naming no one: the key it encodes is the moment and the sanction id.
    let decoded: Vec<u8> = cursor
        .strip_prefix("c1.")
        .map(|hex| {
            (0..hex.len())
                .step_by(2)
                .filter_map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .unwrap_or_default();
    let decoded = String::from_utf8_lossy(&decoded).into_owned();
    assert!(
        decoded.contains(first_block["sanction_id"].as_str().unwrap()),
        "{decoded}"
    );
    no_personal_data(&Value::String(decoded), &users);
    let rest = stack
        .get(
            &format!("/transparency/statements?limit=1&cursor={cursor}"),
            &service,
        )
        .expect(200);
    assert_eq!(rest["items"], Value::Array(vec![all["items"][1].clone()]));
    assert_eq!(rest["next_cursor"], Value::Null);

    // From a moment: only the second block was decided after the first day.
    let since = (t0 + Days::hours(12)).to_rfc3339();
    let later = stack
        .get(
            &format!(
                "/transparency/statements?since={}",
                since.replace('+', "%2B")
            ),
            &service,
        )
        .expect(200);
    assert_eq!(later["items"], Value::Array(vec![all["items"][1].clone()]));

    // The counters behind the blocks, as Prometheus text, to anyone; the contract as a
    // document, to anyone.
    let metrics = stack.send("GET", "/metrics", None, None);
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.headers["content-type"].starts_with("text/plain"),
        "{:?}",
        metrics.headers
    );
    let text = metrics.body.as_str().unwrap_or_default().to_owned();
    let sample = |name: &str| -> f64 {
        text.lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    };
    assert_eq!(
        sample("sanctions_imposed{rule=\"quality.multiple_negative\"}"),
        2.0
    );
    assert!(sample("evaluations ") >= 2.0, "{text}");
    // Each block: a standing change, an imposition and its notice, at least.
    assert!(sample("events_written ") >= 6.0, "{text}");
    assert!(text.contains("evaluation_latency"), "{text}");
    let document = stack.send("GET", "/openapi.json", None, None);
    assert_eq!(document.status, 200);
    assert_eq!(document.body["openapi"], "3.1.0");

    // Who may not, and what is malformed.
    stack
        .get("/transparency/statements", &first)
        .expect_error(403, "forbidden");
    stack
        .get("/transparency/statements", &Caller::client("cl-a-1"))
        .expect_error(403, "forbidden");
    stack
        .get("/transparency/statements?since=yesterday", &service)
        .expect_error(400, "invalid_field");
    stack
        .get("/transparency/statements?cursor=not-a-cursor", &service)
        .expect_error(400, "invalid_field");
    // Well-formed, but not a key of this list (made up, or another list's).
    let forged = format!(
        "c1.{}",
        "garbage#x"
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    stack
        .get(
            &format!("/transparency/statements?cursor={forged}"),
            &service,
        )
        .expect_error(400, "invalid_field");
    assert!(stack.stop().success());

    // The same statements from the command line, as one batch for the database.
    let exported = store.run_command("export-statements", &[]);
    assert!(exported.status.success(), "{}", exported.stderr);
    let lines: Vec<Value> = exported
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{}", exported.stdout);
    assert_eq!(lines[0]["statements"], all["items"]);
    assert!(
        exported.stderr.contains("2 statements in 1 batches"),
        "{}",
        exported.stderr
    );
    let exported_later = store.run_command("export-statements", &["--since", &since]);
    assert!(exported_later.status.success(), "{}", exported_later.stderr);
    let later_lines: Vec<Value> = exported_later
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(later_lines.len(), 1);
    assert_eq!(later_lines[0]["statements"], later["items"]);
    let refused = store.run_command("export-statements", &["--since", "last week"]);
    assert!(!refused.status.success());
    assert!(
        refused.stderr.contains("--since must be an RFC 3339 time"),
        "{}",
        refused.stderr
    );
}

on_both_stores!(every_block_is_stated_for_the_regulator_without_personal_data);

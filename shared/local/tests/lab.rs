//! The policy lab's commands, through the real `standing` binary, on the embedded engine and on
//! DynamoDB Local: `import` (bad lines named and skipped, a re-run changing nothing), `generate`
//! (the same seed, the same history) and `simulate` (a candidate needing two clients newly
//! blocks exactly the freelancers with negatives from two clients, from the moment the second
//! negative was revealed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use standing_testkit::{DynamoDbLocal, TempDir, unique_table_name};

fn standing() -> Command {
    Command::new(env!("CARGO_BIN_EXE_standing"))
}

fn run(command: &mut Command, stdin: Option<&str>) -> Output {
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Where a test's history goes: its own data directory, or its own DynamoDB Local table.
fn store_args(dir: &Path, dynamodb: bool) -> Vec<String> {
    let mut args = vec!["--data".to_owned(), dir.join("data").display().to_string()];
    if dynamodb {
        let local = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
        args.extend([
            "--dynamodb-endpoint".to_owned(),
            local.endpoint().to_owned(),
            "--table".to_owned(),
            unique_table_name("lab"),
        ]);
    }
    args
}

fn contract(id: &str, client: &str, freelancer: &str, day: u32) -> Value {
    let ended = format!("2025-03-{day:02}T10:00:00Z");
    json!({"fact": "contract", "at": ended, "contract_id": id, "client_id": client,
           "freelancer_id": freelancer, "started_at": "2025-02-01T09:00:00Z",
           "ended_at": ended, "total_charged_minor": 120000, "currency": "USD"})
}

fn scores(n: u8) -> Value {
    json!({"skills": n, "quality": n, "availability": n, "deadlines": n, "communication": n, "cooperation": n})
}

fn client_says(contract: &str, at: &str, score: u8) -> Value {
    json!({"fact": "feedback", "at": at, "contract_id": contract, "by": "client",
           "public": {"scores": scores(score), "comment": "As it went."},
           "private": {"reason_ended": "other", "recommend": 3, "note": "private"}})
}

fn freelancer_says(contract: &str, at: &str) -> Value {
    json!({"fact": "feedback", "at": at, "contract_id": contract, "by": "freelancer",
           "public": {"scores": scores(5), "comment": "Clear brief."}})
}

/// The moment fl-two's second negative is revealed: fl-two answers it then.
const SECOND_REVEAL: &str = "2025-03-12T08:00:00Z";

/// fl-two: negatives from two clients; fl-same: two negatives from one client; fl-one: one
/// negative among positives. Three bad lines among them (numbers 4, 9 and 18).
fn history() -> String {
    let lines: Vec<Value> = vec![
        contract("two-a", "cl-a", "fl-two", 1),
        contract("same-a", "cl-s", "fl-same", 1),
        contract("one-a", "cl-o", "fl-one", 1),
        json!({"fact": "contract", "at": "2025-03-01T10:00:00Z", "contract_id": "bad-1", "client_id": "cl-x", "freelancer_id": "fl-x", "started_at": "2025-02-01T09:00:00Z", "total_charged_minor": 5, "currency": "USD", "tip": 3}),
        client_says("two-a", "2025-03-02T10:00:00Z", 1),
        freelancer_says("two-a", "2025-03-02T11:00:00Z"),
        client_says("same-a", "2025-03-02T11:30:00Z", 1),
        freelancer_says("same-a", "2025-03-02T11:45:00Z"),
        client_says("nope-contract", "2025-03-02T12:00:00Z", 1),
        client_says("one-a", "2025-03-03T10:00:00Z", 1),
        freelancer_says("one-a", "2025-03-03T11:00:00Z"),
        contract("two-b", "cl-b", "fl-two", 10),
        contract("same-b", "cl-s", "fl-same", 10),
        contract("one-b", "cl-p", "fl-one", 10),
        client_says("two-b", "2025-03-11T10:00:00Z", 2),
        client_says("same-b", "2025-03-11T10:00:00Z", 1),
        client_says("one-b", "2025-03-11T10:00:00Z", 5),
        json!({"fact": "feedback", "at": "2025-01-01T00:00:00Z", "contract_id": "two-b", "by": "freelancer", "public": {"scores": scores(5), "comment": "late line"}}),
        freelancer_says("two-b", SECOND_REVEAL),
        freelancer_says("same-b", "2025-03-12T09:00:00Z"),
        freelancer_says("one-b", "2025-03-12T09:00:00Z"),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn import_then_simulate(dynamodb: bool) {
    let dir = TempDir::new("lab").unwrap();
    let store = store_args(dir.path(), dynamodb);
    let first = run(
        standing().arg("import").arg("-").args(&store),
        Some(&history()),
    );
    let said = text(&first);
    assert!(
        !first.status.success(),
        "refused lines fail the command:\n{said}"
    );
    assert!(
        said.contains("21 lines: 18 written, 0 already there, 3 refused"),
        "{said}"
    );
    assert!(said.contains("line 4: ") && said.contains("tip"), "{said}");
    assert!(
        said.contains("line 9: ") && said.contains("nope-contract"),
        "{said}"
    );
    assert!(
        said.contains("line 18: ") && said.contains("before the previous fact"),
        "{said}"
    );
    assert!(said.contains("3 freelancers evaluated"), "{said}");

    // The same file again writes nothing and refuses the same lines.
    let again = run(
        standing().arg("import").arg("-").args(&store),
        Some(&history()),
    );
    let said = text(&again);
    assert!(
        said.contains("21 lines: 0 written, 18 already there, 3 refused"),
        "{said}"
    );

    let candidate = dir.path().join("two-clients.json");
    std::fs::write(
        &candidate,
        r#"{"version": "two-clients", "quality_min_distinct_clients": 2}"#,
    )
    .unwrap();
    let simulated = run(
        standing()
            .args(["simulate", "--policy"])
            .arg(&candidate)
            .args(["--from", "2025-03-01", "--to", "2025-04-30", "--json"])
            .args(&store),
        None,
    );
    assert!(simulated.status.success(), "{}", text(&simulated));
    let result: Value = serde_json::from_slice(&simulated.stdout).unwrap();
    let blocked = result["newly_blocked"].as_array().unwrap();
    assert_eq!(blocked.len(), 1, "{result}");
    assert_eq!(blocked[0]["freelancer_id"], "fl-two");
    assert_eq!(blocked[0]["from"], SECOND_REVEAL);
    assert_eq!(blocked[0]["live_standing"], "good");
    assert_eq!(blocked[0]["candidate_standing"], "blocked_new_work");
    assert!(
        blocked[0]["statement"]
            .as_str()
            .unwrap()
            .contains("policy two-clients")
    );
    assert_eq!(result["newly_freed"], json!([]));
    assert_eq!(result["summary"]["freelancers"], 3);
    let day = |d: &str| {
        result["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["day"] == d)
            .cloned()
            .unwrap()
    };
    assert_eq!(day("2025-03-11")["candidate_blocked"], 0);
    assert_eq!(day("2025-03-12")["candidate_blocked"], 1);
    assert_eq!(day("2025-04-30")["live_blocked"], 0);
    // The human form says the same in a short table.
    let table = run(
        standing()
            .args(["simulate", "--policy"])
            .arg(&candidate)
            .args(["--from", "2025-03-01", "--to", "2025-04-30"])
            .args(&store),
        None,
    );
    let said = text(&table);
    assert!(said.contains("1 newly blocked, 0 newly freed"), "{said}");
    assert!(
        said.contains("fl-two  from 2025-03-12T08:00:00+00:00  good -> blocked_new_work"),
        "{said}"
    );
}

#[test]
fn import_names_bad_lines_reruns_change_nothing_and_simulate_finds_the_two_client_freelancer_on_the_embedded_store()
 {
    import_then_simulate(false);
}

#[test]
fn import_names_bad_lines_reruns_change_nothing_and_simulate_finds_the_two_client_freelancer_on_dynamodb_local()
 {
    import_then_simulate(true);
}

#[test]
fn generate_prints_the_same_history_for_the_same_seed_and_import_takes_all_of_it() {
    let dir = TempDir::new("lab-gen").unwrap();
    let history_of = |seed: &str| {
        let out = run(
            standing().args([
                "generate",
                "--freelancers",
                "30",
                "--days",
                "120",
                "--seed",
                seed,
            ]),
            None,
        );
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let a = history_of("11");
    assert_eq!(a, history_of("11"));
    assert_ne!(a, history_of("12"));
    let imported = run(
        standing()
            .arg("import")
            .arg("-")
            .args(store_args(dir.path(), false)),
        Some(&a),
    );
    let said = text(&imported);
    assert!(imported.status.success(), "{said}");
    assert!(said.contains("0 refused"), "{said}");
    let bad = run(standing().args(["generate", "--days", "3"]), None);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("--freelancers"));
}

#[test]
fn the_example_history_in_the_repository_imports_every_line_once() {
    let dir = TempDir::new("lab-example").unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/history.jsonl");
    let store = store_args(dir.path(), false);
    let first = run(standing().arg("import").arg(example).args(&store), None);
    let said = text(&first);
    assert!(first.status.success(), "{said}");
    assert!(
        said.contains("15 lines: 15 written, 0 already there, 0 refused"),
        "{said}"
    );
    let again = run(standing().arg("import").arg(example).args(&store), None);
    assert!(text(&again).contains("15 lines: 0 written, 15 already there, 0 refused"));
}

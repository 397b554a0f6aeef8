//! Stopping and starting: SIGTERM and SIGINT finish what is in flight, deliver the change log and
//! exit 0; a restart, even after kill -9, keeps every answered write.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use serde_json::json;
use standing_store::{EmbeddedEngine, EmbeddedOptions, SequenceNumber};

use crate::scenario::{settled, standing, stored_block, three_negative_feedbacks};
use crate::support::{Stack, TempDir, poll, token};
use standing_testkit::http::metric;

fn blocked_within(stack: &Stack, freelancer: &str, within: Duration) -> serde_json::Value {
    poll(within, || stored_block(stack, freelancer))
        .unwrap_or_else(|| panic!("{freelancer} is not blocked; stderr:\n{}", stack.stderr()))
}

#[test]
fn sigterm_delivers_the_change_log_trims_it_and_exits_zero() {
    let dir = TempDir::new("local-life").unwrap();
    let data = dir.path().join("data");
    let mut stack = Stack::start(&data, &[]);
    three_negative_feedbacks(&stack, "term-fl");
    let status = stack.signal("TERM");
    assert_eq!(
        status.code(),
        Some(0),
        "{status:?}; stderr:\n{}",
        stack.stderr()
    );
    let said = stack.output().join("\n");
    assert!(said.contains("standing: stopped"), "{said}");

    // Everything written was delivered before the exit, and the log was trimmed behind it.
    let checkpoint: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("stream-checkpoint.json")).unwrap())
            .unwrap();
    let after = checkpoint["after"].as_u64().unwrap();
    let engine =
        EmbeddedEngine::open(data.join("standing.redb"), EmbeddedOptions::default()).unwrap();
    assert_eq!(engine.latest_sequence_number(), Some(SequenceNumber(after)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let left = runtime.block_on(engine.read_changes(None, 10)).unwrap();
    assert!(
        left.is_empty(),
        "{} records left in the change log",
        left.len()
    );
}

#[test]
fn sigint_stops_the_stack_with_exit_code_zero_too() {
    let dir = TempDir::new("local-life").unwrap();
    let mut stack = Stack::start(&dir.path().join("data"), &["--dev-clock"]);
    let status = stack.signal("INT");
    assert_eq!(
        status.code(),
        Some(0),
        "{status:?}; stderr:\n{}",
        stack.stderr()
    );
}

#[test]
fn a_request_in_flight_when_sigterm_arrives_is_answered_before_the_exit() {
    let dir = TempDir::new("local-life").unwrap();
    let mut stack = Stack::start(&dir.path().join("data"), &[]);
    let body = json!({
        "client_id": "inf-cl", "freelancer_id": "inf-fl",
        "started_at": "2026-01-01T00:00:00Z", "total_charged_minor": 1000, "currency": "EUR",
    })
    .to_string();
    let (first, rest) = body.split_at(10);
    let mut conn = TcpStream::connect(stack.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        conn,
        "PUT /contracts/inf-k1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\n\r\n{first}",
        token("marketplace", &["service"]),
        body.len()
    )
    .unwrap();
    conn.flush().unwrap();
    // In flight: its head read and its body awaited (the scrape that asks counts itself).
    let in_flight = poll(Duration::from_secs(10), || {
        let text = stack.get("/metrics", None).body;
        (metric(text.as_str()?, "http_requests_in_flight")? >= 2.0).then_some(())
    });
    assert!(in_flight.is_some(), "the request never was in flight");
    let pid = stack.pid();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    // The rest of the body only once the stack has taken the signal.
    let stopping = poll(Duration::from_secs(10), || {
        stack
            .output()
            .iter()
            .any(|line| line.starts_with("standing: SIGTERM"))
            .then_some(())
    });
    assert!(stopping.is_some(), "the stack never said it took SIGTERM");
    conn.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let status = stack.wait();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn a_restart_on_the_same_data_keeps_everything() {
    let dir = TempDir::new("local-life").unwrap();
    let data = dir.path().join("data");
    let mut stack = Stack::start(&data, &[]);
    three_negative_feedbacks(&stack, "keep-fl");
    blocked_within(&stack, "keep-fl", Duration::from_secs(5));
    let before = settled(&stack, "keep-fl");
    let reviewer = token("rv-1", &["reviewer"]);
    let audit_before = stack
        .get("/freelancers/keep-fl/audit", Some(&reviewer))
        .body;
    assert_eq!(stack.signal("TERM").code(), Some(0));

    let stack = Stack::start(&data, &[]);
    assert_eq!(standing(&stack, "keep-fl"), before);
    assert_eq!(
        stack
            .get("/freelancers/keep-fl/audit", Some(&reviewer))
            .body,
        audit_before
    );
    let feedback = stack.get(
        "/contracts/keep-fl-k1/feedback",
        Some(&token("keep-fl-cl1", &["client"])),
    );
    assert_eq!(feedback.status, 200, "{:?}", feedback.body);
    assert!(feedback.body["client"]["feedback_id"].is_string());
}

#[test]
fn after_kill_9_every_answered_write_is_kept_and_still_reaches_the_evaluator() {
    let dir = TempDir::new("local-life").unwrap();
    let data = dir.path().join("data");
    let mut stack = Stack::start(&data, &[]);
    three_negative_feedbacks(&stack, "kill-fl");
    let status = stack.signal("KILL");
    assert_eq!(status.signal(), Some(9));

    let stack = Stack::start(&data, &[]);
    let blocked = blocked_within(&stack, "kill-fl", Duration::from_secs(5));
    assert_eq!(
        blocked["sanctions"][0]["evidence"]["contract_ids"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn the_data_directory_is_the_owners_alone_and_so_is_every_file_in_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("local-private").unwrap();
    let data = dir.path().join("data");
    let mut stack = Stack::start(&data, &["--dev-clock"]);
    three_negative_feedbacks(&stack, "priv-fl");
    poll(Duration::from_secs(10), || stored_block(&stack, "priv-fl"))
        .expect("the freelancer is blocked");
    assert!(stack.signal("TERM").success(), "{}", stack.stderr());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "{}", data.display());
    let mut files = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            files += 1;
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    assert!(
        files >= 3,
        "the store, its checkpoint and the clock: {files} files"
    );
}

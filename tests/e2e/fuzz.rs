//! Schemathesis (PyPI, pinned in tests/fuzz/requirements.txt, in a venv under target/) against
//! the local stack, with a valid token for each role: no 5xx, and every response conforms to the
//! OpenAPI document the stack serves. The script does the work; this test runs it as part of
//! `cargo test` and prints its summary lines.

use std::process::Command;
use std::time::Duration;

use crate::support::{binary, run};

/// Five roles, 25 operations, a bounded number of cases each.
const WITHIN: Duration = Duration::from_secs(1200);

#[test]
fn schemathesis_finds_no_server_error_and_no_response_outside_the_document() {
    let script = standing_tests::repo_root().join("tests/fuzz/schemathesis.sh");
    let finished = run(
        Command::new("bash")
            .arg(&script)
            .env("STANDING_BIN", binary()),
        WITHIN,
    );
    println!("{}", finished.stdout);
    assert!(
        finished.status.success(),
        "Schemathesis failed ({}):\n{}\n{}",
        finished.status,
        finished.stdout,
        finished.stderr
    );
    assert_eq!(
        finished.stdout.matches("== schemathesis as ").count(),
        5,
        "{}",
        finished.stdout
    );
}

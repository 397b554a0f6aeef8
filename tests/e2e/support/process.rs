//! Running a command to its end, within a time limit.

use std::fs::File;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use standing_testkit::TempDir;

use standing_testkit::poll;

/// What a finished command said.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` with its output in files (so a large output never blocks it) and waits for it at
/// most `within`; past that it is killed and the test fails.
pub fn run(command: &mut Command, within: Duration) -> Finished {
    let dir = TempDir::new("e2e-run").unwrap();
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    let status = poll(within, || child.try_wait().unwrap());
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{command:?} did not finish within {within:?}");
    };
    Finished {
        status,
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
    }
}

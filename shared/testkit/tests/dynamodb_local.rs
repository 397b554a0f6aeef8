//! DynamoDB Local as the test suites get it: it answers, and it does not outlive its process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support code

use std::{
    net::{SocketAddr, TcpStream},
    process::Command,
    time::{Duration, Instant},
};

use standing_testkit::DynamoDbLocal;

const CHILD_ENV: &str = "STANDING_TESTKIT_CHILD";

#[tokio::test]
async fn a_testkit_client_talks_to_the_shared_dynamodb_local() {
    let local = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
    assert!(local.is_running());
    let tables = local
        .dynamodb_client()
        .list_tables()
        .send()
        .await
        .expect("ListTables");
    assert!(tables.table_names().len() < 10_000);
}

#[test]
fn the_same_instance_serves_the_whole_test_process() {
    let a = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
    let b = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
    assert!(std::ptr::eq(a, b));
}

/// Run in a child process by the test below; does nothing when run directly.
#[test]
#[ignore = "helper: started in a child process by dynamodb_local_dies_with_the_process_that_started_it"]
fn child_starts_dynamodb_local_and_exits() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let local = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
    println!("PORT={}", local.port());
    // Exits without dropping anything, as a test process does.
    std::process::exit(0);
}

#[test]
fn dynamodb_local_dies_with_the_process_that_started_it() {
    let exe = std::env::current_exe().expect("current exe");
    let output = Command::new(exe)
        .args([
            "--exact",
            "child_starts_dynamodb_local_and_exits",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .expect("child test process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let port: u16 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("PORT="))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "the child printed no port: {stdout} {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "DynamoDB Local on port {port} outlived its test process"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

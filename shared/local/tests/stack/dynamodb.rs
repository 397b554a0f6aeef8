//! With `--dynamodb-endpoint`: the same stack on AWS's DynamoDB Local, re-evaluation driven by
//! the table's real stream.

use std::time::Duration;

use standing_testkit::{DynamoDbLocal, unique_table_name};

use crate::scenario::{settled, standing, stored_block, three_negative_feedbacks};
use crate::support::{Stack, TempDir, poll};

#[test]
fn on_dynamodb_local_a_write_reaches_the_evaluator_through_the_real_stream() {
    let local = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
    let table = unique_table_name("local-stack");
    let dir = TempDir::new("local-ddb").unwrap();
    let data = dir.path().join("data");
    let args = ["--dynamodb-endpoint", local.endpoint(), "--table", &table];
    let mut stack = Stack::start(&data, &args);
    let described = poll(Duration::from_secs(5), || {
        let said = stack.output().join("\n");
        said.contains(&format!("DynamoDB table `{table}`"))
            .then_some(())
    });
    assert!(described.is_some(), "{:?}", stack.output());

    three_negative_feedbacks(&stack, "ddb-fl");
    poll(Duration::from_secs(10), || stored_block(&stack, "ddb-fl"))
        .unwrap_or_else(|| panic!("not blocked; stderr:\n{}", stack.stderr()));
    let blocked = settled(&stack, "ddb-fl");
    assert_eq!(stack.signal("TERM").code(), Some(0), "{}", stack.stderr());

    // The restart finds the table and its checkpoints, and what was there stays.
    let stack = Stack::start(&data, &args);
    assert_eq!(standing(&stack, "ddb-fl"), blocked);
    assert!(data.join("dynamodb-stream-checkpoints.json").exists());
}

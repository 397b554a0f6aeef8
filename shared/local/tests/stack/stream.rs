//! The change log reaches evaluate-freelancer as DynamoDB stream events within a second.

use std::time::{Duration, Instant};

use crate::scenario::{standing, stored_block, three_negative_feedbacks};
use crate::support::{Stack, TempDir, poll};

#[test]
fn three_negative_feedbacks_from_three_clients_block_the_freelancer_within_a_second() {
    let dir = TempDir::new("local-stream").unwrap();
    let stack = Stack::start(&dir.path().join("data"), &[]);
    three_negative_feedbacks(&stack, "q-fl");
    let written = Instant::now();
    let blocked = poll(Duration::from_secs(1), || stored_block(&stack, "q-fl"));
    let Some(blocked) = blocked else {
        panic!(
            "not blocked {:?} after the last write: {}\nstderr:\n{}",
            written.elapsed(),
            standing(&stack, "q-fl"),
            stack.stderr()
        );
    };
    let sanction = &blocked["sanctions"][0];
    assert_eq!(sanction["rule"], "quality.multiple_negative");
    assert_eq!(sanction["decided_by"], "automated");
    assert_eq!(
        sanction["evidence"]["contract_ids"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

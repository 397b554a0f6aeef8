//! The change log reaches evaluate-freelancer as DynamoDB stream events. How soon is a figure
//! of the load benchmark (`stream_lag`), not a bound a test holds.

use crate::scenario::{settled, three_negative_feedbacks};
use crate::support::{Stack, TempDir};

#[test]
fn three_negative_feedbacks_from_three_clients_block_the_freelancer_once_the_stream_delivered_them()
{
    let dir = TempDir::new("local-stream").unwrap();
    let stack = Stack::start(&dir.path().join("data"), &[]);
    three_negative_feedbacks(&stack, "q-fl");
    let blocked = settled(&stack, "q-fl");
    assert_eq!(blocked["standing"], "blocked_new_work", "{blocked}");
    assert!(
        blocked["version"].as_u64().is_some_and(|v| v >= 1),
        "{blocked}"
    );
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

//! The contract's test bodies, written once against `&dyn Engine` (GIVEN / WHEN / THEN).

use standing_store::{
    AttributeValue, CancelCode, ClientRequestToken, Condition, Index, Item, Query,
    SortKeyCondition, StoreError, TransactOp,
};

use crate::harness::{Harness, item, key, n, per_item, s, sort_keys};

/// A token no other test uses: DynamoDB keeps tokens per account, not per table, and the
/// tests of a process share one DynamoDB Local.
fn token(text: &str) -> Option<ClientRequestToken> {
    Some(crate::harness::unique_token(text))
}

fn versioned(pk: &str, sk: &str, version: u64) -> Item {
    item(
        pk,
        sk,
        &[
            ("entity_type", s("standing")),
            ("version", n(&version.to_string())),
        ],
    )
}

pub async fn a_put_item_reads_back_as_written(h: &Harness) {
    // GIVEN an item with every kind of attribute
    let written = item(
        "FREELANCER#1",
        "PROFILE",
        &[
            ("entity_type", s("freelancer")),
            ("score", n("4.5")),
            ("active", AttributeValue::Bool(true)),
            ("nothing", AttributeValue::Null(true)),
            ("blob", AttributeValue::B(vec![0, 1, 2, 255])),
            ("empty", s("")),
            ("list", AttributeValue::L(vec![s("a"), n("2")])),
            (
                "map",
                AttributeValue::M([("inner".to_string(), s("x"))].into_iter().collect()),
            ),
            ("tags", AttributeValue::Ss(vec!["b".into(), "a".into()])),
        ],
    );
    // WHEN it is put and read back
    h.engine()
        .put(written.clone(), Condition::None)
        .await
        .expect("the put succeeds");
    let read = h
        .engine()
        .get(key("FREELANCER#1", "PROFILE"))
        .await
        .expect("the get succeeds")
        .item
        .expect("the item exists");
    // THEN it is the same item (sets come back in any order)
    let mut read = read;
    if let Some(AttributeValue::Ss(tags)) = read.get_mut("tags") {
        tags.sort();
    }
    let mut written = written;
    if let Some(AttributeValue::Ss(tags)) = written.get_mut("tags") {
        tags.sort();
    }
    assert_eq!(read, written);
}

pub async fn numbers_read_back_as_dynamodb_normalises_them(h: &Harness) {
    let cases = [
        ("a", "1.50", "1.5"),
        ("b", "007", "7"),
        ("c", "-0", "0"),
        ("d", "0.000100", "0.0001"),
        ("e", "1E+2", "100"),
        ("f", "-12.5e-3", "-0.0125"),
    ];
    let attributes: Vec<(&str, AttributeValue)> =
        cases.iter().map(|(name, raw, _)| (*name, n(raw))).collect();
    h.engine()
        .put(item("P", "NUMBERS", &attributes), Condition::None)
        .await
        .expect("the put succeeds");
    let read = h
        .engine()
        .get(key("P", "NUMBERS"))
        .await
        .expect("the get succeeds")
        .item
        .expect("the item exists");
    for (name, raw, normalised) in cases {
        assert_eq!(read.get(name), Some(&n(normalised)), "{raw} read back");
    }
}

pub async fn a_missing_item_reads_as_none(h: &Harness) {
    let read = h
        .engine()
        .get(key("P", "NOTHING"))
        .await
        .expect("the get succeeds");
    assert_eq!(read.item, None);
}

pub async fn a_put_conditioned_on_absence_is_refused_when_the_item_exists(h: &Harness) {
    // GIVEN an existing item
    let first = versioned("F#1", "STANDING", 1);
    h.engine()
        .put(first.clone(), Condition::NotExists)
        .await
        .expect("the first put succeeds");
    // WHEN another put requires the item not to exist
    let second = h
        .engine()
        .put(versioned("F#1", "STANDING", 9), Condition::NotExists)
        .await;
    // THEN it is refused, telling the item as it is, and the item is unchanged
    assert_eq!(
        second,
        Err(StoreError::ConditionFailed {
            item: Some(first.clone())
        })
    );
    let read = h.engine().get(key("F#1", "STANDING")).await.expect("get");
    assert_eq!(read.item, Some(first));
}

pub async fn a_version_check_accepts_the_current_version_and_refuses_a_stale_one(h: &Harness) {
    h.engine()
        .put(versioned("F#1", "STANDING", 1), Condition::NotExists)
        .await
        .expect("create at version 1");
    h.engine()
        .put(versioned("F#1", "STANDING", 2), Condition::VersionEquals(1))
        .await
        .expect("update from version 1 to 2");
    let stale = h
        .engine()
        .put(versioned("F#1", "STANDING", 2), Condition::VersionEquals(1))
        .await;
    assert!(
        matches!(stale, Err(StoreError::ConditionFailed { item: Some(ref current) }) if current.get("version") == Some(&n("2"))),
        "{stale:?}"
    );
    let missing = h
        .engine()
        .put(versioned("F#2", "STANDING", 1), Condition::VersionEquals(0))
        .await;
    assert_eq!(missing, Err(StoreError::ConditionFailed { item: None }));
}

pub async fn an_attribute_condition_compares_numbers_by_value(h: &Harness) {
    h.engine()
        .put(
            item("P", "S", &[("count", n("1")), ("kind", s("appeal"))]),
            Condition::None,
        )
        .await
        .expect("put");
    let holds = Condition::All(vec![
        Condition::attribute_equals("count", n("1.0")),
        Condition::attribute_equals("kind", s("appeal")),
        Condition::AttributeExists("kind".into()),
        Condition::AttributeNotExists("missing".into()),
    ]);
    h.engine()
        .put(item("P", "S", &[("count", n("2"))]), holds)
        .await
        .expect("the condition holds");
    let fails = h
        .engine()
        .put(
            item("P", "S", &[("count", n("3"))]),
            Condition::attribute_equals("count", s("2")),
        )
        .await;
    assert!(
        matches!(fails, Err(StoreError::ConditionFailed { .. })),
        "{fails:?}"
    );
}

pub async fn a_conditional_delete_is_refused_and_a_missing_item_deletes_quietly(h: &Harness) {
    h.engine()
        .put(versioned("F#1", "STANDING", 3), Condition::None)
        .await
        .expect("put");
    let refused = h
        .engine()
        .delete(key("F#1", "STANDING"), Condition::VersionEquals(2))
        .await;
    assert!(
        matches!(refused, Err(StoreError::ConditionFailed { item: Some(_) })),
        "{refused:?}"
    );
    h.engine()
        .delete(key("F#1", "STANDING"), Condition::VersionEquals(3))
        .await
        .expect("the delete with the right version succeeds");
    assert_eq!(
        h.engine()
            .get(key("F#1", "STANDING"))
            .await
            .expect("get")
            .item,
        None
    );
    h.engine()
        .delete(key("F#1", "NEVER"), Condition::None)
        .await
        .expect("deleting a missing item succeeds");
    let absent = h
        .engine()
        .delete(key("F#1", "NEVER"), Condition::Exists)
        .await;
    assert_eq!(absent, Err(StoreError::ConditionFailed { item: None }));
}

pub async fn a_transaction_writes_nothing_when_one_condition_fails_and_names_it(h: &Harness) {
    // GIVEN a standing at version 1 and an item the transaction would delete
    let standing = versioned("F#1", "STANDING", 1);
    h.engine()
        .put(standing.clone(), Condition::None)
        .await
        .expect("put");
    h.engine()
        .put(item("F#1", "OLD", &[]), Condition::None)
        .await
        .expect("put");
    // WHEN a transaction expects version 2 in its second operation
    let result = h
        .engine()
        .transact_write(
            vec![
                TransactOp::Put {
                    item: item("F#1", "NEW", &[]),
                    condition: Condition::NotExists,
                },
                TransactOp::ConditionCheck {
                    key: key("F#1", "STANDING"),
                    condition: Condition::VersionEquals(2),
                },
                TransactOp::Delete {
                    key: key("F#1", "OLD"),
                    condition: Condition::Exists,
                },
            ],
            token("tx-cancel-1"),
        )
        .await;
    // THEN it is canceled, naming only the second operation, with the item as it is
    let Err(StoreError::TransactionCanceled { reasons }) = &result else {
        panic!("expected a cancellation, got {result:?}");
    };
    assert_eq!(reasons.len(), 3);
    assert!(reasons[0].is_none() && reasons[2].is_none(), "{reasons:?}");
    let failed = reasons[1].as_ref().expect("the second operation failed");
    assert_eq!(failed.code, CancelCode::ConditionalCheckFailed);
    assert_eq!(failed.item.as_ref(), Some(&standing));
    assert_eq!(
        result.as_ref().map_err(StoreError::failed_operations).err(),
        Some(vec![1])
    );
    // AND nothing was written
    assert_eq!(
        h.engine().get(key("F#1", "NEW")).await.expect("get").item,
        None
    );
    assert!(
        h.engine()
            .get(key("F#1", "OLD"))
            .await
            .expect("get")
            .item
            .is_some()
    );
}

pub async fn a_transaction_reports_every_failing_operation(h: &Harness) {
    h.engine()
        .put(versioned("F#1", "A", 1), Condition::None)
        .await
        .expect("put");
    let result = h
        .engine()
        .transact_write(
            vec![
                TransactOp::Put {
                    item: versioned("F#1", "A", 2),
                    condition: Condition::VersionEquals(5),
                },
                TransactOp::Put {
                    item: versioned("F#1", "B", 1),
                    condition: Condition::None,
                },
                TransactOp::Delete {
                    key: key("F#1", "C"),
                    condition: Condition::Exists,
                },
            ],
            None,
        )
        .await;
    let Err(error) = result else {
        panic!("expected a cancellation");
    };
    assert_eq!(error.failed_operations(), vec![0, 2], "{error:?}");
}

pub async fn a_transaction_writes_all_its_operations_when_every_condition_holds(h: &Harness) {
    h.engine()
        .put(versioned("F#1", "STANDING", 1), Condition::None)
        .await
        .expect("put");
    h.engine()
        .put(item("F#1", "OLD", &[]), Condition::None)
        .await
        .expect("put");
    h.engine()
        .transact_write(
            vec![
                TransactOp::Put {
                    item: versioned("F#1", "STANDING", 2),
                    condition: Condition::VersionEquals(1),
                },
                TransactOp::Put {
                    item: item("GUARD#contract-9", "GUARD", &[]),
                    condition: Condition::NotExists,
                },
                TransactOp::Delete {
                    key: key("F#1", "OLD"),
                    condition: Condition::Exists,
                },
            ],
            token("tx-ok-1"),
        )
        .await
        .expect("the transaction commits");
    let standing = h
        .engine()
        .get(key("F#1", "STANDING"))
        .await
        .expect("get")
        .item;
    assert_eq!(standing, Some(versioned("F#1", "STANDING", 2)));
    assert!(
        h.engine()
            .get(key("GUARD#contract-9", "GUARD"))
            .await
            .expect("get")
            .item
            .is_some()
    );
    assert_eq!(
        h.engine().get(key("F#1", "OLD")).await.expect("get").item,
        None
    );
}

fn create_appeal(id: &str) -> Vec<TransactOp> {
    vec![
        TransactOp::Put {
            item: item(
                "APPEAL#1",
                "APPEAL",
                &[("state", s("pending")), ("id", s(id))],
            ),
            condition: Condition::NotExists,
        },
        TransactOp::Put {
            item: item("GUARD#appeal", "GUARD", &[]),
            condition: Condition::NotExists,
        },
    ]
}

pub async fn a_repeated_token_with_the_same_request_succeeds_without_writing_again(h: &Harness) {
    // GIVEN a committed transaction, and a later change to one of its items
    let token = token("appeal-create");
    h.engine()
        .transact_write(create_appeal("a"), token.clone())
        .await
        .expect("the first attempt commits");
    h.engine()
        .put(
            item(
                "APPEAL#1",
                "APPEAL",
                &[("state", s("decided")), ("id", s("a"))],
            ),
            Condition::Exists,
        )
        .await
        .expect("a later change");
    // WHEN the same request is sent again with the same token
    let repeat = h.engine().transact_write(create_appeal("a"), token).await;
    // THEN it succeeds (though its conditions no longer hold) and writes nothing
    assert!(repeat.is_ok(), "{repeat:?}");
    let appeal = h
        .engine()
        .get(key("APPEAL#1", "APPEAL"))
        .await
        .expect("get")
        .item;
    assert_eq!(
        appeal.and_then(|a| a.get("state").cloned()),
        Some(s("decided"))
    );
    // AND without the token the same request fails its conditions
    let again = h.engine().transact_write(create_appeal("a"), None).await;
    assert_eq!(
        again.map_err(|e| e.failed_operations()).err(),
        Some(vec![0, 1])
    );
}

pub async fn a_reused_token_with_a_different_request_is_refused(h: &Harness) {
    let token = token("appeal-create");
    h.engine()
        .transact_write(create_appeal("a"), token.clone())
        .await
        .expect("the first attempt commits");
    let reused = h.engine().transact_write(create_appeal("b"), token).await;
    assert_eq!(reused, Err(StoreError::IdempotentParameterMismatch));
}

pub async fn a_canceled_transaction_can_be_retried_with_the_same_token(h: &Harness) {
    // GIVEN a transaction canceled because the guard item exists
    h.engine()
        .put(item("GUARD#appeal", "GUARD", &[]), Condition::None)
        .await
        .expect("put");
    let token = token("appeal-create");
    let first = h
        .engine()
        .transact_write(create_appeal("a"), token.clone())
        .await;
    assert_eq!(
        first.map_err(|e| e.failed_operations()).err(),
        Some(vec![1])
    );
    // WHEN the obstacle is gone and the same request is retried under the same token
    h.engine()
        .delete(key("GUARD#appeal", "GUARD"), Condition::None)
        .await
        .expect("delete");
    let retry = h.engine().transact_write(create_appeal("a"), token).await;
    // THEN it commits
    assert!(retry.is_ok(), "{retry:?}");
    assert!(
        h.engine()
            .get(key("APPEAL#1", "APPEAL"))
            .await
            .expect("get")
            .item
            .is_some()
    );
}

pub async fn a_transaction_touching_one_item_twice_is_invalid(h: &Harness) {
    let result = h
        .engine()
        .transact_write(
            vec![
                TransactOp::Put {
                    item: item("P", "S", &[]),
                    condition: Condition::None,
                },
                TransactOp::ConditionCheck {
                    key: key("P", "S"),
                    condition: Condition::NotExists,
                },
            ],
            None,
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::Validation(_))),
        "{result:?}"
    );
}

pub async fn invalid_items_are_refused(h: &Harness) {
    let mut no_sort_key = item("P", "S", &[]);
    no_sort_key.remove("SK");
    let invalid = [
        ("no sort key", no_sort_key),
        ("an empty partition key", item("", "S", &[])),
        (
            "a numeric index key",
            item("P", "S", &[("GSI1PK", n("1")), ("GSI1SK", s("x"))]),
        ),
        (
            "an empty index key",
            item("P", "S", &[("GSI2PK", s("")), ("GSI2SK", s("x"))]),
        ),
        (
            "an empty set",
            item("P", "S", &[("tags", AttributeValue::Ss(vec![]))]),
        ),
        (
            "a duplicate in a set",
            item(
                "P",
                "S",
                &[("tags", AttributeValue::Ss(vec!["a".into(), "a".into()]))],
            ),
        ),
        ("not a number", item("P", "S", &[("n", n("12abc"))])),
    ];
    for (what, item) in invalid {
        let result = h.engine().put(item, Condition::None).await;
        assert!(
            matches!(result, Err(StoreError::Validation(_))),
            "{what}: {result:?}"
        );
    }
    assert_eq!(h.engine().get(key("P", "S")).await.expect("get").item, None);
}

async fn put_all(h: &Harness, items: Vec<Item>) {
    for item in items {
        h.engine().put(item, Condition::None).await.expect("put");
    }
}

async fn sks(h: &Harness, query: Query) -> Vec<String> {
    let page = h.engine().query(query).await.expect("the query succeeds");
    assert_eq!(page.last_evaluated_key, None);
    sort_keys(&page.items)
}

pub async fn queries_select_sort_key_ranges_forward_and_backward(h: &Harness) {
    // GIVEN a partition, and neighbours whose keys share its prefix
    put_all(
        h,
        ["A#1", "A#2", "A#3", "B#1", "B#2", "C", "A"]
            .iter()
            .map(|sk| item("F#1", sk, &[]))
            .chain([
                item("F#10", "A#1", &[]),
                item("F#", "A#1", &[]),
                item("F", "A#1", &[]),
            ])
            .collect(),
    )
    .await;
    let q = || Query::new(Index::Primary, "F#1");
    use SortKeyCondition::*;
    assert_eq!(
        sks(h, q()).await,
        ["A", "A#1", "A#2", "A#3", "B#1", "B#2", "C"]
    );
    assert_eq!(
        sks(h, q().backward()).await,
        ["C", "B#2", "B#1", "A#3", "A#2", "A#1", "A"]
    );
    assert_eq!(sks(h, q().sort(Equals("A#2".into()))).await, ["A#2"]);
    assert_eq!(
        sks(h, q().sort(Equals("A#9".into()))).await,
        Vec::<String>::new()
    );
    assert_eq!(
        sks(h, q().sort(BeginsWith("A#".into()))).await,
        ["A#1", "A#2", "A#3"]
    );
    assert_eq!(
        sks(h, q().sort(BeginsWith("A".into())).backward()).await,
        ["A#3", "A#2", "A#1", "A"]
    );
    let between = Between {
        low: "A#2".into(),
        high: "B#1".into(),
    };
    assert_eq!(
        sks(h, q().sort(between.clone())).await,
        ["A#2", "A#3", "B#1"]
    );
    assert_eq!(
        sks(h, q().sort(between).backward()).await,
        ["B#1", "A#3", "A#2"]
    );
    assert_eq!(
        sks(h, q().sort(GreaterOrEqual("B#1".into()))).await,
        ["B#1", "B#2", "C"]
    );
    assert_eq!(
        sks(h, q().sort(LessOrEqual("A#2".into())).backward()).await,
        ["A#2", "A#1", "A"]
    );
    assert_eq!(
        sks(h, Query::new(Index::Primary, "NOBODY")).await,
        Vec::<String>::new()
    );
}

pub async fn queries_page_with_a_limit_and_resume_after_the_last_evaluated_key(h: &Harness) {
    put_all(
        h,
        (1..=5)
            .map(|i| item("F#1", &format!("E#{i}"), &[]))
            .collect(),
    )
    .await;
    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut start = None;
        let mut pages = 0;
        loop {
            let mut query = Query::new(Index::Primary, "F#1")
                .sort(SortKeyCondition::BeginsWith("E#".into()))
                .limit(2)
                .start_after(start.take());
            if !forward {
                query = query.backward();
            }
            let page = h.engine().query(query).await.expect("a page");
            pages += 1;
            assert!(page.items.len() <= 2);
            seen.extend(sort_keys(&page.items));
            match page.last_evaluated_key {
                Some(last) => {
                    assert_eq!(
                        last.keys()
                            .map(String::as_str)
                            .collect::<std::collections::BTreeSet<_>>(),
                        ["PK", "SK"].into_iter().collect()
                    );
                    start = Some(last);
                }
                None => break,
            }
        }
        let mut expected: Vec<String> = (1..=5).map(|i| format!("E#{i}")).collect();
        if !forward {
            expected.reverse();
        }
        assert_eq!(seen, expected);
        assert_eq!(pages, 3);
    }
}

pub async fn a_page_that_fills_its_limit_exactly_still_returns_a_start_key(h: &Harness) {
    put_all(
        h,
        (1..=3)
            .map(|i| item("F#1", &format!("E#{i}"), &[]))
            .collect(),
    )
    .await;
    let page = h
        .engine()
        .query(Query::new(Index::Primary, "F#1").limit(3))
        .await
        .expect("a page");
    assert_eq!(page.items.len(), 3);
    let last = page
        .last_evaluated_key
        .expect("a start key although nothing follows");
    let next = h
        .engine()
        .query(
            Query::new(Index::Primary, "F#1")
                .limit(3)
                .start_after(Some(last)),
        )
        .await
        .expect("the next page");
    assert!(next.items.is_empty());
    assert_eq!(next.last_evaluated_key, None);
}

fn queued(pk: &str, sk: &str, gsi1: Option<(&str, &str)>, gsi2: Option<(&str, &str)>) -> Item {
    let mut attributes = Vec::new();
    if let Some((p, k)) = gsi1 {
        attributes.push(("GSI1PK", s(p)));
        attributes.push(("GSI1SK", s(k)));
    }
    if let Some((p, k)) = gsi2 {
        attributes.push(("GSI2PK", s(p)));
        attributes.push(("GSI2SK", s(k)));
    }
    item(pk, sk, &attributes)
}

pub async fn a_global_secondary_index_holds_only_items_carrying_both_its_keys(h: &Harness) {
    // GIVEN complaints, some under review, some with a due date, one with half an index key
    put_all(
        h,
        vec![
            queued(
                "C#1",
                "COMPLAINT",
                Some(("COMPLAINTS#under_review", "2026-01-02#1")),
                None,
            ),
            queued(
                "C#2",
                "COMPLAINT",
                Some(("COMPLAINTS#under_review", "2026-01-01#2")),
                Some(("DUE", "2026-07-01#2")),
            ),
            queued("C#3", "COMPLAINT", None, Some(("DUE", "2026-06-01#3"))),
            queued("C#4", "COMPLAINT", None, None),
            item(
                "C#5",
                "COMPLAINT",
                &[("GSI1PK", s("COMPLAINTS#under_review"))],
            ),
        ],
    )
    .await;
    let review = || Query::new(Index::Gsi1, "COMPLAINTS#under_review");
    let due = || Query::new(Index::Gsi2, "DUE");
    // THEN each index holds exactly the items that carry both its keys, in index order
    assert_eq!(
        h.engine().query(review()).await.expect("query").items,
        vec![
            queued(
                "C#2",
                "COMPLAINT",
                Some(("COMPLAINTS#under_review", "2026-01-01#2")),
                Some(("DUE", "2026-07-01#2"))
            ),
            queued(
                "C#1",
                "COMPLAINT",
                Some(("COMPLAINTS#under_review", "2026-01-02#1")),
                None
            ),
        ]
    );
    let due_pks = |items: Vec<Item>| -> Vec<AttributeValue> {
        items.iter().filter_map(|i| i.get("PK").cloned()).collect()
    };
    assert_eq!(
        due_pks(
            h.engine()
                .query(due().sort(SortKeyCondition::LessOrEqual("2026-12-31".into())))
                .await
                .expect("query")
                .items
        ),
        vec![s("C#3"), s("C#2")]
    );
    // WHEN an item loses its index keys, and another is deleted
    h.engine()
        .put(queued("C#2", "COMPLAINT", None, None), Condition::Exists)
        .await
        .expect("put");
    h.engine()
        .delete(key("C#3", "COMPLAINT"), Condition::None)
        .await
        .expect("delete");
    // THEN they leave the indexes
    assert_eq!(
        due_pks(h.engine().query(review()).await.expect("query").items),
        vec![s("C#1")]
    );
    assert!(
        h.engine()
            .query(due())
            .await
            .expect("query")
            .items
            .is_empty()
    );
    // AND an index key that moves moves the item
    h.engine()
        .put(
            queued("C#1", "COMPLAINT", Some(("COMPLAINTS#decided", "x")), None),
            Condition::None,
        )
        .await
        .expect("put");
    assert!(
        h.engine()
            .query(review())
            .await
            .expect("query")
            .items
            .is_empty()
    );
    assert_eq!(
        due_pks(
            h.engine()
                .query(Query::new(Index::Gsi1, "COMPLAINTS#decided"))
                .await
                .expect("query")
                .items
        ),
        vec![s("C#1")]
    );
}

pub async fn index_queries_page_through_items_sharing_an_index_key(h: &Harness) {
    // GIVEN five items under one index key, two of them with the same index sort key
    put_all(
        h,
        vec![
            queued(
                "A#1",
                "APPEAL",
                Some(("APPEALS#pending", "2026-01-01")),
                None,
            ),
            queued(
                "A#2",
                "APPEAL",
                Some(("APPEALS#pending", "2026-01-02")),
                None,
            ),
            queued(
                "A#3",
                "APPEAL",
                Some(("APPEALS#pending", "2026-01-02")),
                None,
            ),
            queued(
                "A#4",
                "APPEAL",
                Some(("APPEALS#pending", "2026-01-03")),
                None,
            ),
            queued(
                "A#5",
                "APPEAL",
                Some(("APPEALS#pending", "2026-01-04")),
                None,
            ),
        ],
    )
    .await;
    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut start = None;
        loop {
            let mut query = Query::new(Index::Gsi1, "APPEALS#pending")
                .limit(2)
                .start_after(start.take());
            if !forward {
                query = query.backward();
            }
            let page = h.engine().query(query).await.expect("a page");
            seen.extend(page.items.iter().filter_map(|i| match i.get("PK") {
                Some(AttributeValue::S(pk)) => Some(pk.clone()),
                _ => None,
            }));
            match page.last_evaluated_key {
                Some(last) => {
                    // An index's start key names the item and its place in the index.
                    let names: std::collections::BTreeSet<&str> =
                        last.keys().map(String::as_str).collect();
                    assert_eq!(
                        names,
                        ["GSI1PK", "GSI1SK", "PK", "SK"].into_iter().collect()
                    );
                    start = Some(last);
                }
                None => break,
            }
        }
        // Every item exactly once, ordered by index sort key (ties in any order).
        assert_eq!(seen.len(), 5, "{seen:?}");
        let (first, last) = if forward {
            ("A#1", "A#5")
        } else {
            ("A#5", "A#1")
        };
        assert_eq!(seen.first().map(String::as_str), Some(first));
        assert_eq!(seen.last().map(String::as_str), Some(last));
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 5);
    }
}

fn change(
    event_name: &str,
    keys: (&str, &str),
    new_image: Option<Item>,
    old_image: Option<Item>,
) -> crate::harness::Change {
    crate::harness::Change {
        event_name: event_name.to_string(),
        keys: item(keys.0, keys.1, &[]),
        new_image,
        old_image,
    }
}

pub async fn the_change_stream_records_inserts_modifies_and_removes_with_images(h: &Harness) {
    let v1 = item(
        "F#1",
        "FEEDBACK#1",
        &[
            ("entity_type", s("feedback")),
            ("freelancer_id", s("1")),
            ("score", n("4")),
        ],
    );
    let v2 = item(
        "F#1",
        "FEEDBACK#1",
        &[
            ("entity_type", s("feedback")),
            ("freelancer_id", s("1")),
            ("score", n("2")),
        ],
    );
    h.engine()
        .put(v1.clone(), Condition::NotExists)
        .await
        .expect("insert");
    h.engine()
        .put(v2.clone(), Condition::Exists)
        .await
        .expect("modify");
    // Writes that change nothing or fail record nothing.
    let _ = h.engine().put(v1.clone(), Condition::NotExists).await;
    h.engine()
        .delete(key("F#1", "NEVER"), Condition::None)
        .await
        .expect("delete nothing");
    h.engine()
        .delete(key("F#1", "FEEDBACK#1"), Condition::Exists)
        .await
        .expect("remove");

    let changes = h.changes(3).await;
    assert_eq!(
        changes,
        vec![
            change("INSERT", ("F#1", "FEEDBACK#1"), Some(v1.clone()), None),
            change("MODIFY", ("F#1", "FEEDBACK#1"), Some(v2.clone()), Some(v1)),
            change("REMOVE", ("F#1", "FEEDBACK#1"), None, Some(v2)),
        ]
    );
}

pub async fn a_put_that_changes_nothing_adds_no_change_record(h: &Harness) {
    let v1 = item(
        "F#1",
        "CONTRACT#1",
        &[("entity_type", s("contract")), ("amount", n("10.50"))],
    );
    h.engine()
        .put(v1.clone(), Condition::None)
        .await
        .expect("insert");
    // The same item again, its number written differently.
    let same = item(
        "F#1",
        "CONTRACT#1",
        &[("entity_type", s("contract")), ("amount", n("10.5"))],
    );
    h.engine()
        .put(same, Condition::None)
        .await
        .expect("identical put");
    let changes = h.changes(1).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].event_name, "INSERT");
}

pub async fn a_transaction_records_one_change_per_written_item(h: &Harness) {
    let token = token("tx-stream");
    let standing = versioned("F#1", "STANDING", 1);
    h.engine()
        .put(standing.clone(), Condition::None)
        .await
        .expect("put");
    h.engine()
        .put(item("F#1", "OLD", &[]), Condition::None)
        .await
        .expect("put");
    h.engine()
        .transact_write(
            vec![
                TransactOp::ConditionCheck {
                    key: key("F#1", "STANDING"),
                    condition: Condition::VersionEquals(1),
                },
                TransactOp::Put {
                    item: item("F#1", "NEW", &[]),
                    condition: Condition::NotExists,
                },
                TransactOp::Delete {
                    key: key("F#1", "OLD"),
                    condition: Condition::None,
                },
            ],
            token.clone(),
        )
        .await
        .expect("commit");
    // A repeat under the token writes nothing, so it records nothing either.
    h.engine()
        .transact_write(
            vec![
                TransactOp::ConditionCheck {
                    key: key("F#1", "STANDING"),
                    condition: Condition::VersionEquals(1),
                },
                TransactOp::Put {
                    item: item("F#1", "NEW", &[]),
                    condition: Condition::NotExists,
                },
                TransactOp::Delete {
                    key: key("F#1", "OLD"),
                    condition: Condition::None,
                },
            ],
            token,
        )
        .await
        .expect("repeat");
    let changes = h.changes(4).await;
    assert_eq!(
        per_item(&changes),
        per_item(&[
            change("INSERT", ("F#1", "STANDING"), Some(standing), None),
            change(
                "INSERT",
                ("F#1", "OLD"),
                Some(item("F#1", "OLD", &[])),
                None
            ),
            change(
                "REMOVE",
                ("F#1", "OLD"),
                None,
                Some(item("F#1", "OLD", &[]))
            ),
            change(
                "INSERT",
                ("F#1", "NEW"),
                Some(item("F#1", "NEW", &[])),
                None
            ),
        ])
    );
}

pub async fn malformed_keys_and_queries_are_invalid(h: &Harness) {
    let read = h.engine().get(key("", "S")).await;
    assert!(matches!(read, Err(StoreError::Validation(_))), "{read:?}");
    let delete = h.engine().delete(key("P", ""), Condition::None).await;
    assert!(
        matches!(delete, Err(StoreError::Validation(_))),
        "{delete:?}"
    );
    let no_limit = h
        .engine()
        .query(Query::new(Index::Primary, "P").limit(0))
        .await;
    assert!(
        matches!(no_limit, Err(StoreError::Validation(_))),
        "{no_limit:?}"
    );
    let upside_down = h
        .engine()
        .query(
            Query::new(Index::Primary, "P").sort(SortKeyCondition::Between {
                low: "B".into(),
                high: "A".into(),
            }),
        )
        .await;
    assert!(
        matches!(upside_down, Err(StoreError::Validation(_))),
        "{upside_down:?}"
    );
    let check_without_condition = h
        .engine()
        .transact_write(
            vec![TransactOp::ConditionCheck {
                key: key("P", "S"),
                condition: Condition::None,
            }],
            None,
        )
        .await;
    assert!(
        matches!(check_without_condition, Err(StoreError::Validation(_))),
        "{check_without_condition:?}"
    );
    let empty = h.engine().transact_write(vec![], None).await;
    assert!(matches!(empty, Err(StoreError::Validation(_))), "{empty:?}");
}

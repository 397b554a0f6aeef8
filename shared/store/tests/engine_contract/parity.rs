//! The same writes on both engines, compared with each other rather than with expectations:
//! the change log against the real stream, and what only DynamoDB reports (capacity).

use standing_store::{
    Condition, EmbeddedEngine, EmbeddedOptions, Engine, Index, Query, SortKeyCondition, TransactOp,
};
use standing_testkit::TempDir;

use crate::harness::{Harness, item, key, n, per_item, s, unique_token};

/// A day of writes: inserts, updates, an identical put, failed conditions, transactions (one
/// canceled, one repeated under its token), deletes of present and missing items.
async fn script(engine: &dyn Engine) {
    let feedback = |score: &str| {
        item(
            "F#7",
            "FEEDBACK#2026-01-01#C1",
            &[
                ("entity_type", s("feedback")),
                ("freelancer_id", s("7")),
                ("score", n(score)),
                ("GSI2PK", s("DUE")),
                ("GSI2SK", s("2026-07-01#C1")),
            ],
        )
    };
    let standing = |version: u64| {
        item(
            "F#7",
            "STANDING",
            &[
                ("entity_type", s("standing")),
                ("version", n(&version.to_string())),
            ],
        )
    };
    engine
        .put(feedback("5"), Condition::NotExists)
        .await
        .expect("insert");
    engine
        .put(feedback("2.0"), Condition::Exists)
        .await
        .expect("modify");
    engine
        .put(feedback("2"), Condition::None)
        .await
        .expect("identical");
    let _ = engine.put(feedback("1"), Condition::NotExists).await;
    engine
        .put(standing(1), Condition::NotExists)
        .await
        .expect("standing");
    let token = unique_token("evaluate-7");
    let evaluation = vec![
        TransactOp::Put {
            item: standing(2),
            condition: Condition::VersionEquals(1),
        },
        TransactOp::Put {
            item: item("F#7", "AUDIT#1", &[("entity_type", s("audit"))]),
            condition: Condition::NotExists,
        },
        TransactOp::ConditionCheck {
            key: key("F#7", "FEEDBACK#2026-01-01#C1"),
            condition: Condition::Exists,
        },
    ];
    engine
        .transact_write(evaluation.clone(), Some(token.clone()))
        .await
        .expect("evaluation");
    engine
        .transact_write(evaluation, Some(token))
        .await
        .expect("repeated evaluation");
    let _ = engine
        .transact_write(
            vec![
                TransactOp::Put {
                    item: standing(3),
                    condition: Condition::VersionEquals(1),
                },
                TransactOp::Delete {
                    key: key("F#7", "AUDIT#1"),
                    condition: Condition::None,
                },
            ],
            None,
        )
        .await;
    engine
        .delete(key("F#7", "FEEDBACK#2026-01-01#C1"), Condition::None)
        .await
        .expect("remove");
    engine
        .delete(key("F#7", "MISSING"), Condition::None)
        .await
        .expect("remove nothing");
}

#[tokio::test]
async fn the_embedded_change_log_matches_the_dynamodb_stream_for_the_same_writes() {
    let embedded = Harness::embedded().await;
    let dynamodb = Harness::dynamodb().await;
    script(embedded.engine()).await;
    script(dynamodb.engine()).await;
    let logged = embedded.changes(0).await;
    let streamed = dynamodb.changes(logged.len()).await;
    assert_eq!(logged.len(), 6, "{logged:#?}");
    assert_eq!(per_item(&logged), per_item(&streamed));
    assert_eq!(logged.len(), streamed.len());
}

#[tokio::test]
async fn embedded_event_records_carry_what_dynamodb_stream_records_carry() {
    let dir = TempDir::new("store-parity").expect("temp dir");
    let embedded =
        EmbeddedEngine::open(dir.path().join("db.redb"), EmbeddedOptions::default()).expect("open");
    let dynamodb = Harness::dynamodb().await;
    script(&embedded).await;
    script(dynamodb.engine()).await;

    let source = embedded.stream_source().clone();
    let ours: Vec<_> = embedded
        .read_changes(None, 100)
        .await
        .expect("changes")
        .iter()
        .map(|record| record.to_event_record(&source))
        .collect();
    let theirs = dynamodb.raw_stream_records(ours.len()).await;
    assert_eq!(ours.len(), theirs.len());
    for (ours, theirs) in ours.iter().zip(&theirs) {
        assert_eq!(ours.event_source.as_deref(), theirs.event_source());
        assert_eq!(ours.event_version.as_deref(), theirs.event_version());
        let change = theirs.dynamodb().expect("a change");
        assert_eq!(
            ours.change.stream_view_type.as_ref().map(|v| v.to_string()),
            change.stream_view_type().map(|v| v.as_str().to_string())
        );
        assert!(ours.change.size_bytes > 0 && change.size_bytes().unwrap_or(0) > 0);
    }
    // Lambda's own event model reads our records back from the JSON it is invoked with.
    let json = serde_json::json!({ "Records": ours });
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(json).expect("a DynamoDB stream event");
    assert_eq!(event.records.len(), ours.len());
    let sequence: Vec<_> = event
        .records
        .iter()
        .filter_map(|r| r.change.sequence_number.clone())
        .collect();
    let mut sorted = sequence.clone();
    sorted.sort();
    assert_eq!(sequence, sorted, "sequence numbers increase");
}

#[tokio::test]
async fn dynamodb_reports_the_capacity_each_operation_consumed() {
    let h = Harness::dynamodb().await;
    let engine = h.engine();
    engine.capacity().reset();
    let put = engine
        .put(item("F#1", "A", &[("x", s("y"))]), Condition::None)
        .await
        .expect("put");
    let get = engine.get(key("F#1", "A")).await.expect("get");
    let query = engine
        .query(Query::new(Index::Primary, "F#1").sort(SortKeyCondition::BeginsWith("A".into())))
        .await
        .expect("query");
    let transaction = engine
        .transact_write(
            vec![
                TransactOp::Put {
                    item: item("F#1", "B", &[]),
                    condition: Condition::NotExists,
                },
                TransactOp::Put {
                    item: item("F#1", "C", &[]),
                    condition: Condition::NotExists,
                },
            ],
            None,
        )
        .await
        .expect("transaction");
    let write = |c: Option<standing_store::Capacity>| c.map(|c| c.write_units).unwrap_or(0.0);
    let read = |c: Option<standing_store::Capacity>| c.map(|c| c.read_units).unwrap_or(0.0);
    assert!(write(put.capacity) >= 1.0, "{put:?}");
    assert!(read(get.capacity) >= 0.5, "{get:?}");
    assert!(read(query.capacity) >= 0.5, "{query:?}");
    // DynamoDB charges transactional writes two units per item; DynamoDB Local reports one, so
    // the real figure is measured on DynamoDB itself.
    assert!(write(transaction.capacity) >= 2.0, "{transaction:?}");
    let totals = engine.capacity().take();
    assert_eq!(totals.operations, 4);
    assert_eq!(
        totals.write_units,
        write(put.capacity) + write(transaction.capacity)
    );
    println!(
        "DynamoDB Local capacity: put {:?}, get {:?}, query {:?}, 2-item transaction {:?}",
        put.capacity, get.capacity, query.capacity, transaction.capacity
    );
}

#[tokio::test]
async fn the_embedded_engine_reports_no_capacity() {
    let h = Harness::embedded().await;
    let put = h
        .engine()
        .put(item("F#1", "A", &[]), Condition::None)
        .await
        .expect("put");
    assert_eq!(put.capacity, None);
    assert_eq!(h.engine().capacity().totals().operations, 0);
}

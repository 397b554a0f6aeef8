//! What only the embedded engine promises: its file outlives the process (closed, or killed with
//! SIGKILL mid-write), and its change log can be read from a position, waited on and trimmed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support code

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use standing_store::{
    AttributeValue, ChangeKind, Condition, EmbeddedEngine, EmbeddedOptions, Engine, Index, Item,
    Key, Query, SequenceNumber, StoreError, TransactOp,
};
use standing_testkit::TempDir;

const KILL_TEST_DB: &str = "STANDING_STORE_KILL_TEST_DB";

fn item(pk: &str, sk: &str, attributes: &[(&str, AttributeValue)]) -> Item {
    let mut map = HashMap::from([
        ("PK".to_string(), AttributeValue::S(pk.into())),
        ("SK".to_string(), AttributeValue::S(sk.into())),
    ]);
    for (name, value) in attributes {
        map.insert((*name).to_string(), value.clone());
    }
    Item::from(map)
}

fn open(path: &Path) -> EmbeddedEngine {
    EmbeddedEngine::open(path, EmbeddedOptions::default()).expect("the database opens")
}

#[tokio::test]
async fn data_indexes_and_change_log_survive_reopening_the_file() {
    let dir = TempDir::new("store-reopen").expect("temp dir");
    let path = dir.path().join("standing.redb");
    let label = {
        let engine = open(&path);
        engine
            .put(
                item(
                    "F#1",
                    "A",
                    &[
                        ("GSI1PK", AttributeValue::S("Q".into())),
                        ("GSI1SK", AttributeValue::S("1".into())),
                    ],
                ),
                Condition::NotExists,
            )
            .await
            .expect("put");
        engine
            .transact_write(
                vec![
                    TransactOp::Put {
                        item: item("F#1", "B", &[]),
                        condition: Condition::NotExists,
                    },
                    TransactOp::Delete {
                        key: Key::new("F#1", "A"),
                        condition: Condition::Exists,
                    },
                ],
                None,
            )
            .await
            .expect("transaction");
        engine
            .put(
                item(
                    "F#1",
                    "C",
                    &[
                        ("GSI1PK", AttributeValue::S("Q".into())),
                        ("GSI1SK", AttributeValue::S("2".into())),
                    ],
                ),
                Condition::None,
            )
            .await
            .expect("put");
        engine.stream_source().stream_label.clone()
    };

    let engine = open(&path);
    assert_eq!(
        engine.stream_source().stream_label,
        label,
        "the stream keeps its label"
    );
    let page = engine
        .query(Query::new(Index::Primary, "F#1"))
        .await
        .expect("query");
    assert_eq!(
        page.items,
        vec![
            item("F#1", "B", &[]),
            item(
                "F#1",
                "C",
                &[
                    ("GSI1PK", AttributeValue::S("Q".into())),
                    ("GSI1SK", AttributeValue::S("2".into()))
                ]
            )
        ]
    );
    let index = engine
        .query(Query::new(Index::Gsi1, "Q"))
        .await
        .expect("query");
    assert_eq!(index.items.len(), 1);
    let changes = engine.read_changes(None, 100).await.expect("changes");
    let kinds: Vec<_> = changes.iter().map(|c| c.event_name).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Insert,
            ChangeKind::Insert,
            ChangeKind::Remove,
            ChangeKind::Insert
        ]
    );
    assert_eq!(
        engine.latest_sequence_number(),
        changes.last().map(|c| c.sequence_number)
    );

    // Sequence numbers go on from where they were.
    engine
        .put(item("F#1", "D", &[]), Condition::None)
        .await
        .expect("put");
    let after = engine
        .read_changes(changes.last().map(|c| c.sequence_number), 100)
        .await
        .expect("changes");
    assert_eq!(after.len(), 1);
    assert!(Some(after[0].sequence_number) > changes.last().map(|c| c.sequence_number));
}

#[tokio::test]
async fn the_change_log_reads_from_a_position_in_bounded_batches() {
    let dir = TempDir::new("store-changes").expect("temp dir");
    let engine = open(&dir.path().join("standing.redb"));
    for i in 0..10 {
        engine
            .put(item("F#1", &format!("E#{i}"), &[]), Condition::None)
            .await
            .expect("put");
    }
    let first = engine.read_changes(None, 4).await.expect("changes");
    assert_eq!(first.len(), 4);
    let rest = engine
        .read_changes(first.last().map(|c| c.sequence_number), 100)
        .await
        .expect("changes");
    assert_eq!(rest.len(), 6);
    let all: Vec<_> = first
        .iter()
        .chain(&rest)
        .map(|c| c.sequence_number)
        .collect();
    assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
    assert!(
        engine
            .read_changes(Some(SequenceNumber(u64::MAX)), 10)
            .await
            .expect("changes")
            .is_empty()
    );
}

#[tokio::test]
async fn trimming_the_change_log_keeps_later_records_and_sequence_numbers_increasing() {
    let dir = TempDir::new("store-trim").expect("temp dir");
    let path = dir.path().join("standing.redb");
    let (trimmed_to, removed) = {
        let engine = open(&path);
        for i in 0..5 {
            engine
                .put(item("F#1", &format!("E#{i}"), &[]), Condition::None)
                .await
                .expect("put");
        }
        let changes = engine.read_changes(None, 100).await.expect("changes");
        let up_to = changes[2].sequence_number;
        (up_to, engine.trim_changes(up_to).await.expect("trim"))
    };
    assert_eq!(removed, 3);
    let engine = open(&path);
    let kept = engine.read_changes(None, 100).await.expect("changes");
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().all(|c| c.sequence_number > trimmed_to));
    let everything = kept.last().map(|c| c.sequence_number).expect("a record");
    assert_eq!(engine.trim_changes(everything).await.expect("trim"), 2);
    engine
        .put(item("F#1", "LATER", &[]), Condition::None)
        .await
        .expect("put");
    let later = engine.read_changes(None, 100).await.expect("changes");
    assert_eq!(later.len(), 1);
    assert!(later[0].sequence_number > everything);
}

#[tokio::test]
async fn a_subscriber_wakes_on_a_committed_change_only() {
    let dir = TempDir::new("store-notify").expect("temp dir");
    let engine = open(&dir.path().join("standing.redb"));
    let mut changes = engine.subscribe();
    assert_eq!(*changes.borrow_and_update(), None);
    engine
        .put(item("F#1", "A", &[]), Condition::None)
        .await
        .expect("put");
    tokio::time::timeout(Duration::from_secs(5), changes.changed())
        .await
        .expect("woken in time")
        .expect("the engine is alive");
    let seen = *changes.borrow_and_update();
    assert_eq!(seen, engine.latest_sequence_number());
    // A refused write changes nothing and wakes nobody.
    let refused = engine
        .put(item("F#1", "A", &[]), Condition::NotExists)
        .await;
    assert!(matches!(refused, Err(StoreError::ConditionFailed { .. })));
    assert!(!changes.has_changed().expect("the engine is alive"));
}

#[tokio::test]
async fn a_file_in_use_is_refused_to_a_second_engine_with_an_error() {
    let dir = TempDir::new("store-lock").expect("temp dir");
    let path = dir.path().join("standing.redb");
    let _first = open(&path);
    let second = EmbeddedEngine::open(&path, EmbeddedOptions::default());
    assert!(matches!(second, Err(StoreError::Backend(_))), "{second:?}");
}

/// Run in a child process by the test below: writes until killed, printing each
/// acknowledged write. Does nothing when run directly.
#[test]
#[ignore = "helper: started in a child process by a_killed_writer_loses_no_acknowledged_write"]
fn writer_until_killed() {
    let Some(path) = std::env::var_os(KILL_TEST_DB) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let engine = open(Path::new(&path));
        for i in 0..1_000_000u64 {
            let padded = format!("E#{i:08}");
            engine
                .put(
                    item(
                        "F#1",
                        &padded,
                        &[("payload", AttributeValue::S("x".repeat(200)))],
                    ),
                    Condition::NotExists,
                )
                .await
                .expect("put");
            println!("ACK {i}");
        }
    });
}

#[test]
fn a_killed_writer_loses_no_acknowledged_write() {
    let dir = TempDir::new("store-kill").expect("temp dir");
    let path = dir.path().join("standing.redb");
    let mut child = Command::new(std::env::current_exe().expect("current exe"))
        .args([
            "--exact",
            "writer_until_killed",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(KILL_TEST_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the writer starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut acknowledged: Option<u64> = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some(i) = line.strip_prefix("ACK ") {
            acknowledged = i.trim().parse().ok();
        }
        if acknowledged.is_some_and(|i| i >= 50) || Instant::now() > deadline {
            break;
        }
    }
    // SIGKILL: no destructor, no flush, possibly in the middle of a commit.
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    let acknowledged = acknowledged.expect("the writer acknowledged writes before it was killed");

    let engine = open(&path);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let page = engine
            .query(Query::new(Index::Primary, "F#1"))
            .await
            .expect("the database reads after the kill");
        assert!(
            page.items.len() as u64 > acknowledged,
            "{} items, {acknowledged} acknowledged",
            page.items.len()
        );
        for i in 0..=acknowledged {
            let found = engine
                .get(Key::new("F#1", format!("E#{i:08}")))
                .await
                .expect("get")
                .item;
            assert!(found.is_some(), "acknowledged write {i} is lost");
        }
        let changes = engine.read_changes(None, 1_000_000).await.expect("changes");
        assert_eq!(
            changes.len(),
            page.items.len(),
            "one change record per item written"
        );
        assert!(changes.iter().all(|c| c.event_name == ChangeKind::Insert));
    });
}

/// Bulk mode (a history import): writes are read back at once (they share a write transaction
/// committed every few thousand writes), a refused write loses none of those before it, they
/// append no change records (a restored past is not streamed), and once it is turned off they
/// are on disk like any other.
#[tokio::test]
async fn writes_in_bulk_mode_are_read_at_once_and_on_disk_once_it_is_turned_off() {
    let dir = TempDir::new("store-bulk").expect("temp dir");
    let path = dir.path().join("standing.redb");
    {
        let engine = open(&path);
        engine.set_bulk(true).unwrap();
        for n in 0..12_500 {
            engine
                .put(
                    item("F#bulk", &format!("S{n:04}"), &[]),
                    Condition::NotExists,
                )
                .await
                .unwrap();
            // Every write is read back at once, in the open transaction or after its commit.
            let read = engine
                .get(Key::new("F#bulk", format!("S{n:04}")))
                .await
                .unwrap();
            assert!(read.item.is_some(), "write {n} is not read back");
            if n == 6_789 {
                assert!(matches!(
                    engine
                        .put(item("F#bulk", "S0000", &[]), Condition::NotExists)
                        .await,
                    Err(StoreError::ConditionFailed { .. })
                ));
            }
        }
        let page = engine
            .query(Query::new(Index::Primary, "F#bulk"))
            .await
            .unwrap();
        assert_eq!(
            page.items.len(),
            12_500,
            "a query reads the open transaction"
        );
        engine.set_bulk(false).unwrap();
    }
    let engine = open(&path);
    let page = engine
        .query(Query::new(Index::Primary, "F#bulk"))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 12_500);
    let changes = engine.read_changes(None, 100_000).await.unwrap();
    assert!(changes.is_empty(), "bulk writes append no change records");
    // After bulk mode a failed condition still refuses, and a write appends its record again.
    assert!(matches!(
        engine
            .put(item("F#bulk", "S0000", &[]), Condition::NotExists)
            .await,
        Err(StoreError::ConditionFailed { .. })
    ));
    engine
        .put(item("F#bulk", "after", &[]), Condition::NotExists)
        .await
        .unwrap();
    let changes = engine.read_changes(None, 100_000).await.unwrap();
    assert_eq!(changes.len(), 1);
}

/// Writers meeting at the disk share commits (group commit): every one is acknowledged, each
/// conditional write still sees the writes committed or grouped before it, a refusal leaves the
/// writes grouped with it in, and all of it is in the file and the change log afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_grouped_into_shared_commits_each_keep_their_own_outcome() {
    let dir = TempDir::new("store-group-commit").expect("temp dir");
    let path = dir.path().join("standing.redb");
    const WRITERS: u64 = 16;
    const EACH: u64 = 40;
    {
        let engine = open(&path);
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let engine = engine.clone();
                tokio::spawn(async move {
                    let mut claimed = 0u64;
                    for n in 0..EACH {
                        // Its own counter, moved on by an optimistic lock: version n → n + 1.
                        let condition = if n == 0 {
                            Condition::NotExists
                        } else {
                            Condition::VersionEquals(n)
                        };
                        engine
                            .put(
                                item(
                                    &format!("W#{w}"),
                                    "COUNTER",
                                    &[("version", AttributeValue::N((n + 1).to_string()))],
                                ),
                                condition,
                            )
                            .await
                            .expect("a writer's own counter moves on");
                        // A slot all writers race for: exactly one takes each.
                        match engine
                            .put(item("SLOTS", &format!("{n:03}"), &[]), Condition::NotExists)
                            .await
                        {
                            Ok(_) => claimed += 1,
                            Err(StoreError::ConditionFailed { .. }) => {}
                            Err(other) => panic!("a slot write failed: {other}"),
                        }
                    }
                    claimed
                })
            })
            .collect();
        let mut claimed = 0;
        for writer in writers {
            claimed += writer.await.expect("writer");
        }
        assert_eq!(claimed, EACH, "each slot was taken exactly once");
    }
    // Everything acknowledged is in the file, and in the change log in one sequence.
    let engine = open(&path);
    for w in 0..WRITERS {
        let counter = engine
            .get(Key::new(format!("W#{w}"), "COUNTER"))
            .await
            .expect("read")
            .item
            .expect("the counter is there");
        assert_eq!(counter["version"], AttributeValue::N(EACH.to_string()));
    }
    let changes = engine.read_changes(None, 10_000).await.expect("changes");
    assert_eq!(changes.len() as u64, WRITERS * EACH + EACH);
    assert!(
        changes
            .windows(2)
            .all(|p| p[1].sequence_number.0 == p[0].sequence_number.0 + 1),
        "sequence numbers follow one another"
    );
}

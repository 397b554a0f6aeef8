//! Durable writes per second of the embedded engine: every put and transaction below is
//! committed to disk (fsync) before the next starts, as the engine acknowledges them.
//!
//! `cargo bench -p standing-store --bench durable_writes` (set STANDING_BENCH_DIR to measure on
//! another disk than the system's temporary directory).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support code

use std::{
    collections::HashMap,
    path::PathBuf,
    time::{Duration, Instant},
};

use standing_store::{
    AttributeValue, ClientRequestToken, Condition, EmbeddedEngine, EmbeddedOptions, Engine, Item,
    Key, TransactOp,
};
use standing_testkit::TempDir;

const RUN_FOR: Duration = Duration::from_secs(5);

fn feedback(freelancer: u64, n: u64) -> Item {
    let s = |v: String| AttributeValue::S(v);
    Item::from(HashMap::from([
        ("PK".to_string(), s(format!("FREELANCER#{freelancer}"))),
        (
            "SK".to_string(),
            s(format!("FEEDBACK#2026-01-01T00:00:00Z#{n:010}")),
        ),
        ("entity_type".to_string(), s("feedback".into())),
        ("freelancer_id".to_string(), s(freelancer.to_string())),
        ("score".to_string(), AttributeValue::N("4".into())),
        (
            "comment".to_string(),
            s("on time, clear communication".into()),
        ),
        ("version".to_string(), AttributeValue::N("1".into())),
        ("GSI1PK".to_string(), s(format!("CONTRACT#{n}"))),
        ("GSI1SK".to_string(), s("FEEDBACK".into())),
    ]))
}

fn report(what: &str, count: u64, elapsed: Duration) {
    let per_second = count as f64 / elapsed.as_secs_f64();
    let micros = elapsed.as_micros() as f64 / count.max(1) as f64;
    println!("{what:<48} {per_second:>9.0} /s   ({count} in {elapsed:.2?}, {micros:.0} µs each)");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; a filter argument that names another bench skips this one.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"durable_writes".contains(&a))
    {
        return Ok(());
    }
    let dir = TempDir::new("store-bench")?;
    let base = std::env::var_os("STANDING_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    let path = base.join(format!("bench-{}.redb", std::process::id()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let engine = EmbeddedEngine::open(&path, EmbeddedOptions::default())?;
        println!("embedded engine, durable commits, file {}", path.display());

        let started = Instant::now();
        let mut puts = 0;
        while started.elapsed() < RUN_FOR {
            engine.put(feedback(1, puts), Condition::NotExists).await?;
            puts += 1;
        }
        report(
            "put (new item, condition, 1 index, 1 change)",
            puts,
            started.elapsed(),
        );

        let started = Instant::now();
        let mut updates = 0;
        while started.elapsed() < RUN_FOR {
            let mut item = feedback(1, updates % puts.max(1));
            item.insert("score".into(), AttributeValue::N((updates % 5).to_string()));
            item.insert("revision".into(), AttributeValue::N(updates.to_string()));
            engine.put(item, Condition::Exists).await?;
            updates += 1;
        }
        report(
            "put (replace existing, version check)",
            updates,
            started.elapsed(),
        );

        let started = Instant::now();
        let mut transactions = 0;
        while started.elapsed() < RUN_FOR {
            let n = 1_000_000 + transactions;
            let operations = vec![
                TransactOp::Put {
                    item: feedback(2, n),
                    condition: Condition::NotExists,
                },
                TransactOp::Put {
                    item: feedback(3, n),
                    condition: Condition::NotExists,
                },
                TransactOp::ConditionCheck {
                    key: Key::new(
                        "FREELANCER#1",
                        format!("FEEDBACK#2026-01-01T00:00:00Z#{:010}", 0),
                    ),
                    condition: Condition::Exists,
                },
            ];
            let token = ClientRequestToken::parse(format!("bench-{n}"))?;
            engine.transact_write(operations, Some(token)).await?;
            transactions += 1;
        }
        report(
            "transaction (2 puts + 1 check, with token)",
            transactions,
            started.elapsed(),
        );

        let writers = 4;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..writers {
            let engine = engine.clone();
            tasks.push(tokio::spawn(async move {
                let mut count = 0u64;
                while started.elapsed() < RUN_FOR {
                    engine
                        .put(feedback(10 + w, count), Condition::NotExists)
                        .await?;
                    count += 1;
                }
                Ok::<u64, standing_store::StoreError>(count)
            }));
        }
        let mut concurrent = 0;
        for task in tasks {
            concurrent += task.await??;
        }
        report(
            "put from 4 concurrent writers (total)",
            concurrent,
            started.elapsed(),
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    });
    let _ = std::fs::remove_file(&path);
    result
}

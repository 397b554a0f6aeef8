//! Benchmark of `evaluate` over histories of growing size, half of each older than every window.
//! Run: `cargo bench -p standing-domain --bench evaluate`.

use chrono::Duration;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use standing_domain::fixtures::*;
use standing_domain::{ContractEvidence, FreelancerRecord, evaluate};
use std::hint::black_box;

/// `recent` contracts that ended in the last year and `old` ones that ended before any window;
/// one in ten negative, from a pool of 40 clients.
fn history(recent: usize, old: usize) -> FreelancerRecord {
    let now_day = 1000;
    let mut contracts: Vec<ContractEvidence> = Vec::with_capacity(recent + old);
    for i in 0..recent + old {
        let end = if i < recent {
            now_day - 1 - (i as i64 * 360 / recent.max(1) as i64)
        } else {
            now_day - 800 - (i as i64 % 200)
        };
        let id = format!("c{i}");
        let client = format!("cl{}", i % 40);
        let mut c = if i % 10 == 3 {
            negative_contract(&id, &client, day(end))
        } else {
            positive_contract(&id, &client, day(end))
        };
        c.contract.total_charged = usd(5_000 + (i as u64 * 7_919) % 150_000);
        contracts.push(c);
    }
    FreelancerRecord::new(user("fl1"), contracts, vec![], vec![], vec![])
}

fn bench(c: &mut Criterion) {
    let now = day(1000) + Duration::hours(1);
    let policy = policy();

    let mut sizes = c.benchmark_group("evaluate/history_half_old");
    for total in [10usize, 100, 1_000, 10_000] {
        let record = history(total / 2, total - total / 2);
        sizes.throughput(Throughput::Elements(1));
        sizes.bench_with_input(BenchmarkId::from_parameter(total), &record, |b, r| {
            b.iter(|| evaluate(black_box(r), &policy, now))
        });
    }
    sizes.finish();

    let mut fixed = c.benchmark_group("evaluate/window_25_history_grows");
    for total in [50usize, 1_000, 10_000] {
        let record = history(25, total - 25);
        fixed.throughput(Throughput::Elements(1));
        fixed.bench_with_input(BenchmarkId::from_parameter(total), &record, |b, r| {
            b.iter(|| evaluate(black_box(r), &policy, now))
        });
    }
    fixed.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

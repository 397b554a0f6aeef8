//! Proofs about the stream path. The first two run on the embedded engine (its change log is
//! the table's stream, record for record, and converts to the `aws_lambda_events` records the
//! handler takes):
//! - replay: the same random history of evidence, its stream batches delivered once in order,
//!   each twice, or shuffled across items, leaves the same stored standings, sanctions, audit
//!   trails and items, and the same writes;
//! - faults: an evaluation failing at any of its writes, then retried as Lambda retries, ends
//!   where the run without faults ends, and writes no audit entry twice;
//! - races (both engines): an evaluation held between its read and its write while evidence
//!   changes, or a later evaluation writes, never stores its stale decision.
//!
//! Time is the injected clock: every lane applies an event at the same instant, and delivers
//! its records and runs the schedule at the same instants, after the step's events. The lanes
//! differ only in how the records are grouped, ordered, repeated and run side by side.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod faults;
mod lanes;
mod market;
mod races;
mod replay;

use chrono::{DateTime, Duration, Utc};
use lanes::{Held, Lane};
use std::collections::BTreeMap;

/// Every page of a paged read of the store, in order.
pub async fn every_page<T, Fut>(
    mut read: impl FnMut(standing_domain::paging::PageRequest) -> Fut,
) -> Vec<T>
where
    Fut: std::future::Future<
            Output = Result<standing_domain::paging::Page<T>, standing_domain::DomainError>,
        >,
{
    let mut out = Vec::new();
    let mut request = Some(standing_domain::paging::PageRequest::first(
        standing_domain::paging::MAX_LIMIT,
    ));
    while let Some(page) = request.take() {
        let got = read(page.clone()).await.expect("a page reads");
        request = page.next(&got);
        out.extend(got.items);
    }
    out
}

/// The first day of every history.
fn first_day() -> DateTime<Utc> {
    standing_domain::fixtures::day(0)
}

/// Where two lanes' holdings first differ, in words, or `None` when they hold the same.
fn first_difference(a: &BTreeMap<String, Held>, b: &BTreeMap<String, Held>) -> Option<String> {
    for (freelancer, x) in a {
        let Some(y) = b.get(freelancer) else {
            return Some(format!("{freelancer}: missing"));
        };
        if x.standing != y.standing {
            let version =
                |s: &Option<standing_domain::ports::Versioned<_>>| s.as_ref().map(|s| s.version);
            return Some(format!(
                "{freelancer}: standing (versions {:?} vs {:?})\n  {:?}\nvs\n  {:?}",
                version(&x.standing),
                version(&y.standing),
                x.standing,
                y.standing
            ));
        }
        if x.audit != y.audit {
            return Some(format!(
                "{freelancer}: audit trail ({} vs {} entries)\n  {:#?}\nvs\n  {:#?}",
                x.audit.len(),
                y.audit.len(),
                x.audit,
                y.audit
            ));
        }
        if x.audit_items != y.audit_items {
            return Some(format!(
                "{freelancer}: audit items as stored, by key\n  {:?}\nvs\n  {:?}",
                sort_keys(&x.audit_items),
                sort_keys(&y.audit_items)
            ));
        }
        if x.items != y.items {
            let n = x.items.len().min(y.items.len());
            let at = (0..n).find(|&i| x.items[i] != y.items[i]).unwrap_or(n);
            return Some(format!(
                "{freelancer}: partition items ({} vs {}), first difference at {at} ({:?} vs {:?}):\n  {:?}\nvs\n  {:?}",
                x.items.len(),
                y.items.len(),
                sort_keys(&x.items[at..(at + 1).min(x.items.len())]),
                sort_keys(&y.items[at..(at + 1).min(y.items.len())]),
                x.items.get(at),
                y.items.get(at)
            ));
        }
    }
    (a.len() != b.len()).then(|| format!("{} vs {} freelancers", a.len(), b.len()))
}

/// The sort keys of items, for a reader.
fn sort_keys(items: &[standing_store::Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i.get("SK") {
            Some(standing_store::AttributeValue::S(s)) => s.clone(),
            _ => String::new(),
        })
        .collect()
}

/// Standings, sanctions and audit entries over a lane's holdings, for the figures.
fn tally(held: &BTreeMap<String, Held>) -> String {
    let mut standings: BTreeMap<String, u64> = BTreeMap::new();
    let (mut sanctions, mut audit, mut lifted, mut items) = (0, 0, 0, 0);
    for h in held.values() {
        let word = h
            .standing
            .as_ref()
            .map_or("never evaluated".to_owned(), |s| {
                s.value.standing.to_string()
            });
        *standings.entry(word).or_default() += 1;
        sanctions += h.standing.as_ref().map_or(0, |s| s.value.sanctions.len());
        audit += h.audit.len();
        lifted += h.audit.iter().filter(|e| e.action == "lifted").count();
        items += h.items.len();
    }
    let standings: Vec<String> = standings.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!(
        "{} freelancers ({}); {sanctions} active sanctions; {audit} audit entries ({} imposed, {lifted} lifted); {items} items in their partitions",
        held.len(),
        standings.join(", "),
        audit - lifted
    )
}

fn seconds(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn lane_figures(lane: &Lane) -> String {
    let f = &lane.figures;
    format!(
        "{:<22} {:>6} records ({} through the filter), {:>5} batches, {:>5} deliveries ({} evaluations; {} partial failures retried), {} schedule runs ({} failed, retried; {} evaluations); {} evaluator engine calls, {} refused by storage (racing evaluations of one freelancer, retried); events applied in {}, delivered and scheduled in {}",
        lane.mode.name(),
        f.records,
        f.delivered_records,
        f.batches,
        f.deliveries,
        f.evaluations,
        f.partial_failures,
        f.schedule_runs,
        f.schedule_failures,
        f.scheduled_evaluations,
        lane.faults.calls().len(),
        lane.faults.refused_by_storage().len(),
        seconds(f.applying),
        seconds(f.delivering),
    )
}

/// The moments of step `n`: its events from 09:00 a minute apart, the stream's delivery a
/// minute after the last, the schedule at 15:00 (each lane at the same moments).
fn event_time(step: usize, i: usize) -> DateTime<Utc> {
    lanes::step_start(first_day(), step) + Duration::minutes(i as i64)
}

fn delivery_time(step: usize, events: usize) -> DateTime<Utc> {
    event_time(step, events + 1)
}

fn schedule_time(step: usize) -> DateTime<Utc> {
    lanes::step_start(first_day(), step) + Duration::hours(6)
}

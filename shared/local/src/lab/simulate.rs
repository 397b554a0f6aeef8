//! `standing simulate`: the stored history judged day by day under the live policy and a
//! candidate, read-only. Both run the same `evaluate` as the functions, on each freelancer's
//! whole record with no previous sanctions (a backtest: what each policy would have done from
//! the start). An outcome changes only at a moment the rules can see (a quality block beginning
//! or ending in the replay, a complaint or appeal decided), so each freelancer is evaluated at
//! those moments only and the days between carry the last outcome.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use standing_domain::evaluation::{Evaluation, evaluate};
use standing_domain::paging::PageRequest;
use standing_domain::ports::{AppealStore, ComplaintStore, PolicyStore, StandingStore};
use standing_domain::record::FreelancerRecord;
use standing_domain::rules::quality;
use standing_domain::usecases::policies;
use standing_domain::{PolicyConfig, Standing, UserId};

/// One freelancer on whom the candidate disagrees with live, from the first moment it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    pub freelancer_id: UserId,
    pub from: DateTime<Utc>,
    pub live_standing: Standing,
    pub candidate_standing: Standing,
    /// The candidate's statement of reasons then.
    pub statement: String,
}

/// How many freelancers each policy had blocked from new proposals at the end of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    pub day: NaiveDate,
    pub live_blocked: u64,
    pub candidate_blocked: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub freelancers: u64,
    pub newly_blocked: u64,
    pub newly_freed: u64,
    pub evaluations: u64,
    pub seconds: f64,
}

/// What `simulate --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    pub live_version: String,
    pub candidate_version: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: Vec<Day>,
    pub newly_blocked: Vec<Disagreement>,
    pub newly_freed: Vec<Disagreement>,
    pub summary: Summary,
}

/// The first instant of `day` (UTC).
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

fn blocked(e: &Evaluation) -> bool {
    !e.eligibility.submit_proposal.allowed
}

fn statement(e: &Evaluation, policy: &PolicyConfig) -> String {
    if e.sanctions.is_empty() {
        format!(
            "Under policy {} no sanction would apply: the freelancer would be in good standing.",
            policy.version
        )
    } else {
        e.sanctions
            .iter()
            .map(|s| s.statement.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The moments in `(from, to)` at which `policy`'s outcome for `record` can change.
fn moments(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> BTreeSet<DateTime<Utc>> {
    let timeline = quality::timeline(record, to, policy);
    let mut out = BTreeSet::new();
    if let Some(block) = &timeline.current {
        out.insert(block.started_at);
    }
    for ended in &timeline.ended {
        out.insert(ended.block.started_at);
        out.insert(ended.at);
    }
    for complaint in record.complaints() {
        if let Some(d) = &complaint.decision {
            out.insert(d.decided_at);
        }
    }
    for appeal in record.appeals() {
        if let Some(d) = &appeal.decision {
            out.insert(d.decided_at);
        }
    }
    out.retain(|t| *t > from && *t < to);
    out
}

/// Runs the backtest over every freelancer with a stored standing.
pub async fn simulate<S>(
    store: &S,
    configured: &PolicyConfig,
    candidate: &PolicyConfig,
    from: NaiveDate,
    to: NaiveDate,
    progress: bool,
) -> Result<Simulation, String>
where
    S: StandingStore + ComplaintStore + AppealStore + PolicyStore + Clone + 'static,
{
    if to < from {
        return Err(format!("--to {to} is before --from {from}"));
    }
    let started = Instant::now();
    let live = policies::in_force(store, configured)
        .await
        .map_err(|e| format!("cannot read the live policy: {e}"))?
        .live;
    let days_n = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
    // Per day: +1 where a freelancer's blocked span begins, -1 after it ends.
    let mut live_delta = vec![0i64; days_n + 1];
    let mut cand_delta = vec![0i64; days_n + 1];
    let begin = start_of(from);
    let end = start_of(to.checked_add_days(Days::new(1)).unwrap_or(to));
    let mut out = Simulation {
        live_version: live.version.clone(),
        candidate_version: candidate.version.clone(),
        from,
        to,
        days: Vec::new(),
        newly_blocked: Vec::new(),
        newly_freed: Vec::new(),
        summary: Summary::default(),
    };
    let show = progress && std::io::stderr().is_terminal();
    let span = Span {
        begin,
        end,
        from,
        days_n,
    };
    let mut request = Some(PageRequest::first(200));
    while let Some(page) = request.take() {
        let listed = store
            .standings_page(&page)
            .await
            .map_err(|e| format!("cannot list the freelancers: {e}"))?;
        request = page.next(&listed);
        // Half of each page on another task: the reads and evaluations of two freelancers share
        // nothing, and this machine has two cores.
        let mut first = listed.items;
        let second = first.split_off(first.len() / 2);
        let other = {
            let (store, live, candidate) = (store.clone(), live.clone(), candidate.clone());
            tokio::spawn(async move { judge_all(&store, &live, &candidate, span, second).await })
        };
        let mine = judge_all(store, &live, candidate, span, first).await;
        let theirs = other
            .await
            .map_err(|e| format!("a simulation task failed: {e}"))?;
        for judged in mine?.into_iter().chain(theirs?) {
            for (index, delta) in judged.live_changes {
                live_delta[index] += delta;
            }
            for (index, delta) in judged.candidate_changes {
                cand_delta[index] += delta;
            }
            out.summary.evaluations += judged.evaluations;
            out.newly_blocked.extend(judged.first_blocked);
            out.newly_freed.extend(judged.first_freed);
            out.summary.freelancers += 1;
            if show && out.summary.freelancers.is_multiple_of(1000) {
                let _ = write!(
                    std::io::stderr().lock(),
                    "\rsimulate: {} freelancers",
                    out.summary.freelancers
                );
            }
        }
    }
    if show {
        let _ = writeln!(std::io::stderr().lock());
    }
    let (mut l, mut c) = (0i64, 0i64);
    for i in 0..days_n {
        l += live_delta[i];
        c += cand_delta[i];
        let day = from
            .checked_add_days(Days::new(u64::try_from(i).unwrap_or(0)))
            .unwrap_or(to);
        out.days.push(Day {
            day,
            live_blocked: u64::try_from(l).unwrap_or(0),
            candidate_blocked: u64::try_from(c).unwrap_or(0),
        });
    }
    out.newly_blocked
        .sort_by(|a, b| (a.from, &a.freelancer_id).cmp(&(b.from, &b.freelancer_id)));
    out.newly_freed
        .sort_by(|a, b| (a.from, &a.freelancer_id).cmp(&(b.from, &b.freelancer_id)));
    out.summary.newly_blocked = out.newly_blocked.len() as u64;
    out.summary.newly_freed = out.newly_freed.len() as u64;
    out.summary.seconds = started.elapsed().as_secs_f64();
    Ok(out)
}

/// The stretch of time simulated.
#[derive(Debug, Clone, Copy)]
struct Span {
    begin: DateTime<Utc>,
    end: DateTime<Utc>,
    from: NaiveDate,
    days_n: usize,
}

impl Span {
    /// The day (from `from`) a moment falls on, within the span.
    fn day_index(&self, t: DateTime<Utc>) -> usize {
        let d = (t.date_naive() - self.from).num_days().max(0);
        usize::try_from(d).unwrap_or(0).min(self.days_n)
    }
}

/// One freelancer judged over the span by both policies.
#[derive(Debug, Default)]
struct Judged {
    /// (day, +1 or -1) where live's blocked state changes.
    live_changes: Vec<(usize, i64)>,
    candidate_changes: Vec<(usize, i64)>,
    evaluations: u64,
    first_blocked: Option<Disagreement>,
    first_freed: Option<Disagreement>,
}

async fn judge_all<S>(
    store: &S,
    live: &PolicyConfig,
    candidate: &PolicyConfig,
    span: Span,
    freelancers: Vec<UserId>,
) -> Result<Vec<Judged>, String>
where
    S: StandingStore + ComplaintStore + AppealStore,
{
    let mut out = Vec::with_capacity(freelancers.len());
    for freelancer in freelancers {
        out.push(judge(store, live, candidate, span, freelancer).await?);
    }
    Ok(out)
}

/// The freelancer's whole record judged at every moment either policy's outcome can change.
async fn judge<S>(
    store: &S,
    live: &PolicyConfig,
    candidate: &PolicyConfig,
    span: Span,
    freelancer: UserId,
) -> Result<Judged, String>
where
    S: StandingStore + ComplaintStore + AppealStore,
{
    let contracts = store
        .evidence_since(&freelancer, DateTime::<Utc>::MIN_UTC)
        .await
        .map_err(|e| format!("cannot read {freelancer}'s history: {e}"))?;
    let complaints = store
        .freelancer_complaints(&freelancer)
        .await
        .map_err(|e| format!("cannot read {freelancer}'s complaints: {e}"))?;
    let appeals = store
        .freelancer_appeals(&freelancer)
        .await
        .map_err(|e| format!("cannot read {freelancer}'s appeals: {e}"))?;
    let record = FreelancerRecord::new(
        freelancer.clone(),
        contracts,
        complaints.into_iter().map(|v| v.value).collect(),
        appeals.into_iter().map(|v| v.value).collect(),
        Vec::new(),
    );
    let mut at: BTreeSet<DateTime<Utc>> = moments(&record, live, span.begin, span.end);
    at.extend(moments(&record, candidate, span.begin, span.end));
    at.insert(span.begin);
    let mut judged = Judged::default();
    let mut was = (false, false);
    for moment in at {
        let l = evaluate(&record, live, moment);
        let c = evaluate(&record, candidate, moment);
        judged.evaluations += 2;
        let now = (blocked(&l), blocked(&c));
        let index = span.day_index(moment);
        if now.0 != was.0 {
            judged
                .live_changes
                .push((index, if now.0 { 1 } else { -1 }));
        }
        if now.1 != was.1 {
            judged
                .candidate_changes
                .push((index, if now.1 { 1 } else { -1 }));
        }
        was = now;
        let entry = || Disagreement {
            freelancer_id: freelancer.clone(),
            from: moment,
            live_standing: l.standing,
            candidate_standing: c.standing,
            statement: statement(&c, candidate),
        };
        match now {
            (false, true) if judged.first_blocked.is_none() => judged.first_blocked = Some(entry()),
            (true, false) if judged.first_freed.is_none() => judged.first_freed = Some(entry()),
            _ => {}
        }
    }
    Ok(judged)
}

/// The short table `simulate` prints without `--json`: the days on which either count changed,
/// then every disagreement.
pub fn table(s: &Simulation) -> String {
    let mut text = format!(
        "live {} vs candidate {}, {} to {}: {} freelancers, {} newly blocked, {} newly freed ({:.1} s)\n\nday          live  candidate\n",
        s.live_version,
        s.candidate_version,
        s.from,
        s.to,
        s.summary.freelancers,
        s.summary.newly_blocked,
        s.summary.newly_freed,
        s.summary.seconds
    );
    let mut last: Option<(u64, u64)> = None;
    for day in &s.days {
        let counts = (day.live_blocked, day.candidate_blocked);
        if last != Some(counts) {
            text.push_str(&format!("{}  {:>5}  {:>9}\n", day.day, counts.0, counts.1));
            last = Some(counts);
        }
    }
    for (title, list) in [
        ("newly blocked", &s.newly_blocked),
        ("newly freed", &s.newly_freed),
    ] {
        if list.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{title}:\n"));
        for d in list {
            text.push_str(&format!(
                "  {}  from {}  {} -> {}\n",
                d.freelancer_id,
                d.from.to_rfc3339(),
                d.live_standing,
                d.candidate_standing
            ));
        }
    }
    text
}

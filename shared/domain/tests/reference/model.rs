//! The reference model: EVALUATION.md and policy.md read as literally and as naively as possible.
//!
//! Its input is the raw event history, not a `FreelancerRecord`, so that it shares no shape, no
//! ordering and no index with the real `evaluate`. At every evaluation it starts from nothing:
//! it derives the facts of each feedback by scanning every event, lists the moments of interest
//! by scanning every fact, sorts them with a plain sort, and at each moment recounts by scanning
//! every fact again. Nothing is carried from one evaluation to the next except what EVALUATION.md
//! says an evaluation reads: the sanctions the previous evaluation left (for `imposed_at`).
//!
//! It borrows from the crate only vocabulary (`Standing`, `RuleId`, ...), calendar arithmetic and
//! the two id derivations, which are part of the contract (an id must be the same everywhere).

use chrono::{DateTime, Duration, Utc};
use standing_domain::calendar::add_months;
use standing_domain::{
    AppealKind, Area, ContractId, Direction, FeedbackId, PolicyConfig, ReasonEnded, RuleId,
    SanctionId, Standing,
};

pub type Time = DateTime<Utc>;

/// Scores in the order `skills, quality, availability, deadlines, communication, cooperation`.
pub type Six = [u8; 6];

/// What the reference reads: the things that happened, each once, each with its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The marketplace registered a contract of `fl1` (active until it ends).
    ContractStarted {
        contract: String,
        client: String,
        at: Time,
        charged: u64,
    },
    ContractEnded {
        contract: String,
        at: Time,
    },
    /// The client's feedback about the freelancer: public scores and the private part.
    ClientFeedback {
        contract: String,
        at: Time,
        scores: Six,
        reason: ReasonEnded,
        recommend: Option<u8>,
        dissatisfied: Vec<Area>,
    },
    /// The freelancer's feedback about the client (it only moves the reveal).
    FreelancerFeedback {
        contract: String,
        at: Time,
        score: u8,
    },
    /// A consented change: a new public version of the client's feedback from `at`.
    PublicChanged {
        contract: String,
        at: Time,
        scores: Six,
    },
    /// A reviewer decided the freelancer's report of the client's feedback.
    ReportDecided {
        contract: String,
        filed_at: Time,
        at: Time,
        removed: bool,
        reviewer: String,
    },
    ComplaintFiled {
        complaint: String,
        reporter: String,
        claim: String,
        at: Time,
    },
    ComplaintDecided {
        complaint: String,
        at: Time,
        substantiated: bool,
        clause: String,
        reviewer: String,
    },
    /// An appeal against a sanction, with the sanction as it stood when filed.
    AppealFiled {
        appeal: String,
        kind: AppealKind,
        against: Snapshot,
        at: Time,
    },
    AppealDecided {
        appeal: String,
        at: Time,
        granted: bool,
        reviewer: String,
    },
}

impl Event {
    pub fn at(&self) -> Time {
        match self {
            Event::ContractStarted { at, .. }
            | Event::ContractEnded { at, .. }
            | Event::ClientFeedback { at, .. }
            | Event::FreelancerFeedback { at, .. }
            | Event::PublicChanged { at, .. }
            | Event::ReportDecided { at, .. }
            | Event::ComplaintFiled { at, .. }
            | Event::ComplaintDecided { at, .. }
            | Event::AppealFiled { at, .. }
            | Event::AppealDecided { at, .. } => *at,
        }
    }
}

/// The sanction an appeal was filed against, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub sanction_id: String,
    pub kind: Standing,
    pub rule: RuleId,
    pub started_at: Time,
    pub contract_ids: Vec<String>,
    pub feedback_ids: Vec<String>,
    pub complaint_ids: Vec<String>,
}

/// A sanction as the reference states it; the real one is converted to this shape to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefSanction {
    pub sanction_id: String,
    pub kind: Standing,
    pub rule: RuleId,
    pub started_at: Time,
    pub imposed_at: Time,
    /// (the immediately replaced block, first_started_at of the chain).
    pub replaces: Option<(String, Time)>,
    pub contract_ids: Vec<String>,
    pub feedback_ids: Vec<String>,
    pub complaint_ids: Vec<String>,
    /// None for automated, else the reviewer.
    pub decided_by: Option<String>,
    pub terms_clause: Option<String>,
    pub contest_until: Option<Time>,
    pub reinstatement_opens_at: Option<Time>,
}

/// One permission: allowed, and the sanctions behind a no.
pub type Permission = (bool, Vec<String>);

/// How a quality block stopped standing during the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEnd {
    pub sanction_id: String,
    pub reason: &'static str,
    pub at: Time,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefEvaluation {
    pub standing: Standing,
    /// By sanction id.
    pub sanctions: Vec<RefSanction>,
    pub jss: Option<u8>,
    /// submit_proposal, accept_new_contract, continue_existing_contract.
    pub eligibility: [Permission; 3],
    pub next_due: Option<Time>,
    /// Complaint ids of the disputed credentials, sorted.
    pub disputed: Vec<String>,
    /// Ids shown now and not before / before and not now.
    pub imposed: Vec<String>,
    pub lifted: Vec<String>,
    /// Every quality block the process ended, in order (for the reasons of lifts).
    pub block_ends: Vec<BlockEnd>,
}

/// One client feedback with everything the rules need, derived from the events.
#[derive(Debug, Clone)]
struct Fact {
    contract: String,
    client: String,
    feedback_id: String,
    ended: Time,
    reveal: Time,
    /// (at, scores), oldest first: version 1 is the original.
    versions: Vec<(Time, Six)>,
    reason: ReasonEnded,
    recommend: Option<u8>,
    dissatisfied: Vec<Area>,
    removed_at: Option<Time>,
}

/// An ended contract for the JSS: (contract, client, ended, charged, feedback fact if any).
struct Ended {
    client: String,
    ended: Time,
    charged: u64,
    feedback: Option<Fact>,
}

fn days(n: u32) -> Duration {
    Duration::days(i64::from(n))
}

pub fn feedback_id(contract: &str) -> String {
    let id = ContractId::parse(contract).expect("contract id");
    FeedbackId::for_contract(&id, Direction::Client)
        .as_str()
        .to_owned()
}

/// §3, from the rule book: the areas one version (with the private part) makes negative.
pub fn areas(
    scores: &Six,
    reason: ReasonEnded,
    dissatisfied: &[Area],
    policy: &PolicyConfig,
) -> Vec<Area> {
    let mut out: Vec<Area> = dissatisfied.to_vec();
    match reason {
        ReasonEnded::Unresponsive | ReasonEnded::Unavailable => out.push(Area::Availability),
        ReasonEnded::LackedSkills => out.push(Area::Skills),
        ReasonEnded::QualityIssues => out.push(Area::Performance),
        _ => {}
    }
    let low = |s: u8| s <= policy.negative_score_at_most;
    if low(scores[0]) {
        out.push(Area::Skills);
    }
    if low(scores[2]) {
        out.push(Area::Availability);
    }
    if low(scores[1]) || low(scores[3]) {
        out.push(Area::Performance);
    }
    out.sort();
    out.dedup();
    out
}

fn event_contract_ended(events: &[Event], contract: &str) -> Option<Time> {
    let mut found = None;
    for e in events {
        if let Event::ContractEnded { contract: c, at } = e
            && c == contract
        {
            found = Some(*at);
        }
    }
    found
}

/// Every client feedback, with its contract, reveal, versions and removal, by scanning events.
fn facts(events: &[Event], policy: &PolicyConfig) -> Vec<Fact> {
    let mut out = Vec::new();
    for e in events {
        let Event::ClientFeedback {
            contract,
            at,
            scores,
            reason,
            recommend,
            dissatisfied,
        } = e
        else {
            continue;
        };
        let Some(ended) = event_contract_ended(events, contract) else {
            continue;
        };
        let mut client = String::new();
        let mut freelancer_at = None;
        let mut versions = vec![(*at, *scores)];
        let mut removed_at = None;
        for other in events {
            match other {
                Event::ContractStarted {
                    contract: c,
                    client: cl,
                    ..
                } if c == contract => client = cl.clone(),
                Event::FreelancerFeedback {
                    contract: c, at, ..
                } if c == contract => {
                    freelancer_at = Some(*at);
                }
                Event::PublicChanged {
                    contract: c,
                    at,
                    scores,
                } if c == contract => versions.push((*at, *scores)),
                Event::ReportDecided {
                    contract: c,
                    at,
                    removed: true,
                    ..
                } if c == contract => removed_at = Some(*at),
                _ => {}
            }
        }
        // §2: revealed when both have given feedback, or when the window closes, whichever is first.
        let closes = ended + days(policy.feedback_window_days);
        let reveal = match freelancer_at {
            Some(f) => std::cmp::min(std::cmp::max(*at, f), closes),
            None => closes,
        };
        out.push(Fact {
            contract: contract.clone(),
            client,
            feedback_id: feedback_id(contract),
            ended,
            reveal,
            versions,
            reason: *reason,
            recommend: *recommend,
            dissatisfied: dissatisfied.clone(),
            removed_at,
        });
    }
    out
}

/// A decided appeal, joined with its filing.
#[derive(Debug, Clone)]
struct Decided {
    appeal: String,
    kind: AppealKind,
    against: Snapshot,
    at: Time,
    granted: bool,
}

fn decided_appeals(events: &[Event]) -> Vec<Decided> {
    let mut out = Vec::new();
    for e in events {
        let Event::AppealDecided {
            appeal,
            at,
            granted,
            ..
        } = e
        else {
            continue;
        };
        for f in events {
            if let Event::AppealFiled {
                appeal: a,
                kind,
                against,
                ..
            } = f
                && a == appeal
            {
                out.push(Decided {
                    appeal: appeal.clone(),
                    kind: *kind,
                    against: against.clone(),
                    at: *at,
                    granted: *granted,
                });
            }
        }
    }
    out
}

/// A reading Q = (t, u, x, since, E) of EVALUATION.md.
struct Reading<'a> {
    t: Time,
    u: Time,
    x: Time,
    since: Option<Time>,
    exclusions: &'a [(String, Time)],
}

/// What a reading counts: rated, and the negative facts (with the version used).
struct Count<'a> {
    rated: usize,
    negative: Vec<&'a Fact>,
}

fn count<'a>(facts: &'a [Fact], q: &Reading, policy: &PolicyConfig) -> Count<'a> {
    let w = days(policy.quality_window_days);
    let mut rated = 0;
    let mut negative = Vec::new();
    for f in facts {
        let in_window = f.ended > q.t - w && f.ended <= q.t;
        let after_since = q.since.is_none_or(|s| f.ended > s);
        let revealed = f.reveal <= q.t;
        let removed = f.removed_at.is_some_and(|r| r <= q.x);
        let excluded = q
            .exclusions
            .iter()
            .any(|(id, e)| *id == f.feedback_id && *e <= q.x);
        if !(in_window && after_since && revealed && !removed && !excluded) {
            continue;
        }
        // The newest version with at ≤ u (versions are appended in time order).
        let mut used = None;
        for (at, scores) in &f.versions {
            if *at <= q.u {
                used = Some(scores);
            }
        }
        let Some(scores) = used else { continue };
        rated += 1;
        if !areas(scores, f.reason, &f.dissatisfied, policy).is_empty() {
            negative.push(f);
        }
    }
    Count { rated, negative }
}

fn holds(c: &Count, policy: &PolicyConfig) -> bool {
    let mut clients: Vec<&str> = c.negative.iter().map(|f| f.client.as_str()).collect();
    clients.sort();
    clients.dedup();
    let negative = c.negative.len();
    negative >= 1
        && clients.len() >= policy.quality_min_distinct_clients as usize
        && negative * 100 >= policy.quality_min_negative_percent as usize * c.rated
}

/// The decision time of the last granted reinstatement decided at or before `t`.
fn since(appeals: &[Decided], t: Time) -> Option<Time> {
    let mut last = None;
    for a in appeals {
        if a.granted && a.kind == AppealKind::Reinstatement && a.at <= t {
            last = Some(last.map_or(a.at, |l: Time| l.max(a.at)));
        }
    }
    last
}

#[derive(Debug, Clone)]
struct Block {
    id: String,
    t0: Time,
    contract_ids: Vec<String>,
    feedback_ids: Vec<String>,
    lineage: Vec<String>,
    first_started_at: Time,
    replaces: Option<String>,
}

fn new_block(c: &Count, t: Time, freelancer: &str) -> Block {
    let mut contract_ids: Vec<String> = c.negative.iter().map(|f| f.contract.clone()).collect();
    contract_ids.sort();
    contract_ids.dedup();
    let mut feedback_ids: Vec<String> = c.negative.iter().map(|f| f.feedback_id.clone()).collect();
    feedback_ids.sort();
    feedback_ids.dedup();
    let joined = feedback_ids.join(",");
    let stamp = t.to_rfc3339();
    let id = SanctionId::derived(
        "sn",
        &[freelancer, "quality.multiple_negative", &stamp, &joined],
    );
    let id = id.as_str().to_owned();
    Block {
        id: id.clone(),
        t0: t,
        contract_ids,
        feedback_ids,
        lineage: vec![id],
        first_started_at: t,
        replaces: None,
    }
}

/// The quality process of EVALUATION.md, from scratch; the block in force, and how others ended.
fn quality(
    facts: &[Fact],
    appeals: &[Decided],
    now: Time,
    freelancer: &str,
    policy: &PolicyConfig,
) -> (Option<Block>, Vec<BlockEnd>) {
    let w = days(policy.quality_window_days);
    let mut moments: Vec<Time> = Vec::new();
    for f in facts {
        moments.push(f.reveal);
        for (at, _) in &f.versions {
            moments.push(std::cmp::max(*at, f.reveal));
        }
        if let Some(r) = f.removed_at {
            moments.push(r);
        }
        moments.push(f.ended + w);
    }
    for a in appeals {
        if a.granted && a.against.rule == RuleId::QualityMultipleNegative {
            moments.push(a.at);
        }
    }
    moments.retain(|m| *m <= now);
    moments.sort();
    moments.dedup();

    let mut b: Option<Block> = None;
    let mut exclusions: Vec<(String, Time)> = Vec::new();
    let mut ends = Vec::new();
    for &m in &moments {
        // 1. Granted quality appeals decided exactly at m, in appeal-id order.
        let mut granted: Vec<&Decided> = appeals
            .iter()
            .filter(|a| a.granted && a.at == m && a.against.rule == RuleId::QualityMultipleNegative)
            .collect();
        granted.sort_by(|a, b| a.appeal.cmp(&b.appeal));
        for a in granted {
            if a.kind == AppealKind::Contest {
                for id in &a.against.feedback_ids {
                    exclusions.push((id.clone(), m));
                }
            }
            // A reinstatement lifts whatever block is in force (§8, "whatever its id"); a
            // contest only the block it names or one that replaced it.
            let lifts = b.as_ref().is_some_and(|b| {
                a.kind == AppealKind::Reinstatement || b.lineage.contains(&a.against.sanction_id)
            });
            if lifts && let Some(ended) = b.take() {
                let reason = match a.kind {
                    AppealKind::Reinstatement => "reinstated",
                    AppealKind::Contest => "contest_granted",
                };
                if a.kind == AppealKind::Contest {
                    for id in &ended.feedback_ids {
                        exclusions.push((id.clone(), m));
                    }
                }
                ends.push(BlockEnd {
                    sanction_id: ended.id,
                    reason,
                    at: m,
                });
            }
        }
        // 2. Re-check the standing block at its own moment with what is known now.
        let mut ended_here = false;
        if let Some(old) = b.clone() {
            let q = Reading {
                t: old.t0,
                u: m,
                x: m,
                since: since(appeals, old.t0),
                exclusions: &exclusions,
            };
            if !holds(&count(facts, &q, policy), policy) {
                ended_here = true;
                ends.push(BlockEnd {
                    sanction_id: old.id.clone(),
                    reason: "evidence_withdrawn",
                    at: m,
                });
                b = None;
                for &t in &moments {
                    if !(old.t0 < t && t <= m) {
                        continue;
                    }
                    let q = Reading {
                        t,
                        u: t,
                        x: m,
                        since: since(appeals, t),
                        exclusions: &exclusions,
                    };
                    let c = count(facts, &q, policy);
                    if holds(&c, policy) {
                        let mut next = new_block(&c, t, freelancer);
                        let mut lineage = old.lineage.clone();
                        lineage.push(next.id.clone());
                        next.lineage = lineage;
                        next.first_started_at = old.first_started_at;
                        next.replaces = Some(old.id.clone());
                        b = Some(next);
                        break;
                    }
                }
            }
        }
        // 3. No block: does the rule hold on what is known at m?
        if b.is_none() && !ended_here {
            let q = Reading {
                t: m,
                u: m,
                x: m,
                since: since(appeals, m),
                exclusions: &exclusions,
            };
            let c = count(facts, &q, policy);
            if holds(&c, policy) {
                b = Some(new_block(&c, m, freelancer));
            }
        }
    }
    (b, ends)
}

/// A decided complaint, joined with its filing.
#[derive(Debug, Clone)]
struct DecidedComplaint {
    id: String,
    reporter: String,
    at: Time,
    substantiated: bool,
    clause: String,
    reviewer: String,
}

fn decided_complaints(events: &[Event]) -> Vec<DecidedComplaint> {
    let mut out = Vec::new();
    for e in events {
        let Event::ComplaintDecided {
            complaint,
            at,
            substantiated,
            clause,
            reviewer,
        } = e
        else {
            continue;
        };
        for f in events {
            if let Event::ComplaintFiled {
                complaint: c,
                reporter,
                ..
            } = f
                && c == complaint
            {
                out.push(DecidedComplaint {
                    id: complaint.clone(),
                    reporter: reporter.clone(),
                    at: *at,
                    substantiated: *substantiated,
                    clause: clause.clone(),
                    reviewer: reviewer.clone(),
                });
            }
        }
    }
    out
}

/// The ladder's rung sanction (without imposition) and the disputed credentials.
fn ladder(
    events: &[Event],
    appeals: &[Decided],
    freelancer: &str,
    policy: &PolicyConfig,
) -> (Option<RefSanction>, Vec<String>) {
    let decided = decided_complaints(events);
    // A granted contest of a ladder sanction voids the latest-decided complaint of its snapshot.
    let mut voided: Vec<String> = Vec::new();
    for a in appeals {
        if !(a.granted
            && a.kind == AppealKind::Contest
            && a.against.rule == RuleId::ComplaintsMisrepresentation)
        {
            continue;
        }
        let mut latest: Option<&DecidedComplaint> = None;
        for c in &decided {
            if a.against.complaint_ids.contains(&c.id)
                && latest.is_none_or(|l| (c.at, &c.id) > (l.at, &l.id))
            {
                latest = Some(c);
            }
        }
        if let Some(l) = latest {
            voided.push(l.id.clone());
        }
    }
    let mut counted: Vec<&DecidedComplaint> = decided
        .iter()
        .filter(|c| c.substantiated && !voided.contains(&c.id))
        .collect();
    counted.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    let mut reporters: Vec<&str> = Vec::new();
    let mut rung: Option<RefSanction> = None;
    for (i, c) in counted.iter().enumerate() {
        if reporters.contains(&c.reporter.as_str()) {
            continue;
        }
        reporters.push(&c.reporter);
        let k = reporters.len() as u32;
        let kind = if k == policy.ladder_warned_at {
            Standing::Warned
        } else if k == policy.ladder_restricted_at {
            Standing::Restricted
        } else if k == policy.ladder_permanently_blocked_at {
            Standing::PermanentlyBlocked
        } else {
            continue;
        };
        let id = SanctionId::derived(
            "sn",
            &[
                freelancer,
                "complaints.misrepresentation",
                kind.as_str(),
                &c.id,
            ],
        );
        let mut complaint_ids: Vec<String> = counted[..=i].iter().map(|c| c.id.clone()).collect();
        complaint_ids.sort();
        complaint_ids.dedup();
        rung = Some(RefSanction {
            sanction_id: id.as_str().to_owned(),
            kind,
            rule: RuleId::ComplaintsMisrepresentation,
            started_at: c.at,
            imposed_at: c.at,
            replaces: None,
            contract_ids: vec![],
            feedback_ids: vec![],
            complaint_ids,
            decided_by: Some(c.reviewer.clone()),
            terms_clause: Some(c.clause.clone()),
            contest_until: None,
            reinstatement_opens_at: None,
        });
    }
    let mut disputed = Vec::new();
    if rung
        .as_ref()
        .is_some_and(|r| r.kind >= Standing::Restricted)
    {
        disputed = counted.iter().map(|c| c.id.clone()).collect();
        disputed.sort();
    }
    (rung, disputed)
}

/// §9, read naively: see the comments for each reading the rule book leaves open.
fn jss(events: &[Event], now: Time, policy: &PolicyConfig) -> Option<u8> {
    let all = facts(events, policy);
    let mut ended: Vec<Ended> = Vec::new();
    for e in events {
        let Event::ContractStarted {
            contract,
            client,
            charged,
            ..
        } = e
        else {
            continue;
        };
        let Some(end) = event_contract_ended(events, contract) else {
            continue;
        };
        ended.push(Ended {
            client: client.clone(),
            ended: end,
            charged: *charged,
            feedback: all.iter().find(|f| f.contract == *contract).cloned(),
        });
    }
    let from = standing_domain::calendar::sub_months(now, policy.jss_window_months);
    let mut weight_total: i64 = 0;
    let mut score: i64 = 0;
    let mut contracts = 0u32;
    let mut clients: Vec<&str> = Vec::new();
    for c in &ended {
        if !(c.ended > from && c.ended <= now && c.charged >= policy.jss_min_charged_minor) {
            continue;
        }
        // §6: removed feedback "leaves the profile, the Job Success Score and every count": like
        // the quality rule's `rated`, the contract is not counted at all (a neutral outcome would
        // still weigh in the denominator).
        if c.feedback
            .as_ref()
            .is_some_and(|f| f.removed_at.is_some_and(|r| r <= now))
        {
            continue;
        }
        let feedback = c.feedback.as_ref();
        // +1 positive, -1 negative, 0 neutral; None: not settled yet (unrevealed feedback, or
        // no feedback while the window is open), so it is not counted at all.
        let outcome: Option<i64> = match feedback {
            Some(f) if f.reveal <= now => {
                let mut current = &f.versions[0].1;
                for (at, s) in &f.versions {
                    if *at <= now {
                        current = s;
                    }
                }
                let negative = !areas(current, f.reason, &f.dissatisfied, policy).is_empty();
                let sum: u16 = current.iter().map(|s| u16::from(*s)).sum();
                let overall_tenths = (sum * 20 + 6) / 12;
                let positive = !negative
                    && (overall_tenths >= policy.jss_positive_overall_tenths
                        || f.recommend
                            .is_some_and(|r| r >= policy.jss_positive_recommend));
                Some(if negative {
                    -1
                } else if positive {
                    1
                } else {
                    0
                })
            }
            Some(_) => None,
            // The window includes its last moment (§2: feedback is accepted at exactly
            // ended_at + 14 days), so it has closed only after it.
            None if now > c.ended + days(policy.feedback_window_days) => Some(0),
            None => None,
        };
        let Some(outcome) = outcome else { continue };
        let weight = if c.charged < policy.jss_mid_from_minor {
            policy.jss_weight_low_percent
        } else if c.charged <= policy.jss_high_above_minor {
            policy.jss_weight_mid_percent
        } else {
            policy.jss_weight_high_percent
        };
        let weight = i64::from(weight);
        weight_total += weight;
        score += outcome * weight;
        contracts += 1;
        if !clients.contains(&c.client.as_str()) {
            clients.push(&c.client);
        }
    }
    if contracts < policy.jss_min_contracts
        || (clients.len() as u32) < policy.jss_min_clients
        || weight_total == 0
    {
        return None;
    }
    let score = score.max(0);
    // A whole percent, rounded half up.
    Some(((score * 200 + weight_total) / (2 * weight_total)) as u8)
}

/// The reference `evaluate`.
pub fn evaluate(
    events: &[Event],
    previous: &[RefSanction],
    now: Time,
    freelancer: &str,
    policy: &PolicyConfig,
) -> RefEvaluation {
    // Only what has happened by now is known.
    let known: Vec<Event> = events.iter().filter(|e| e.at() <= now).cloned().collect();
    let events = &known[..];
    let facts = facts(events, policy);
    let appeals = decided_appeals(events);
    let imposed_at = |id: &str| {
        previous
            .iter()
            .find(|p| p.sanction_id == id)
            .map_or(now, |p| p.imposed_at)
    };

    let mut sanctions = Vec::new();
    let (block, block_ends) = quality(&facts, &appeals, now, freelancer, policy);
    if let Some(b) = block {
        let imposed = imposed_at(&b.id);
        let mut opens = add_months(b.first_started_at, policy.reinstatement_after_months);
        for a in &appeals {
            if !a.granted
                && a.kind == AppealKind::Reinstatement
                && b.lineage.contains(&a.against.sanction_id)
            {
                opens = opens.max(add_months(a.at, policy.reapply_after_denial_months));
            }
        }
        sanctions.push(RefSanction {
            sanction_id: b.id.clone(),
            kind: Standing::BlockedNewWork,
            rule: RuleId::QualityMultipleNegative,
            started_at: b.t0,
            imposed_at: imposed,
            replaces: b.replaces.clone().map(|r| (r, b.first_started_at)),
            contract_ids: b.contract_ids.clone(),
            feedback_ids: b.feedback_ids.clone(),
            complaint_ids: vec![],
            decided_by: None,
            terms_clause: None,
            contest_until: Some(add_months(imposed, policy.contest_within_months)),
            reinstatement_opens_at: Some(opens),
        });
    }
    let (rung, disputed) = ladder(events, &appeals, freelancer, policy);
    if let Some(mut r) = rung {
        r.imposed_at = imposed_at(&r.sanction_id);
        r.contest_until = Some(add_months(r.imposed_at, policy.contest_within_months));
        sanctions.push(r);
    }
    sanctions.sort_by(|a, b| a.sanction_id.cmp(&b.sanction_id));

    let standing = sanctions
        .iter()
        .map(|s| s.kind)
        .max()
        .unwrap_or(Standing::Good);
    let forbidding = |pick: fn(Standing) -> bool| -> Permission {
        let by: Vec<String> = sanctions
            .iter()
            .filter(|s| pick(s.kind))
            .map(|s| s.sanction_id.clone())
            .collect();
        (by.is_empty(), by)
    };
    let eligibility = [
        forbidding(|k| {
            matches!(
                k,
                Standing::Restricted | Standing::BlockedNewWork | Standing::PermanentlyBlocked
            )
        }),
        forbidding(|k| matches!(k, Standing::BlockedNewWork | Standing::PermanentlyBlocked)),
        forbidding(|_| false),
    ];

    let mut next_due: Option<Time> = None;
    let mut consider = |t: Time| {
        if t > now {
            next_due = Some(next_due.map_or(t, |n| n.min(t)));
        }
    };
    for f in &facts {
        consider(f.reveal);
        consider(f.ended + days(policy.quality_window_days));
    }

    let imposed = sanctions
        .iter()
        .filter(|s| !previous.iter().any(|p| p.sanction_id == s.sanction_id))
        .map(|s| s.sanction_id.clone())
        .collect();
    let lifted = previous
        .iter()
        .filter(|p| !sanctions.iter().any(|s| s.sanction_id == p.sanction_id))
        .map(|p| p.sanction_id.clone())
        .collect();

    RefEvaluation {
        standing,
        jss: jss(events, now, policy),
        sanctions,
        eligibility,
        next_due,
        disputed,
        imposed,
        lifted,
        block_ends,
    }
}

/// §2's reveal of a contract's client feedback, from the events (for the properties).
pub fn reveal_of(events: &[Event], contract: &str, policy: &PolicyConfig) -> Option<Time> {
    let known = facts(events, policy);
    known
        .iter()
        .find(|f| f.contract == contract)
        .map(|f| f.reveal)
}

/// Whether the double-blind has lifted on a contract at `now`, from the events: both parties gave
/// feedback (the later of the two), or the window closed.
pub fn revealed(events: &[Event], contract: &str, now: Time, policy: &PolicyConfig) -> bool {
    let Some(ended) = event_contract_ended(events, contract) else {
        return false;
    };
    let closes = ended + days(policy.feedback_window_days);
    let mut client_at = None;
    let mut freelancer_at = None;
    for e in events {
        match e {
            Event::ClientFeedback {
                contract: c, at, ..
            } if c == contract => client_at = Some(*at),
            Event::FreelancerFeedback {
                contract: c, at, ..
            } if c == contract => freelancer_at = Some(*at),
            _ => {}
        }
    }
    let at = match (client_at, freelancer_at) {
        (Some(a), Some(b)) => a.max(b).min(closes),
        _ => closes,
    };
    now >= at
}

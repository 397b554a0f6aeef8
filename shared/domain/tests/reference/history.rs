//! Random histories of one freelancer, and the store that turns the events known at a moment
//! into the `FreelancerRecord` the real `evaluate` reads.
//!
//! The generator is driven one step at a time because an appeal must be filed against a sanction
//! the real system shows as active: after each evaluation it looks at what the simulated store
//! kept and may file an appeal against one of those sanctions.

use crate::model::{Event, Six, Snapshot, Time};
use chrono::Duration;
use standing_domain::calendar::add_months;
use standing_domain::fixtures::{day, usd, user};
use standing_domain::model::{
    Appeal, AppealDecision, Complaint, ComplaintDecision, Consent, Contract, Evidence, Feedback,
    FeedbackReport, PrivatePart, PublicPart, ReportDecision, Sanction, SanctionSnapshot,
};
use standing_domain::{
    AppealId, AppealKind, AppealOutcome, Area, ClaimText, Comment, ComplaintCategory, ComplaintId,
    ComplaintOutcome, ContractEvidence, ContractId, Direction, EvidenceText, FeedbackId,
    FreelancerRecord, Note, PolicyConfig, ReasonEnded, Recommend, ReportId, ReportOutcome,
    ReportReason, RuleId, SanctionId, Score, Scores, Statement, TermsClause,
};
use std::fmt::Write as _;

pub const FREELANCER: &str = "fl1";

/// splitmix64: small, seedable, good enough to spread histories.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }
}

/// Mixes a base seed with a history number.
pub fn history_seed(base: u64, i: u64) -> u64 {
    Rng::new(base ^ i.wrapping_mul(0xd1b5_4a32_d192_ed03)).next_u64()
}

/// One step of a history: something happens, or the system evaluates at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Event(Event),
    Evaluate(Time),
}

/// Times are shown as days and hours after the fixtures' epoch, which is what a reader needs.
pub fn t(at: Time) -> String {
    let d = at - day(0);
    let seconds = d.num_seconds();
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (hours, rest) = (rest / 3600, rest % 3600);
    if rest == 0 {
        format!("d{days}+{hours:02}h")
    } else {
        format!("d{days}+{hours:02}h+{rest}s")
    }
}

pub fn describe(step: &Step) -> String {
    match step {
        Step::Evaluate(at) => format!("{}  EVALUATE", t(*at)),
        Step::Event(e) => {
            let body = match e {
                Event::ContractStarted {
                    contract,
                    client,
                    charged,
                    ..
                } => format!("contract {contract} started with {client}, charged {charged}"),
                Event::ContractEnded { contract, .. } => format!("contract {contract} ended"),
                Event::ClientFeedback {
                    contract,
                    scores,
                    reason,
                    recommend,
                    dissatisfied,
                    ..
                } => format!(
                    "client feedback on {contract}: scores {scores:?} reason {reason} recommend {recommend:?} dissatisfied {dissatisfied:?}"
                ),
                Event::FreelancerFeedback { contract, .. } => {
                    format!("freelancer feedback on {contract}")
                }
                Event::PublicChanged {
                    contract, scores, ..
                } => format!("public feedback on {contract} changed to {scores:?}"),
                Event::ReportDecided {
                    contract,
                    filed_at,
                    removed,
                    ..
                } => format!(
                    "report of {contract}'s feedback (filed {}) decided {}",
                    t(*filed_at),
                    if *removed { "removed" } else { "kept" }
                ),
                Event::ComplaintFiled {
                    complaint,
                    reporter,
                    claim,
                    ..
                } => format!("complaint {complaint} filed by {reporter} about {claim:?}"),
                Event::ComplaintDecided {
                    complaint,
                    substantiated,
                    ..
                } => format!(
                    "complaint {complaint} decided {}",
                    if *substantiated {
                        "substantiated"
                    } else {
                        "unsubstantiated"
                    }
                ),
                Event::AppealFiled {
                    appeal,
                    kind,
                    against,
                    ..
                } => format!(
                    "appeal {appeal} ({kind}) filed against {} ({}, started {}, evidence {:?}{:?})",
                    against.sanction_id,
                    against.kind,
                    t(against.started_at),
                    against.feedback_ids,
                    against.complaint_ids
                ),
                Event::AppealDecided {
                    appeal, granted, ..
                } => format!(
                    "appeal {appeal} decided {}",
                    if *granted { "granted" } else { "denied" }
                ),
            };
            format!("{}  {body}", t(e.at()))
        }
    }
}

pub fn describe_all(steps: &[Step]) -> String {
    let mut out = String::new();
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(out, "  #{i:03} {}", describe(s));
    }
    out
}

fn scores_of(six: &Six) -> Scores {
    let s = |v: u8| Score::parse(i64::from(v)).expect("score");
    Scores {
        skills: s(six[0]),
        quality: s(six[1]),
        availability: s(six[2]),
        deadlines: s(six[3]),
        communication: s(six[4]),
        cooperation: s(six[5]),
    }
}

fn public_of(six: &Six) -> PublicPart {
    PublicPart {
        scores: scores_of(six),
        comment: Comment::parse("generated").expect("comment"),
    }
}

fn cid(id: &str) -> ContractId {
    ContractId::parse(id).expect("contract id")
}

/// The store: what it holds after the events so far, in the model's types.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub contracts: Vec<ContractEvidence>,
    /// The freelancer's own feedback, by contract (for the feedback views).
    pub freelancer_feedback: Vec<(ContractId, Feedback)>,
    pub complaints: Vec<Complaint>,
    pub appeals: Vec<Appeal>,
}

impl Stored {
    /// Applies one event as a store's write would.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::ContractStarted {
                contract,
                client,
                at,
                charged,
            } => self.contracts.push(ContractEvidence {
                contract: Contract {
                    contract_id: cid(contract),
                    client_id: user(client),
                    freelancer_id: user(FREELANCER),
                    started_at: *at,
                    ended_at: None,
                    total_charged: usd(*charged),
                },
                client_feedback: None,
                freelancer_feedback_at: None,
            }),
            Event::ContractEnded { contract, at } => {
                if let Some(c) = self.contract_mut(contract) {
                    c.contract.ended_at = Some(*at);
                }
            }
            Event::ClientFeedback {
                contract,
                at,
                scores,
                reason,
                recommend,
                dissatisfied,
            } => {
                if let Some(c) = self.contract_mut(contract) {
                    let client = c.contract.client_id.clone();
                    c.client_feedback = Some(Feedback::new(
                        cid(contract),
                        Direction::Client,
                        client,
                        user(FREELANCER),
                        public_of(scores),
                        Some(PrivatePart {
                            reason_ended: *reason,
                            recommend: recommend
                                .map(|r| Recommend::parse(i64::from(r)).expect("recommend")),
                            dissatisfied_with: dissatisfied.iter().copied().collect(),
                            note: Some(Note::parse("private note").expect("note")),
                        }),
                        *at,
                    ));
                }
            }
            Event::FreelancerFeedback {
                contract,
                at,
                score,
            } => {
                let mut client = None;
                if let Some(c) = self.contract_mut(contract) {
                    c.freelancer_feedback_at = Some(*at);
                    client = Some(c.contract.client_id.clone());
                }
                if let Some(client) = client {
                    self.freelancer_feedback.push((
                        cid(contract),
                        Feedback::new(
                            cid(contract),
                            Direction::Freelancer,
                            user(FREELANCER),
                            client,
                            public_of(&[*score; 6]),
                            None,
                            *at,
                        ),
                    ));
                }
            }
            Event::PublicChanged {
                contract,
                at,
                scores,
            } => {
                if let Some(f) = self
                    .contract_mut(contract)
                    .and_then(|c| c.client_feedback.as_mut())
                {
                    f.change.requested_at = Some(*at - Duration::hours(1));
                    f.change.consent = Some(Consent {
                        given: true,
                        at: *at - Duration::minutes(30),
                    });
                    f.change.applied_at = Some(*at);
                    f.push_version(public_of(scores), *at);
                }
            }
            Event::ReportDecided {
                contract,
                filed_at,
                at,
                removed,
                reviewer,
            } => {
                if let Some(f) = self
                    .contract_mut(contract)
                    .and_then(|c| c.client_feedback.as_mut())
                {
                    f.report = Some(FeedbackReport {
                        report_id: ReportId::for_feedback(&f.feedback_id),
                        reason: ReportReason::Irrelevant,
                        details: Note::parse("not about the work").expect("note"),
                        filed_at: *filed_at,
                        decision: Some(ReportDecision {
                            outcome: if *removed {
                                ReportOutcome::Removed
                            } else {
                                ReportOutcome::Kept
                            },
                            note: Note::parse("decided").expect("note"),
                            reviewer: user(reviewer),
                            decided_at: *at,
                        }),
                    });
                }
            }
            Event::ComplaintFiled {
                complaint,
                reporter,
                claim,
                at,
            } => self.complaints.push(Complaint {
                complaint_id: ComplaintId::parse(complaint).expect("complaint id"),
                freelancer_id: user(FREELANCER),
                reporter: user(reporter),
                category: ComplaintCategory::Certification,
                claim: ClaimText::parse(claim).expect("claim"),
                statement: Statement::parse("it does not exist").expect("statement"),
                evidence: vec![EvidenceText::parse("https://example.org/registry").expect("ev")],
                filed_at: *at,
                under_review_since: None,
                decision: None,
            }),
            Event::ComplaintDecided {
                complaint,
                at,
                substantiated,
                clause,
                reviewer,
            } => {
                if let Some(c) = self
                    .complaints
                    .iter_mut()
                    .find(|c| c.complaint_id.as_str() == complaint)
                {
                    c.under_review_since = Some(c.filed_at);
                    c.decision = Some(ComplaintDecision {
                        outcome: if *substantiated {
                            ComplaintOutcome::Substantiated
                        } else {
                            ComplaintOutcome::Unsubstantiated
                        },
                        terms_clause: TermsClause::parse(clause).expect("clause"),
                        note: Note::parse("checked").expect("note"),
                        reviewer: user(reviewer),
                        decided_at: *at,
                    });
                }
            }
            Event::AppealFiled {
                appeal,
                kind,
                against,
                at,
            } => self.appeals.push(Appeal {
                appeal_id: AppealId::parse(appeal).expect("appeal id"),
                freelancer_id: user(FREELANCER),
                kind: *kind,
                sanction: SanctionSnapshot {
                    sanction_id: SanctionId::parse(&against.sanction_id).expect("sanction id"),
                    kind: against.kind,
                    rule: against.rule,
                    started_at: against.started_at,
                    evidence: Evidence {
                        contract_ids: against.contract_ids.iter().map(|c| cid(c)).collect(),
                        feedback_ids: against
                            .feedback_ids
                            .iter()
                            .map(|f| FeedbackId::parse(f).expect("feedback id"))
                            .collect(),
                        complaint_ids: against
                            .complaint_ids
                            .iter()
                            .map(|c| ComplaintId::parse(c).expect("complaint id"))
                            .collect(),
                    },
                },
                statement: Statement::parse("please reconsider").expect("statement"),
                filed_at: *at,
                decision: None,
                overdue_since: None,
            }),
            Event::AppealDecided {
                appeal,
                at,
                granted,
                reviewer,
            } => {
                if let Some(a) = self
                    .appeals
                    .iter_mut()
                    .find(|a| a.appeal_id.as_str() == appeal)
                {
                    a.decision = Some(AppealDecision {
                        outcome: if *granted {
                            AppealOutcome::Granted
                        } else {
                            AppealOutcome::Denied
                        },
                        note: Note::parse("decided").expect("note"),
                        reviewer: user(reviewer),
                        decided_at: *at,
                    });
                }
            }
        }
    }

    fn contract_mut(&mut self, contract: &str) -> Option<&mut ContractEvidence> {
        self.contracts
            .iter_mut()
            .find(|c| c.contract.contract_id.as_str() == contract)
    }

    /// The record a store would hand `evaluate`, with the sanctions it kept last time.
    pub fn record(&self, previous: Vec<Sanction>) -> FreelancerRecord {
        FreelancerRecord::new(
            user(FREELANCER),
            self.contracts.clone(),
            self.complaints.clone(),
            self.appeals.clone(),
            previous,
        )
    }
}

/// The snapshot an appeal keeps of the sanction it is filed against.
pub fn snapshot(s: &Sanction) -> Snapshot {
    Snapshot {
        sanction_id: s.sanction_id.as_str().to_owned(),
        kind: s.kind,
        rule: s.rule,
        started_at: s.started_at,
        contract_ids: s
            .evidence
            .contract_ids
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        feedback_ids: s
            .evidence
            .feedback_ids
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        complaint_ids: s
            .evidence
            .complaint_ids
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
    }
}

/// Whether the events of a history are valid per the rule book, each judged with what came before
/// it (a shrunk history must still be one a store could hold). Appeals are judged by the driver,
/// which knows what the real system showed when they were filed.
pub fn valid(steps: &[Step], policy: &PolicyConfig) -> bool {
    let window = Duration::days(i64::from(policy.feedback_window_days));
    let events: Vec<&Event> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Event(e) => Some(e),
            Step::Evaluate(_) => None,
        })
        .collect();
    let mut last = None;
    for s in steps {
        let at = match s {
            Step::Event(e) => e.at(),
            Step::Evaluate(at) => *at,
        };
        if last.is_some_and(|l| at < l) {
            return false;
        }
        last = Some(at);
    }
    let all: Vec<Event> = events.iter().map(|e| (*e).clone()).collect();
    for (i, e) in events.iter().enumerate() {
        let before = &events[..i];
        let started = |c: &str| {
            before.iter().find_map(|b| match b {
                Event::ContractStarted {
                    contract,
                    client,
                    at,
                    ..
                } if contract == c => Some((client.clone(), *at)),
                _ => None,
            })
        };
        let ended = |c: &str| {
            before.iter().find_map(|b| match b {
                Event::ContractEnded { contract, at } if contract == c => Some(*at),
                _ => None,
            })
        };
        let has_client_feedback = |c: &str| {
            before
                .iter()
                .any(|b| matches!(b, Event::ClientFeedback { contract, .. } if contract == c))
        };
        let ok = match e {
            Event::ContractStarted { contract, .. } => started(contract).is_none(),
            Event::ContractEnded { contract, at } => {
                started(contract).is_some_and(|(_, s)| s <= *at) && ended(contract).is_none()
            }
            Event::ClientFeedback { contract, at, .. } => {
                ended(contract).is_some_and(|end| end <= *at && *at <= end + window)
                    && !has_client_feedback(contract)
            }
            Event::FreelancerFeedback { contract, at, .. } => {
                ended(contract).is_some_and(|end| end <= *at && *at <= end + window)
                    && !before.iter().any(
                        |b| matches!(b, Event::FreelancerFeedback { contract: c, .. } if c == contract),
                    )
            }
            Event::PublicChanged { contract, .. } => {
                has_client_feedback(contract)
                    && !before.iter().any(
                        |b| matches!(b, Event::PublicChanged { contract: c, .. } if c == contract),
                    )
            }
            Event::ReportDecided {
                contract,
                filed_at,
                at,
                ..
            } => {
                has_client_feedback(contract)
                    && filed_at <= at
                    && crate::model::reveal_of(&all, contract, policy)
                        .is_some_and(|r| r <= *filed_at)
                    && !before.iter().any(
                        |b| matches!(b, Event::ReportDecided { contract: c, .. } if c == contract),
                    )
            }
            Event::ComplaintFiled { reporter, at, .. } => before.iter().any(|b| {
                matches!(b, Event::ContractStarted { client, at: s, .. } if client == reporter && s <= at)
            }),
            Event::ComplaintDecided { complaint, .. } => {
                before.iter().any(
                    |b| matches!(b, Event::ComplaintFiled { complaint: c, .. } if c == complaint),
                ) && !before.iter().any(
                    |b| matches!(b, Event::ComplaintDecided { complaint: c, .. } if c == complaint),
                )
            }
            Event::AppealFiled { .. } => true,
            Event::AppealDecided { appeal, .. } => {
                before
                    .iter()
                    .any(|b| matches!(b, Event::AppealFiled { appeal: a, .. } if a == appeal))
                    && !before.iter().any(
                        |b| matches!(b, Event::AppealDecided { appeal: a, .. } if a == appeal),
                    )
            }
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Whether an appeal of `kind` may be filed at `now` against a sanction the store shows active,
/// given the appeals already in the history (as `rules::appeals::check_filing` has it): one pending
/// appeal per sanction, one contest per sanction ever, a contest within its window, and a
/// reinstatement only for a quality block once its path has opened, a denial the last evaluation
/// has not seen included.
pub fn may_appeal(
    s: &Sanction,
    kind: AppealKind,
    now: Time,
    events: &[Event],
    policy: &PolicyConfig,
) -> bool {
    let id = s.sanction_id.as_str();
    let filed: Vec<(&str, AppealKind)> = events
        .iter()
        .filter_map(|e| match e {
            Event::AppealFiled {
                appeal,
                kind,
                against,
                ..
            } if against.sanction_id == id => Some((appeal.as_str(), *kind)),
            _ => None,
        })
        .collect();
    let decided = |appeal: &str| {
        events.iter().find_map(|e| match e {
            Event::AppealDecided {
                appeal: a,
                at,
                granted,
                ..
            } if a == appeal => Some((*at, *granted)),
            _ => None,
        })
    };
    if filed.iter().any(|(a, _)| decided(a).is_none()) {
        return false;
    }
    match kind {
        AppealKind::Reinstatement => {
            let mut opens = s.appeal.reinstatement_opens_at;
            for (a, k) in &filed {
                if *k == AppealKind::Reinstatement
                    && let Some((at, false)) = decided(a)
                {
                    let next = add_months(at, policy.reapply_after_denial_months);
                    opens = Some(opens.map_or(next, |o| o.max(next)));
                }
            }
            s.rule == RuleId::QualityMultipleNegative && opens.is_some_and(|o| o <= now)
        }
        AppealKind::Contest => {
            !filed.iter().any(|(_, k)| *k == AppealKind::Contest)
                && s.appeal.contest_until.is_some_and(|u| now <= u)
        }
    }
}

/// An entry of the generator's agenda; ties at one moment are broken by phase (causes before
/// effects), then by a random number (so unrelated things at one moment come in any order).
#[derive(Debug, Clone)]
struct Item {
    key: (Time, u8, u64, u8),
    step: Step,
}

#[derive(Debug, Clone)]
struct Pending {
    appeal: String,
    sanction_id: String,
    rule: RuleId,
    decides_at: Option<Time>,
}

/// Generates one history, step by step.
pub struct Generator {
    rng: Rng,
    agenda: Vec<Item>,
    /// The moment of the evaluation just yielded: an appeal may follow it.
    just_evaluated: Option<Time>,
    pending: Vec<Pending>,
    appeals: usize,
}

fn at_hours(h: i64) -> Time {
    day(0) + Duration::hours(h)
}

impl Generator {
    pub fn new(seed: u64, policy: &PolicyConfig) -> Self {
        let mut rng = Rng::new(seed);
        // Ties come from their own stream so that building a step can draw from `rng`.
        let mut ties = Rng::new(seed ^ 0x7469_6573);
        let mut agenda = Vec::new();
        let mut push = |at: Time, phase: u8, step: Step| {
            agenda.push(Item {
                key: (at, phase, ties.next_u64(), 0),
                step,
            });
        };
        let window_h = i64::from(policy.feedback_window_days) * 24;
        // A quarter of the histories are shaped for withdrawals and replacements: many clients,
        // mostly negative, and feedback removed long after other feedback came in.
        let withdrawals = rng.chance(0.25);
        let clients = if withdrawals {
            rng.range(4, 6)
        } else {
            rng.range(3, 6)
        };
        let contracts = if withdrawals {
            rng.range(6, 9)
        } else {
            rng.range(4, 9)
        };
        let p_negative = if withdrawals {
            0.9
        } else {
            *rng.pick(&[0.3, 0.5, 0.7, 0.85])
        };
        let (p_report, late_report, p_removed) = if withdrawals {
            (0.5, 200, 0.8)
        } else {
            (0.35, 120, 0.6)
        };
        let mut ids: Vec<i64> = (1..=contracts).collect();
        // Contract ids in an order unrelated to their end dates.
        for i in (1..ids.len()).rev() {
            let j = rng.range(0, i as i64) as usize;
            ids.swap(i, j);
        }
        let mut last_end = 0;
        let mut special: Vec<Time> = Vec::new();
        let mut client_starts: Vec<(String, i64)> = Vec::new();
        for id in ids {
            let contract = format!("c{id:02}");
            let client = format!("cl{}", rng.range(1, clients));
            // Six-hour steps: coincidences between unrelated moments are common on purpose.
            let end = rng.range(0, 360 * 4) * 6;
            last_end = last_end.max(end);
            let start = end - 30 * 24;
            client_starts.push((client.clone(), start));
            let charged = *rng.pick(&[
                50u64, 100, 9_999, 24_999, 25_000, 60_000, 100_000, 100_001, 250_000,
            ]);
            push(
                at_hours(start),
                0,
                Step::Event(Event::ContractStarted {
                    contract: contract.clone(),
                    client: client.clone(),
                    at: at_hours(start),
                    charged,
                }),
            );
            push(
                at_hours(end),
                1,
                Step::Event(Event::ContractEnded {
                    contract: contract.clone(),
                    at: at_hours(end),
                }),
            );
            let within = |rng: &mut Rng| -> i64 {
                match rng.range(0, 9) {
                    0 => 0,
                    1 => window_h,
                    _ => rng.range(0, window_h / 6) * 6,
                }
            };
            let client_at = rng.chance(0.85).then(|| end + within(&mut rng));
            let freelancer_at = rng.chance(0.5).then(|| end + within(&mut rng));
            if let Some(f) = freelancer_at {
                push(
                    at_hours(f),
                    2,
                    Step::Event(Event::FreelancerFeedback {
                        contract: contract.clone(),
                        at: at_hours(f),
                        score: rng.range(1, 5) as u8,
                    }),
                );
            }
            special.push(at_hours(end + window_h));
            special.push(at_hours(end) + Duration::days(i64::from(policy.quality_window_days)));
            let Some(c_at) = client_at else { continue };
            let negative = rng.chance(p_negative);
            let (scores, reason, dissatisfied) = random_feedback(&mut rng, negative);
            let recommend = rng.chance(0.7).then(|| rng.range(0, 10) as u8);
            push(
                at_hours(c_at),
                2,
                Step::Event(Event::ClientFeedback {
                    contract: contract.clone(),
                    at: at_hours(c_at),
                    scores,
                    reason,
                    recommend,
                    dissatisfied,
                }),
            );
            let reveal = match freelancer_at {
                Some(f) => c_at.max(f).min(end + window_h),
                None => end + window_h,
            };
            special.push(at_hours(reveal));
            if rng.chance(0.3) {
                // A consented change, sometimes before the reveal, sometimes long after.
                let wait = *rng.pick(&[40, 120]);
                let at = c_at + rng.range(1, wait * 4) * 6;
                let scores = if rng.chance(0.5) {
                    [5; 6]
                } else {
                    random_feedback(&mut rng, true).0
                };
                special.push(at_hours(at));
                push(
                    at_hours(at),
                    3,
                    Step::Event(Event::PublicChanged {
                        contract: contract.clone(),
                        at: at_hours(at),
                        scores,
                    }),
                );
            }
            if rng.chance(p_report) {
                // Some reports are decided months later, after other feedback has come in: that is
                // when a withdrawn block can be replaced by one that begins later.
                let filed = reveal + rng.range(0, 10 * 4) * 6;
                let wait = *rng.pick(&[20, 20, late_report]);
                let decided = filed + rng.range(0, wait * 4) * 6;
                special.push(at_hours(decided));
                push(
                    at_hours(decided),
                    4,
                    Step::Event(Event::ReportDecided {
                        contract: contract.clone(),
                        filed_at: at_hours(filed),
                        at: at_hours(decided),
                        removed: rng.chance(p_removed),
                        reviewer: rng.pick(&["rev1", "rev2"]).to_string(),
                    }),
                );
            }
        }
        if rng.chance(0.4) {
            let n = rng.range(1, 6);
            let mut used: Vec<(String, String)> = Vec::new();
            for k in 1..=n {
                let (reporter, start) = rng.pick(&client_starts).clone();
                let claim = rng.pick(&["AWS SA", "PMP", "MSc CS"]).to_string();
                if used.contains(&(reporter.clone(), claim.clone())) {
                    continue;
                }
                used.push((reporter.clone(), claim.clone()));
                let complaint = format!("cp{k:02}");
                let filed = start + rng.range(1, 500 * 4) * 6;
                push(
                    at_hours(filed),
                    2,
                    Step::Event(Event::ComplaintFiled {
                        complaint: complaint.clone(),
                        reporter,
                        claim,
                        at: at_hours(filed),
                    }),
                );
                if rng.chance(0.85) {
                    let decided = filed + rng.range(1, 30 * 4) * 6;
                    push(
                        at_hours(decided),
                        5,
                        Step::Event(Event::ComplaintDecided {
                            complaint,
                            at: at_hours(decided),
                            substantiated: rng.chance(0.7),
                            clause: rng
                                .pick(&["ToS 4.2 Accurate profile", "OSCT 7.1 Credentials"])
                                .to_string(),
                            reviewer: rng.pick(&["rev1", "rev2"]).to_string(),
                        }),
                    );
                }
            }
        }
        // Evaluations: after writes (added as events come up), at random moments with long gaps,
        // exactly at moments where something turns, and once at the end.
        let horizon = last_end + 500 * 24;
        for _ in 0..rng.range(2, 7) {
            let at = at_hours(rng.range(-30 * 24, horizon));
            push(at, rng.range(0, 6) as u8, Step::Evaluate(at));
        }
        for s in special {
            if rng.chance(0.15) {
                let s = if rng.chance(0.2) {
                    s - Duration::seconds(1)
                } else {
                    s
                };
                push(s, rng.range(0, 6) as u8, Step::Evaluate(s));
            }
        }
        push(at_hours(horizon), 9, Step::Evaluate(at_hours(horizon)));
        Self {
            rng,
            agenda,
            just_evaluated: None,
            pending: Vec::new(),
            appeals: 0,
        }
    }

    /// The next step; `stored` is what the simulated store kept from the last real evaluation,
    /// `events` what has happened so far.
    pub fn next(
        &mut self,
        stored: &[Sanction],
        events: &[Event],
        policy: &PolicyConfig,
    ) -> Option<Step> {
        if let Some(now) = self.just_evaluated.take()
            && let Some(step) = self.maybe_appeal(stored, now, events, policy)
        {
            return Some(step);
        }
        let i = (0..self.agenda.len()).min_by_key(|&i| self.agenda[i].key)?;
        let item = self.agenda.swap_remove(i);
        let (at, phase, tie, sub) = item.key;
        match &item.step {
            Step::Event(e) => {
                if let Event::AppealDecided { appeal, .. } = e {
                    self.pending.retain(|p| &p.appeal != appeal);
                }
                // The store re-evaluates after most writes.
                if self.rng.chance(0.3) {
                    self.agenda.push(Item {
                        key: (at, phase, tie, sub + 1),
                        step: Step::Evaluate(at),
                    });
                }
            }
            Step::Evaluate(_) => {
                self.just_evaluated = Some(at);
                if self.rng.chance(0.1) {
                    self.agenda.push(Item {
                        key: (at, phase, tie, sub + 1),
                        step: Step::Evaluate(at),
                    });
                }
            }
        }
        Some(item.step)
    }

    fn maybe_appeal(
        &mut self,
        stored: &[Sanction],
        now: Time,
        events: &[Event],
        policy: &PolicyConfig,
    ) -> Option<Step> {
        let candidates: Vec<(&Sanction, AppealKind)> = stored
            .iter()
            .filter(|s| {
                !self
                    .pending
                    .iter()
                    .any(|p| p.sanction_id == s.sanction_id.as_str())
            })
            .filter(|s| {
                // One pending appeal per block chain: an appeal follows a replacement block.
                s.rule != RuleId::QualityMultipleNegative
                    || !self.pending.iter().any(|p| p.rule == s.rule)
            })
            .flat_map(|s| {
                [AppealKind::Reinstatement, AppealKind::Contest]
                    .into_iter()
                    .filter(|k| may_appeal(s, *k, now, events, policy))
                    .map(move |k| (s, k))
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let reinstatement = candidates
            .iter()
            .any(|(_, k)| *k == AppealKind::Reinstatement);
        if !self.rng.chance(if reinstatement { 0.6 } else { 0.3 }) {
            return None;
        }
        let (s, kind) = candidates[self.rng.range(0, candidates.len() as i64 - 1) as usize];
        self.appeals += 1;
        let appeal = format!("ap{:02}", self.appeals);
        let decides_at = if self.rng.chance(0.9) {
            let others: Vec<Time> = self.pending.iter().filter_map(|p| p.decides_at).collect();
            Some(if !others.is_empty() && self.rng.chance(0.3) {
                *self.rng.pick(&others)
            } else {
                now + Duration::hours(self.rng.range(1, 30 * 4) * 6)
            })
        } else {
            None
        };
        if let Some(d) = decides_at {
            let tie = self.rng.next_u64();
            self.agenda.push(Item {
                key: (d, 5, tie, 0),
                step: Step::Event(Event::AppealDecided {
                    appeal: appeal.clone(),
                    at: d,
                    granted: self.rng.chance(0.5),
                    reviewer: self.rng.pick(&["rev1", "rev2"]).to_string(),
                }),
            });
        }
        self.pending.push(Pending {
            appeal: appeal.clone(),
            sanction_id: s.sanction_id.as_str().to_owned(),
            rule: s.rule,
            decides_at,
        });
        Some(Step::Event(Event::AppealFiled {
            appeal,
            kind,
            against: snapshot(s),
            at: now,
        }))
    }
}

/// A client's feedback: negative (by one of the three §3 routes) or not.
fn random_feedback(rng: &mut Rng, negative: bool) -> (Six, ReasonEnded, Vec<Area>) {
    let mut scores: Six = [0; 6];
    for s in &mut scores {
        *s = rng.range(3, 5) as u8;
    }
    if !negative {
        // Low communication or cooperation is not a §3 area: it must not count.
        if rng.chance(0.2) {
            scores[4 + rng.range(0, 1) as usize] = rng.range(1, 2) as u8;
        }
        let reason = *rng.pick(&[
            ReasonEnded::CompletedSuccessfully,
            ReasonEnded::ClientChangedPlans,
            ReasonEnded::Other,
        ]);
        return (scores, reason, vec![]);
    }
    match rng.range(0, 2) {
        0 => {
            let mut areas: Vec<Area> = Area::ALL
                .iter()
                .copied()
                .filter(|_| rng.chance(0.4))
                .collect();
            if areas.is_empty() {
                areas.push(*rng.pick(Area::ALL));
            }
            (scores, ReasonEnded::CompletedSuccessfully, areas)
        }
        1 => {
            let reason = *rng.pick(&[
                ReasonEnded::Unresponsive,
                ReasonEnded::LackedSkills,
                ReasonEnded::Unavailable,
                ReasonEnded::QualityIssues,
            ]);
            (scores, reason, vec![])
        }
        _ => {
            scores[rng.range(0, 3) as usize] = rng.range(1, 2) as u8;
            (scores, ReasonEnded::Other, vec![])
        }
    }
}

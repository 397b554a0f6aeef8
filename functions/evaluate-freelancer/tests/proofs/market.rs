//! A random marketplace: the marketplace's back end, clients, freelancers and reviewers doing
//! what the use cases offer (contracts, feedback, its changes, responses, reports and their
//! decisions, complaints and their decisions, appeals and their decisions), one event at a
//! time, from a seed. Events go through the domain's use cases on a real repository, the same
//! code the HTTP handlers run, so each write leaves the items and stream records it leaves in
//! production.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use standing_domain::fixtures::{FixedClock, actor};
use standing_domain::model::{ComplaintStatus, RuleId};
use standing_domain::ports::{AppealStore, ComplaintStore, StandingStore};
use standing_domain::usecases::{appeals, complaints, contracts, feedback};
use standing_domain::{
    AppealId, ComplaintId, ContractId, DomainError, FeedbackId, PolicyConfig, ReportId,
    ResponseText, Role, UserId,
};
use standing_store::Repository;
use std::collections::BTreeMap;

/// splitmix64: small, seedable and good enough to spread a history.
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

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A seed for this run: `STANDING_PROOF_SEED` when set (to replay a failure), else the time.
pub fn seed() -> u64 {
    match std::env::var("STANDING_PROOF_SEED") {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("STANDING_PROOF_SEED={s:?} is not a u64")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    }
}

/// One thing a party does, with everything the use case needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The marketplace registers a contract, or registers it again (with its end, usually).
    Contract {
        contract: String,
        client: String,
        freelancer: String,
        started_at: DateTime<Utc>,
        ended_at: Option<DateTime<Utc>>,
    },
    ClientFeedback {
        contract: String,
        client: String,
        body: Value,
    },
    FreelancerFeedback {
        contract: String,
        freelancer: String,
    },
    RequestChange {
        contract: String,
        client: String,
    },
    ConsentChange {
        contract: String,
        freelancer: String,
        given: bool,
    },
    ApplyChange {
        contract: String,
        client: String,
        public: Value,
    },
    Respond {
        contract: String,
        freelancer: String,
    },
    Report {
        contract: String,
        freelancer: String,
        reason: &'static str,
    },
    DecideReport {
        report: String,
        reviewer: String,
        removed: bool,
    },
    FileComplaint {
        freelancer: String,
        client: String,
        category: &'static str,
        claim: &'static str,
    },
    DecideComplaint {
        complaint: String,
        reviewer: String,
        substantiated: bool,
    },
    FileAppeal {
        freelancer: String,
        sanction: String,
        kind: &'static str,
    },
    DecideAppeal {
        appeal: String,
        reviewer: String,
        granted: bool,
    },
}

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Contract {
                ended_at: Some(_), ..
            } => "contract (ended)",
            Event::Contract { .. } => "contract (active)",
            Event::ClientFeedback { .. } => "client feedback",
            Event::FreelancerFeedback { .. } => "freelancer feedback",
            Event::RequestChange { .. } => "change request",
            Event::ConsentChange { .. } => "change consent",
            Event::ApplyChange { .. } => "feedback change",
            Event::Respond { .. } => "response",
            Event::Report { .. } => "report",
            Event::DecideReport { .. } => "report decision",
            Event::FileComplaint { .. } => "complaint",
            Event::DecideComplaint { .. } => "complaint decision",
            Event::FileAppeal { .. } => "appeal",
            Event::DecideAppeal { .. } => "appeal decision",
        }
    }
}

/// What a use case answered: the id it created or the contract's error code.
pub type Outcome = Result<String, &'static str>;

fn cid(id: &str) -> ContractId {
    ContractId::parse(id).expect("a contract id")
}

fn uid(id: &str) -> UserId {
    UserId::parse(id).expect("a user id")
}

fn command<T: standing_lambda::command::FromJson>(body: Value) -> T {
    standing_lambda::command::read(body).expect("the generated body is a command")
}

fn public(scores: [u8; 6], comment: &str) -> Value {
    let [
        skills,
        quality,
        availability,
        deadlines,
        communication,
        cooperation,
    ] = scores;
    json!({
        "scores": {
            "skills": skills, "quality": quality, "availability": availability,
            "deadlines": deadlines, "communication": communication, "cooperation": cooperation
        },
        "comment": comment,
    })
}

/// Applies `event` through its use case at the clock's time. A refusal is an outcome like any
/// other (the same refusal is expected of every store fed the same events); storage failing is
/// not, and panics.
pub async fn apply(
    store: &Repository,
    clock: &FixedClock,
    policy: &PolicyConfig,
    event: &Event,
) -> Outcome {
    let result: Result<String, DomainError> = match event {
        Event::Contract {
            contract,
            client,
            freelancer,
            started_at,
            ended_at,
        } => {
            let cmd = contracts::RegisterContract {
                client_id: uid(client),
                freelancer_id: uid(freelancer),
                started_at: *started_at,
                ended_at: *ended_at,
                total_charged_minor: 12_000 + (contract.len() as u64 % 7) * 40_000,
                currency: standing_domain::Currency::parse("USD").expect("USD"),
            };
            let service = actor("svc-marketplace", &[Role::Service]);
            contracts::register(store, &service, cid(contract), cmd)
                .await
                .map(|c| c.contract_id.to_string())
        }
        Event::ClientFeedback {
            contract,
            client,
            body,
        } => feedback::submit(
            store,
            clock,
            policy,
            &actor(client, &[Role::Client]),
            &cid(contract),
            command(body.clone()),
        )
        .await
        .map(|f| f.feedback_id.to_string()),
        Event::FreelancerFeedback {
            contract,
            freelancer,
        } => feedback::submit(
            store,
            clock,
            policy,
            &actor(freelancer, &[Role::Freelancer]),
            &cid(contract),
            command(json!({ "public": public([4; 6], "Clear brief, paid on time.") })),
        )
        .await
        .map(|f| f.feedback_id.to_string()),
        Event::RequestChange { contract, client } => feedback::request_change(
            store,
            clock,
            &actor(client, &[Role::Client]),
            &cid(contract),
        )
        .await
        .map(|_| String::new()),
        Event::ConsentChange {
            contract,
            freelancer,
            given,
        } => feedback::consent_change(
            store,
            clock,
            policy,
            &actor(freelancer, &[Role::Freelancer]),
            &cid(contract),
            *given,
        )
        .await
        .map(|_| String::new()),
        Event::ApplyChange {
            contract,
            client,
            public,
        } => feedback::apply_change(
            store,
            clock,
            policy,
            &actor(client, &[Role::Client]),
            &cid(contract),
            feedback::ChangePublic {
                public: Some(command(public.clone())),
                touches_private: false,
            },
        )
        .await
        .map(|f| f.version.to_string()),
        Event::Respond {
            contract,
            freelancer,
        } => feedback::respond(
            store,
            clock,
            policy,
            &actor(freelancer, &[Role::Freelancer]),
            &cid(contract),
            ResponseText::parse("Thank you; we settled the scope since.").expect("a response"),
        )
        .await
        .map(|_| String::new()),
        Event::Report {
            contract,
            freelancer,
            reason,
        } => feedback::report(
            store,
            clock,
            policy,
            &actor(freelancer, &[Role::Freelancer]),
            &cid(contract),
            command(json!({ "reason": reason, "details": "See the messages of the contract." })),
        )
        .await
        .map(|r| r.report_id.to_string()),
        Event::DecideReport {
            report,
            reviewer,
            removed,
        } => feedback::decide_report(
            store,
            clock,
            &actor(reviewer, &[Role::Reviewer]),
            &ReportId::parse(report.as_str()).expect("a report id"),
            command(json!({
                "outcome": if *removed { "removed" } else { "kept" },
                "note": "Read against the guidelines."
            })),
        )
        .await
        .map(|_| String::new()),
        Event::FileComplaint {
            freelancer,
            client,
            category,
            claim,
        } => {
            let who = actor(client, &[Role::Client]);
            match complaints::may_file(store, &who, &uid(freelancer)).await {
                Ok(right) => complaints::file(
                    store,
                    clock,
                    policy,
                    right,
                    command(json!({
                        "category": category,
                        "claim": claim,
                        "statement": "The issuer has no record of it.",
                        "evidence": ["https://example.org/registry/lookup"]
                    })),
                )
                .await
                .map(|c| c.complaint_id.to_string()),
                Err(e) => Err(e),
            }
        }
        Event::DecideComplaint {
            complaint,
            reviewer,
            substantiated,
        } => {
            let who = actor(reviewer, &[Role::Reviewer]);
            let id = ComplaintId::parse(complaint.as_str()).expect("a complaint id");
            match complaints::may_decide(store, &who, &id).await {
                Ok(right) => complaints::decide(
                    store,
                    clock,
                    policy,
                    right,
                    command(json!({
                        "outcome": if *substantiated { "substantiated" } else { "unsubstantiated" },
                        "terms_clause": "ToS 4.2 Accurate profile",
                        "note": "Checked with the issuer."
                    })),
                )
                .await
                .map(|_| String::new()),
                Err(e) => Err(e),
            }
        }
        Event::FileAppeal {
            freelancer,
            sanction,
            kind,
        } => appeals::file(
            store,
            clock,
            policy,
            &actor(freelancer, &[Role::Freelancer]),
            &uid(freelancer),
            command(json!({
                "sanction_id": sanction,
                "kind": kind,
                "statement": "I ask for this to be looked at again."
            })),
        )
        .await
        .map(|a| a.appeal_id.to_string()),
        Event::DecideAppeal {
            appeal,
            reviewer,
            granted,
        } => {
            let who = actor(reviewer, &[Role::Reviewer]);
            let id = AppealId::parse(appeal.as_str()).expect("an appeal id");
            match appeals::may_decide(store, &who, &id).await {
                Ok(right) => appeals::decide(
                    store,
                    clock,
                    right,
                    command(json!({
                        "outcome": if *granted { "granted" } else { "denied" },
                        "note": "Weighed the statement against the evidence."
                    })),
                )
                .await
                .map(|_| String::new()),
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(id) => Ok(id),
        Err(e @ (DomainError::Unavailable(_) | DomainError::Internal(_))) => {
            panic!("storage failed under {event:?}: {e}")
        }
        Err(e) => Err(e.code()),
    }
}

/// What the generator remembers of a contract, to aim most events at something they apply to
/// (the use cases still decide, and a refusal is a fine event too).
#[derive(Debug, Clone)]
struct Deal {
    id: String,
    client: String,
    freelancer: String,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    client_feedback: bool,
    freelancer_feedback: bool,
    reported: bool,
    report_decided: bool,
}

/// The sizes of a marketplace.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub freelancers: usize,
    pub clients: usize,
    pub reviewers: usize,
}

/// The population and what the generator remembers of it.
pub struct Market {
    rng: Rng,
    pub freelancers: Vec<String>,
    /// How likely each freelancer's clients are to be dissatisfied.
    negativity: Vec<f64>,
    clients: Vec<String>,
    reviewers: Vec<String>,
    deals: Vec<Deal>,
    next_deal: usize,
    /// Freelancers most events are about in the current step.
    focus: Vec<usize>,
    /// Accepted and refused events by kind.
    pub accepted: BTreeMap<&'static str, u64>,
    pub refused: BTreeMap<(&'static str, &'static str), u64>,
}

const CLAIMS: [(&str, &str); 6] = [
    ("certification", "AWS Certified Solutions Architect"),
    ("degree", "MSc Computer Science"),
    ("license", "Chartered Accountant"),
    ("job_position", "Staff engineer at Initech"),
    ("badge", "Top Rated Plus"),
    ("certification", "PMP"),
];

const REASONS: [&str; 5] = [
    "coercion_or_extortion",
    "irrelevant",
    "abusive_or_discriminatory",
    "not_about_the_work",
    "manipulation",
];

impl Market {
    pub fn new(seed: u64, size: Size) -> Self {
        let mut rng = Rng::new(seed);
        let freelancers: Vec<String> = (0..size.freelancers)
            .map(|n| format!("fl-{n:03}"))
            .collect();
        let negativity = (0..size.freelancers)
            .map(|_| *rng.pick(&[0.05, 0.2, 0.35, 0.6]))
            .collect();
        Self {
            rng,
            freelancers,
            negativity,
            clients: (0..size.clients).map(|n| format!("cl-{n:03}")).collect(),
            reviewers: (0..size.reviewers).map(|n| format!("rev-{n}")).collect(),
            deals: Vec::new(),
            next_deal: 0,
            focus: Vec::new(),
            accepted: BTreeMap::new(),
            refused: BTreeMap::new(),
        }
    }

    /// A new step: a few freelancers are where most of its events happen, as on a real day
    /// most freelancers do nothing.
    pub fn begin_step(&mut self, now: DateTime<Utc>) {
        let n = self.freelancers.len();
        let k = self.rng.between(1, 4.min(n as i64)) as usize;
        self.focus = (0..k).map(|_| self.rng.below(n)).collect();
        // Contracts past every window the generator aims at are forgotten: feedback, changes,
        // responses and reports all fall within 60 days of a contract's end.
        self.deals
            .retain(|d| d.ended_at.is_none_or(|e| now - e < Duration::days(60)));
    }

    /// How many events the current step has: about `mean`, at least one.
    pub fn events_in_step(&mut self, mean: usize) -> usize {
        1 + self.rng.below(2 * mean.max(1))
    }

    fn freelancer(&mut self) -> usize {
        if !self.focus.is_empty() && self.rng.chance(0.95) {
            *self.rng.pick(&self.focus)
        } else {
            self.rng.below(self.freelancers.len())
        }
    }

    /// A deal matching `wanted` of a freelancer [`Market::freelancer`] picks, else of any
    /// freelancer in focus; `None` when they have none (the caller draws another event).
    fn deal(&mut self, wanted: impl Fn(&Deal) -> bool) -> Option<usize> {
        let f = self.freelancer();
        let name = &self.freelancers[f];
        let mine: Vec<usize> = (0..self.deals.len())
            .filter(|&i| &self.deals[i].freelancer == name && wanted(&self.deals[i]))
            .collect();
        if !mine.is_empty() {
            return Some(*self.rng.pick(&mine));
        }
        let focus: Vec<&String> = self.focus.iter().map(|&f| &self.freelancers[f]).collect();
        let theirs: Vec<usize> = (0..self.deals.len())
            .filter(|&i| focus.contains(&&self.deals[i].freelancer) && wanted(&self.deals[i]))
            .collect();
        (!theirs.is_empty()).then(|| *self.rng.pick(&theirs))
    }

    fn reviewer(&mut self) -> String {
        self.rng.pick(&self.reviewers).clone()
    }

    fn client_body(&mut self, freelancer: &str) -> Value {
        let p = self
            .freelancers
            .iter()
            .position(|f| f == freelancer)
            .map_or(0.2, |i| self.negativity[i]);
        if self.rng.chance(p) {
            // Dissatisfied, in one of the ways §3 names.
            let mut scores = [4u8; 6];
            let (reason, areas): (&str, Vec<&str>) = match self.rng.below(4) {
                0 => ("quality_issues", vec!["performance"]),
                1 => ("unresponsive", vec![]),
                2 => {
                    scores[0] = 2;
                    ("other", vec![])
                }
                _ => ("lacked_skills", vec!["skills", "experience"]),
            };
            json!({
                "public": public(scores, "Not what was agreed."),
                "private": {"reason_ended": reason, "recommend": 2, "dissatisfied_with": areas}
            })
        } else {
            let s = self.rng.between(3, 5) as u8;
            json!({
                "public": public([s; 6], "Good work, delivered as agreed."),
                "private": {"reason_ended": "completed_successfully", "recommend": 8}
            })
        }
    }

    /// The next event at `now`. It may look at `reference` (the standings and cases one of the
    /// stores holds) to aim appeals and decisions at sanctions and complaints that exist.
    pub async fn next(&mut self, reference: &Repository, now: DateTime<Utc>) -> Event {
        loop {
            let roll = self.rng.below(100);
            let event = match roll {
                0..=21 => Some(self.new_contract(now)),
                22..=27 => self.end_contract(now),
                28..=47 => self.client_feedback(now),
                48..=62 => self.freelancer_feedback(now),
                63..=66 => self.deal(|d| d.client_feedback).map(|i| {
                    let d = &self.deals[i];
                    Event::RequestChange {
                        contract: d.id.clone(),
                        client: d.client.clone(),
                    }
                }),
                67..=70 => {
                    let given = self.rng.chance(0.8);
                    self.deal(|d| d.client_feedback).map(|i| {
                        let d = &self.deals[i];
                        Event::ConsentChange {
                            contract: d.id.clone(),
                            freelancer: d.freelancer.clone(),
                            given,
                        }
                    })
                }
                71..=74 => {
                    let s = self.rng.between(1, 5) as u8;
                    self.deal(|d| d.client_feedback).map(|i| {
                        let d = &self.deals[i];
                        Event::ApplyChange {
                            contract: d.id.clone(),
                            client: d.client.clone(),
                            public: public([s; 6], "Revised after talking it through."),
                        }
                    })
                }
                75..=77 => self.deal(|d| d.client_feedback).map(|i| {
                    let d = &self.deals[i];
                    Event::Respond {
                        contract: d.id.clone(),
                        freelancer: d.freelancer.clone(),
                    }
                }),
                78..=81 => {
                    let reason = *self.rng.pick(&REASONS);
                    self.deal(|d| d.client_feedback && !d.reported).map(|i| {
                        let d = &self.deals[i];
                        Event::Report {
                            contract: d.id.clone(),
                            freelancer: d.freelancer.clone(),
                            reason,
                        }
                    })
                }
                82..=86 => {
                    let reviewer = self.reviewer();
                    let removed = self.rng.chance(0.6);
                    self.deal(|d| d.reported && !d.report_decided).map(|i| {
                        let d = &self.deals[i];
                        let feedback = FeedbackId::for_contract(
                            &cid(&d.id),
                            standing_domain::Direction::Client,
                        );
                        Event::DecideReport {
                            report: ReportId::for_feedback(&feedback).to_string(),
                            reviewer,
                            removed,
                        }
                    })
                }
                87..=91 => self.complaint(),
                92..=95 => self.decide_complaint(reference).await,
                96..=97 => self.appeal(reference, now).await,
                _ => self.decide_appeal(reference).await,
            };
            if let Some(event) = event {
                return event;
            }
        }
    }

    fn new_contract(&mut self, now: DateTime<Utc>) -> Event {
        let f = self.freelancer();
        let id = format!("k{:05}", self.next_deal);
        self.next_deal += 1;
        let started_at = now - Duration::days(self.rng.between(3, 90));
        let ended_at = self
            .rng
            .chance(0.7)
            .then(|| now - Duration::hours(self.rng.between(0, 24 * 6)));
        Event::Contract {
            contract: id,
            client: self.rng.pick(&self.clients).clone(),
            freelancer: self.freelancers[f].clone(),
            started_at,
            ended_at: ended_at.map(|e| e.max(started_at)),
        }
    }

    fn end_contract(&mut self, now: DateTime<Utc>) -> Option<Event> {
        let i = self.deal(|d| d.ended_at.is_none())?;
        let d = &self.deals[i];
        Some(Event::Contract {
            contract: d.id.clone(),
            client: d.client.clone(),
            freelancer: d.freelancer.clone(),
            started_at: d.started_at,
            ended_at: Some(now),
        })
    }

    fn client_feedback(&mut self, now: DateTime<Utc>) -> Option<Event> {
        let i = self.deal(|d| {
            !d.client_feedback && d.ended_at.is_some_and(|e| now - e <= Duration::days(15))
        })?;
        let (contract, client, freelancer) = {
            let d = &self.deals[i];
            (d.id.clone(), d.client.clone(), d.freelancer.clone())
        };
        let body = self.client_body(&freelancer);
        Some(Event::ClientFeedback {
            contract,
            client,
            body,
        })
    }

    fn freelancer_feedback(&mut self, now: DateTime<Utc>) -> Option<Event> {
        let i = self.deal(|d| {
            !d.freelancer_feedback && d.ended_at.is_some_and(|e| now - e <= Duration::days(15))
        })?;
        let d = &self.deals[i];
        Some(Event::FreelancerFeedback {
            contract: d.id.clone(),
            freelancer: d.freelancer.clone(),
        })
    }

    fn complaint(&mut self) -> Option<Event> {
        // A client who had a contract with the freelancer (usually); the use case checks.
        let i = self.deal(|_| true)?;
        let (category, claim) = *self.rng.pick(&CLAIMS);
        let d = &self.deals[i];
        Some(Event::FileComplaint {
            freelancer: d.freelancer.clone(),
            client: d.client.clone(),
            category,
            claim,
        })
    }

    async fn decide_complaint(&mut self, reference: &Repository) -> Option<Event> {
        let queue = super::every_page(|page| async move {
            reference
                .complaint_queue(ComplaintStatus::UnderReview, &page)
                .await
        })
        .await;
        if queue.is_empty() {
            return None;
        }
        let complaint = self.rng.pick(&queue).complaint_id.to_string();
        Some(Event::DecideComplaint {
            complaint,
            reviewer: self.reviewer(),
            substantiated: self.rng.chance(0.65),
        })
    }

    async fn appeal(&mut self, reference: &Repository, now: DateTime<Utc>) -> Option<Event> {
        let f = self.freelancer();
        let freelancer = self.freelancers[f].clone();
        let standing = reference
            .get_standing(&uid(&freelancer))
            .await
            .expect("the standing reads")?;
        let sanctions = standing.value.sanctions;
        if sanctions.is_empty() {
            return None;
        }
        let sanction = self.rng.pick(&sanctions).clone();
        let open = sanction.rule == RuleId::QualityMultipleNegative
            && sanction
                .appeal
                .reinstatement_opens_at
                .is_some_and(|t| t <= now);
        let kind = if open && self.rng.chance(0.7) {
            "reinstatement"
        } else {
            "contest"
        };
        Some(Event::FileAppeal {
            freelancer,
            sanction: sanction.sanction_id.to_string(),
            kind,
        })
    }

    async fn decide_appeal(&mut self, reference: &Repository) -> Option<Event> {
        let pending =
            super::every_page(|page| async move { reference.pending_appeals(&page).await }).await;
        if pending.is_empty() {
            return None;
        }
        let appeal = self.rng.pick(&pending).appeal_id.to_string();
        Some(Event::DecideAppeal {
            appeal,
            reviewer: self.reviewer(),
            granted: self.rng.chance(0.45),
        })
    }

    /// Remembers what an accepted event did, and counts every outcome.
    pub fn observe(&mut self, event: &Event, outcome: &Outcome) {
        match outcome {
            Ok(_) => *self.accepted.entry(event.kind()).or_default() += 1,
            Err(code) => {
                *self.refused.entry((event.kind(), code)).or_default() += 1;
                return;
            }
        }
        let find = |deals: &mut Vec<Deal>, id: &str| deals.iter_mut().position(|d| d.id == id);
        match event {
            Event::Contract {
                contract,
                client,
                freelancer,
                started_at,
                ended_at,
            } => match find(&mut self.deals, contract) {
                Some(i) => self.deals[i].ended_at = *ended_at,
                None => self.deals.push(Deal {
                    id: contract.clone(),
                    client: client.clone(),
                    freelancer: freelancer.clone(),
                    started_at: *started_at,
                    ended_at: *ended_at,
                    client_feedback: false,
                    freelancer_feedback: false,
                    reported: false,
                    report_decided: false,
                }),
            },
            Event::ClientFeedback { contract, .. } => {
                if let Some(i) = find(&mut self.deals, contract) {
                    self.deals[i].client_feedback = true;
                }
            }
            Event::FreelancerFeedback { contract, .. } => {
                if let Some(i) = find(&mut self.deals, contract) {
                    self.deals[i].freelancer_feedback = true;
                }
            }
            Event::Report { contract, .. } => {
                if let Some(i) = find(&mut self.deals, contract) {
                    self.deals[i].reported = true;
                }
            }
            Event::DecideReport { report, .. } => {
                if let Some(d) = self.deals.iter_mut().find(|d| {
                    let feedback =
                        FeedbackId::for_contract(&cid(&d.id), standing_domain::Direction::Client);
                    ReportId::for_feedback(&feedback).as_str() == report
                }) {
                    d.report_decided = true;
                }
            }
            _ => {}
        }
    }

    pub fn accepted_total(&self) -> u64 {
        self.accepted.values().sum()
    }

    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }
}

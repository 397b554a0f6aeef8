//! The real `evaluate` against the reference model on random histories, plus the properties the
//! rule book promises whatever the implementation.

use crate::history::{
    FREELANCER, Generator, Step, Stored, describe_all, history_seed, may_appeal, valid,
};
use crate::model::{self, Event, Permission, RefEvaluation, RefSanction, Time};
use chrono::Duration;
use standing_domain::calendar::add_months;
use standing_domain::fixtures::{policy, user};
use standing_domain::model::{DecidedBy, Sanction};
use standing_domain::rules::eligibility::Permission as RealPermission;
use standing_domain::usecases::feedback::contract_view;
use standing_domain::{
    Actor, DomainError, Evaluation, LiftReason, PolicyConfig, Role, RuleId, SanctionChange,
    evaluate,
};
use std::collections::BTreeMap;
use std::time::Instant;

/// A disagreement or a broken property, at one evaluation of one history.
#[derive(Debug, Clone)]
pub struct Failure {
    pub step: usize,
    pub category: String,
    pub detail: String,
}

/// What one history showed, for the summary: enough to tell whether the generator reaches the
/// interesting parts of the rule book.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub evaluations: u64,
    pub any_block: bool,
    pub ended_with_block: bool,
    pub replacement: bool,
    pub reinstated: bool,
    pub contest_granted: bool,
    pub withdrawn: bool,
    pub warned: bool,
    pub restricted: bool,
    pub permanently_blocked: bool,
    pub appeals: u64,
    pub views: u64,
    /// A granted appeal filed against a block that was since replaced.
    pub follows_replacement: bool,
}

/// Runs a history step by step against both the real system and the reference.
pub struct Driver {
    policy: PolicyConfig,
    pub steps: Vec<Step>,
    events: Vec<Event>,
    stored: Stored,
    real_store: Vec<Sanction>,
    ref_store: Vec<RefSanction>,
    pub failures: Vec<Failure>,
    /// A disagreement on sanctions makes everything after it meaningless (appeals are filed
    /// against the real sanctions), so the history stops there.
    pub stopped: bool,
    /// The history is not one a store could hold (only while shrinking).
    pub invalid: bool,
    /// Check every contract's feedback view at every evaluation, not one (while shrinking).
    thorough: bool,
    pub stats: Stats,
}

/// Categories after which the history cannot go on meaningfully (the stores and the appeals filed
/// against the real sanctions would no longer match the reference's). A lift reported with another
/// reason or time leaves the sanctions alike, so the history goes on after it.
fn cascades(category: &str) -> bool {
    [
        "standing",
        "sanction",
        "eligibility",
        "changes",
        "property: evaluating",
    ]
    .iter()
    .any(|p| category.starts_with(p))
}

impl Driver {
    pub fn new(thorough: bool) -> Self {
        Self {
            policy: policy(),
            steps: Vec::new(),
            events: Vec::new(),
            stored: Stored::default(),
            real_store: Vec::new(),
            ref_store: Vec::new(),
            failures: Vec::new(),
            stopped: false,
            invalid: false,
            thorough,
            stats: Stats::default(),
        }
    }

    /// The sanctions the simulated store kept from the last real evaluation.
    pub fn shown(&self) -> &[Sanction] {
        &self.real_store
    }

    fn fail(&mut self, category: &str, detail: String) {
        if self.failures.iter().any(|f| f.category == category) {
            return;
        }
        if cascades(category) {
            self.stopped = true;
        }
        self.failures.push(Failure {
            step: self.steps.len() - 1,
            category: category.to_owned(),
            detail,
        });
    }

    pub fn apply(&mut self, step: Step) {
        if self.stopped || self.invalid {
            return;
        }
        self.steps.push(step.clone());
        match step {
            Step::Event(e) => {
                if let Event::AppealFiled {
                    kind, against, at, ..
                } = &e
                {
                    // Only against a sanction the real system shows, when its path is open.
                    let shown = self
                        .real_store
                        .iter()
                        .find(|s| s.sanction_id.as_str() == against.sanction_id);
                    if shown.is_none_or(|s| !may_appeal(s, *kind, *at, &self.events, &self.policy))
                    {
                        self.invalid = true;
                        return;
                    }
                    self.stats.appeals += 1;
                }
                if let Event::AppealDecided {
                    appeal,
                    granted: true,
                    ..
                } = &e
                {
                    let against = self.events.iter().find_map(|f| match f {
                        Event::AppealFiled {
                            appeal: a, against, ..
                        } if a == appeal => Some(against.sanction_id.clone()),
                        _ => None,
                    });
                    let followed = against.is_some_and(|id| {
                        self.real_store.iter().any(|s| {
                            s.replaces
                                .as_ref()
                                .is_some_and(|r| r.sanction_id.as_str() == id)
                        })
                    });
                    self.stats.follows_replacement |= followed;
                }
                self.stored.apply(&e);
                self.events.push(e);
            }
            Step::Evaluate(now) => self.evaluate(now),
        }
    }

    fn evaluate(&mut self, now: Time) {
        let p = self.policy.clone();
        let record = self.stored.record(self.real_store.clone());
        let real = evaluate(&record, &p, now);
        let reference = model::evaluate(&self.events, &self.ref_store, now, FREELANCER, &p);
        let shown = real_view(&real);
        self.stats.evaluations += 1;
        self.compare(&reference, &shown, &real, now);
        self.properties(&real, &reference, now);
        self.count(&real);
        self.real_store = real.sanctions.clone();
        self.ref_store = reference.sanctions;
    }

    fn compare(&mut self, r: &RefEvaluation, s: &RefEvaluation, real: &Evaluation, now: Time) {
        // The lifts with their reasons and times, which the compared shape leaves out.
        let lifts = |ends: Vec<String>| ends.join("; ");
        let real_lifts: Vec<String> = real
            .changes
            .iter()
            .filter_map(|c| match c {
                SanctionChange::Lifted {
                    sanction,
                    reason,
                    at,
                    ..
                } => Some(format!(
                    "{} {reason} at {}",
                    sanction.sanction_id,
                    crate::history::t(*at)
                )),
                SanctionChange::Imposed(_) => None,
            })
            .collect();
        let ref_lifts: Vec<String> = r
            .lifted
            .iter()
            .map(|id| {
                r.block_ends
                    .iter()
                    .rev()
                    .find(|e| &e.sanction_id == id)
                    .map_or_else(
                        || id.clone(),
                        |e| format!("{id} {} at {}", e.reason, crate::history::t(e.at)),
                    )
            })
            .collect();
        let both = || {
            format!(
                "at {}\n  reference: {:#?}\n  reference lifts: {}\n  real:      {:#?}\n  real lifts: {}",
                crate::history::t(now),
                strip(r),
                lifts(ref_lifts.clone()),
                strip(s),
                lifts(real_lifts.clone())
            )
        };
        if r.standing != s.standing {
            self.fail("standing", both());
        }
        let ids = |e: &RefEvaluation| {
            e.sanctions
                .iter()
                .map(|s| s.sanction_id.clone())
                .collect::<Vec<_>>()
        };
        if ids(r) != ids(s) {
            self.fail("sanction ids", both());
        } else {
            for (a, b) in r.sanctions.iter().zip(&s.sanctions) {
                for field in differing_fields(a, b) {
                    self.fail(&format!("sanction field `{field}`"), both());
                }
            }
        }
        if r.jss != s.jss {
            self.fail("jss", both());
        }
        if r.eligibility != s.eligibility {
            self.fail("eligibility", both());
        }
        if r.next_due != s.next_due {
            self.fail("next_due", both());
        }
        if r.disputed != s.disputed {
            self.fail("disputed credentials", both());
        }
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        if sorted(&r.imposed) != sorted(&s.imposed) || sorted(&r.lifted) != sorted(&s.lifted) {
            self.fail("changes (imposed / lifted ids)", both());
        }
        for c in &real.changes {
            if let SanctionChange::Lifted {
                sanction,
                reason,
                at,
                ..
            } = c
                && sanction.rule == RuleId::QualityMultipleNegative
                && let Some(end) = r
                    .block_ends
                    .iter()
                    .rev()
                    .find(|e| e.sanction_id == sanction.sanction_id.as_str())
                && (end.reason != reason.as_str() || end.at != *at)
            {
                self.fail(
                    "lift of a quality block (reason or time)",
                    format!(
                        "{} lifted: reference says {} at {}, real says {} at {}\n{}",
                        sanction.sanction_id,
                        end.reason,
                        crate::history::t(end.at),
                        reason,
                        crate::history::t(*at),
                        both()
                    ),
                );
            }
        }
    }

    fn properties(&mut self, real: &Evaluation, reference: &RefEvaluation, now: Time) {
        let p = self.policy.clone();
        for s in &real.sanctions {
            if s.started_at > now {
                self.fail(
                    "property: a sanction begins after now",
                    format!("{s:#?} at {}", crate::history::t(now)),
                );
            }
            if s.imposed_at < s.started_at || s.imposed_at > now {
                self.fail(
                    "property: imposed_at outside [started_at, now]",
                    format!("{s:#?} at {}", crate::history::t(now)),
                );
            }
            if s.appeal
                .contest_until
                .is_none_or(|u| u < add_months(s.imposed_at, p.contest_within_months))
            {
                self.fail(
                    "property: contest_until before imposed_at + contest months",
                    format!("{s:#?}"),
                );
            }
            if s.rule == RuleId::QualityMultipleNegative {
                for f in &s.evidence.feedback_ids {
                    let contract = self.events.iter().find_map(|e| match e {
                        Event::ClientFeedback { contract, .. }
                            if model::feedback_id(contract) == f.as_str() =>
                        {
                            Some(contract.clone())
                        }
                        _ => None,
                    });
                    let reveal = contract
                        .as_deref()
                        .and_then(|c| model::reveal_of(&self.events, c, &p));
                    if reveal.is_none_or(|r| r > s.started_at) {
                        self.fail(
                            "property: a block begins before its evidence was known",
                            format!(
                                "{} started {} rests on {f} (contract {contract:?}) revealed {:?}",
                                s.sanction_id,
                                crate::history::t(s.started_at),
                                reveal.map(crate::history::t)
                            ),
                        );
                    }
                }
            }
        }
        // Evaluating again at the same moment, with what the store kept, changes nothing.
        let record = self.stored.record(real.sanctions.clone());
        let again = evaluate(&record, &p, now);
        if again.sanctions != real.sanctions || !again.changes.is_empty() {
            self.fail(
                "property: evaluating twice at one moment changes something",
                format!(
                    "first: {:#?}\nsecond: {:#?}\nchanges: {:#?}",
                    real.sanctions, again.sanctions, again.changes
                ),
            );
        }
        // And so does evaluating later with nothing new, before next_due.
        // One probe per evaluation, alternating between half-way and the last second before
        // next_due (where an off-by-one in next_due would show).
        let mut later = Vec::new();
        match real.next_due {
            Some(due) if self.stats.evaluations.is_multiple_of(2) => {
                later.push(now + (due - now) / 2)
            }
            Some(due) => later.push(due - Duration::seconds(1)),
            None => later.push(now + Duration::days(400)),
        }
        // Strictly between now and next_due: at next_due itself time alone may change the outcome.
        for at in later
            .into_iter()
            .filter(|at| *at > now && real.next_due.is_none_or(|due| *at < due))
        {
            let again = evaluate(&record, &p, at);
            if again.sanctions != real.sanctions || !again.changes.is_empty() {
                self.fail(
                    "property: evaluating later with nothing new, before next_due, changes something",
                    format!(
                        "now {} next_due {:?} again at {}\nfirst: {:#?}\nlater: {:#?}\nchanges: {:#?}",
                        crate::history::t(now),
                        real.next_due.map(crate::history::t),
                        crate::history::t(at),
                        real.sanctions,
                        again.sanctions,
                        again.changes
                    ),
                );
            }
            let mine = model::evaluate(&self.events, &reference.sanctions, at, FREELANCER, &p);
            if mine.sanctions != reference.sanctions {
                self.fail(
                    "reference self-check: later with nothing new changes the reference",
                    format!("{:#?}\n{:#?}", reference.sanctions, mine.sanctions),
                );
            }
        }
        // Every other evaluation is enough to see every role set and caller on every kind of
        // contract many times over, and keeps the run within its time budget.
        if self.thorough || !self.stats.evaluations.is_multiple_of(2) {
            self.views(now);
        }
    }

    /// §2 and §10: what each caller with each set of roles may see of a contract's feedback.
    fn views(&mut self, now: Time) {
        let p = self.policy.clone();
        let ended: Vec<usize> = (0..self.stored.contracts.len())
            .filter(|&i| self.stored.contracts[i].contract.ended_at.is_some())
            .collect();
        if ended.is_empty() {
            return;
        }
        let pick: Vec<usize> = if self.thorough {
            ended
        } else {
            let h = (now.timestamp() / 3600) as usize;
            vec![ended[h % ended.len()]]
        };
        for i in pick {
            let evidence = self.stored.contracts[i].clone();
            let contract = &evidence.contract;
            let id = contract.contract_id.as_str().to_owned();
            let client_fb = evidence.client_feedback.as_ref();
            let freelancer_fb = self
                .stored
                .freelancer_feedback
                .iter()
                .find(|(c, _)| c == &contract.contract_id)
                .map(|(_, f)| f.clone());
            let freelancer_fb = freelancer_fb.as_ref();
            let revealed = model::revealed(&self.events, &id, now, &p);
            let client_id = contract.client_id.as_str().to_owned();
            for caller in [client_id.as_str(), FREELANCER, "other"] {
                for mask in 0u8..16 {
                    self.stats.views += 1;
                    let roles: Vec<Role> = Role::ALL
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| mask & (1 << k) != 0)
                        .map(|(_, r)| *r)
                        .collect();
                    let actor = Actor::new(user(caller), roles.iter().copied());
                    let is_client = caller == client_id;
                    let is_freelancer = caller == FREELANCER;
                    let reviewer = actor.has(Role::Reviewer);
                    let with_role = (is_client && actor.has(Role::Client))
                        || (is_freelancer && actor.has(Role::Freelancer));
                    // Formatted only on failure: this loop runs 48 times per evaluation.
                    let who = || {
                        format!(
                            "caller {caller} roles {roles:?} on {id} at {} (revealed: {revealed})",
                            crate::history::t(now)
                        )
                    };
                    let result = contract_view(&actor, contract, client_fb, freelancer_fb, now, &p);
                    let view = match result {
                        Err(DomainError::Forbidden(_)) => {
                            if with_role || (reviewer && !is_client && !is_freelancer) {
                                self.fail("view: a party or a reviewer was refused", who());
                            }
                            continue;
                        }
                        Err(e) => {
                            self.fail("view: an unexpected error", format!("{}: {e:?}", who()));
                            continue;
                        }
                        Ok(v) => v,
                    };
                    if !is_client && !is_freelancer && !reviewer {
                        self.fail(
                            "view: a caller who is neither party nor reviewer was not refused",
                            format!("{}: {view:#?}", who()),
                        );
                    }
                    let other = if is_client {
                        view.freelancer.is_some()
                    } else if is_freelancer {
                        view.client.is_some()
                    } else {
                        false
                    };
                    if other && !revealed {
                        self.fail(
                            "view: another party's unrevealed public part is shown",
                            format!("{}: {view:#?}", who()),
                        );
                    }
                    let private = view.client.as_ref().is_some_and(|c| c.private.is_some())
                        || view
                            .freelancer
                            .as_ref()
                            .is_some_and(|f| f.private.is_some());
                    if private && !(is_client || (reviewer && !is_freelancer)) {
                        self.fail(
                            "view: the private part is shown to someone other than its author or a reviewer who is not the freelancer",
                            format!("{}: {view:#?}", who()),
                        );
                    }
                    if with_role {
                        // The party view, whatever other roles the caller holds.
                        let expect_client = client_fb.is_some() && (is_client || revealed);
                        let expect_freelancer =
                            freelancer_fb.is_some() && (is_freelancer || revealed);
                        let got_private = view.client.as_ref().is_some_and(|c| c.private.is_some());
                        let public_ok = view.client.as_ref().is_none_or(|c| {
                            client_fb.is_some_and(|f| c.public.scores == f.current().public.scores)
                        });
                        if view.client.is_some() != expect_client
                            || view.freelancer.is_some() != expect_freelancer
                            || got_private != (is_client && client_fb.is_some())
                            || !public_ok
                        {
                            self.fail(
                                "view: a party does not get the party view",
                                format!("{}: {view:#?}", who()),
                            );
                        }
                    }
                }
            }
        }
    }

    fn count(&mut self, real: &Evaluation) {
        let st = &mut self.stats;
        let block = real
            .sanctions
            .iter()
            .any(|s| s.rule == RuleId::QualityMultipleNegative);
        st.any_block |= block;
        st.ended_with_block = block;
        for s in &real.sanctions {
            st.replacement |= s.replaces.is_some();
            st.warned |= s.kind == standing_domain::Standing::Warned;
            st.restricted |= s.kind == standing_domain::Standing::Restricted;
            st.permanently_blocked |= s.kind == standing_domain::Standing::PermanentlyBlocked;
        }
        for c in &real.changes {
            if let SanctionChange::Lifted { reason, .. } = c {
                match reason {
                    LiftReason::Reinstated => st.reinstated = true,
                    LiftReason::ContestGranted => st.contest_granted = true,
                    LiftReason::EvidenceWithdrawn => st.withdrawn = true,
                    LiftReason::Superseded | LiftReason::PolicyChanged => {}
                }
            }
        }
    }
}

/// The reference's bookkeeping (block ends) is not part of what is compared.
fn strip(e: &RefEvaluation) -> RefEvaluation {
    RefEvaluation {
        block_ends: vec![],
        ..e.clone()
    }
}

fn differing_fields(a: &RefSanction, b: &RefSanction) -> Vec<&'static str> {
    let mut out = Vec::new();
    if a.kind != b.kind {
        out.push("kind");
    }
    if a.rule != b.rule {
        out.push("rule");
    }
    if a.started_at != b.started_at {
        out.push("started_at");
    }
    if a.imposed_at != b.imposed_at {
        out.push("imposed_at");
    }
    if a.replaces != b.replaces {
        out.push("replaces");
    }
    if (&a.contract_ids, &a.feedback_ids, &a.complaint_ids)
        != (&b.contract_ids, &b.feedback_ids, &b.complaint_ids)
    {
        out.push("evidence");
    }
    if a.decided_by != b.decided_by {
        out.push("decided_by");
    }
    if a.terms_clause != b.terms_clause {
        out.push("terms_clause");
    }
    if a.contest_until != b.contest_until {
        out.push("appeal.contest_until");
    }
    if a.reinstatement_opens_at != b.reinstatement_opens_at {
        out.push("appeal.reinstatement_opens_at");
    }
    out
}

fn sorted_strings<T: AsRef<str>>(items: impl Iterator<Item = T>) -> Vec<String> {
    let mut v: Vec<String> = items.map(|s| s.as_ref().to_owned()).collect();
    v.sort();
    v
}

fn ref_sanction(s: &Sanction) -> RefSanction {
    RefSanction {
        sanction_id: s.sanction_id.as_str().to_owned(),
        kind: s.kind,
        rule: s.rule,
        started_at: s.started_at,
        imposed_at: s.imposed_at,
        replaces: s
            .replaces
            .as_ref()
            .map(|r| (r.sanction_id.as_str().to_owned(), r.first_started_at)),
        contract_ids: sorted_strings(s.evidence.contract_ids.iter().map(|c| c.as_str())),
        feedback_ids: sorted_strings(s.evidence.feedback_ids.iter().map(|c| c.as_str())),
        complaint_ids: sorted_strings(s.evidence.complaint_ids.iter().map(|c| c.as_str())),
        decided_by: match &s.decided_by {
            DecidedBy::Automated => None,
            DecidedBy::Reviewer(r) => Some(r.as_str().to_owned()),
        },
        terms_clause: s.terms_clause.as_ref().map(|c| c.as_str().to_owned()),
        contest_until: s.appeal.contest_until,
        reinstatement_opens_at: s.appeal.reinstatement_opens_at,
    }
}

fn permission(p: &RealPermission) -> Permission {
    (
        p.allowed,
        p.sanctions.iter().map(|s| s.as_str().to_owned()).collect(),
    )
}

/// The real evaluation in the reference's shape.
fn real_view(e: &Evaluation) -> RefEvaluation {
    let mut sanctions: Vec<RefSanction> = e.sanctions.iter().map(ref_sanction).collect();
    sanctions.sort_by(|a, b| a.sanction_id.cmp(&b.sanction_id));
    let mut imposed = Vec::new();
    let mut lifted = Vec::new();
    for c in &e.changes {
        match c {
            SanctionChange::Imposed(s) => imposed.push(s.sanction_id.as_str().to_owned()),
            SanctionChange::Lifted { sanction, .. } => {
                lifted.push(sanction.sanction_id.as_str().to_owned())
            }
        }
    }
    RefEvaluation {
        standing: e.standing,
        sanctions,
        jss: e.jss,
        eligibility: [
            permission(&e.eligibility.submit_proposal),
            permission(&e.eligibility.accept_new_contract),
            permission(&e.eligibility.continue_existing_contract),
        ],
        next_due: e.next_due,
        disputed: sorted_strings(
            e.disputed_credentials
                .iter()
                .map(|d| d.complaint_id.as_str()),
        ),
        imposed,
        lifted,
        block_ends: vec![],
    }
}

/// Generates and runs one history.
pub fn run_generated(seed: u64) -> Driver {
    let p = policy();
    let mut generator = Generator::new(seed, &p);
    let mut driver = Driver::new(false);
    while !driver.stopped {
        let Some(step) = generator.next(&driver.real_store, &driver.events, &p) else {
            break;
        };
        driver.apply(step);
    }
    driver
}

/// Replays fixed steps (a recorded or shrunk history).
pub fn replay(steps: &[Step], thorough: bool) -> Driver {
    let mut driver = Driver::new(thorough);
    for s in steps {
        driver.apply(s.clone());
    }
    driver
}

/// Whether these steps are a valid history that still shows `category`.
fn still_fails(steps: &[Step], category: &str) -> bool {
    if !valid(steps, &policy()) {
        return false;
    }
    let d = replay(steps, true);
    !d.invalid && d.failures.iter().any(|f| f.category == category)
}

/// Greedy shrinking: drop everything after the failure, then any single step whose removal keeps
/// the history valid and failing the same way, until no step can go.
pub fn shrink(steps: &[Step], category: &str) -> Vec<Step> {
    let mut current = steps.to_vec();
    let d = replay(&current, true);
    if let Some(f) = d.failures.iter().find(|f| f.category == category) {
        current.truncate(f.step + 1);
    }
    if !still_fails(&current, category) {
        return steps.to_vec();
    }
    loop {
        let mut progress = false;
        let mut i = current.len();
        while i > 0 {
            i -= 1;
            let mut candidate = current.clone();
            candidate.remove(i);
            if still_fails(&candidate, category) {
                current = candidate;
                progress = true;
            }
        }
        if !progress {
            return current;
        }
    }
}

fn base_seed() -> u64 {
    match std::env::var("REFERENCE_SEED") {
        Ok(s) if s == "random" => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.expect("REFERENCE_SEED must be a number, 0x… hex, or `random`")
        }
        // Fixed by default so that a run is reproducible; REFERENCE_SEED=random explores.
        Err(_) => 0x5eed_0000_2026,
    }
}

fn histories() -> u64 {
    std::env::var("REFERENCE_HISTORIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

#[test]
fn evaluate_agrees_with_the_reference_model_on_ten_thousand_random_histories() {
    let base = base_seed();
    let n = histories();
    let only: Option<u64> = std::env::var("REFERENCE_HISTORY").ok().map(|s| {
        let s = s.trim();
        match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).expect("hex"),
            None => s.parse().expect("number"),
        }
    });
    eprintln!(
        "reference: base seed {base:#x} (REFERENCE_SEED), {n} histories (REFERENCE_HISTORIES)"
    );
    let started = Instant::now();
    let mut total = Stats::default();
    const COUNTED: [&str; 10] = [
        "histories with a block at some point",
        "histories that ended with a block",
        "histories showing a replacement block",
        "histories with a granted appeal against a block since replaced",
        "histories with a reinstatement",
        "histories with a sanction lifted by a granted contest",
        "histories with a block lifted as evidence withdrawn",
        "histories reaching ladder rung warned",
        "histories reaching ladder rung restricted",
        "histories reaching ladder rung permanently blocked",
    ];
    let mut counts = [0u64; COUNTED.len()];
    // category → (histories showing it, first seed, its steps)
    let mut seen: BTreeMap<String, (u64, u64, Vec<Step>)> = BTreeMap::new();
    let seeds: Vec<u64> = match only {
        Some(s) => vec![s],
        None => (0..n).map(|i| history_seed(base, i)).collect(),
    };
    // Histories are independent: run them on up to four threads, then merge in seed order so
    // the summary does not depend on scheduling.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let chunk = seeds.len().div_ceil(threads);
    let runs: Vec<Driver> = std::thread::scope(|scope| {
        let handles: Vec<_> = seeds
            .chunks(chunk.max(1))
            .map(|part| {
                scope.spawn(move || part.iter().map(|&s| run_generated(s)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a history thread panicked"))
            .collect()
    });
    for (&seed, d) in seeds.iter().zip(runs) {
        assert!(
            !d.invalid,
            "the generator made an invalid history (seed {seed:#x})"
        );
        debug_assert!(valid(&d.steps, &policy()), "invalid history {seed:#x}");
        let s = &d.stats;
        total.evaluations += s.evaluations;
        total.appeals += s.appeals;
        total.views += s.views;
        let hits = [
            s.any_block,
            s.ended_with_block,
            s.replacement,
            s.follows_replacement,
            s.reinstated,
            s.contest_granted,
            s.withdrawn,
            s.warned,
            s.restricted,
            s.permanently_blocked,
        ];
        for (count, hit) in counts.iter_mut().zip(hits) {
            *count += u64::from(hit);
        }
        for f in &d.failures {
            let e = seen
                .entry(f.category.clone())
                .or_insert((0, seed, d.steps.clone()));
            e.0 += 1;
        }
        if only.is_some() {
            eprintln!("history {seed:#x}:\n{}", describe_all(&d.steps));
            for f in &d.failures {
                eprintln!("FAILED {} at step #{:03}\n{}", f.category, f.step, f.detail);
            }
        }
    }
    eprintln!(
        "reference: {} histories, {} evaluations, {} appeals, {} feedback views in {:.1?}",
        seeds.len(),
        total.evaluations,
        total.appeals,
        total.views,
        started.elapsed()
    );
    for (name, c) in COUNTED.iter().zip(counts) {
        eprintln!("  {name}: {c}");
    }
    if seen.is_empty() {
        return;
    }
    let mut report = String::new();
    for (category, (histories, seed, steps)) in &seen {
        let minimal = shrink(steps, category);
        let d = replay(&minimal, true);
        let detail = d
            .failures
            .iter()
            .find(|f| &f.category == category)
            .map_or_else(|| "(did not reproduce)".to_owned(), |f| f.detail.clone());
        report.push_str(&format!(
            "\n=== {category}: {histories} histories; first seed {seed:#x} (REFERENCE_HISTORY={seed:#x}); minimal history:\n{}{detail}\n",
            describe_all(&minimal)
        ));
    }
    panic!(
        "evaluate disagrees with the reference model or breaks a property in {} ways:{report}",
        seen.len()
    );
}

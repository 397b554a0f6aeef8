//! Builders for tests, property tests and benchmarks (feature `fixtures`). They panic on bad
//! literals, which is what a test wants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::model::*;
use crate::record::{ContractEvidence, FreelancerRecord};
use crate::*;
use chrono::{DateTime, Duration, Utc};

/// The rule book's defaults.
pub fn policy() -> PolicyConfig {
    PolicyConfig::default()
}

/// Day `n` after a fixed epoch (2026-01-01T00:00:00Z); negative `n` goes back.
pub fn day(n: i64) -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(n)
}

pub fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

pub fn score(n: i64) -> Score {
    Score::parse(n).unwrap()
}

pub fn usd(minor: u64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

/// A public part with every score equal to `n`.
pub fn public(n: i64) -> PublicPart {
    PublicPart {
        scores: Scores::all(score(n)),
        comment: Comment::parse("fixture").unwrap(),
    }
}

/// A contract of freelancer `fl1`, started 30 days before it ended (or before day 0).
pub fn contract(id: &str, client: &str, ended: Option<DateTime<Utc>>, charged: u64) -> Contract {
    Contract {
        contract_id: ContractId::parse(id).unwrap(),
        client_id: user(client),
        freelancer_id: user("fl1"),
        started_at: ended.unwrap_or(day(0)) - Duration::days(30),
        ended_at: ended,
        total_charged: usd(charged),
    }
}

/// A client's feedback about `fl1`, every score `scores`.
pub fn client_feedback(
    contract_id: &str,
    client: &str,
    scores: i64,
    reason: ReasonEnded,
    dissatisfied: &[Area],
    at: DateTime<Utc>,
) -> Feedback {
    Feedback::new(
        ContractId::parse(contract_id).unwrap(),
        Direction::Client,
        user(client),
        user("fl1"),
        public(scores),
        Some(PrivatePart {
            reason_ended: reason,
            recommend: None,
            dissatisfied_with: dissatisfied.iter().copied().collect(),
            note: None,
        }),
        at,
    )
}

/// A freelancer's feedback about a client.
pub fn freelancer_feedback(
    contract_id: &str,
    freelancer: &str,
    client: &str,
    scores: i64,
    at: DateTime<Utc>,
) -> Feedback {
    Feedback::new(
        ContractId::parse(contract_id).unwrap(),
        Direction::Freelancer,
        user(freelancer),
        user(client),
        public(scores),
        None,
        at,
    )
}

/// Rewrites the scores of the current version in place.
pub fn set_scores(feedback: &mut Feedback, edit: impl FnOnce(&mut Scores)) {
    let mut public = feedback.current().public.clone();
    edit(&mut public.scores);
    let rebuilt = Feedback::from_parts(
        feedback.feedback_id.clone(),
        feedback.contract_id.clone(),
        feedback.direction,
        feedback.author.clone(),
        feedback.subject.clone(),
        feedback.submitted_at,
        vec![PublicVersion {
            version: 1,
            public,
            at: feedback.submitted_at,
        }],
        feedback.private.clone(),
        feedback.change,
        feedback.response.clone(),
        feedback.report.clone(),
    )
    .unwrap();
    *feedback = rebuilt;
}

/// A contract that ended at `ended` (charged 100.00) with negative client feedback a day later.
pub fn negative_contract(id: &str, client: &str, ended: DateTime<Utc>) -> ContractEvidence {
    ContractEvidence {
        contract: contract(id, client, Some(ended), 10_000),
        client_feedback: Some(client_feedback(
            id,
            client,
            1,
            ReasonEnded::QualityIssues,
            &[Area::Performance],
            ended + Duration::days(1),
        )),
        freelancer_feedback_at: None,
    }
}

/// Negatives from three distinct clients on contracts that ended on days 10, 20 and 30: enough
/// for the rule book's quality block once all three are revealed.
pub fn three_negatives() -> Vec<ContractEvidence> {
    vec![
        negative_contract("c1", "cl1", day(10)),
        negative_contract("c2", "cl2", day(20)),
        negative_contract("c3", "cl3", day(30)),
    ]
}

/// A contract that ended at `ended` (charged 100.00) with positive client feedback a day later.
pub fn positive_contract(id: &str, client: &str, ended: DateTime<Utc>) -> ContractEvidence {
    ContractEvidence {
        contract: contract(id, client, Some(ended), 10_000),
        client_feedback: Some(client_feedback(
            id,
            client,
            5,
            ReasonEnded::CompletedSuccessfully,
            &[],
            ended + Duration::days(1),
        )),
        freelancer_feedback_at: None,
    }
}

/// `fl1`'s record with these contracts and nothing else.
pub fn record(contracts: Vec<ContractEvidence>) -> FreelancerRecord {
    FreelancerRecord::new(user("fl1"), contracts, vec![], vec![], vec![])
}

pub fn report(feedback: &mut Feedback, at: DateTime<Utc>) {
    feedback.report = Some(FeedbackReport {
        report_id: ReportId::for_feedback(&feedback.feedback_id),
        reason: ReportReason::Irrelevant,
        details: Note::parse("not about the work").unwrap(),
        filed_at: at,
        decision: None,
    });
}

pub fn decide_report(feedback: &mut Feedback, outcome: ReportOutcome, at: DateTime<Utc>) {
    if let Some(r) = feedback.report.as_mut() {
        r.decision = Some(ReportDecision {
            outcome,
            note: Note::parse("decided").unwrap(),
            reviewer: user("rev1"),
            decided_at: at,
        });
    }
}

/// Reports the contract's client feedback and has a reviewer remove it at `at`.
pub fn remove_feedback(evidence: &mut ContractEvidence, at: DateTime<Utc>) {
    if let Some(f) = evidence.client_feedback.as_mut() {
        report(f, at);
        decide_report(f, ReportOutcome::Removed, at);
    }
}

pub fn cert() -> ComplaintCategory {
    ComplaintCategory::Certification
}

pub fn claim(text: &str) -> ClaimText {
    ClaimText::parse(text).unwrap()
}

/// An open complaint about `fl1`'s certification `claim_text`.
pub fn complaint(id: &str, reporter: &str, claim_text: &str, at: DateTime<Utc>) -> Complaint {
    Complaint {
        complaint_id: ComplaintId::parse(id).unwrap(),
        freelancer_id: user("fl1"),
        reporter: user(reporter),
        category: cert(),
        claim: claim(claim_text),
        statement: Statement::parse("the certificate does not exist").unwrap(),
        evidence: vec![EvidenceText::parse("https://example.org/registry").unwrap()],
        filed_at: at,
        under_review_since: None,
        decision: None,
    }
}

/// A complaint about "AWS SA" decided at `at`.
pub fn decided_complaint(
    id: &str,
    reporter: &str,
    outcome: ComplaintOutcome,
    at: DateTime<Utc>,
) -> Complaint {
    let mut c = complaint(id, reporter, "AWS SA", at - Duration::days(2));
    c.under_review_since = Some(at - Duration::days(1));
    c.decision = Some(ComplaintDecision {
        outcome,
        terms_clause: TermsClause::parse("ToS 4.2 Accurate profile").unwrap(),
        note: Note::parse("checked the registry").unwrap(),
        reviewer: user("rev1"),
        decided_at: at,
    });
    c
}

/// An active quality block on `fl1`.
pub fn block_sanction(id: &str, started_at: DateTime<Utc>) -> Sanction {
    Sanction {
        sanction_id: SanctionId::parse(id).unwrap(),
        kind: Standing::BlockedNewWork,
        rule: RuleId::QualityMultipleNegative,
        policy_version: "rulebook-1".into(),
        started_at,
        imposed_at: started_at,
        replaces: None,
        evidence: Evidence {
            contract_ids: vec![ContractId::parse("c1").unwrap()],
            feedback_ids: vec![FeedbackId::for_contract(
                &ContractId::parse("c1").unwrap(),
                Direction::Client,
            )],
            complaint_ids: vec![],
        },
        decided_by: DecidedBy::Automated,
        terms_clause: None,
        statement: "fixture".into(),
        appeal: AppealPaths::default(),
    }
}

pub fn pending_appeal(
    id: &str,
    sanction: &Sanction,
    kind: AppealKind,
    at: DateTime<Utc>,
) -> Appeal {
    Appeal {
        appeal_id: AppealId::parse(id).unwrap(),
        freelancer_id: user("fl1"),
        kind,
        sanction: SanctionSnapshot {
            sanction_id: sanction.sanction_id.clone(),
            kind: sanction.kind,
            rule: sanction.rule,
            started_at: sanction.started_at,
            evidence: sanction.evidence.clone(),
        },
        statement: Statement::parse("please").unwrap(),
        filed_at: at,
        decision: None,
        overdue_since: None,
    }
}

pub fn decided_appeal(
    id: &str,
    sanction: &Sanction,
    kind: AppealKind,
    outcome: AppealOutcome,
    at: DateTime<Utc>,
) -> Appeal {
    let mut a = pending_appeal(id, sanction, kind, at - Duration::days(1));
    a.decision = Some(AppealDecision {
        outcome,
        note: Note::parse("decided").unwrap(),
        reviewer: user("rev1"),
        decided_at: at,
    });
    a
}

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(t: DateTime<Utc>) -> Self {
        Self(std::sync::Mutex::new(t))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap();
        *t += by;
    }
}

impl crate::ports::Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// An actor with these roles.
pub fn actor(id: &str, roles: &[Role]) -> Actor {
    Actor::new(user(id), roles.iter().copied())
}

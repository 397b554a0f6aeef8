//! `evaluate`: a freelancer's standing, sanctions, JSS and eligibility, as a pure function of
//! their record, the policy and `now`.

use crate::model::{
    AuditEntry, Complaint, DecidedBy, Evidence, Notice, NoticeKind, RuleId, Sanction,
};
use crate::record::FreelancerRecord;
use crate::rules::complaints::{self, Rung};
use crate::rules::eligibility::{self, Eligibility};
use crate::rules::quality::{self, Counting, Tally};
use crate::rules::{appeals, jss};
use crate::{
    AppealKind, ClaimText, ComplaintCategory, ComplaintId, FeedbackId, PolicyConfig, SanctionId,
    Standing, UserId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::values::vocabulary!(
    /// Why a sanction stopped standing.
    LiftReason {
        /// §8: a reviewer granted reinstatement.
        Reinstated => "reinstated",
        /// §8: a reviewer granted a contest: the sanction was an error.
        ContestGranted => "contest_granted",
        /// §4: feedback it rested on was removed or changed, and the rule no longer holds at the
        /// block's own moment.
        EvidenceWithdrawn => "evidence_withdrawn",
        /// §7: replaced by the next rung of the ladder.
        Superseded => "superseded",
    }
);

/// What changed between the previous evaluation and this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SanctionChange {
    Imposed(Sanction),
    Lifted {
        sanction: Sanction,
        reason: LiftReason,
        at: DateTime<Utc>,
        by: DecidedBy,
    },
}

/// A credential the profile flags as disputed (§7, from `restricted` up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputedCredential {
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub complaint_id: ComplaintId,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub freelancer_id: UserId,
    pub standing: Standing,
    /// The active sanctions, by id.
    pub sanctions: Vec<Sanction>,
    pub jss: Option<u8>,
    pub eligibility: Eligibility,
    pub disputed_credentials: Vec<DisputedCredential>,
    /// The standing the previous evaluation left.
    pub previous_standing: Standing,
    pub changes: Vec<SanctionChange>,
    pub evaluated_at: DateTime<Utc>,
}

/// The worst standing among sanctions.
pub fn standing_of(sanctions: &[Sanction]) -> Standing {
    sanctions
        .iter()
        .map(|s| s.kind)
        .max()
        .unwrap_or(Standing::Good)
}

/// Evaluates a freelancer. Same input, same output; re-evaluating never mints a new sanction for
/// the same fact, because sanction ids derive from the facts behind them.
pub fn evaluate(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    now: DateTime<Utc>,
) -> Evaluation {
    let facts = AppealFacts::read(record, now);
    let mut active = Vec::new();
    let mut changes = Vec::new();

    quality_block(record, policy, now, &facts, &mut active, &mut changes);
    let rung = complaints::ladder(record.complaints(), &facts.voided_complaints, policy);
    complaint_ladder(
        record,
        policy,
        &facts,
        rung.as_ref(),
        &mut active,
        &mut changes,
    );

    active.sort_by(|a, b| a.sanction_id.cmp(&b.sanction_id));
    let disputed_credentials = match &rung {
        Some(r) if r.kind >= Standing::Restricted => r
            .counted
            .iter()
            .map(|c| DisputedCredential {
                category: c.category,
                claim: c.claim.clone(),
                complaint_id: c.complaint_id.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    Evaluation {
        freelancer_id: record.freelancer_id().clone(),
        standing: standing_of(&active),
        eligibility: eligibility::eligibility(&active),
        jss: jss::score(record, now, policy),
        sanctions: active,
        disputed_credentials,
        previous_standing: standing_of(record.previous()),
        changes,
        evaluated_at: now,
    }
}

/// What decided appeals say, read once.
struct AppealFacts {
    /// (sanction, reviewer, decided_at) of granted reinstatements, by decision time.
    reinstatements: Vec<(SanctionId, UserId, DateTime<Utc>)>,
    /// (sanction, reviewer, decided_at) of granted contests.
    contests: Vec<(SanctionId, UserId, DateTime<Utc>)>,
    /// Feedback a granted contest of a quality block ruled out.
    excluded_feedback: Vec<FeedbackId>,
    /// Complaint decisions a granted contest of a ladder sanction voided.
    voided_complaints: Vec<ComplaintId>,
}

impl AppealFacts {
    fn read(record: &FreelancerRecord, now: DateTime<Utc>) -> Self {
        let mut facts = AppealFacts {
            reinstatements: Vec::new(),
            contests: Vec::new(),
            excluded_feedback: Vec::new(),
            voided_complaints: Vec::new(),
        };
        for appeal in record.appeals() {
            let Some(decision) = &appeal.decision else {
                continue;
            };
            let Some(at) = appeal.granted_at().filter(|t| *t <= now) else {
                continue;
            };
            let fact = (
                appeal.sanction.sanction_id.clone(),
                decision.reviewer.clone(),
                at,
            );
            match appeal.kind {
                AppealKind::Reinstatement => facts.reinstatements.push(fact),
                AppealKind::Contest => {
                    facts.contests.push(fact);
                    let evidence = &appeal.sanction.evidence;
                    match appeal.sanction.rule {
                        RuleId::QualityMultipleNegative => facts
                            .excluded_feedback
                            .extend(evidence.feedback_ids.iter().cloned()),
                        RuleId::ComplaintsMisrepresentation => {
                            // The contest reverses the decision that raised the rung: the latest one.
                            if let Some(c) =
                                latest_decided(record.complaints(), &evidence.complaint_ids)
                            {
                                facts.voided_complaints.push(c.complaint_id.clone());
                            }
                        }
                    }
                }
            }
        }
        facts.reinstatements.sort_by(|a, b| a.2.cmp(&b.2));
        facts.excluded_feedback.sort();
        facts
    }

    fn last_reinstatement_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.reinstatements
            .iter()
            .map(|r| r.2)
            .filter(|at| *at <= t)
            .max()
    }

    fn granted<'a>(
        list: &'a [(SanctionId, UserId, DateTime<Utc>)],
        id: &SanctionId,
    ) -> Option<&'a (SanctionId, UserId, DateTime<Utc>)> {
        list.iter().find(|f| &f.0 == id)
    }
}

fn latest_decided<'a>(complaints: &'a [Complaint], ids: &[ComplaintId]) -> Option<&'a Complaint> {
    complaints
        .iter()
        .filter(|c| ids.contains(&c.complaint_id))
        .filter_map(|c| c.decision.as_ref().map(|d| (d.decided_at, c)))
        .max_by(|a, b| (a.0, &a.1.complaint_id).cmp(&(b.0, &b.1.complaint_id)))
        .map(|(_, c)| c)
}

fn quality_block(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    now: DateTime<Utc>,
    facts: &AppealFacts,
    active: &mut Vec<Sanction>,
    changes: &mut Vec<SanctionChange>,
) {
    let excluded = &facts.excluded_feedback;
    let previous = record
        .previous()
        .iter()
        .find(|s| s.rule == RuleId::QualityMultipleNegative);
    if let Some(block) = previous {
        let lifted = |reason, at, by| SanctionChange::Lifted {
            sanction: block.clone(),
            reason,
            at,
            by,
        };
        if let Some((_, reviewer, at)) =
            AppealFacts::granted(&facts.reinstatements, &block.sanction_id)
        {
            changes.push(lifted(
                LiftReason::Reinstated,
                *at,
                DecidedBy::Reviewer(reviewer.clone()),
            ));
        } else if let Some((_, reviewer, at)) =
            AppealFacts::granted(&facts.contests, &block.sanction_id)
        {
            changes.push(lifted(
                LiftReason::ContestGranted,
                *at,
                DecidedBy::Reviewer(reviewer.clone()),
            ));
        } else {
            // §4: checked again at the block's own moment, with the evidence as it stands now.
            let counting = Counting {
                since: facts.last_reinstatement_before(block.started_at),
                excluded,
            };
            if quality::tally_at(record, block.started_at, counting, policy).holds(policy) {
                let mut kept = block.clone();
                kept.appeal = appeals::paths(
                    &kept.sanction_id,
                    kept.kind,
                    kept.rule,
                    kept.started_at,
                    record.appeals(),
                    policy,
                );
                active.push(kept);
                return;
            }
            changes.push(lifted(
                LiftReason::EvidenceWithdrawn,
                now,
                DecidedBy::Automated,
            ));
        }
    }
    let counting = Counting {
        since: facts.last_reinstatement_before(now),
        excluded,
    };
    let Some(started_at) = quality::block_moment(record, now, counting, policy) else {
        return;
    };
    let tally = quality::tally_at(record, started_at, counting, policy);
    let block = new_block(record, policy, started_at, &tally);
    changes.push(SanctionChange::Imposed(block.clone()));
    active.push(block);
}

fn new_block(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    started_at: DateTime<Utc>,
    tally: &Tally<'_>,
) -> Sanction {
    let evidence = Evidence {
        contract_ids: tally
            .negative
            .iter()
            .map(|e| e.contract.contract_id.clone())
            .collect(),
        feedback_ids: tally
            .negative
            .iter()
            .filter_map(|e| e.client_feedback.as_ref().map(|f| f.feedback_id.clone()))
            .collect(),
        complaint_ids: Vec::new(),
    }
    .normalized();
    let rule = RuleId::QualityMultipleNegative;
    let stamp = started_at.to_rfc3339();
    let ids: Vec<&str> = evidence
        .feedback_ids
        .iter()
        .map(FeedbackId::as_str)
        .collect();
    let sanction_id = SanctionId::derived(
        "sn",
        &[
            record.freelancer_id().as_str(),
            rule.as_str(),
            &stamp,
            &ids.join(","),
        ],
    );
    let areas: Vec<&str> = tally.areas.iter().map(|a| a.as_str()).collect();
    let statement = format!(
        "Blocked from new proposals and new contracts under rule {rule} (policy {version}): in the {days} days to {day}, clients reported dissatisfaction on {neg} of {rated} rated contracts ({pct}%), from {clients} distinct clients (areas: {areas}); the rule requires at least {min_clients} distinct clients and {min_pct}%. Existing contracts go on. Reinstatement can be requested {months} calendar months after the block began; the block can be contested as an error within {contest} months.",
        version = policy.version,
        days = policy.quality_window_days,
        day = started_at.format("%Y-%m-%d"),
        neg = tally.negative.len(),
        rated = tally.rated,
        pct = tally.percent(),
        clients = tally.clients.len(),
        areas = areas.join(", "),
        min_clients = policy.quality_min_distinct_clients,
        min_pct = policy.quality_min_negative_percent,
        months = policy.reinstatement_after_months,
        contest = policy.contest_within_months,
    );
    let appeal = appeals::paths(
        &sanction_id,
        Standing::BlockedNewWork,
        rule,
        started_at,
        record.appeals(),
        policy,
    );
    Sanction {
        sanction_id,
        kind: Standing::BlockedNewWork,
        rule,
        policy_version: policy.version.clone(),
        started_at,
        evidence,
        decided_by: DecidedBy::Automated,
        terms_clause: None,
        statement,
        appeal,
    }
}

fn complaint_ladder(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    facts: &AppealFacts,
    rung: Option<&Rung<'_>>,
    active: &mut Vec<Sanction>,
    changes: &mut Vec<SanctionChange>,
) {
    let current = rung.and_then(|r| ladder_sanction(record, policy, r));
    let previous = record
        .previous()
        .iter()
        .find(|s| s.rule == RuleId::ComplaintsMisrepresentation);
    match (previous, current) {
        (Some(prev), Some(cur)) if prev.sanction_id == cur.sanction_id => {
            let mut kept = prev.clone();
            kept.appeal = cur.appeal;
            active.push(kept);
        }
        (prev, cur) => {
            if let Some(prev) = prev {
                let (reason, at, by) =
                    match AppealFacts::granted(&facts.contests, &prev.sanction_id) {
                        Some((_, reviewer, at)) => (
                            LiftReason::ContestGranted,
                            *at,
                            DecidedBy::Reviewer(reviewer.clone()),
                        ),
                        None => match &cur {
                            Some(c) => (LiftReason::Superseded, c.started_at, c.decided_by.clone()),
                            None => (
                                LiftReason::EvidenceWithdrawn,
                                prev.started_at,
                                DecidedBy::Automated,
                            ),
                        },
                    };
                changes.push(SanctionChange::Lifted {
                    sanction: prev.clone(),
                    reason,
                    at,
                    by,
                });
            }
            if let Some(cur) = cur {
                changes.push(SanctionChange::Imposed(cur.clone()));
                active.push(cur);
            }
        }
    }
}

fn ladder_sanction(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    rung: &Rung<'_>,
) -> Option<Sanction> {
    let decision = rung.reached_by.decision.as_ref()?;
    let rule = RuleId::ComplaintsMisrepresentation;
    let evidence = Evidence {
        contract_ids: Vec::new(),
        feedback_ids: Vec::new(),
        complaint_ids: rung
            .counted
            .iter()
            .map(|c| c.complaint_id.clone())
            .collect(),
    }
    .normalized();
    let sanction_id = SanctionId::derived(
        "sn",
        &[
            record.freelancer_id().as_str(),
            rule.as_str(),
            rung.kind.as_str(),
            rung.reached_by.complaint_id.as_str(),
        ],
    );
    let effect = match rung.kind {
        Standing::Warned => "Warned",
        Standing::Restricted => {
            "Restricted from new proposals, with the disputed credentials flagged on the profile"
        }
        _ => "Permanently blocked from new work, with no reinstatement path",
    };
    let statement = format!(
        "{effect} under rule {rule} (policy {version}): complaints from {n} distinct clients that the freelancer misrepresents their professional background were found substantiated by a reviewer against {clause}; the latest concerns the {category} \"{claim}\". The decision can be contested as an error within {contest} months.",
        version = policy.version,
        n = rung.reporters,
        clause = decision.terms_clause.as_str(),
        category = rung.reached_by.category.as_str().replace('_', " "),
        claim = rung.reached_by.claim.as_str(),
        contest = policy.contest_within_months,
    );
    let appeal = appeals::paths(
        &sanction_id,
        rung.kind,
        rule,
        decision.decided_at,
        record.appeals(),
        policy,
    );
    Some(Sanction {
        sanction_id,
        kind: rung.kind,
        rule,
        policy_version: policy.version.clone(),
        started_at: decision.decided_at,
        evidence,
        decided_by: DecidedBy::Reviewer(decision.reviewer.clone()),
        terms_clause: Some(decision.terms_clause.clone()),
        statement,
        appeal,
    })
}

impl Evaluation {
    /// One audit entry per change (§10), in order.
    pub fn audit_entries(&self) -> Vec<AuditEntry> {
        self.changes
            .iter()
            .map(|change| match change {
                SanctionChange::Imposed(s) => AuditEntry {
                    freelancer_id: self.freelancer_id.clone(),
                    at: self.evaluated_at,
                    action: "imposed".into(),
                    sanction_id: s.sanction_id.clone(),
                    rule: s.rule,
                    policy_version: s.policy_version.clone(),
                    before: self.previous_standing,
                    after: self.standing,
                    evidence: s.evidence.clone(),
                    actor: s.decided_by.clone(),
                    reason: s.statement.clone(),
                },
                SanctionChange::Lifted {
                    sanction,
                    reason,
                    at: _,
                    by,
                } => AuditEntry {
                    freelancer_id: self.freelancer_id.clone(),
                    at: self.evaluated_at,
                    action: "lifted".into(),
                    sanction_id: sanction.sanction_id.clone(),
                    rule: sanction.rule,
                    policy_version: sanction.policy_version.clone(),
                    before: self.previous_standing,
                    after: self.standing,
                    evidence: sanction.evidence.clone(),
                    actor: by.clone(),
                    reason: lift_sentence(*reason).to_owned(),
                },
            })
            .collect()
    }

    /// One notice to the freelancer per change.
    pub fn notices(&self) -> Vec<Notice> {
        self.changes
            .iter()
            .map(|change| match change {
                SanctionChange::Imposed(s) => Notice {
                    freelancer_id: self.freelancer_id.clone(),
                    kind: NoticeKind::SanctionImposed,
                    subject: s.sanction_id.to_string(),
                    at: self.evaluated_at,
                    message: s.statement.clone(),
                },
                SanctionChange::Lifted {
                    sanction, reason, ..
                } => Notice {
                    freelancer_id: self.freelancer_id.clone(),
                    kind: NoticeKind::SanctionLifted,
                    subject: sanction.sanction_id.to_string(),
                    at: self.evaluated_at,
                    message: lift_sentence(*reason).to_owned(),
                },
            })
            .collect()
    }
}

fn lift_sentence(reason: LiftReason) -> &'static str {
    match reason {
        LiftReason::Reinstated => {
            "Lifted: a reviewer granted reinstatement; negative feedback on contracts that ended before it no longer counts."
        }
        LiftReason::ContestGranted => {
            "Reversed: a reviewer granted the contest; the sanction was an error and the evidence behind it no longer counts."
        }
        LiftReason::EvidenceWithdrawn => {
            "Reversed automatically: feedback the sanction rested on was removed or changed, and the rule no longer holds at the moment the sanction began."
        }
        LiftReason::Superseded => "Replaced by the next sanction of the complaints ladder.",
    }
}

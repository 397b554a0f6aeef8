//! `evaluate`: a freelancer's standing, sanctions, JSS and eligibility, as a pure function of
//! their record, the policy and `now`.

use crate::calendar::{sub_days, sub_months};
use crate::model::{
    AppealPaths, AuditEntry, Complaint, DecidedBy, Evidence, Notice, NoticeKind, Replaced, RuleId,
    Sanction,
};
use crate::record::FreelancerRecord;
use crate::rules::complaints::{self, Rung};
use crate::rules::eligibility::{self, Eligibility};
use crate::rules::quality::{self, Block, Ending};
use crate::rules::{appeals, jss};
use crate::{
    AppealKind, ClaimText, ComplaintCategory, ComplaintId, PolicyConfig, SanctionId, Standing,
    UserId,
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
        /// A policy version made live since no longer imposes it on the same evidence.
        PolicyChanged => "policy_changed",
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The sanctions the previous evaluation left, by id and kind: each audit entry's before and
    /// after are its own transition from there (§10).
    pub previous_sanctions: Vec<(SanctionId, Standing)>,
    /// Impositions first (a replacement before the block it replaces is lifted), then lifts.
    pub changes: Vec<SanctionChange>,
    pub evaluated_at: DateTime<Utc>,
    /// The next moment time alone can change this outcome; the schedule re-evaluates then.
    pub next_due: Option<DateTime<Utc>>,
}

/// The worst standing among sanctions.
pub fn standing_of(sanctions: &[Sanction]) -> Standing {
    sanctions
        .iter()
        .map(|s| s.kind)
        .max()
        .unwrap_or(Standing::Good)
}

/// Where the evidence an evaluation needs begins: the longer of the quality and JSS windows, and
/// for a standing block, the quality window before the first block of its lineage (the replay
/// re-creates the lineage from there). A store reads contracts that ended after this.
pub fn evidence_since(
    previous: &[Sanction],
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> DateTime<Utc> {
    let quality = sub_days(now, policy.quality_window_days);
    let jss = sub_months(now, policy.jss_window_months);
    previous
        .iter()
        .filter(|s| s.rule == RuleId::QualityMultipleNegative)
        .map(|s| {
            let first = s
                .replaces
                .as_ref()
                .map_or(s.started_at, |r| r.first_started_at);
            sub_days(first.min(s.started_at), policy.quality_window_days)
        })
        .fold(quality.min(jss), DateTime::min)
}

/// Evaluates a freelancer. Same input, same output; re-evaluating never mints a new sanction for
/// the same fact, because sanction ids derive from the facts behind them, and the quality block's
/// life is replayed from the evidence's own times (EVALUATION.md).
pub fn evaluate(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    now: DateTime<Utc>,
) -> Evaluation {
    let mut active = Vec::new();
    let mut imposed = Vec::new();
    let mut lifted = Vec::new();

    quality_block(record, policy, now, &mut active, &mut imposed, &mut lifted);
    let voided = voided_complaints(record, now);
    let rung = complaints::ladder(record.complaints(), &voided, policy);
    complaint_ladder(
        record,
        policy,
        now,
        rung.as_ref(),
        &mut active,
        &mut imposed,
        &mut lifted,
    );

    active.sort_by(|a, b| a.sanction_id.cmp(&b.sanction_id));
    let disputed_credentials = match &rung {
        Some(r) if r.kind >= Standing::Restricted => {
            complaints::substantiated(record.complaints(), &voided)
                .into_iter()
                .map(|c| DisputedCredential {
                    category: c.category,
                    claim: c.claim.clone(),
                    complaint_id: c.complaint_id.clone(),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    imposed.append(&mut lifted);
    Evaluation {
        freelancer_id: record.freelancer_id().clone(),
        standing: standing_of(&active),
        eligibility: eligibility::eligibility(&active),
        jss: jss::score(record, now, policy),
        sanctions: active,
        disputed_credentials,
        previous_standing: standing_of(record.previous()),
        previous_sanctions: record
            .previous()
            .iter()
            .map(|s| (s.sanction_id.clone(), s.kind))
            .collect(),
        changes: imposed,
        evaluated_at: now,
        next_due: quality::next_due(record, now, policy),
    }
}

/// When the freelancer was told of a sanction: the evaluation that first showed it.
fn imposed_at(record: &FreelancerRecord, id: &SanctionId, now: DateTime<Utc>) -> DateTime<Utc> {
    record
        .previous()
        .iter()
        .find(|s| &s.sanction_id == id)
        .map_or(now, |s| s.imposed_at)
}

/// Complaint decisions that a granted contest of a ladder sanction voided: the latest decision
/// among the contested sanction's complaints.
fn voided_complaints(record: &FreelancerRecord, now: DateTime<Utc>) -> Vec<ComplaintId> {
    record
        .appeals()
        .iter()
        .filter(|a| a.kind == AppealKind::Contest)
        .filter(|a| a.sanction.rule == RuleId::ComplaintsMisrepresentation)
        .filter(|a| a.granted_at().is_some_and(|t| t <= now))
        .filter_map(|a| latest_decided(record.complaints(), &a.sanction.evidence.complaint_ids))
        .map(|c| c.complaint_id.clone())
        .collect()
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
    active: &mut Vec<Sanction>,
    imposed: &mut Vec<SanctionChange>,
    lifted: &mut Vec<SanctionChange>,
) {
    // A block decided under another version than the live one is carried as decided: sticky
    // (§4) until a reviewer reinstates the freelancer or grants a contest of it. The live
    // version judges from its switch on (its replay starts no block before `live_since`), and
    // starts none while a carried block stands.
    let switched = record.policy_since().is_some();
    let (carried, own): (Vec<&Sanction>, Vec<&Sanction>) = record
        .previous()
        .iter()
        .filter(|s| s.rule == RuleId::QualityMultipleNegative)
        .partition(|s| switched && s.policy_version != policy.version);
    let mut carried_stands = false;
    for old in carried {
        match granted_against(record, old, now).or_else(|| withdrawn_under_own(record, old, now)) {
            Some((reason, at, by)) => lifted.push(SanctionChange::Lifted {
                sanction: old.clone(),
                reason,
                at,
                by,
            }),
            None => {
                active.push(old.clone());
                carried_stands = true;
            }
        }
    }
    let timeline = quality::timeline(record, now, policy);
    let current = timeline
        .current
        .as_ref()
        .filter(|_| !carried_stands)
        .map(|b| quality_sanction(record, policy, now, b));
    for previous in own.into_iter().filter(|s| {
        current
            .as_ref()
            .is_none_or(|c| c.sanction_id != s.sanction_id)
    }) {
        let ended = timeline
            .ended
            .iter()
            .find(|e| e.block.sanction_id == previous.sanction_id);
        let (reason, at, by) = match ended {
            Some(e) => match &e.why {
                Ending::Reinstated(r) => {
                    (LiftReason::Reinstated, e.at, DecidedBy::Reviewer(r.clone()))
                }
                Ending::ContestGranted(r) => (
                    LiftReason::ContestGranted,
                    e.at,
                    DecidedBy::Reviewer(r.clone()),
                ),
                Ending::EvidenceWithdrawn => {
                    (LiftReason::EvidenceWithdrawn, e.at, DecidedBy::Automated)
                }
            },
            // The replay no longer finds it at all: its evidence is gone, or the policy it was
            // decided under is no longer live and the live one does not impose it.
            None => (lift_unfound(previous, policy), now, DecidedBy::Automated),
        };
        lifted.push(SanctionChange::Lifted {
            sanction: previous.clone(),
            reason,
            at,
            by,
        });
    }
    if let Some(block) = current {
        if !record
            .previous()
            .iter()
            .any(|s| s.sanction_id == block.sanction_id)
        {
            imposed.push(SanctionChange::Imposed(block.clone()));
        }
        active.push(block);
    }
}

/// §4 for a block carried from an earlier version: that version replays its own block on the
/// evidence as it stands now; if it no longer holds (feedback it rested on was removed or
/// changed), it is reversed. Without that version's numbers it stands as decided.
fn withdrawn_under_own(
    record: &FreelancerRecord,
    sanction: &Sanction,
    now: DateTime<Utc>,
) -> Option<(LiftReason, DateTime<Utc>, DecidedBy)> {
    let own = record.policy_named(&sanction.policy_version)?;
    let replay = quality::timeline_since(record, now, own, None);
    if replay
        .current
        .as_ref()
        .is_some_and(|b| b.sanction_id == sanction.sanction_id)
    {
        return None;
    }
    let at = replay
        .ended
        .iter()
        .find(|e| e.block.sanction_id == sanction.sanction_id)
        .filter(|e| matches!(e.why, Ending::EvidenceWithdrawn))
        .map_or(now, |e| e.at);
    Some((LiftReason::EvidenceWithdrawn, at, DecidedBy::Automated))
}

/// A granted reinstatement or contest filed against this sanction, as of `now`: why, when and
/// by whom it is lifted.
fn granted_against(
    record: &FreelancerRecord,
    sanction: &Sanction,
    now: DateTime<Utc>,
) -> Option<(LiftReason, DateTime<Utc>, DecidedBy)> {
    record
        .appeals()
        .iter()
        .filter(|a| a.sanction.sanction_id == sanction.sanction_id)
        .filter_map(|a| {
            let decision = a.decision.as_ref()?;
            let granted = a.granted_at().is_some_and(|t| t <= now);
            let reason = match a.kind {
                AppealKind::Reinstatement => LiftReason::Reinstated,
                AppealKind::Contest => LiftReason::ContestGranted,
            };
            granted.then(|| {
                (
                    reason,
                    decision.decided_at,
                    DecidedBy::Reviewer(decision.reviewer.clone()),
                )
            })
        })
        .min_by_key(|(_, at, _)| *at)
}

fn quality_sanction(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    now: DateTime<Utc>,
    block: &Block,
) -> Sanction {
    let rule = RuleId::QualityMultipleNegative;
    let areas: Vec<&str> = block.areas.iter().map(|a| a.as_str()).collect();
    let replaces = block.replaced().map(|id| Replaced {
        sanction_id: id.clone(),
        first_started_at: block.first_started_at,
    });
    let replacing = match &replaces {
        Some(r) => format!(
            " It replaces block {} (blocked without a break since {}), whose evidence changed.",
            r.sanction_id,
            r.first_started_at.format("%Y-%m-%d")
        ),
        None => String::new(),
    };
    // §10: contracts and areas in aggregate only; never which client named which area.
    let statement = format!(
        "Blocked from new proposals and new contracts under rule {rule} (policy {version}): in the {days} days to {day}, clients reported dissatisfaction on {neg} of {rated} rated contracts ({pct}%), from {clients} distinct clients (areas: {areas}); the rule requires at least {min_clients} distinct clients and {min_pct}%.{replacing} Existing contracts go on. Reinstatement can be requested {months} calendar months after the block began; the block can be contested as an error within {contest} months of being imposed.",
        version = policy.version,
        days = policy.quality_window_days,
        day = block.started_at.format("%Y-%m-%d"),
        neg = block.negative,
        rated = block.rated,
        pct = if block.rated == 0 {
            0
        } else {
            u64::from(block.negative) * 100 / u64::from(block.rated)
        },
        clients = block.clients,
        areas = areas.join(", "),
        min_clients = policy.quality_min_distinct_clients,
        min_pct = policy.quality_min_negative_percent,
        months = policy.reinstatement_after_months,
        contest = policy.contest_within_months,
    );
    let imposed_at = imposed_at(record, &block.sanction_id, now);
    let decided = record
        .previous()
        .iter()
        .find(|s| s.sanction_id == block.sanction_id);
    let mut sanction = Sanction {
        sanction_id: block.sanction_id.clone(),
        kind: Standing::BlockedNewWork,
        rule,
        policy_version: policy.version.clone(),
        started_at: block.started_at,
        imposed_at,
        replaces,
        evidence: block.evidence.clone(),
        decided_by: DecidedBy::Automated,
        terms_clause: None,
        statement,
        appeal: AppealPaths {
            reinstatement_opens_at: Some(appeals::reinstatement_opens_at(
                &block.lineage,
                block.first_started_at,
                record.appeals(),
                policy,
            )),
            contest_until: Some(appeals::contest_until(imposed_at, policy)),
        },
    };
    keep_decided_under(&mut sanction, decided);
    sanction
}

/// A sanction keeps the policy version it was decided under, and that version's statement of
/// reasons, when a later version still finds it (a live switch re-evaluates everyone).
fn keep_decided_under(sanction: &mut Sanction, decided: Option<&Sanction>) {
    if let Some(before) = decided
        && before.policy_version != sanction.policy_version
    {
        sanction.policy_version = before.policy_version.clone();
        sanction.statement = before.statement.clone();
        sanction.started_at = before.started_at;
    }
}

fn complaint_ladder(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    now: DateTime<Utc>,
    rung: Option<&Rung<'_>>,
    active: &mut Vec<Sanction>,
    imposed: &mut Vec<SanctionChange>,
    lifted: &mut Vec<SanctionChange>,
) {
    let current = rung.and_then(|r| ladder_sanction(record, policy, now, r));
    let previous = record
        .previous()
        .iter()
        .find(|s| s.rule == RuleId::ComplaintsMisrepresentation);
    if let Some(prev) = previous
        && current
            .as_ref()
            .is_none_or(|c| c.sanction_id != prev.sanction_id)
    {
        let contest = record.appeals().iter().find(|a| {
            a.kind == AppealKind::Contest
                && a.sanction.sanction_id == prev.sanction_id
                && a.granted_at().is_some_and(|t| t <= now)
        });
        let (reason, at, by) = match (contest.and_then(|a| a.decision.as_ref()), &current) {
            (Some(d), _) => (
                LiftReason::ContestGranted,
                d.decided_at,
                DecidedBy::Reviewer(d.reviewer.clone()),
            ),
            (None, Some(c)) => (LiftReason::Superseded, c.started_at, c.decided_by.clone()),
            (None, None) => (lift_unfound(prev, policy), now, DecidedBy::Automated),
        };
        lifted.push(SanctionChange::Lifted {
            sanction: prev.clone(),
            reason,
            at,
            by,
        });
    }
    if let Some(cur) = current {
        if previous.is_none_or(|p| p.sanction_id != cur.sanction_id) {
            imposed.push(SanctionChange::Imposed(cur.clone()));
        }
        active.push(cur);
    }
}

fn ladder_sanction(
    record: &FreelancerRecord,
    policy: &PolicyConfig,
    now: DateTime<Utc>,
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
        "{effect} under rule {rule} (policy {version}): complaints from {n} distinct clients that the freelancer misrepresents their professional background were found substantiated by a reviewer against {clause}; the latest concerns the {category} \"{claim}\". The decision can be contested as an error within {contest} months of being imposed.",
        version = policy.version,
        n = rung.reporters,
        clause = decision.terms_clause.as_str(),
        category = rung.reached_by.category.as_str().replace('_', " "),
        claim = rung.reached_by.claim.as_str(),
        contest = policy.contest_within_months,
    );
    let imposed_at = imposed_at(record, &sanction_id, now).max(decision.decided_at);
    let decided = record
        .previous()
        .iter()
        .find(|s| s.sanction_id == sanction_id)
        .cloned();
    // A rung a newly live version reaches on decisions taken before its switch begins at the
    // switch: a policy change never backdates a sanction.
    let started_at = match (&decided, record.policy_since()) {
        (None, Some(since)) => decision.decided_at.max(since),
        _ => decision.decided_at,
    };
    let mut sanction = Sanction {
        sanction_id,
        kind: rung.kind,
        rule,
        policy_version: policy.version.clone(),
        started_at,
        imposed_at,
        replaces: None,
        evidence,
        decided_by: DecidedBy::Reviewer(decision.reviewer.clone()),
        terms_clause: Some(decision.terms_clause.clone()),
        statement,
        appeal: AppealPaths {
            reinstatement_opens_at: None,
            contest_until: Some(appeals::contest_until(imposed_at, policy)),
        },
    };
    keep_decided_under(&mut sanction, decided.as_ref());
    Some(sanction)
}

impl Evaluation {
    /// One audit entry per change (§10), in order; each entry's before and after are the
    /// standing just before and just after that one change.
    pub fn audit_entries(&self) -> Vec<AuditEntry> {
        let mut standing: Vec<(SanctionId, Standing)> = self.previous_sanctions.clone();
        let worst = |set: &[(SanctionId, Standing)]| {
            set.iter().map(|s| s.1).max().unwrap_or(Standing::Good)
        };
        self.changes
            .iter()
            .map(|change| {
                let before = worst(&standing);
                match change {
                    SanctionChange::Imposed(s) => {
                        standing.push((s.sanction_id.clone(), s.kind));
                        AuditEntry {
                            freelancer_id: self.freelancer_id.clone(),
                            at: self.evaluated_at,
                            action: "imposed".into(),
                            sanction_id: s.sanction_id.clone(),
                            rule: s.rule,
                            policy_version: s.policy_version.clone(),
                            before,
                            after: worst(&standing),
                            evidence: s.evidence.clone(),
                            actor: s.decided_by.clone(),
                            reason: s.statement.clone(),
                        }
                    }
                    SanctionChange::Lifted {
                        sanction,
                        reason,
                        at: _,
                        by,
                    } => {
                        standing.retain(|s| s.0 != sanction.sanction_id);
                        AuditEntry {
                            freelancer_id: self.freelancer_id.clone(),
                            at: self.evaluated_at,
                            action: "lifted".into(),
                            sanction_id: sanction.sanction_id.clone(),
                            rule: sanction.rule,
                            policy_version: sanction.policy_version.clone(),
                            before,
                            after: worst(&standing),
                            evidence: sanction.evidence.clone(),
                            actor: by.clone(),
                            reason: lift_sentence(*reason).to_owned(),
                        }
                    }
                }
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

/// Why a sanction the evaluation no longer finds at all is lifted.
fn lift_unfound(sanction: &Sanction, policy: &PolicyConfig) -> LiftReason {
    if sanction.policy_version == policy.version {
        LiftReason::EvidenceWithdrawn
    } else {
        LiftReason::PolicyChanged
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
        LiftReason::PolicyChanged => {
            "Lifted: the policy version made live since the sanction was decided no longer imposes it on the same evidence."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use crate::model::Appeal;
    use crate::record::ContractEvidence;
    use crate::{AppealOutcome, ComplaintOutcome};

    fn with(
        contracts: Vec<ContractEvidence>,
        complaints: Vec<Complaint>,
        appeals: Vec<Appeal>,
        previous: Vec<Sanction>,
    ) -> FreelancerRecord {
        FreelancerRecord::new(user("fl1"), contracts, complaints, appeals, previous)
    }

    /// Evaluates, then feeds the result back as the previous sanctions, as the store would.
    fn settle(
        contracts: Vec<ContractEvidence>,
        appeals: Vec<Appeal>,
        previous: Vec<Sanction>,
        now: DateTime<Utc>,
    ) -> Evaluation {
        evaluate(&with(contracts, vec![], appeals, previous), &policy(), now)
    }

    #[test]
    fn a_block_a_newly_live_policy_finds_begins_no_earlier_than_its_switch() {
        let record = with(three_negatives(), vec![], vec![], vec![]).judged_since(Some(day(100)));
        let e = evaluate(&record, &policy(), day(120));
        let block = &e.sanctions[0];
        assert_eq!(block.started_at, day(100));
        assert_eq!(
            block.appeal.reinstatement_opens_at,
            Some(crate::calendar::add_months(day(100), 6))
        );
        // Evaluated again, the same block, from the same moment.
        let again = evaluate(
            &with(three_negatives(), vec![], vec![], e.sanctions.clone())
                .judged_since(Some(day(100))),
            &policy(),
            day(130),
        );
        assert_eq!(again.sanctions, e.sanctions);
        assert!(again.changes.is_empty());
    }

    #[test]
    fn a_block_decided_under_an_earlier_version_stays_as_decided_after_a_switch() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        for threshold in [2, 4] {
            // Whether the new numbers would impose it or not: it is carried as decided.
            let mut next = policy();
            next.version = "rulebook-2".into();
            next.quality_min_distinct_clients = threshold;
            let record = with(three_negatives(), vec![], vec![], first.sanctions.clone())
                .judged_since(Some(day(60)));
            let e = evaluate(&record, &next, day(70));
            assert_eq!(e.sanctions, first.sanctions, "threshold {threshold}");
            assert!(e.changes.is_empty());
        }
    }

    #[test]
    fn a_carried_block_is_lifted_by_a_granted_reinstatement() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let mut next = policy();
        next.version = "rulebook-2".into();
        let granted = decided_appeal(
            "ap1",
            &first.sanctions[0],
            AppealKind::Reinstatement,
            AppealOutcome::Granted,
            day(240),
        );
        let record = with(
            three_negatives(),
            vec![],
            vec![granted],
            first.sanctions.clone(),
        )
        .judged_since(Some(day(60)));
        let e = evaluate(&record, &next, day(250));
        assert_eq!(e.standing, Standing::Good);
        assert!(matches!(
            e.changes.as_slice(),
            [SanctionChange::Lifted {
                reason: LiftReason::Reinstated,
                ..
            }]
        ));
    }

    #[test]
    fn a_carried_block_whose_feedback_is_removed_is_reversed_under_its_own_version() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let mut next = policy();
        next.version = "rulebook-2".into();
        next.quality_min_distinct_clients = 2;
        let mut contracts = three_negatives();
        remove_feedback(&mut contracts[2], day(65));
        let record = with(contracts, vec![], vec![], first.sanctions.clone())
            .judged_since(Some(day(60)))
            .decided_under(vec![policy()]);
        let e = evaluate(&record, &next, day(70));
        assert!(
            e.changes.iter().any(|c| matches!(
                c,
                SanctionChange::Lifted { reason: LiftReason::EvidenceWithdrawn, sanction, .. }
                    if sanction.sanction_id == first.sanctions[0].sanction_id
            )),
            "{:?}",
            e.changes
        );
        // The live version then judges from its switch on: two clients' negatives remain, which
        // its numbers block, from no earlier than its switch.
        assert_eq!(e.standing, Standing::BlockedNewWork);
        assert!(e.sanctions[0].started_at >= day(60));
        assert_eq!(e.sanctions[0].policy_version, "rulebook-2");
    }

    #[test]
    fn a_newly_live_version_does_not_block_on_a_past_its_window_has_left() {
        // Three negatives in days 10 to 30 would block under these numbers, but by the switch
        // (day 500) they have left the 365-day window: the new version judges from its switch.
        let record = with(three_negatives(), vec![], vec![], vec![]).judged_since(Some(day(500)));
        let e = evaluate(&record, &policy(), day(510));
        assert_eq!(e.standing, Standing::Good);
        assert!(e.changes.is_empty());
    }

    #[test]
    fn a_good_freelancer_has_good_standing_and_may_do_everything() {
        let e = settle(
            vec![positive_contract("c1", "cl1", day(0))],
            vec![],
            vec![],
            day(30),
        );
        assert_eq!(e.standing, Standing::Good);
        assert!(e.sanctions.is_empty() && e.changes.is_empty());
        assert!(e.eligibility.submit_proposal.allowed);
    }

    #[test]
    fn negatives_from_three_clients_impose_an_automated_block_with_reasons_and_evidence() {
        let e = settle(three_negatives(), vec![], vec![], day(50));
        assert_eq!(e.standing, Standing::BlockedNewWork);
        let block = &e.sanctions[0];
        assert_eq!(block.rule, RuleId::QualityMultipleNegative);
        assert_eq!(block.decided_by, DecidedBy::Automated);
        assert_eq!(block.policy_version, "rulebook-1");
        assert_eq!(block.started_at, day(44));
        assert_eq!(block.evidence.contract_ids.len(), 3);
        assert_eq!(block.evidence.feedback_ids.len(), 3);
        assert!(
            block.statement.contains("3 distinct clients"),
            "{}",
            block.statement
        );
        assert_eq!(
            block.appeal.reinstatement_opens_at,
            Some(crate::calendar::add_months(day(44), 6))
        );
        assert!(!e.eligibility.accept_new_contract.allowed);
        assert!(e.eligibility.continue_existing_contract.allowed);
        assert_eq!(e.audit_entries().len(), 1);
        assert_eq!(e.audit_entries()[0].before, Standing::Good);
        assert_eq!(e.audit_entries()[0].after, Standing::BlockedNewWork);
    }

    #[test]
    fn re_evaluating_later_never_mints_a_new_sanction_for_the_same_fact() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let late = settle(three_negatives(), vec![], vec![], day(55));
        assert_eq!(
            first.sanctions[0].sanction_id,
            late.sanctions[0].sanction_id
        );
        let replay = settle(three_negatives(), vec![], first.sanctions.clone(), day(50));
        assert_eq!(replay.sanctions, first.sanctions);
        assert!(replay.changes.is_empty());
    }

    #[test]
    fn a_block_is_sticky_when_the_window_moves_on() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let much_later = settle(three_negatives(), vec![], first.sanctions.clone(), day(800));
        assert_eq!(much_later.standing, Standing::BlockedNewWork);
        assert!(much_later.changes.is_empty());
    }

    #[test]
    fn a_removed_negative_reverses_the_block_automatically() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let mut contracts = three_negatives();
        remove_feedback(&mut contracts[2], day(60));
        let after = settle(contracts, vec![], first.sanctions.clone(), day(61));
        assert_eq!(after.standing, Standing::Good);
        assert!(matches!(
            &after.changes[..],
            [SanctionChange::Lifted {
                reason: LiftReason::EvidenceWithdrawn,
                by: DecidedBy::Automated,
                ..
            }]
        ));
        assert_eq!(after.audit_entries()[0].action, "lifted");
    }

    #[test]
    fn a_negative_changed_to_positive_reverses_the_block() {
        // The first negative rests on its public scores alone, which a consented change can fix.
        let mut contracts = three_negatives();
        contracts[0].client_feedback = Some(client_feedback(
            "c1",
            "cl1",
            1,
            crate::ReasonEnded::Other,
            &[],
            day(11),
        ));
        let first = settle(contracts.clone(), vec![], vec![], day(50));
        assert_eq!(first.standing, Standing::BlockedNewWork);
        if let Some(fb) = contracts[0].client_feedback.as_mut() {
            fb.push_version(public(5), day(55));
        }
        let after = settle(contracts, vec![], first.sanctions.clone(), day(56));
        assert_eq!(after.standing, Standing::Good);
        assert!(matches!(
            &after.changes[..],
            [SanctionChange::Lifted {
                reason: LiftReason::EvidenceWithdrawn,
                ..
            }]
        ));
    }

    #[test]
    fn a_block_still_holds_when_only_evidence_after_its_moment_changes() {
        let mut contracts = three_negatives();
        contracts.push(negative_contract("c4", "cl4", day(35)));
        let first = settle(contracts.clone(), vec![], vec![], day(50));
        remove_feedback(&mut contracts[3], day(60));
        let after = settle(contracts, vec![], first.sanctions.clone(), day(61));
        assert_eq!(after.sanctions, first.sanctions);
    }

    #[test]
    fn a_granted_reinstatement_lifts_the_block_and_earlier_negatives_stop_counting() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let block = first.sanctions[0].clone();
        let granted = decided_appeal(
            "a1",
            &block,
            crate::AppealKind::Reinstatement,
            AppealOutcome::Granted,
            day(220),
        );
        let after = settle(
            three_negatives(),
            vec![granted.clone()],
            vec![block],
            day(221),
        );
        assert_eq!(after.standing, Standing::Good);
        assert!(matches!(
            &after.changes[..],
            [SanctionChange::Lifted {
                reason: LiftReason::Reinstated,
                ..
            }]
        ));
        // Two new negatives after reinstatement are not enough with the old ones ignored.
        let mut contracts = three_negatives();
        contracts.push(negative_contract("c5", "cl5", day(230)));
        contracts.push(negative_contract("c6", "cl6", day(240)));
        let later = settle(contracts, vec![granted], after.sanctions.clone(), day(250));
        assert_eq!(later.standing, Standing::Good);
    }

    #[test]
    fn a_granted_contest_reverses_the_block_and_its_evidence_no_longer_counts() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let block = first.sanctions[0].clone();
        let granted = decided_appeal(
            "a1",
            &block,
            crate::AppealKind::Contest,
            AppealOutcome::Granted,
            day(55),
        );
        let after = settle(three_negatives(), vec![granted], vec![block], day(56));
        assert_eq!(after.standing, Standing::Good);
        assert!(matches!(
            &after.changes[..],
            [SanctionChange::Lifted {
                reason: LiftReason::ContestGranted,
                ..
            }]
        ));
    }

    #[test]
    fn a_denied_reinstatement_moves_the_next_application_six_months_on() {
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let block = first.sanctions[0].clone();
        let denied = decided_appeal(
            "a1",
            &block,
            crate::AppealKind::Reinstatement,
            AppealOutcome::Denied,
            day(220),
        );
        let after = settle(three_negatives(), vec![denied], vec![block], day(221));
        assert_eq!(
            after.sanctions[0].appeal.reinstatement_opens_at,
            Some(crate::calendar::add_months(day(220), 6))
        );
    }

    #[test]
    fn substantiated_complaints_climb_the_ladder_and_each_step_is_audited() {
        let s = ComplaintOutcome::Substantiated;
        let one = vec![decided_complaint("k1", "cl1", s, day(1))];
        let warned = evaluate(
            &with(vec![], one.clone(), vec![], vec![]),
            &policy(),
            day(2),
        );
        assert_eq!(warned.standing, Standing::Warned);
        assert_eq!(
            warned.sanctions[0].decided_by,
            DecidedBy::Reviewer(user("rev1"))
        );
        assert!(warned.sanctions[0].terms_clause.is_some());
        assert!(warned.sanctions[0].appeal.reinstatement_opens_at.is_none());
        let mut two = one;
        two.push(decided_complaint("k2", "cl2", s, day(3)));
        let restricted = evaluate(
            &with(vec![], two, vec![], warned.sanctions.clone()),
            &policy(),
            day(4),
        );
        assert_eq!(restricted.standing, Standing::Restricted);
        assert!(!restricted.eligibility.submit_proposal.allowed);
        assert!(restricted.eligibility.accept_new_contract.allowed);
        assert_eq!(restricted.disputed_credentials.len(), 2);
        assert!(matches!(
            &restricted.changes[..],
            [
                SanctionChange::Imposed(_),
                SanctionChange::Lifted {
                    reason: LiftReason::Superseded,
                    ..
                }
            ]
        ));
        // Each entry is its own transition: warned to restricted, then the warning's lift
        // leaves the standing restricted.
        let audit = restricted.audit_entries();
        assert_eq!(
            (audit[0].before, audit[0].after),
            (Standing::Warned, Standing::Restricted)
        );
        assert_eq!(
            (audit[1].before, audit[1].after),
            (Standing::Restricted, Standing::Restricted)
        );
    }

    #[test]
    fn a_claim_substantiated_after_the_restricted_rung_was_reached_is_flagged_too() {
        let s = ComplaintOutcome::Substantiated;
        let complaints = vec![
            decided_complaint("k1", "cl1", s, day(1)),
            decided_complaint("k2", "cl2", s, day(3)),
            // The same reporter again: it moves no rung, but the claim is disputed all the same.
            decided_complaint("k3", "cl2", s, day(5)),
        ];
        let e = evaluate(&with(vec![], complaints, vec![], vec![]), &policy(), day(6));
        assert_eq!(e.standing, Standing::Restricted);
        let flagged: Vec<&str> = e
            .disputed_credentials
            .iter()
            .map(|d| d.complaint_id.as_str())
            .collect();
        assert_eq!(flagged, ["k1", "k2", "k3"]);
    }

    #[test]
    fn a_quality_block_and_a_complaint_sanction_stand_together_and_the_worst_is_the_standing() {
        let complaints = vec![decided_complaint(
            "k1",
            "cl1",
            ComplaintOutcome::Substantiated,
            day(1),
        )];
        let e = evaluate(
            &with(three_negatives(), complaints, vec![], vec![]),
            &policy(),
            day(50),
        );
        assert_eq!(e.sanctions.len(), 2);
        assert_eq!(e.standing, Standing::BlockedNewWork);
    }

    #[test]
    fn a_granted_contest_of_a_ladder_sanction_voids_the_decision_that_raised_it() {
        let s = ComplaintOutcome::Substantiated;
        let complaints = vec![
            decided_complaint("k1", "cl1", s, day(1)),
            decided_complaint("k2", "cl2", s, day(3)),
        ];
        let restricted = evaluate(
            &with(vec![], complaints.clone(), vec![], vec![]),
            &policy(),
            day(4),
        );
        let sanction = restricted.sanctions[0].clone();
        let granted = decided_appeal(
            "a1",
            &sanction,
            crate::AppealKind::Contest,
            AppealOutcome::Granted,
            day(6),
        );
        let after = evaluate(
            &with(vec![], complaints, vec![granted], vec![sanction]),
            &policy(),
            day(7),
        );
        assert_eq!(after.standing, Standing::Warned);
    }

    #[test]
    fn a_positive_changed_to_negative_long_after_blocks_from_the_change_and_is_contestable_from_then()
     {
        let mut contracts = vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            positive_contract("c3", "cl3", day(30)),
        ];
        let first = settle(contracts.clone(), vec![], vec![], day(100));
        assert_eq!(first.standing, Standing::Good);
        if let Some(fb) = contracts[2].client_feedback.as_mut() {
            fb.push_version(public(1), day(280));
        }
        let after = settle(contracts, vec![], vec![], day(281));
        let block = &after.sanctions[0];
        assert_eq!(block.started_at, day(280));
        assert_eq!(block.imposed_at, day(281));
        assert_eq!(
            block.appeal.contest_until,
            Some(crate::calendar::add_months(day(281), 6))
        );
        assert_eq!(
            block.appeal.reinstatement_opens_at,
            Some(crate::calendar::add_months(day(280), 6))
        );
    }

    #[test]
    fn a_replacement_block_names_the_block_it_replaces_and_its_contest_window_runs_from_now() {
        let mut contracts = three_negatives();
        contracts.push(negative_contract("c4", "cl4", day(100)));
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let s1 = first.sanctions[0].clone();
        remove_feedback(&mut contracts[1], day(200));
        let after = settle(contracts, vec![], first.sanctions.clone(), day(201));
        let s2 = &after.sanctions[0];
        assert_ne!(s2.sanction_id, s1.sanction_id);
        // c4's feedback was revealed when its window closed, day 114.
        assert_eq!(s2.started_at, day(114));
        assert_eq!(
            s2.replaces,
            Some(Replaced {
                sanction_id: s1.sanction_id.clone(),
                first_started_at: s1.started_at
            })
        );
        assert!(s2.statement.contains(s1.sanction_id.as_str()));
        assert_eq!(
            s2.appeal.contest_until,
            Some(crate::calendar::add_months(day(201), 6))
        );
        // The freelancer was blocked without a break since s1 began: the wait does not restart.
        assert_eq!(
            s2.appeal.reinstatement_opens_at,
            Some(crate::calendar::add_months(s1.started_at, 6))
        );
        let audit = after.audit_entries();
        assert_eq!(audit[0].action, "imposed");
        assert_eq!(
            (audit[0].before, audit[0].after),
            (Standing::BlockedNewWork, Standing::BlockedNewWork)
        );
        assert_eq!(audit[1].action, "lifted");
    }

    #[test]
    fn a_granted_reinstatement_filed_against_a_replaced_block_lifts_its_replacement() {
        let mut contracts = three_negatives();
        contracts.push(negative_contract("c4", "cl4", day(100)));
        let first = settle(three_negatives(), vec![], vec![], day(50));
        let s1 = first.sanctions[0].clone();
        remove_feedback(&mut contracts[1], day(200));
        let replaced = settle(contracts.clone(), vec![], first.sanctions.clone(), day(201));
        let granted = decided_appeal(
            "a1",
            &s1,
            crate::AppealKind::Reinstatement,
            AppealOutcome::Granted,
            day(230),
        );
        let after = settle(
            contracts,
            vec![granted],
            replaced.sanctions.clone(),
            day(231),
        );
        assert_eq!(after.standing, Standing::Good);
        assert!(matches!(
            &after.changes[..],
            [SanctionChange::Lifted {
                reason: LiftReason::Reinstated,
                ..
            }]
        ));
    }

    #[test]
    fn the_evidence_read_reaches_back_a_window_before_a_standing_block() {
        let block = block_sanction("s1", day(400));
        let since = evidence_since(&[block], day(1000), &policy());
        assert_eq!(since, day(35));
        assert_eq!(
            evidence_since(&[], day(1000), &policy()),
            crate::calendar::sub_months(day(1000), 24)
        );
    }
}

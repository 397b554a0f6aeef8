//! §4 The quality block, rule `quality.multiple_negative`: negative feedback from several
//! distinct clients, guarded by a minimum negative rate, over a trailing window by contract end.
//!
//! Evidence is bitemporal (§3, §4): a feedback version counts from when it was known (its reveal,
//! or its change), a removal or a granted contest from when it was decided. The block's life is
//! the process in `shared/domain/EVALUATION.md`, replayed from the record at every evaluation,
//! so a late, repeated or skipped evaluation gives the same blocks with the same ids and moments.

use crate::calendar::{add_days, sub_days};
use crate::model::{Evidence, RuleId};
use crate::record::{ContractEvidence, FreelancerRecord};
use crate::rules::{feedback as feedback_rule, negative};
use crate::{AppealKind, Areas, FeedbackId, PolicyConfig, SanctionId, UserId};
use chrono::{DateTime, Utc};

/// What the rule counts under one reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally<'a> {
    /// Contracts in the window with client feedback that counts.
    pub rated: u32,
    /// Those of them whose feedback is negative.
    pub negative: Vec<&'a ContractEvidence>,
    /// Distinct clients behind the negative ones, sorted.
    pub clients: Vec<&'a UserId>,
    /// Every area that made one of them negative.
    pub areas: Areas,
}

impl Tally<'_> {
    /// At least N distinct clients, and negative contracts at least P% of the rated ones.
    pub fn holds(&self, policy: &PolicyConfig) -> bool {
        let negative = self.negative.len() as u64;
        negative > 0
            && self.clients.len() as u64 >= u64::from(policy.quality_min_distinct_clients)
            && negative * 100
                >= u64::from(policy.quality_min_negative_percent) * u64::from(self.rated)
    }

    /// The negative percentage, rounded down, for statements.
    pub fn percent(&self) -> u64 {
        if self.rated == 0 {
            return 0;
        }
        self.negative.len() as u64 * 100 / u64::from(self.rated)
    }
}

/// How the evidence is read at one moment: the window ends at `at` and only feedback revealed by
/// then counts; the newest version made by `versions_until` is used; removals and exclusions
/// decided by `retractions_until` apply; only contracts that ended after `since` (the last
/// reinstatement) count.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub at: DateTime<Utc>,
    pub versions_until: DateTime<Utc>,
    pub retractions_until: DateTime<Utc>,
    pub since: Option<DateTime<Utc>>,
    /// Feedback a granted contest ruled out, and when.
    pub excluded: &'a [(FeedbackId, DateTime<Utc>)],
}

/// When the client's feedback on this contract is revealed (§2); `None` without one.
pub fn revealed_at(evidence: &ContractEvidence, policy: &PolicyConfig) -> Option<DateTime<Utc>> {
    let feedback = evidence.client_feedback.as_ref()?;
    feedback_rule::revealed_at(
        &evidence.contract,
        Some(feedback.submitted_at),
        evidence.freelancer_feedback_at,
        policy,
    )
}

/// The rule's count under a reading.
pub fn tally<'a>(record: &'a FreelancerRecord, q: Reading<'_>, policy: &PolicyConfig) -> Tally<'a> {
    let window_start = sub_days(q.at, policy.quality_window_days);
    let after = q.since.map_or(window_start, |s| s.max(window_start));
    let mut tally = Tally::default();
    for evidence in record.ended_between(after, q.at) {
        let Some(feedback) = &evidence.client_feedback else {
            continue;
        };
        if revealed_at(evidence, policy).is_none_or(|r| r > q.at)
            || feedback
                .removed_at()
                .is_some_and(|r| r <= q.retractions_until)
            || q.excluded
                .iter()
                .any(|(id, e)| id == &feedback.feedback_id && *e <= q.retractions_until)
        {
            continue;
        }
        let Some(version) = feedback
            .versions()
            .filter(|v| v.at <= q.versions_until)
            .last()
        else {
            continue;
        };
        tally.rated += 1;
        let areas = negative::areas_of_version(feedback, version, policy);
        if !areas.is_empty() {
            tally.areas = tally.areas.union(areas);
            tally.negative.push(evidence);
            let client = &evidence.contract.client_id;
            if let Err(at) = tally.clients.binary_search(&client) {
                tally.clients.insert(at, client);
            }
        }
    }
    tally
}

/// A quality block as the process found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub sanction_id: SanctionId,
    pub started_at: DateTime<Utc>,
    pub evidence: Evidence,
    /// The counts behind it, for its statement of reasons.
    pub rated: u32,
    pub negative: u32,
    pub clients: u32,
    pub areas: Areas,
    /// The blocks it replaced, oldest first, then itself: an appeal filed against any of them
    /// follows this one (§8).
    pub lineage: Vec<SanctionId>,
    /// When the first block of the lineage began.
    pub first_started_at: DateTime<Utc>,
}

impl Block {
    /// The block this one replaced, if it is a replacement.
    pub fn replaced(&self) -> Option<&SanctionId> {
        self.lineage.iter().rev().nth(1)
    }
}

/// Why a block stopped standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Reinstated(UserId),
    ContestGranted(UserId),
    EvidenceWithdrawn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub block: Block,
    pub why: Ending,
    pub at: DateTime<Utc>,
}

/// The quality block's history up to `now`: the block in force, and every block that ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    pub current: Option<Block>,
    pub ended: Vec<Ended>,
}

/// A granted appeal of a quality block: (decided_at, appeal id order) with what it says.
struct Grant<'a> {
    at: DateTime<Utc>,
    kind: AppealKind,
    sanction_id: &'a SanctionId,
    feedback_ids: &'a [FeedbackId],
    reviewer: &'a UserId,
}

fn grants(record: &FreelancerRecord, now: DateTime<Utc>) -> Vec<Grant<'_>> {
    // Appeals are in id order; a stable sort by time keeps that order within one moment.
    let mut grants: Vec<Grant<'_>> = record
        .appeals()
        .iter()
        .filter(|a| a.sanction.rule == RuleId::QualityMultipleNegative)
        .filter_map(|a| {
            let decision = a.decision.as_ref()?;
            let at = a.granted_at().filter(|t| *t <= now)?;
            Some(Grant {
                at,
                kind: a.kind,
                sanction_id: &a.sanction.sanction_id,
                feedback_ids: &a.sanction.evidence.feedback_ids,
                reviewer: &decision.reviewer,
            })
        })
        .collect();
    grants.sort_by_key(|g| g.at);
    grants
}

/// Every moment up to `now` at which what the rule sees can change (EVALUATION.md, Moments).
fn moments(
    record: &FreelancerRecord,
    grants: &[Grant<'_>],
    now: DateTime<Utc>,
    policy: &PolicyConfig,
    since: Option<DateTime<Utc>>,
) -> Vec<DateTime<Utc>> {
    let mut moments: Vec<DateTime<Utc>> = grants.iter().map(|g| g.at).collect();
    for evidence in record.contracts() {
        let (Some(feedback), Some(revealed), Some(ended)) = (
            evidence.client_feedback.as_ref(),
            revealed_at(evidence, policy),
            evidence.contract.ended_at,
        ) else {
            continue;
        };
        moments.push(revealed);
        moments.extend(feedback.versions().map(|v| v.at.max(revealed)));
        moments.extend(feedback.removed_at());
        moments.push(add_days(ended, policy.quality_window_days));
    }
    // The live version's switch: the first moment it may start a block (see `timeline`).
    moments.extend(since);
    moments.retain(|t| *t <= now);
    moments.sort();
    moments.dedup();
    moments
}

fn last_reinstatement(grants: &[Grant<'_>], t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    grants
        .iter()
        .filter(|g| g.kind == AppealKind::Reinstatement && g.at <= t)
        .map(|g| g.at)
        .max()
}

fn new_block(
    record: &FreelancerRecord,
    tally: &Tally<'_>,
    started_at: DateTime<Utc>,
    before: Option<&Block>,
) -> Block {
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
    let ids: Vec<&str> = evidence
        .feedback_ids
        .iter()
        .map(FeedbackId::as_str)
        .collect();
    let stamp = started_at.to_rfc3339();
    let sanction_id = SanctionId::derived(
        "sn",
        &[
            record.freelancer_id().as_str(),
            RuleId::QualityMultipleNegative.as_str(),
            &stamp,
            &ids.join(","),
        ],
    );
    let mut lineage = before.map(|b| b.lineage.clone()).unwrap_or_default();
    lineage.push(sanction_id.clone());
    Block {
        sanction_id,
        started_at,
        evidence,
        rated: tally.rated,
        negative: tally.negative.len() as u32,
        clients: tally.clients.len() as u32,
        areas: tally.areas,
        lineage,
        first_started_at: before.map_or(started_at, |b| b.first_started_at),
    }
}

/// Replays the quality block's life over the record up to `now` (EVALUATION.md, The process).
pub fn timeline(record: &FreelancerRecord, now: DateTime<Utc>, policy: &PolicyConfig) -> Timeline {
    timeline_since(record, now, policy, record.policy_since())
}

/// [`timeline`] of a policy that judges from `since` on (`None`: from the start): it starts no
/// block at an earlier moment. A version no longer live replays its own blocks with `None`.
pub fn timeline_since(
    record: &FreelancerRecord,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
    since: Option<DateTime<Utc>>,
) -> Timeline {
    let grants = grants(record, now);
    let moments = moments(record, &grants, now, policy, since);
    let mut excluded: Vec<(FeedbackId, DateTime<Utc>)> = Vec::new();
    let mut timeline = Timeline::default();
    for (i, &m) in moments.iter().enumerate() {
        for grant in grants.iter().filter(|g| g.at == m) {
            if grant.kind == AppealKind::Contest {
                excluded.extend(grant.feedback_ids.iter().map(|f| (f.clone(), m)));
            }
            // §8: a granted reinstatement lifts the quality block in force, whatever its id; a
            // granted contest reverses the block it was filed against or one that replaced it.
            let lifts = timeline.current.as_ref().is_some_and(|b| {
                grant.kind == AppealKind::Reinstatement || b.lineage.contains(grant.sanction_id)
            });
            if let Some(block) = timeline.current.take_if(|_| lifts) {
                let why = match grant.kind {
                    AppealKind::Reinstatement => Ending::Reinstated(grant.reviewer.clone()),
                    AppealKind::Contest => {
                        excluded.extend(block.evidence.feedback_ids.iter().map(|f| (f.clone(), m)));
                        Ending::ContestGranted(grant.reviewer.clone())
                    }
                };
                timeline.ended.push(Ended { block, why, at: m });
            }
        }
        if let Some(block) = timeline.current.take() {
            let recheck = Reading {
                at: block.started_at,
                versions_until: m,
                retractions_until: m,
                since: last_reinstatement(&grants, block.started_at),
                excluded: &excluded,
            };
            if tally(record, recheck, policy).holds(policy) {
                timeline.current = Some(block);
                continue;
            }
            // §4: reversed; a replacement begins at the first later moment the remaining
            // evidence, as known then, met the rule.
            let replacement = moments[..=i]
                .iter()
                .filter(|t| **t > block.started_at)
                .find_map(|&t| {
                    let q = Reading {
                        at: t,
                        versions_until: t,
                        retractions_until: m,
                        since: last_reinstatement(&grants, t),
                        excluded: &excluded,
                    };
                    let found = tally(record, q, policy);
                    found
                        .holds(policy)
                        .then(|| new_block(record, &found, t, Some(&block)))
                });
            timeline.current = replacement;
            timeline.ended.push(Ended {
                block,
                why: Ending::EvidenceWithdrawn,
                at: m,
            });
            continue;
        }
        // A policy judges from when it went live: it starts no block at an earlier moment (a
        // switch neither backdates a block nor blocks on a past the old policy let pass).
        if since.is_some_and(|since| m < since) {
            continue;
        }
        let known = Reading {
            at: m,
            versions_until: m,
            retractions_until: m,
            since: last_reinstatement(&grants, m),
            excluded: &excluded,
        };
        let found = tally(record, known, policy);
        if found.holds(policy) {
            timeline.current = Some(new_block(record, &found, m, None));
        }
    }
    timeline
}

/// The next moment after `now` at which time alone can change what the rule sees: a reveal when
/// the feedback window closes, or a contract leaving the window (§4, the daily check).
pub fn next_due(
    record: &FreelancerRecord,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Option<DateTime<Utc>> {
    record
        .contracts()
        .iter()
        .filter(|e| e.client_feedback.is_some())
        .flat_map(|e| {
            let exits = e
                .contract
                .ended_at
                .map(|ended| add_days(ended, policy.quality_window_days));
            [revealed_at(e, policy), exits]
        })
        .flatten()
        .filter(|t| *t > now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn known(t: DateTime<Utc>) -> Reading<'static> {
        Reading {
            at: t,
            versions_until: t,
            retractions_until: t,
            since: None,
            excluded: &[],
        }
    }

    fn tally_at(record: &FreelancerRecord, t: DateTime<Utc>) -> Tally<'_> {
        tally(record, known(t), &policy())
    }

    fn holds_at(record: &FreelancerRecord, t: DateTime<Utc>) -> bool {
        tally_at(record, t).holds(&policy())
    }

    #[test]
    fn negatives_from_three_distinct_clients_block() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            negative_contract("c3", "cl3", day(30)),
        ]);
        assert!(holds_at(&r, day(50)));
    }

    #[test]
    fn three_negatives_from_two_clients_do_not_block() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl1", day(20)),
            negative_contract("c3", "cl2", day(30)),
        ]);
        let tally = tally_at(&r, day(50));
        assert_eq!(tally.negative.len(), 3);
        assert_eq!(tally.clients.len(), 2);
        assert!(!tally.holds(&policy()));
    }

    #[test]
    fn a_negative_rate_of_exactly_twenty_percent_blocks_and_just_under_does_not() {
        let mut contracts = vec![
            negative_contract("n1", "cl1", day(10)),
            negative_contract("n2", "cl2", day(11)),
            negative_contract("n3", "cl3", day(12)),
        ];
        for i in 0..12 {
            contracts.push(positive_contract(
                &format!("p{i}"),
                &format!("pc{i}"),
                day(20 + i),
            ));
        }
        // 3 of 15 = 20%.
        let r = record(contracts.clone());
        assert_eq!(tally_at(&r, day(60)).rated, 15);
        assert!(holds_at(&r, day(60)));
        // 3 of 16 = 18.75%.
        contracts.push(positive_contract("p12", "pc12", day(40)));
        assert!(!holds_at(&record(contracts), day(60)));
    }

    #[test]
    fn negatives_older_than_365_days_by_contract_end_do_not_count() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(0)),
            negative_contract("c2", "cl2", day(20)),
            negative_contract("c3", "cl3", day(30)),
        ]);
        assert!(holds_at(&r, day(364)));
        assert!(!holds_at(&r, day(365)));
    }

    #[test]
    fn negatives_on_contracts_ended_before_the_last_reinstatement_are_ignored() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            negative_contract("c3", "cl3", day(30)),
        ]);
        let q = Reading {
            since: Some(day(15)),
            ..known(day(50))
        };
        let tally = tally(&r, q, &policy());
        assert_eq!(tally.negative.len(), 2);
        assert!(!tally.holds(&policy()));
    }

    #[test]
    fn removed_feedback_never_counts() {
        let mut third = negative_contract("c3", "cl3", day(30));
        remove_feedback(&mut third, day(35));
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            third,
        ]);
        assert!(!holds_at(&r, day(50)));
    }

    #[test]
    fn feedback_counts_from_its_reveal_when_the_window_closes_not_from_its_submission() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            negative_contract("c3", "cl3", day(30)),
        ]);
        // The third feedback is submitted on day 31 and revealed when its window closes, day 44.
        assert!(!holds_at(&r, day(31)));
        assert!(!holds_at(&r, day(43)));
        assert!(holds_at(&r, day(44)));
    }

    #[test]
    fn feedback_counts_from_the_moment_both_parties_have_left_theirs() {
        let mut third = negative_contract("c3", "cl3", day(30));
        third.freelancer_feedback_at = Some(day(33));
        let r = record(vec![
            negative_contract("c1", "cl1", day(0)),
            negative_contract("c2", "cl2", day(1)),
            third,
        ]);
        assert!(!holds_at(&r, day(32)));
        assert!(holds_at(&r, day(33)));
    }

    #[test]
    fn a_block_begins_when_the_evidence_that_completes_the_rule_was_revealed() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            negative_contract("c3", "cl3", day(30)),
        ]);
        let t = timeline(&r, day(100), &policy());
        assert_eq!(t.current.map(|b| b.started_at), Some(day(44)));
        assert_eq!(timeline(&r, day(43), &policy()).current, None);
    }

    #[test]
    fn a_positive_changed_to_negative_counts_from_the_change_not_from_its_contract() {
        let mut changed = positive_contract("c3", "cl3", day(30));
        if let Some(f) = changed.client_feedback.as_mut() {
            f.push_version(public(1), day(280));
        }
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            changed,
        ]);
        let t = timeline(&r, day(300), &policy());
        assert_eq!(t.current.map(|b| b.started_at), Some(day(280)));
    }

    #[test]
    fn a_rule_that_comes_to_hold_when_positives_leave_the_window_blocks_at_that_moment() {
        let mut contracts: Vec<_> = (0..13)
            .map(|i| positive_contract(&format!("p{i}"), &format!("pc{i}"), day(i)))
            .collect();
        for (i, end) in [300, 301, 302].into_iter().enumerate() {
            contracts.push(negative_contract(
                &format!("n{i}"),
                &format!("nc{i}"),
                day(end),
            ));
        }
        let r = record(contracts);
        assert_eq!(timeline(&r, day(320), &policy()).current, None);
        let due = next_due(&r, day(320), &policy());
        assert_eq!(due, Some(day(365)));
        // p0 leaves at day 365: 3 of 15 = 20%.
        let t = timeline(&r, day(370), &policy());
        assert_eq!(t.current.map(|b| b.started_at), Some(day(365)));
    }

    #[test]
    fn a_removed_positive_does_not_backdate_a_block_before_the_removal() {
        let mut contracts: Vec<_> = (0..13)
            .map(|i| positive_contract(&format!("p{i}"), &format!("pc{i}"), day(100 + i)))
            .collect();
        for (i, end) in [200, 201, 202].into_iter().enumerate() {
            contracts.push(negative_contract(
                &format!("n{i}"),
                &format!("nc{i}"),
                day(end),
            ));
        }
        remove_feedback(&mut contracts[0], day(250));
        let t = timeline(&record(contracts), day(260), &policy());
        assert_eq!(t.current.map(|b| b.started_at), Some(day(250)));
    }

    #[test]
    fn the_freelancers_own_feedback_about_clients_is_not_counted() {
        let mut c = positive_contract("c1", "cl1", day(10));
        c.client_feedback = None;
        c.freelancer_feedback_at = Some(day(11));
        let r = record(vec![c]);
        assert_eq!(tally_at(&r, day(20)).rated, 0);
    }
}

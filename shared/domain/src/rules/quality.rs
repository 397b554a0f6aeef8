//! §4 The quality block, rule `quality.multiple_negative`: negative feedback from several
//! distinct clients, guarded by a minimum negative rate, over a trailing window by contract end.

use crate::calendar::sub_days;
use crate::record::{ContractEvidence, FreelancerRecord};
use crate::rules::negative;
use crate::{Areas, FeedbackId, PolicyConfig, UserId};
use chrono::{DateTime, Utc};

/// What the rule counts at one moment.
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

/// Which feedback may count: only contracts that ended after the last reinstatement, and never
/// feedback that a granted contest ruled out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counting<'a> {
    pub since: Option<DateTime<Utc>>,
    pub excluded: &'a [FeedbackId],
}

/// The rule's count at moment `t`, with the evidence as it stands now: feedback submitted by
/// `t`, in its newest version, unless removed.
pub fn tally_at<'a>(
    record: &'a FreelancerRecord,
    t: DateTime<Utc>,
    counting: Counting<'_>,
    policy: &PolicyConfig,
) -> Tally<'a> {
    let window_start = sub_days(t, policy.quality_window_days);
    let after = counting.since.map_or(window_start, |s| s.max(window_start));
    let mut tally = Tally::default();
    for evidence in record.ended_between(after, t) {
        let Some(feedback) = &evidence.client_feedback else {
            continue;
        };
        if feedback.submitted_at > t
            || feedback.is_removed()
            || counting.excluded.contains(&feedback.feedback_id)
        {
            continue;
        }
        tally.rated += 1;
        let areas = negative::areas(feedback, policy);
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

/// The moment a new block begins: the earliest time, after the last reinstatement and within the
/// window before `now`, at which the evidence known then (as it stands now) met the rule. Using
/// the evidence's own time, not the evaluation's, keeps the block's id the same however late or
/// often the evaluation runs. `None` when the rule does not hold at `now`.
pub fn block_moment(
    record: &FreelancerRecord,
    now: DateTime<Utc>,
    counting: Counting<'_>,
    policy: &PolicyConfig,
) -> Option<DateTime<Utc>> {
    if !tally_at(record, now, counting, policy).holds(policy) {
        return None;
    }
    let window_start = sub_days(now, policy.quality_window_days);
    let after = counting.since.map_or(window_start, |s| s.max(window_start));
    let mut candidates: Vec<DateTime<Utc>> = record
        .ended_between(after, now)
        .iter()
        .filter_map(|e| e.client_feedback.as_ref())
        .flat_map(|f| [f.submitted_at, f.current().at])
        .filter(|t| *t <= now)
        .collect();
    candidates.sort();
    candidates.dedup();
    candidates
        .into_iter()
        .find(|t| tally_at(record, *t, counting, policy).holds(policy))
        .or(Some(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn holds_at(record: &FreelancerRecord, t: DateTime<Utc>) -> bool {
        tally_at(record, t, Counting::default(), &policy()).holds(&policy())
    }

    #[test]
    fn negatives_from_three_distinct_clients_block() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            negative_contract("c3", "cl3", day(30)),
        ]);
        assert!(holds_at(&r, day(40)));
    }

    #[test]
    fn three_negatives_from_two_clients_do_not_block() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl1", day(20)),
            negative_contract("c3", "cl2", day(30)),
        ]);
        let tally = tally_at(&r, day(40), Counting::default(), &policy());
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
        assert_eq!(
            tally_at(&r, day(60), Counting::default(), &policy()).rated,
            15
        );
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
        let counting = Counting {
            since: Some(day(15)),
            excluded: &[],
        };
        let tally = tally_at(&r, day(40), counting, &policy());
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
        assert!(!holds_at(&r, day(40)));
    }

    #[test]
    fn feedback_submitted_after_the_moment_does_not_count_at_that_moment() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            negative_contract("c3", "cl3", day(30)),
        ]);
        // The third feedback is submitted a day after its contract ended.
        assert!(!holds_at(&r, day(30)));
        assert!(holds_at(&r, day(31)));
    }

    #[test]
    fn a_block_begins_when_the_evidence_that_completes_the_rule_was_submitted() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(10)),
            negative_contract("c2", "cl2", day(20)),
            negative_contract("c3", "cl3", day(30)),
        ]);
        assert_eq!(
            block_moment(&r, day(100), Counting::default(), &policy()),
            Some(day(31))
        );
        assert_eq!(
            block_moment(&r, day(30), Counting::default(), &policy()),
            None
        );
    }

    #[test]
    fn the_freelancers_own_feedback_about_clients_is_not_counted() {
        let mut c = positive_contract("c1", "cl1", day(10));
        c.client_feedback = None;
        c.freelancer_feedback_at = Some(day(11));
        let r = record(vec![c]);
        assert_eq!(
            tally_at(&r, day(20), Counting::default(), &policy()).rated,
            0
        );
    }
}

//! §9 Job Success Score: weighted positive minus negative outcomes over recent contracts.

use crate::calendar::sub_months;
use crate::record::{ContractEvidence, FreelancerRecord};
use crate::rules::{feedback, negative};
use crate::{PolicyConfig, UserId};
use chrono::{DateTime, Utc};

/// The outcome of one contract for the JSS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Positive,
    Negative,
    Neutral,
}

/// A contract's outcome at `now`; `None` when it does not take part (yet): feedback not revealed,
/// window still open without feedback, or feedback removed after a report (§6: it leaves the JSS).
pub fn outcome(
    evidence: &ContractEvidence,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Option<Outcome> {
    let contract = &evidence.contract;
    let closes = feedback::window_closes_at(contract, policy)?;
    let Some(fb) = &evidence.client_feedback else {
        return (now > closes).then_some(Outcome::Neutral);
    };
    if fb.is_removed() {
        return None;
    }
    let revealed = feedback::is_revealed(
        contract,
        Some(fb.submitted_at),
        evidence.freelancer_feedback_at,
        now,
        policy,
    );
    if !revealed {
        return None;
    }
    if negative::is_negative(fb, policy) {
        return Some(Outcome::Negative);
    }
    let overall_ok =
        fb.current().public.scores.overall().tenths() >= policy.jss_positive_overall_tenths;
    let recommend_ok = fb
        .private
        .as_ref()
        .and_then(|p| p.recommend)
        .is_some_and(|r| r.get() >= policy.jss_positive_recommend);
    Some(if overall_ok || recommend_ok {
        Outcome::Positive
    } else {
        Outcome::Neutral
    })
}

/// A contract's weight in hundredths: 1 below 250.00, 1.25 up to 1,000.00, 1.5 above.
pub fn weight(charged_minor: u64, policy: &PolicyConfig) -> u64 {
    let percent = if charged_minor < policy.jss_mid_from_minor {
        policy.jss_weight_low_percent
    } else if charged_minor <= policy.jss_high_above_minor {
        policy.jss_weight_mid_percent
    } else {
        policy.jss_weight_high_percent
    };
    u64::from(percent)
}

/// The JSS as a whole percent (rounded half up), or `None` until the freelancer has enough
/// eligible contracts with enough distinct clients.
pub fn score(record: &FreelancerRecord, now: DateTime<Utc>, policy: &PolicyConfig) -> Option<u8> {
    let since = sub_months(now, policy.jss_window_months);
    let (mut total, mut positive, mut negative) = (0u64, 0u64, 0u64);
    let mut contracts = 0u32;
    let mut clients: Vec<&UserId> = Vec::new();
    for evidence in record.ended_between(since, now) {
        let charged = evidence.contract.total_charged.minor();
        if charged < policy.jss_min_charged_minor {
            continue;
        }
        let Some(outcome) = outcome(evidence, now, policy) else {
            continue;
        };
        let w = weight(charged, policy);
        total += w;
        match outcome {
            Outcome::Positive => positive += w,
            Outcome::Negative => negative += w,
            Outcome::Neutral => {}
        }
        contracts += 1;
        let client = &evidence.contract.client_id;
        if (clients.len() as u32) < policy.jss_min_clients && !clients.contains(&client) {
            clients.push(client);
        }
    }
    if contracts < policy.jss_min_contracts || (clients.len() as u32) < policy.jss_min_clients {
        return None;
    }
    let net = positive.saturating_sub(negative);
    // round(100 * net / total), half up, in integers; total > 0 because contracts > 0.
    let percent = (200 * net + total) / (2 * total);
    u8::try_from(percent.min(100)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    #[test]
    fn a_contract_of_exactly_250_00_weighs_1_25_and_one_cent_less_weighs_1() {
        assert_eq!(weight(25_000, &policy()), 125);
        assert_eq!(weight(24_999, &policy()), 100);
    }

    #[test]
    fn a_contract_of_exactly_1000_00_weighs_1_25_and_one_cent_more_weighs_1_5() {
        assert_eq!(weight(100_000, &policy()), 125);
        assert_eq!(weight(100_001, &policy()), 150);
    }

    #[test]
    fn there_is_no_jss_until_two_contracts_with_two_distinct_clients() {
        let one = record(vec![positive_contract("c1", "cl1", day(0))]);
        assert_eq!(super::score(&one, day(30), &policy()), None);
        let same_client = record(vec![
            positive_contract("c1", "cl1", day(0)),
            positive_contract("c2", "cl1", day(1)),
        ]);
        assert_eq!(super::score(&same_client, day(30), &policy()), None);
        let two = record(vec![
            positive_contract("c1", "cl1", day(0)),
            positive_contract("c2", "cl2", day(1)),
        ]);
        assert_eq!(super::score(&two, day(30), &policy()), Some(100));
    }

    #[test]
    fn the_jss_weighs_outcomes_by_contract_value() {
        // +1.5 (1,000.01) and -1.0 (10.00): (1.5 - 1) / 2.5 = 20%.
        let mut big = positive_contract("c1", "cl1", day(0));
        big.contract.total_charged = usd(100_001);
        let small = negative_contract("c2", "cl2", day(1));
        let r = record(vec![big, small]);
        assert_eq!(super::score(&r, day(30), &policy()), Some(20));
    }

    #[test]
    fn the_jss_never_goes_below_zero() {
        let r = record(vec![
            negative_contract("c1", "cl1", day(0)),
            negative_contract("c2", "cl2", day(1)),
        ]);
        assert_eq!(super::score(&r, day(30), &policy()), Some(0));
    }

    #[test]
    fn no_feedback_once_the_window_closed_is_neutral_and_before_that_does_not_count() {
        let mut silent = positive_contract("c3", "cl3", day(10));
        silent.client_feedback = None;
        let r = record(vec![
            positive_contract("c1", "cl1", day(0)),
            positive_contract("c2", "cl2", day(1)),
            silent,
        ]);
        assert_eq!(super::score(&r, day(20), &policy()), Some(100));
        // 2 positive of 3: 66.67 rounds to 67.
        assert_eq!(super::score(&r, day(25), &policy()), Some(67));
    }

    #[test]
    fn contracts_under_one_dollar_or_older_than_24_months_do_not_count() {
        let mut tiny = negative_contract("c3", "cl3", day(5));
        tiny.contract.total_charged = usd(99);
        let r = record(vec![
            positive_contract("c1", "cl1", day(0)),
            positive_contract("c2", "cl2", day(1)),
            tiny,
        ]);
        assert_eq!(super::score(&r, day(30), &policy()), Some(100));
        // 24 calendar months after day(1) the first two have left the window.
        assert_eq!(
            super::score(&r, day(0) + chrono::Duration::days(800), &policy()),
            None
        );
    }

    #[test]
    fn a_positive_outcome_needs_overall_four_or_a_recommendation_of_eight() {
        let mut meh = positive_contract("c1", "cl1", day(0));
        if let Some(fb) = meh.client_feedback.as_mut() {
            fb.push_version(public(3), day(2));
        }
        assert_eq!(outcome(&meh, day(30), &policy()), Some(Outcome::Neutral));
        if let Some(p) = meh
            .client_feedback
            .as_mut()
            .and_then(|f| f.private.as_mut())
        {
            p.recommend = Some(crate::Recommend::parse(8).unwrap());
        }
        assert_eq!(outcome(&meh, day(30), &policy()), Some(Outcome::Positive));
    }

    #[test]
    fn removed_feedback_leaves_the_jss() {
        let mut removed = negative_contract("c3", "cl3", day(5));
        remove_feedback(&mut removed, day(20));
        assert_eq!(outcome(&removed, day(30), &policy()), None);
    }

    #[test]
    fn unrevealed_feedback_does_not_show_in_the_jss_yet() {
        let c = negative_contract("c1", "cl1", day(0));
        assert_eq!(outcome(&c, day(5), &policy()), None);
        assert_eq!(outcome(&c, day(14), &policy()), Some(Outcome::Negative));
    }
}

//! Property tests of `evaluate`: determinism, order independence, monotonicity, bounds.

use chrono::Duration;
use proptest::prelude::*;
use standing_domain::fixtures::*;
use standing_domain::model::Sanction;
use standing_domain::{Area, ContractEvidence, FreelancerRecord, ReasonEnded, Standing, evaluate};

const REASONS: [ReasonEnded; 7] = [
    ReasonEnded::CompletedSuccessfully,
    ReasonEnded::Unresponsive,
    ReasonEnded::LackedSkills,
    ReasonEnded::Unavailable,
    ReasonEnded::QualityIssues,
    ReasonEnded::ClientChangedPlans,
    ReasonEnded::Other,
];

/// One generated contract: (client, end day, feedback?, score, reason, dissatisfied?, removed?, charged).
type Spec = (u8, i64, bool, i64, usize, bool, bool, u64);

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..6,
        0i64..400,
        any::<bool>(),
        1i64..=5,
        0usize..REASONS.len(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
        50u64..200_000,
    )
}

fn build(i: usize, s: &Spec) -> ContractEvidence {
    let (client, end, has_feedback, score, reason, dissatisfied, removed, charged) = *s;
    let id = format!("c{i}");
    let client = format!("cl{client}");
    let mut c = ContractEvidence {
        contract: contract(&id, &client, Some(day(end)), charged),
        client_feedback: None,
        freelancer_feedback_at: None,
    };
    if has_feedback {
        let areas: &[Area] = if dissatisfied {
            &[Area::Experience]
        } else {
            &[]
        };
        c.client_feedback = Some(client_feedback(
            &id,
            &client,
            score,
            REASONS[reason],
            areas,
            day(end) + Duration::days(2),
        ));
        if removed {
            remove_feedback(&mut c, day(end) + Duration::days(20));
        }
    }
    c
}

fn history(specs: &[Spec]) -> Vec<ContractEvidence> {
    specs.iter().enumerate().map(|(i, s)| build(i, s)).collect()
}

fn record_of(contracts: Vec<ContractEvidence>, previous: Vec<Sanction>) -> FreelancerRecord {
    FreelancerRecord::new(user("fl1"), contracts, vec![], vec![], previous)
}

fn now() -> chrono::DateTime<chrono::Utc> {
    day(420)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn evaluation_is_deterministic_and_independent_of_input_order(
        (specs, order) in prop::collection::vec(spec(), 0..40).prop_flat_map(|v| {
            let n = v.len();
            (Just(v), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        })
    ) {
        let a = evaluate(&record_of(history(&specs), vec![]), &policy(), now());
        let b = evaluate(&record_of(history(&specs), vec![]), &policy(), now());
        prop_assert_eq!(&a, &b);
        let contracts = history(&specs);
        let reordered: Vec<ContractEvidence> = order.iter().map(|i| contracts[*i].clone()).collect();
        let c = evaluate(&record_of(reordered, vec![]), &policy(), now());
        prop_assert_eq!(a, c);
    }

    #[test]
    fn re_evaluating_a_settled_record_changes_nothing(specs in prop::collection::vec(spec(), 0..40)) {
        let first = evaluate(&record_of(history(&specs), vec![]), &policy(), now());
        let again = evaluate(&record_of(history(&specs), first.sanctions.clone()), &policy(), now() + Duration::hours(1));
        prop_assert_eq!(&first.sanctions, &again.sanctions);
        prop_assert!(again.changes.is_empty());
    }

    #[test]
    fn adding_positive_feedback_never_worsens_standing(
        specs in prop::collection::vec(spec(), 0..40),
        end in 0i64..400,
    ) {
        let before = evaluate(&record_of(history(&specs), vec![]), &policy(), now());
        let mut more = history(&specs);
        more.push(positive_contract("extra", "cl-new", day(end)));
        let after = evaluate(&record_of(more, vec![]), &policy(), now());
        prop_assert!(after.standing <= before.standing, "{:?} -> {:?}", before.standing, after.standing);
    }

    #[test]
    fn removing_negative_feedback_never_worsens_standing(
        specs in prop::collection::vec(spec(), 1..40),
        pick in any::<prop::sample::Index>(),
    ) {
        let contracts = history(&specs);
        let before = evaluate(&record_of(contracts.clone(), vec![]), &policy(), now());
        let mut fewer = contracts;
        let i = pick.index(fewer.len());
        remove_feedback(&mut fewer[i], now() - Duration::days(1));
        let after = evaluate(&record_of(fewer, vec![]), &policy(), now());
        prop_assert!(after.standing <= before.standing, "{:?} -> {:?}", before.standing, after.standing);
    }

    #[test]
    fn the_jss_stays_within_zero_and_one_hundred(specs in prop::collection::vec(spec(), 0..60)) {
        let e = evaluate(&record_of(history(&specs), vec![]), &policy(), now());
        if let Some(jss) = e.jss {
            prop_assert!(jss <= 100);
        }
    }

    #[test]
    fn no_sanction_is_ever_imposed_without_evidence_ids(specs in prop::collection::vec(spec(), 0..60)) {
        let e = evaluate(&record_of(history(&specs), vec![]), &policy(), now());
        for s in &e.sanctions {
            prop_assert!(!s.evidence.is_empty(), "{:?}", s);
            prop_assert!(s.kind != Standing::Good);
        }
    }
}

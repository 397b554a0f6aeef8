//! The disagreements the random test found, as small hand-written histories: each fails while
//! `evaluate` departs from EVALUATION.md in that way, and passes once it follows it.
//!
//! All three share one shape: a contest or reinstatement is granted against a block that is no
//! longer in force (its evidence was withdrawn), while a later block that does not descend from it
//! stands. EVALUATION.md step 1 applies the contest's exclusions at the decision's moment m (and
//! step 2 then re-checks the standing block at m, searching for a replacement); a granted contest
//! lifts the standing block only when the appealed sanction is in its lineage, a granted
//! reinstatement lifts it whatever its id (§8). The first two were `evaluate` dropping the block
//! in force whenever a grant did not follow it; the third was the reference's reading of §8.

use crate::agreement::Driver;
use crate::history::{Step, describe_all, snapshot};
use crate::model::Event;
use chrono::Duration;
use standing_domain::fixtures::day;
use standing_domain::{AppealKind, ReasonEnded, RuleId};

/// A step of a script: an appeal is filed against the quality block the real system shows when
/// the script reaches it, as the generator does.
enum Line {
    Step(Step),
    Appeal {
        appeal: &'static str,
        kind: AppealKind,
        at: i64,
    },
}

fn event(e: Event) -> Line {
    Line::Step(Step::Event(e))
}

fn evaluate(at: i64) -> Line {
    Line::Step(Step::Evaluate(day(at)))
}

/// A contract with `client` ended on day `end`, negative client feedback a day later and the
/// freelancer's a day after that (so it is revealed on day `end + 2`).
fn negative(contract: &str, client: &str, end: i64) -> Vec<Line> {
    vec![
        event(Event::ContractStarted {
            contract: contract.into(),
            client: client.into(),
            at: day(end - 30),
            charged: 10_000,
        }),
        event(Event::ContractEnded {
            contract: contract.into(),
            at: day(end),
        }),
        event(Event::ClientFeedback {
            contract: contract.into(),
            at: day(end + 1),
            scores: [4; 6],
            reason: ReasonEnded::QualityIssues,
            recommend: None,
            dissatisfied: vec![],
        }),
        event(Event::FreelancerFeedback {
            contract: contract.into(),
            at: day(end + 2),
            score: 4,
        }),
    ]
}

fn removed(contract: &str, at: i64) -> Line {
    event(Event::ReportDecided {
        contract: contract.into(),
        filed_at: day(at) - Duration::days(2),
        at: day(at),
        removed: true,
        reviewer: "rev1".into(),
    })
}

fn granted(appeal: &str, at: i64) -> Line {
    event(Event::AppealDecided {
        appeal: appeal.into(),
        at: day(at),
        granted: true,
        reviewer: "rev2".into(),
    })
}

/// Runs a script through the driver (the real system, the reference and the properties).
fn run(script: Vec<Vec<Line>>) {
    let mut lines: Vec<Line> = script.into_iter().flatten().collect();
    // In time order (stable: an appeal stays after the evaluation it follows).
    lines.sort_by_key(|l| match l {
        Line::Step(Step::Event(e)) => e.at(),
        Line::Step(Step::Evaluate(at)) => *at,
        Line::Appeal { at, .. } => day(*at),
    });
    let mut driver = Driver::new(true);
    for line in lines {
        let step = match line {
            Line::Step(s) => s,
            Line::Appeal { appeal, kind, at } => {
                let block = driver
                    .shown()
                    .iter()
                    .find(|s| s.rule == RuleId::QualityMultipleNegative)
                    .expect("the script appeals against a block the real system shows");
                Step::Event(Event::AppealFiled {
                    appeal: appeal.into(),
                    kind,
                    against: snapshot(block),
                    at: day(at),
                })
            }
        };
        driver.apply(step);
        assert!(!driver.invalid, "the script is not a valid history");
    }
    if !driver.failures.is_empty() {
        let mut report = describe_all(&driver.steps);
        for f in &driver.failures {
            report.push_str(&format!(
                "\n{} at step #{:03}\n{}\n",
                f.category, f.step, f.detail
            ));
        }
        panic!("{report}");
    }
}

#[test]
fn a_block_withdrawn_by_the_contest_of_an_earlier_block_ends_at_the_decision_not_at_the_next_evaluation()
 {
    run(vec![
        negative("c1", "cl1", 0),
        negative("c2", "cl2", 10),
        negative("c3", "cl3", 20),
        // Blocked from day 22 on c1, c2, c3; the freelancer contests at once.
        vec![
            evaluate(23),
            Line::Appeal {
                appeal: "ap01",
                kind: AppealKind::Contest,
                at: 23,
            },
        ],
        // c3's feedback is removed: that block is withdrawn; c4 makes a new one on c1, c2, c4.
        vec![removed("c3", 30)],
        negative("c4", "cl4", 40),
        vec![evaluate(43)],
        // The contest of the first block is granted: c1 and c2 stop counting from day 50, so the
        // block of day 42 is withdrawn at day 50 (EVALUATION.md steps 1 and 2).
        vec![granted("ap01", 50), evaluate(60)],
    ]);
}

#[test]
fn a_block_withdrawn_by_the_contest_of_an_earlier_block_is_replaced_from_the_first_moment_the_rule_holds_again()
 {
    run(vec![
        negative("c1", "cl1", 0),
        negative("c2", "cl2", 10),
        negative("c3", "cl3", 20),
        vec![
            evaluate(23),
            Line::Appeal {
                appeal: "ap01",
                kind: AppealKind::Contest,
                at: 23,
            },
        ],
        vec![removed("c3", 30)],
        negative("c4", "cl4", 40),
        negative("c5", "cl5", 44),
        negative("c6", "cl6", 45),
        vec![evaluate(48)],
        // At day 50 the block of day 42 no longer holds without c1 and c2, but c4, c5 and c6 hold
        // from c6's reveal on day 47: a replacement beginning on day 47 that names the block of
        // day 42, its reinstatement path running from day 42.
        vec![granted("ap01", 50), evaluate(60)],
    ]);
}

#[test]
fn a_reinstatement_granted_against_a_withdrawn_block_lifts_the_block_in_force_whatever_its_id() {
    run(vec![
        negative("c1", "cl1", 0),
        negative("c2", "cl2", 10),
        negative("c3", "cl3", 20),
        // Blocked from day 22; reinstatement opens six months later (day 203).
        vec![
            evaluate(23),
            evaluate(210),
            Line::Appeal {
                appeal: "ap01",
                kind: AppealKind::Reinstatement,
                at: 210,
            },
        ],
        // The block is withdrawn (c3 removed); c4 makes a new, unrelated block on day 222.
        vec![removed("c3", 215)],
        negative("c4", "cl4", 220),
        vec![evaluate(225)],
        // The reinstatement was filed against the withdrawn block; granted, it lifts the block in
        // force whatever its id (§8, EVALUATION.md step 1), and every negative before day 230
        // stops counting, so nothing blocks again.
        vec![granted("ap01", 230), evaluate(240)],
    ]);
}

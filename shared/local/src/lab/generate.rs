//! `standing generate`: a synthetic history in the import format, the same for the same
//! arguments (its own small PRNG, seeded; nothing read from the clock). The distributions are
//! documented in the README ("The policy lab") and here:
//!
//! - Freelancers `fl-{n}` fall in three groups: 90% good (a client is dissatisfied on 2% of
//!   their contracts), 7% mixed (25%), 3% poor (60%).
//! - Each has one contract every 45 days on average (uniformly 1 to `2 × days / 45 + 1`), with
//!   a client drawn from a pool of `max(2, freelancers / 2)` clients `cl-{n}`; a contract runs 7
//!   to 60 days, starts inside the history and ends inside it or stays active; it is charged
//!   USD 50 to 5,000.
//! - After an end, the client leaves feedback on 90% of contracts within 1 to 10 days, the
//!   freelancer on 80% within 1 to 12 days (both inside the 14-day window). Dissatisfied
//!   feedback scores 1 to 2 in the areas named and says why in the private part; the rest score
//!   4 to 5.
//! - 1% of freelancers with at least two clients are the subject of complaints that they
//!   misrepresent a certification: two of their clients complain a day apart, and a reviewer
//!   decides both 5 to 20 days later (substantiated 60% of the time).
//! - Appeals are not generated: they name sanctions that only an evaluation derives.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// SplitMix64: small, fast, and the same sequence everywhere for one seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next() % (high - low + 1)
    }

    /// True with `percent` % chance.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    pub freelancers: u64,
    pub days: u64,
    pub seed: u64,
    pub start: DateTime<Utc>,
}

fn scores(rng: &mut Rng, dissatisfied: bool) -> Value {
    let mut score = || {
        if dissatisfied {
            rng.between(1, 2)
        } else {
            rng.between(4, 5)
        }
    };
    json!({
        "skills": score(), "quality": score(), "availability": score(),
        "deadlines": score(), "communication": score(), "cooperation": score(),
    })
}

/// Every fact, in the order they happened (ties in the order generated).
pub fn generate(options: &GenerateOptions) -> Vec<String> {
    let mut rng = Rng(options.seed);
    let clients = (options.freelancers / 2).max(2);
    let start = options.start;
    let end = start + Duration::days(i64::try_from(options.days).unwrap_or(i64::MAX / 2));
    let mut facts: Vec<(DateTime<Utc>, u64, Value)> = Vec::new();
    let mut order = 0u64;
    let mut push = |facts: &mut Vec<(DateTime<Utc>, u64, Value)>, at: DateTime<Utc>, v: Value| {
        order += 1;
        facts.push((at, order, v));
    };
    let minutes = |rng: &mut Rng, days_low: u64, days_high: u64| {
        Duration::minutes(
            i64::try_from(rng.between(days_low * 1440, days_high * 1440)).unwrap_or(0),
        )
    };
    for n in 0..options.freelancers {
        let fl = format!("fl-{n}");
        let unhappy_percent = match rng.next() % 100 {
            0..=89 => 2,
            90..=96 => 25,
            _ => 60,
        };
        let count = rng.between(1, 2 * options.days / 45 + 1);
        let mut own_clients: Vec<(String, DateTime<Utc>)> = Vec::new();
        for k in 0..count {
            let client = format!("cl-{}", rng.between(0, clients - 1));
            let contract = format!("{fl}-c{k}");
            let started = start + minutes(&mut rng, 0, options.days.saturating_sub(7));
            let ended = started + minutes(&mut rng, 7, 60);
            let charged = rng.between(5_000, 500_000);
            let ended_in_history = ended < end;
            let mut registered = json!({
                "fact": "contract", "at": started, "contract_id": contract,
                "client_id": client, "freelancer_id": fl, "started_at": started,
                "total_charged_minor": charged, "currency": "USD",
            });
            push(&mut facts, started, registered.clone());
            own_clients.push((client.clone(), started));
            if !ended_in_history {
                continue;
            }
            registered["at"] = json!(ended);
            registered["ended_at"] = json!(ended);
            push(&mut facts, ended, registered);
            if rng.chance(90) {
                let at = ended + minutes(&mut rng, 1, 10);
                let unhappy = rng.chance(unhappy_percent);
                let private = if unhappy {
                    let reason = [
                        "lacked_skills",
                        "unavailable",
                        "quality_issues",
                        "unresponsive",
                    ][usize::try_from(rng.between(0, 3)).unwrap_or(0)];
                    json!({"reason_ended": reason, "recommend": rng.between(0, 3), "dissatisfied_with": ["skills", "performance"], "note": "Would not hire again for this kind of work."})
                } else {
                    json!({"reason_ended": "completed_successfully", "recommend": rng.between(8, 10), "note": "Smooth collaboration."})
                };
                let comment = if unhappy {
                    "Deliverables were late and had to be redone."
                } else {
                    "Great work, delivered on time."
                };
                push(
                    &mut facts,
                    at,
                    json!({
                        "fact": "feedback", "at": at, "contract_id": contract, "by": "client",
                        "public": {"scores": scores(&mut rng, unhappy), "comment": comment},
                        "private": private,
                    }),
                );
            }
            if rng.chance(80) {
                let at = ended + minutes(&mut rng, 1, 12);
                push(
                    &mut facts,
                    at,
                    json!({
                        "fact": "feedback", "at": at, "contract_id": contract, "by": "freelancer",
                        "public": {"scores": scores(&mut rng, false), "comment": "Clear brief, paid on time."},
                    }),
                );
            }
        }
        let mut distinct: Vec<(String, DateTime<Utc>)> = Vec::new();
        for (client, since) in own_clients {
            if !distinct.iter().any(|(c, _)| *c == client) {
                distinct.push((client, since));
            }
        }
        if distinct.len() >= 2 && rng.chance(1) {
            let first = distinct[0].1.max(distinct[1].1) + Duration::days(1);
            let decided = first + minutes(&mut rng, 5, 20);
            let substantiated = rng.chance(60);
            for (i, (client, _)) in distinct.iter().take(2).enumerate() {
                let at = first + Duration::days(i64::try_from(i).unwrap_or(0));
                if at >= end {
                    continue;
                }
                push(
                    &mut facts,
                    at,
                    json!({
                        "fact": "complaint", "at": at, "freelancer_id": fl, "reporter_id": client,
                        "category": "certification", "claim": "AWS Certified Solutions Architect",
                        "statement": "The certification listed on the profile does not verify.",
                        "evidence": ["verification-lookup.pdf"],
                    }),
                );
                let decided_at = decided + Duration::minutes(i64::try_from(i).unwrap_or(0));
                if decided_at >= end {
                    continue;
                }
                push(
                    &mut facts,
                    decided_at,
                    json!({
                        "fact": "complaint_decision", "at": decided_at, "freelancer_id": fl,
                        "reporter_id": client, "category": "certification",
                        "claim": "AWS Certified Solutions Architect", "reviewer": "rv-generated",
                        "outcome": if substantiated { "substantiated" } else { "unsubstantiated" },
                        "terms_clause": "Terms of Service §4.2 (accurate profiles)",
                        "note": "Checked against the issuer's registry.",
                    }),
                );
            }
        }
    }
    facts.sort_by_key(|(at, order, _)| (*at, *order));
    facts.into_iter().map(|(_, _, v)| v.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::facts::Fact;

    fn options(seed: u64) -> GenerateOptions {
        GenerateOptions {
            freelancers: 40,
            days: 200,
            seed,
            start: "2025-01-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn the_same_seed_generates_the_same_history_and_another_seed_another() {
        let a = generate(&options(7));
        assert_eq!(a, generate(&options(7)));
        assert_ne!(a, generate(&options(8)));
    }

    #[test]
    fn every_generated_line_is_a_fact_and_they_are_in_time_order() {
        let lines = generate(&options(3));
        assert!(lines.len() > 100, "{} lines", lines.len());
        let facts: Vec<Fact> = lines.iter().map(|l| Fact::parse(l).unwrap()).collect();
        assert!(facts.windows(2).all(|w| w[0].at() <= w[1].at()));
        assert!(facts.iter().any(|f| matches!(f, Fact::Feedback(_))));
    }
}

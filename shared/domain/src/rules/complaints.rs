//! §7 Professional background complaints: who may file, one open per reporter per claim, the
//! review case, decisions, and the ladder of sanctions by distinct reporters.

use crate::error::{DomainError, PolicyRefusal};
use crate::model::{Complaint, ComplaintStatus};
use crate::{ClaimText, ComplaintCategory, ComplaintId, PolicyConfig, Standing, UserId};
use chrono::{DateTime, Utc};

/// A client may complain only about a freelancer they have had a contract with, and only once
/// per claim while that complaint is open.
/// §6, who may complain (api.md: "a client with a contract with that freelancer"): anyone else
/// is a caller the route does not name, refused with 403 before the body is read.
pub fn may_file(
    reporter: &UserId,
    freelancer: &UserId,
    has_contract: bool,
) -> Result<(), DomainError> {
    if reporter == freelancer {
        return Err(DomainError::Forbidden(
            "you cannot file a complaint about yourself".into(),
        ));
    }
    if !has_contract {
        return Err(DomainError::Forbidden(
            "only a client who has had a contract with this freelancer may complain about them"
                .into(),
        ));
    }
    Ok(())
}

/// §7: one open complaint per reporter and claim (claims compared after normalisation), and at
/// most `max_open_complaints_per_reporter` open per reporter about one freelancer. `existing`
/// are the freelancer's complaints.
pub fn check_filing(
    reporter: &UserId,
    existing: &[Complaint],
    category: ComplaintCategory,
    claim: &ClaimText,
    policy: &PolicyConfig,
) -> Result<(), DomainError> {
    let open = existing
        .iter()
        .filter(|c| &c.reporter == reporter && c.status() != ComplaintStatus::Decided)
        .count();
    if open >= policy.max_open_complaints_per_reporter as usize {
        return Err(PolicyRefusal::TooManyOpenComplaints {
            max: policy.max_open_complaints_per_reporter,
        }
        .into());
    }
    let key = Complaint::claim_key(category, claim);
    if existing.iter().any(|c| {
        &c.reporter == reporter
            && c.status() != ComplaintStatus::Decided
            && Complaint::claim_key(c.category, &c.claim) == key
    }) {
        return Err(DomainError::AlreadyExists(
            "you already have an open complaint about this claim; it will be reviewed".into(),
        ));
    }
    Ok(())
}

/// Whether a review case is open: undecided complaints from enough distinct reporters.
pub fn case_is_open(complaints: &[Complaint], policy: &PolicyConfig) -> bool {
    let mut reporters: Vec<&UserId> = complaints
        .iter()
        .filter(|c| c.status() != ComplaintStatus::Decided)
        .map(|c| &c.reporter)
        .collect();
    reporters.sort();
    reporters.dedup();
    reporters.len() as u64 >= u64::from(policy.case_min_distinct_reporters)
}

/// Puts every open complaint into review when a case is open; returns the ids it moved.
pub fn open_case(
    complaints: &mut [Complaint],
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Vec<ComplaintId> {
    if !case_is_open(complaints, policy) {
        return Vec::new();
    }
    complaints
        .iter_mut()
        .filter(|c| c.status() == ComplaintStatus::Open)
        .map(|c| {
            c.under_review_since = Some(now);
            c.complaint_id.clone()
        })
        .collect()
}

/// A reviewer decides a complaint under review, once, and never one they filed or are the
/// subject of.
/// §8a, who may decide a complaint: not its reporter, not the freelancer it is about, and not a
/// reporter in the case, that is anyone who has complained about this freelancer (`case` holds
/// the freelancer's complaints). Refused with 403; the complaint stays in the queue.
pub fn check_reviewer(
    complaint: &Complaint,
    case: &[Complaint],
    reviewer: &UserId,
) -> Result<(), DomainError> {
    if reviewer == &complaint.reporter || reviewer == &complaint.freelancer_id {
        return Err(DomainError::Forbidden(
            "a reviewer may not decide a complaint they filed or that is about them".into(),
        ));
    }
    if case
        .iter()
        .any(|c| c.freelancer_id == complaint.freelancer_id && &c.reporter == reviewer)
    {
        return Err(DomainError::Forbidden(
            "a reviewer may not decide a complaint in a case where they are a reporter; another reviewer will decide it".into(),
        ));
    }
    Ok(())
}

/// Whether the complaint can be decided now: under review and not decided yet.
pub fn check_decision(complaint: &Complaint, policy: &PolicyConfig) -> Result<(), DomainError> {
    match complaint.status() {
        ComplaintStatus::Decided => Err(DomainError::Conflict(
            "this complaint has already been decided".into(),
        )),
        ComplaintStatus::Open => Err(PolicyRefusal::NotUnderReview {
            min_reporters: policy.case_min_distinct_reporters,
        }
        .into()),
        ComplaintStatus::UnderReview => Ok(()),
    }
}

/// The rung of the ladder a freelancer stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung<'a> {
    pub kind: Standing,
    /// The decision that raised the freelancer to this rung.
    pub reached_by: &'a Complaint,
    /// The substantiated complaints counted up to that decision, in decision order.
    pub counted: Vec<&'a Complaint>,
    /// Distinct reporters counted.
    pub reporters: u32,
}

/// Substantiated complaints that no granted contest voided, in decision order: what the profile
/// flags from `restricted` up, including those decided after the rung was reached (§7).
pub fn substantiated<'a>(
    complaints: &'a [Complaint],
    voided: &[ComplaintId],
) -> Vec<&'a Complaint> {
    let mut found: Vec<(&'a Complaint, DateTime<Utc>)> = complaints
        .iter()
        .filter(|c| c.is_substantiated() && !voided.contains(&c.complaint_id))
        .filter_map(|c| c.decision.as_ref().map(|d| (c, d.decided_at)))
        .collect();
    found.sort_by(|a, b| (a.1, &a.0.complaint_id).cmp(&(b.1, &b.0.complaint_id)));
    found.into_iter().map(|(c, _)| c).collect()
}

/// §7 ladder: substantiated complaints from distinct reporters, in decision order: 1 warned,
/// 2 restricted, 3 permanently blocked. Complaints voided by a granted contest do not count.
pub fn ladder<'a>(
    complaints: &'a [Complaint],
    voided: &[ComplaintId],
    policy: &PolicyConfig,
) -> Option<Rung<'a>> {
    let mut reporters: Vec<&UserId> = Vec::new();
    let mut counted = Vec::new();
    let mut rung = None;
    for complaint in substantiated(complaints, voided) {
        counted.push(complaint);
        if reporters.contains(&&complaint.reporter) {
            continue;
        }
        reporters.push(&complaint.reporter);
        let n = reporters.len() as u64;
        let kind = if n >= u64::from(policy.ladder_permanently_blocked_at) {
            Standing::PermanentlyBlocked
        } else if n >= u64::from(policy.ladder_restricted_at) {
            Standing::Restricted
        } else if n >= u64::from(policy.ladder_warned_at) {
            Standing::Warned
        } else {
            continue;
        };
        if rung.as_ref().is_none_or(|r: &Rung<'_>| r.kind != kind) {
            rung = Some(Rung {
                kind,
                reached_by: complaint,
                counted: counted.clone(),
                reporters: n as u32,
            });
        }
    }
    rung
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ComplaintOutcome;
    use crate::fixtures::*;

    #[test]
    fn a_complaint_from_a_client_with_no_contract_or_about_oneself_is_forbidden() {
        let no_contract = may_file(&user("cl9"), &user("fl1"), false);
        assert!(
            matches!(no_contract, Err(DomainError::Forbidden(_))),
            "{no_contract:?}"
        );
        let oneself = may_file(&user("fl1"), &user("fl1"), true);
        assert!(
            matches!(oneself, Err(DomainError::Forbidden(_))),
            "{oneself:?}"
        );
        assert_eq!(may_file(&user("cl1"), &user("fl1"), true), Ok(()));
    }

    #[test]
    fn a_second_open_complaint_by_the_same_reporter_about_the_same_claim_is_refused() {
        let first = complaint("k1", "cl1", "AWS  SA", day(1));
        let err = check_filing(
            &user("cl1"),
            std::slice::from_ref(&first),
            cert(),
            &claim("aws sa"),
            &policy(),
        );
        assert!(matches!(err, Err(DomainError::AlreadyExists(_))));
        // Another claim, or another reporter, is fine.
        assert!(
            check_filing(
                &user("cl1"),
                std::slice::from_ref(&first),
                cert(),
                &claim("PMP"),
                &policy()
            )
            .is_ok()
        );
        assert!(check_filing(&user("cl2"), &[first], cert(), &claim("AWS SA"), &policy()).is_ok());
    }

    #[test]
    fn a_reporter_may_have_five_open_complaints_about_one_freelancer_and_no_more() {
        let open: Vec<Complaint> = (1..=5)
            .map(|n| complaint(&format!("k{n}"), "cl1", &format!("claim {n}"), day(n)))
            .collect();
        assert_eq!(
            check_filing(
                &user("cl1"),
                &open[..4],
                cert(),
                &claim("claim 6"),
                &policy()
            ),
            Ok(())
        );
        assert_eq!(
            check_filing(&user("cl1"), &open, cert(), &claim("claim 6"), &policy()),
            Err(PolicyRefusal::TooManyOpenComplaints { max: 5 }.into())
        );
        // Another reporter is not held to cl1's count.
        assert_eq!(
            check_filing(&user("cl2"), &open, cert(), &claim("claim 6"), &policy()),
            Ok(())
        );
    }

    #[test]
    fn claims_are_one_claim_after_nfkc_case_folding_and_collapsed_white_space() {
        let first = complaint("k1", "cl1", "AWS Certified SA", day(1));
        for same in [
            "ＡＷＳ  certified sa",
            "aws CERTIFIED\tSA",
            "Aws Certiﬁed SA",
        ] {
            assert!(
                matches!(
                    check_filing(
                        &user("cl1"),
                        std::slice::from_ref(&first),
                        cert(),
                        &claim(same),
                        &policy()
                    ),
                    Err(DomainError::AlreadyExists(_))
                ),
                "{same}"
            );
        }
    }

    #[test]
    fn a_decided_complaint_does_not_stop_a_new_one_about_the_same_claim() {
        let decided = decided_complaint("k1", "cl1", ComplaintOutcome::Unsubstantiated, day(5));
        assert!(
            check_filing(
                &user("cl1"),
                &[decided],
                cert(),
                &claim("AWS SA"),
                &policy()
            )
            .is_ok()
        );
    }

    #[test]
    fn a_case_opens_when_complaints_from_two_distinct_reporters_are_open() {
        let mut same = vec![
            complaint("k1", "cl1", "A", day(1)),
            complaint("k2", "cl1", "B", day(2)),
        ];
        assert!(open_case(&mut same, day(3), &policy()).is_empty());
        let mut two = vec![
            complaint("k1", "cl1", "A", day(1)),
            complaint("k2", "cl2", "A", day(2)),
        ];
        assert_eq!(open_case(&mut two, day(3), &policy()).len(), 2);
        assert!(
            two.iter()
                .all(|c| c.status() == ComplaintStatus::UnderReview)
        );
    }

    #[test]
    fn an_open_complaint_cannot_be_decided_before_a_case_opens() {
        let c = complaint("k1", "cl1", "A", day(1));
        assert_eq!(
            check_decision(&c, &policy()),
            Err(PolicyRefusal::NotUnderReview { min_reporters: 2 }.into())
        );
    }

    #[test]
    fn a_reviewer_may_not_decide_their_own_complaint_and_a_complaint_is_decided_once() {
        let mut c = complaint("k1", "rev1", "A", day(1));
        c.under_review_since = Some(day(2));
        assert!(matches!(
            check_reviewer(&c, std::slice::from_ref(&c), &user("rev1")),
            Err(DomainError::Forbidden(_))
        ));
        let d = decided_complaint("k2", "cl1", ComplaintOutcome::Substantiated, day(3));
        assert!(matches!(
            check_decision(&d, &policy()),
            Err(DomainError::Conflict(_))
        ));
    }

    #[test]
    fn a_reporter_in_the_case_may_not_decide_another_reporters_complaint() {
        let theirs = complaint("k1", "cl1", "A", day(1));
        let own = complaint("k2", "rev1", "B", day(2));
        let case = [theirs.clone(), own];
        assert!(matches!(
            check_reviewer(&theirs, &case, &user("rev1")),
            Err(DomainError::Forbidden(_))
        ));
        // A reviewer with no complaint about this freelancer may.
        assert_eq!(check_reviewer(&theirs, &case, &user("rev2")), Ok(()));
    }

    #[test]
    fn the_ladder_warns_at_one_restricts_at_two_and_permanently_blocks_at_three_distinct_reporters()
    {
        let s = ComplaintOutcome::Substantiated;
        let mut cs = vec![decided_complaint("k1", "cl1", s, day(1))];
        assert_eq!(
            ladder(&cs, &[], &policy()).map(|r| r.kind),
            Some(Standing::Warned)
        );
        cs.push(decided_complaint("k2", "cl1", s, day(2)));
        assert_eq!(
            ladder(&cs, &[], &policy()).map(|r| r.kind),
            Some(Standing::Warned)
        );
        cs.push(decided_complaint("k3", "cl2", s, day(3)));
        assert_eq!(
            ladder(&cs, &[], &policy()).map(|r| r.kind),
            Some(Standing::Restricted)
        );
        cs.push(decided_complaint("k4", "cl3", s, day(4)));
        let rung = ladder(&cs, &[], &policy());
        assert_eq!(
            rung.as_ref().map(|r| r.kind),
            Some(Standing::PermanentlyBlocked)
        );
        assert_eq!(
            rung.map(|r| r.reached_by.complaint_id.as_str().to_owned())
                .as_deref(),
            Some("k4")
        );
    }

    #[test]
    fn unsubstantiated_and_voided_complaints_do_not_climb_the_ladder() {
        let cs = vec![
            decided_complaint("k1", "cl1", ComplaintOutcome::Unsubstantiated, day(1)),
            decided_complaint("k2", "cl2", ComplaintOutcome::Substantiated, day(2)),
        ];
        assert_eq!(
            ladder(&cs, &[], &policy()).map(|r| r.kind),
            Some(Standing::Warned)
        );
        let voided = [crate::ComplaintId::parse("k2").unwrap()];
        assert_eq!(ladder(&cs, &voided, &policy()), None);
    }
}

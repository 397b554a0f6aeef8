//! §8 Appeals: reinstatement after a quality block, contests of any sanction, one open appeal
//! per sanction, and the daily check's rules.

use crate::calendar::{add_days, add_months};
use crate::error::{DomainError, PolicyRefusal};
use crate::model::{Appeal, RuleId, Sanction};
use crate::{AppealKind, PolicyConfig, SanctionId, Standing, UserId};
use chrono::{DateTime, Utc};

/// Whether a sanction of this kind can be lifted by reinstatement (only the quality block).
pub fn reinstatable(kind: Standing, rule: RuleId) -> bool {
    kind == Standing::BlockedNewWork && rule == RuleId::QualityMultipleNegative
}

/// When a reinstatement application opens: 6 calendar months after the first block of the
/// lineage began (a replacement does not restart the wait, §4), or after the last denial of an
/// application against any block of the lineage, whichever is later.
pub fn reinstatement_opens_at(
    lineage: &[SanctionId],
    first_started_at: DateTime<Utc>,
    appeals: &[Appeal],
    policy: &PolicyConfig,
) -> DateTime<Utc> {
    appeals
        .iter()
        .filter(|a| {
            a.kind == AppealKind::Reinstatement && lineage.contains(&a.sanction.sanction_id)
        })
        .filter_map(Appeal::denied_at)
        .map(|denied| add_months(denied, policy.reapply_after_denial_months))
        .fold(
            add_months(first_started_at, policy.reinstatement_after_months),
            DateTime::max,
        )
}

/// The last moment a sanction can be contested: months after it was imposed (§8).
pub fn contest_until(imposed_at: DateTime<Utc>, policy: &PolicyConfig) -> DateTime<Utc> {
    add_months(imposed_at, policy.contest_within_months)
}

/// Whether the freelancer may file this appeal against this active sanction now.
pub fn check_filing(
    sanction: &Sanction,
    kind: AppealKind,
    appeals: &[Appeal],
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Result<(), DomainError> {
    let mine = || {
        appeals
            .iter()
            .filter(|a| a.sanction.sanction_id == sanction.sanction_id)
    };
    if mine().any(Appeal::is_pending) {
        return Err(DomainError::Conflict(
            "an appeal against this sanction is already pending; wait for its decision".into(),
        ));
    }
    match kind {
        AppealKind::Reinstatement => {
            if !reinstatable(sanction.kind, sanction.rule) {
                return Err(PolicyRefusal::AppealNotAvailable(
                    "only a quality block can be lifted by reinstatement; this sanction can be contested",
                )
                .into());
            }
            // The evaluation's date (it knows the lineage), moved on by a denial it has not seen.
            let first = sanction
                .replaces
                .as_ref()
                .map_or(sanction.started_at, |r| r.first_started_at);
            let opens_at = sanction.appeal.reinstatement_opens_at.into_iter().fold(
                reinstatement_opens_at(
                    std::slice::from_ref(&sanction.sanction_id),
                    first,
                    appeals,
                    policy,
                ),
                DateTime::max,
            );
            if now < opens_at {
                return Err(PolicyRefusal::AppealNotYetOpen { opens_at }.into());
            }
        }
        AppealKind::Contest => {
            if mine().any(|a| a.kind == AppealKind::Contest) {
                return Err(DomainError::AlreadyExists(
                    "this sanction was already contested and the contest decided".into(),
                ));
            }
            let until = contest_until(sanction.imposed_at.max(sanction.started_at), policy);
            if now > until {
                return Err(PolicyRefusal::WindowClosed {
                    what: "the contest window",
                    closed_at: until,
                }
                .into());
            }
        }
    }
    Ok(())
}

/// A reviewer decides a pending appeal, once, and never their own.
/// §8a, who may decide an appeal: not the appellant, and not anyone the appealed sanction rests
/// on (`authors`: the clients whose feedback and the reporters whose complaints are its
/// evidence). Refused with 403; the appeal stays in the queue.
pub fn check_reviewer(
    appeal: &Appeal,
    authors: &[UserId],
    reviewer: &UserId,
) -> Result<(), DomainError> {
    if reviewer == &appeal.freelancer_id {
        return Err(DomainError::Forbidden(
            "a reviewer may not decide their own appeal".into(),
        ));
    }
    if authors.contains(reviewer) {
        return Err(DomainError::Forbidden(
            "a reviewer may not decide an appeal against a sanction that rests on their own feedback or complaint; another reviewer will decide it".into(),
        ));
    }
    Ok(())
}

/// Whether the appeal can be decided now: once.
pub fn check_decision(appeal: &Appeal) -> Result<(), DomainError> {
    if !appeal.is_pending() {
        return Err(DomainError::Conflict(
            "this appeal has already been decided".into(),
        ));
    }
    Ok(())
}

/// §8 daily check: an appeal pending longer than the policy allows is flagged.
pub fn is_overdue(appeal: &Appeal, now: DateTime<Utc>, policy: &PolicyConfig) -> bool {
    appeal.is_pending() && now > add_days(appeal.filed_at, policy.appeal_overdue_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use crate::{AppealOutcome, Standing};

    #[test]
    fn reinstatement_opens_six_calendar_months_after_a_block_from_31_august() {
        let started: DateTime<Utc> = "2025-08-31T12:00:00Z".parse().unwrap();
        let block = block_sanction("s1", started);
        let just_before: DateTime<Utc> = "2026-02-28T11:59:59Z".parse().unwrap();
        let opens: DateTime<Utc> = "2026-02-28T12:00:00Z".parse().unwrap();
        assert_eq!(
            check_filing(
                &block,
                AppealKind::Reinstatement,
                &[],
                just_before,
                &policy()
            ),
            Err(PolicyRefusal::AppealNotYetOpen { opens_at: opens }.into())
        );
        assert_eq!(
            check_filing(&block, AppealKind::Reinstatement, &[], opens, &policy()),
            Ok(())
        );
    }

    #[test]
    fn after_a_denial_the_next_reinstatement_opens_six_months_later() {
        let block = block_sanction("s1", day(0));
        let denied = decided_appeal(
            "a1",
            &block,
            AppealKind::Reinstatement,
            AppealOutcome::Denied,
            day(200),
        );
        let opens = add_months(day(200), 6);
        assert_eq!(
            check_filing(
                &block,
                AppealKind::Reinstatement,
                &[denied],
                day(300),
                &policy()
            ),
            Err(PolicyRefusal::AppealNotYetOpen { opens_at: opens }.into())
        );
    }

    #[test]
    fn only_one_appeal_per_sanction_may_be_pending() {
        let block = block_sanction("s1", day(0));
        let pending = pending_appeal("a1", &block, AppealKind::Contest, day(1));
        assert!(matches!(
            check_filing(&block, AppealKind::Contest, &[pending], day(2), &policy()),
            Err(DomainError::Conflict(_))
        ));
    }

    #[test]
    fn a_sanction_can_be_contested_at_once_but_not_after_six_months() {
        let block = block_sanction("s1", day(0));
        assert_eq!(
            check_filing(&block, AppealKind::Contest, &[], day(0), &policy()),
            Ok(())
        );
        let late = add_months(day(0), 6) + chrono::Duration::seconds(1);
        assert!(matches!(
            check_filing(&block, AppealKind::Contest, &[], late, &policy()),
            Err(DomainError::Policy(PolicyRefusal::WindowClosed { .. }))
        ));
    }

    #[test]
    fn a_complaint_sanction_has_no_reinstatement_path() {
        let mut s = block_sanction("s1", day(0));
        s.kind = Standing::PermanentlyBlocked;
        s.rule = RuleId::ComplaintsMisrepresentation;
        assert!(matches!(
            check_filing(&s, AppealKind::Reinstatement, &[], day(400), &policy()),
            Err(DomainError::Policy(PolicyRefusal::AppealNotAvailable(_)))
        ));
    }

    #[test]
    fn an_appeal_pending_more_than_seven_days_is_overdue() {
        let block = block_sanction("s1", day(0));
        let a = pending_appeal("a1", &block, AppealKind::Contest, day(1));
        assert!(!is_overdue(&a, day(8), &policy()));
        assert!(is_overdue(
            &a,
            day(8) + chrono::Duration::seconds(1),
            &policy()
        ));
    }

    #[test]
    fn a_reviewer_decides_an_appeal_once_and_never_their_own() {
        let block = block_sanction("s1", day(0));
        let a = pending_appeal("a1", &block, AppealKind::Contest, day(1));
        assert!(matches!(
            check_reviewer(&a, &[], &user("fl1")),
            Err(DomainError::Forbidden(_))
        ));
        assert_eq!(check_reviewer(&a, &[], &user("rev1")), Ok(()));
        assert_eq!(check_decision(&a), Ok(()));
        let d = decided_appeal(
            "a2",
            &block,
            AppealKind::Contest,
            AppealOutcome::Granted,
            day(2),
        );
        assert!(matches!(check_decision(&d), Err(DomainError::Conflict(_))));
    }

    #[test]
    fn a_reviewer_whose_feedback_or_complaint_the_sanction_rests_on_may_not_decide_its_appeal() {
        let block = block_sanction("s1", day(0));
        let a = pending_appeal("a1", &block, AppealKind::Contest, day(1));
        let authors = [user("cl1"), user("cl2")];
        assert!(matches!(
            check_reviewer(&a, &authors, &user("cl2")),
            Err(DomainError::Forbidden(_))
        ));
        assert_eq!(check_reviewer(&a, &authors, &user("rev1")), Ok(()));
    }
}

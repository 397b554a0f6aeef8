//! §3 What counts as negative feedback, and the areas that made it negative.

use crate::model::{Feedback, PublicVersion};
use crate::{Area, Areas, Direction, PolicyConfig, ReasonEnded};

/// The areas that make this feedback negative; empty when it is not negative. Only a client's
/// feedback can be negative for a freelancer; the newest public version counts.
pub fn areas(feedback: &Feedback, policy: &PolicyConfig) -> Areas {
    areas_of_version(feedback, feedback.current(), policy)
}

/// The areas that make one public version of this feedback negative, with its private part
/// (which never changes). A changed version counts from its change (§3), so earlier moments read
/// the version in effect then.
pub fn areas_of_version(
    feedback: &Feedback,
    version: &PublicVersion,
    policy: &PolicyConfig,
) -> Areas {
    if feedback.direction != Direction::Client {
        return Areas::EMPTY;
    }
    let mut areas = Areas::EMPTY;
    if let Some(private) = &feedback.private {
        areas = areas.union(private.dissatisfied_with);
        areas = match private.reason_ended {
            ReasonEnded::Unresponsive | ReasonEnded::Unavailable => areas.with(Area::Availability),
            ReasonEnded::LackedSkills => areas.with(Area::Skills),
            ReasonEnded::QualityIssues => areas.with(Area::Performance),
            ReasonEnded::CompletedSuccessfully
            | ReasonEnded::ClientChangedPlans
            | ReasonEnded::Other => areas,
        };
    }
    let scores = &version.public.scores;
    let low = |s: crate::Score| s.get() <= policy.negative_score_at_most;
    if low(scores.skills) {
        areas = areas.with(Area::Skills);
    }
    if low(scores.availability) {
        areas = areas.with(Area::Availability);
    }
    if low(scores.quality) || low(scores.deadlines) {
        areas = areas.with(Area::Performance);
    }
    areas
}

/// Whether the feedback is negative (§3).
pub fn is_negative(feedback: &Feedback, policy: &PolicyConfig) -> bool {
    !areas(feedback, policy).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    #[test]
    fn feedback_with_good_scores_and_a_successful_end_is_not_negative() {
        let fb = client_feedback(
            "c1",
            "cl1",
            5,
            ReasonEnded::CompletedSuccessfully,
            &[],
            day(0),
        );
        assert!(areas(&fb, &policy()).is_empty());
    }

    #[test]
    fn any_stated_dissatisfaction_makes_feedback_negative_in_that_area() {
        let fb = client_feedback(
            "c1",
            "cl1",
            5,
            ReasonEnded::CompletedSuccessfully,
            &[Area::Experience],
            day(0),
        );
        assert_eq!(
            areas(&fb, &policy()).iter().collect::<Vec<_>>(),
            vec![Area::Experience]
        );
    }

    #[test]
    fn unresponsive_and_unavailable_count_as_availability_lacked_skills_as_skills_and_quality_issues_as_performance()
     {
        let cases = [
            (ReasonEnded::Unresponsive, Area::Availability),
            (ReasonEnded::Unavailable, Area::Availability),
            (ReasonEnded::LackedSkills, Area::Skills),
            (ReasonEnded::QualityIssues, Area::Performance),
        ];
        for (reason, area) in cases {
            let fb = client_feedback("c1", "cl1", 5, reason, &[], day(0));
            assert_eq!(
                areas(&fb, &policy()).iter().collect::<Vec<_>>(),
                vec![area],
                "{reason}"
            );
        }
        for reason in [ReasonEnded::ClientChangedPlans, ReasonEnded::Other] {
            let fb = client_feedback("c1", "cl1", 5, reason, &[], day(0));
            assert!(areas(&fb, &policy()).is_empty(), "{reason}");
        }
    }

    #[test]
    fn a_score_of_two_is_negative_and_a_score_of_three_is_not() {
        let mut fb = client_feedback("c1", "cl1", 5, ReasonEnded::Other, &[], day(0));
        set_scores(&mut fb, |s| s.deadlines = score(3));
        assert!(!is_negative(&fb, &policy()));
        set_scores(&mut fb, |s| s.deadlines = score(2));
        assert_eq!(
            areas(&fb, &policy()).iter().collect::<Vec<_>>(),
            vec![Area::Performance]
        );
    }

    #[test]
    fn low_communication_or_cooperation_alone_is_not_negative() {
        let mut fb = client_feedback("c1", "cl1", 5, ReasonEnded::Other, &[], day(0));
        set_scores(&mut fb, |s| {
            s.communication = score(1);
            s.cooperation = score(1);
        });
        assert!(!is_negative(&fb, &policy()));
    }

    #[test]
    fn low_skills_availability_quality_scores_map_to_their_areas() {
        let mut fb = client_feedback("c1", "cl1", 5, ReasonEnded::Other, &[], day(0));
        set_scores(&mut fb, |s| {
            s.skills = score(1);
            s.availability = score(2);
            s.quality = score(1);
        });
        assert_eq!(
            areas(&fb, &policy()).iter().collect::<Vec<_>>(),
            vec![Area::Skills, Area::Availability, Area::Performance]
        );
    }

    #[test]
    fn a_freelancers_feedback_about_a_client_never_counts_against_the_freelancer() {
        let fb = freelancer_feedback("c1", "fl1", "cl1", 1, day(0));
        assert!(!is_negative(&fb, &policy()));
    }

    #[test]
    fn changed_feedback_counts_as_its_newest_version() {
        let mut fb = client_feedback("c1", "cl1", 1, ReasonEnded::Other, &[], day(0));
        assert!(is_negative(&fb, &policy()));
        fb.push_version(public(5), day(3));
        assert!(!is_negative(&fb, &policy()));
    }
}

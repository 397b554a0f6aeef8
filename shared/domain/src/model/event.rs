//! Events: what leaves the system when a decision is made (api.md, "outbound"). Every change of
//! standing, every sanction imposed, amended or lifted, every notice and every appeal decision
//! is one event, written in the same transaction as the change it describes. Its id is a pure
//! function of that change, so a replay of the same write produces the same ids.

use crate::evaluation::{Evaluation, LiftReason, SanctionChange};
use crate::model::{Appeal, AppealDecision, Notice, NoticeKind, Sanction, Standing};
use crate::{AppealId, AppealKind, SanctionId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::values::vocabulary!(
    /// What an event says happened.
    EventKind {
        StandingChanged => "standing.changed",
        SanctionImposed => "sanction.imposed",
        /// The same sanction with a changed term: its reinstatement date moved (a denial), its
        /// statement or appeal dates changed.
        SanctionAmended => "sanction.amended",
        SanctionLifted => "sanction.lifted",
        AppealDecided => "appeal.decided",
        NoticeSent => "notice.sent",
    }
);

/// The appeal an `appeal.decided` event reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedAppeal {
    pub appeal_id: AppealId,
    pub sanction_id: SanctionId,
    pub kind: AppealKind,
    pub decision: AppealDecision,
}

/// One event. Only the parts its kind carries are set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable: the same change always yields the same id (a receiver de-duplicates by it).
    pub event_id: String,
    pub kind: EventKind,
    pub freelancer_id: UserId,
    pub at: DateTime<Utc>,
    /// `standing.changed`: before and after.
    pub standing: Option<(Standing, Standing)>,
    /// The sanction imposed, amended or lifted, with its statement of reasons.
    pub sanction: Option<Sanction>,
    /// `sanction.lifted`: why.
    pub lift_reason: Option<LiftReason>,
    /// `notice.sent`: what the freelancer is told and why.
    pub notice: Option<(NoticeKind, String)>,
    pub appeal: Option<DecidedAppeal>,
}

impl Event {
    fn new(event_id: String, kind: EventKind, freelancer_id: &UserId, at: DateTime<Utc>) -> Self {
        Self {
            event_id,
            kind,
            freelancer_id: freelancer_id.clone(),
            at,
            standing: None,
            sanction: None,
            lift_reason: None,
            notice: None,
            appeal: None,
        }
    }
}

impl Event {
    /// Whether this event is a statement of reasons (DSA art. 17): a sanction imposed that
    /// restricts the service. Once per sanction: the database refuses a second statement with
    /// the same `puid` (the sanction id), and an amendment changes no field of it (a moved
    /// reinstatement date, new appeal dates); a sanction of another kind is a new sanction with
    /// an id of its own. A warning restricts nothing and a lift ends a restriction.
    pub fn states_reasons(&self) -> bool {
        self.kind == EventKind::SanctionImposed
            && self
                .sanction
                .as_ref()
                .is_some_and(|s| s.kind.restricts_service())
    }
}

/// A sanction's statement of reasons as it was decided: the event that imposed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatedReasons {
    pub event_id: String,
    pub at: DateTime<Utc>,
    pub sanction: Sanction,
}

/// The events of one evaluation's write: the write replaces the standing stored at `expected`
/// (`None`: the first), so `expected` and the position in the list make each id unique and
/// stable (only one write from a given version can succeed). `before` is the sanctions the
/// stored standing held, to tell an amended sanction from an unchanged one.
pub fn of_evaluation(
    evaluation: &Evaluation,
    before: &[Sanction],
    notices: &[Notice],
    expected: Option<u64>,
) -> Vec<Event> {
    let freelancer = &evaluation.freelancer_id;
    let at = evaluation.evaluated_at;
    let mut events = Vec::new();
    let mut push = |kind: EventKind, fill: &dyn Fn(&mut Event)| {
        let id = format!(
            "{freelancer}:standing@{}:{:03}",
            expected.unwrap_or(0),
            events.len()
        );
        let mut event = Event::new(id, kind, freelancer, at);
        fill(&mut event);
        events.push(event);
    };
    if evaluation.previous_standing != evaluation.standing {
        push(EventKind::StandingChanged, &|e| {
            e.standing = Some((evaluation.previous_standing, evaluation.standing));
        });
    }
    for change in &evaluation.changes {
        match change {
            SanctionChange::Imposed(s) => push(EventKind::SanctionImposed, &|e| {
                e.sanction = Some(s.clone());
            }),
            SanctionChange::Lifted {
                sanction, reason, ..
            } => push(EventKind::SanctionLifted, &|e| {
                e.sanction = Some(sanction.clone());
                e.lift_reason = Some(*reason);
            }),
        }
    }
    for now in &evaluation.sanctions {
        let amended = before
            .iter()
            .any(|was| was.sanction_id == now.sanction_id && was != now);
        if amended {
            push(EventKind::SanctionAmended, &|e| {
                e.sanction = Some(now.clone())
            });
        }
    }
    for notice in notices {
        push(EventKind::NoticeSent, &|e| {
            e.notice = Some((notice.kind, notice.message.clone()));
            e.sanction = evaluation
                .changes
                .iter()
                .map(|c| match c {
                    SanctionChange::Imposed(s) => s,
                    SanctionChange::Lifted { sanction, .. } => sanction,
                })
                .find(|s| s.sanction_id.as_str() == notice.subject)
                .cloned();
        });
    }
    events
}

/// The event of a notice written on its own (the daily check's reinstatement notice): keyed by
/// the notice, which is itself sent once.
pub fn of_notice(notice: &Notice) -> Event {
    let mut event = Event::new(
        format!(
            "{}:notice:{}:{}",
            notice.freelancer_id,
            notice.kind.as_str(),
            notice.subject
        ),
        EventKind::NoticeSent,
        &notice.freelancer_id,
        notice.at,
    );
    event.notice = Some((notice.kind, notice.message.clone()));
    event
}

/// The event of an appeal's decision, or `None` while it is pending. An appeal is decided once.
pub fn of_appeal_decision(appeal: &Appeal) -> Option<Event> {
    let decision = appeal.decision.as_ref()?;
    let mut event = Event::new(
        format!(
            "{}:appeal:{}:decided",
            appeal.freelancer_id, appeal.appeal_id
        ),
        EventKind::AppealDecided,
        &appeal.freelancer_id,
        decision.decided_at,
    );
    event.appeal = Some(DecidedAppeal {
        appeal_id: appeal.appeal_id.clone(),
        sanction_id: appeal.sanction.sanction_id.clone(),
        kind: appeal.kind,
        decision: decision.clone(),
    });
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::evaluate;
    use crate::fixtures::*;
    use crate::record::FreelancerRecord;
    use crate::{AppealKind, AppealOutcome};

    fn judged(previous: Vec<Sanction>, now: chrono::DateTime<Utc>) -> Evaluation {
        let record =
            FreelancerRecord::new(user("fl1"), three_negatives(), vec![], vec![], previous);
        evaluate(&record, &policy(), now)
    }

    fn kinds(events: &[Event]) -> Vec<EventKind> {
        events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn a_block_is_a_standing_change_an_imposition_and_its_notice_keyed_by_the_version_replaced() {
        let e = judged(vec![], day(50));
        let events = of_evaluation(&e, &[], &e.notices(), Some(3));
        assert_eq!(
            kinds(&events),
            [
                EventKind::StandingChanged,
                EventKind::SanctionImposed,
                EventKind::NoticeSent
            ]
        );
        assert_eq!(
            events[0].standing,
            Some((Standing::Good, Standing::BlockedNewWork))
        );
        // The imposition and the notice both carry the sanction with its statement of reasons.
        assert_eq!(events[1].sanction.as_ref(), e.sanctions.first());
        assert_eq!(events[2].sanction.as_ref(), e.sanctions.first());
        let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "fl1:standing@3:000",
                "fl1:standing@3:001",
                "fl1:standing@3:002"
            ]
        );
        // The same change yields the same events: a replay writes the same ids.
        assert_eq!(of_evaluation(&e, &[], &e.notices(), Some(3)), events);
    }

    #[test]
    fn only_a_sanction_imposed_that_restricts_the_service_states_reasons_once() {
        let e = judged(vec![], day(50));
        let events = of_evaluation(&e, &[], &e.notices(), Some(3));
        let stating: Vec<EventKind> = events
            .iter()
            .filter(|e| e.states_reasons())
            .map(|e| e.kind)
            .collect();
        assert_eq!(stating, [EventKind::SanctionImposed]);
        // An amendment is not stated again: the database takes one statement per sanction id.
        let mut amended = events[1].clone();
        amended.kind = EventKind::SanctionAmended;
        assert!(!amended.states_reasons());
        let mut lifted = events[1].clone();
        lifted.kind = EventKind::SanctionLifted;
        assert!(!lifted.states_reasons());
        // A warning restricts nothing: no statement is due.
        let mut warning = events[1].clone();
        if let Some(s) = warning.sanction.as_mut() {
            s.kind = Standing::Warned;
        }
        assert!(!warning.states_reasons());
    }

    #[test]
    fn an_unchanged_sanction_is_no_event_and_a_changed_term_is_an_amendment() {
        let first = judged(vec![], day(50));
        let again = judged(first.sanctions.clone(), day(55));
        assert!(of_evaluation(&again, &first.sanctions, &again.notices(), Some(4)).is_empty());
        let mut before = first.sanctions.clone();
        before[0].appeal.reinstatement_opens_at = Some(day(400));
        let amended = of_evaluation(&again, &before, &[], Some(4));
        assert_eq!(kinds(&amended), [EventKind::SanctionAmended]);
        assert_eq!(amended[0].sanction.as_ref(), again.sanctions.first());
    }

    #[test]
    fn an_appeal_is_an_event_once_decided_and_keyed_by_its_id() {
        let block = block_sanction("sn_1", day(10));
        let pending = pending_appeal("ap1", &block, AppealKind::Reinstatement, day(200));
        assert_eq!(of_appeal_decision(&pending), None);
        let denied = decided_appeal(
            "ap1",
            &block,
            AppealKind::Reinstatement,
            AppealOutcome::Denied,
            day(210),
        );
        let event = of_appeal_decision(&denied).unwrap();
        assert_eq!(event.kind, EventKind::AppealDecided);
        assert_eq!(event.event_id, "fl1:appeal:ap1:decided");
        assert_eq!(event.at, day(210));
        assert_eq!(
            event.appeal.map(|a| a.decision.outcome),
            Some(AppealOutcome::Denied)
        );
    }
}

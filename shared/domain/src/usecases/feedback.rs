//! Feedback: submit, view, change (request, consent, apply), respond, report, decide a report.

use super::found;
use crate::error::DomainError;
use crate::model::{
    Contract, Feedback, FeedbackReport, PrivatePart, PublicPart, ReportDecision, Response,
};
use crate::paging::{Page, PageRequest};
use crate::ports::{Clock, ContractFeedback, ContractStore, FeedbackStore, Versioned};
use crate::rules::feedback::{self as rule, Viewer, Visibility};
use crate::rules::{access, change, report, response};
use crate::{
    Actor, ContractId, Direction, FeedbackId, Note, Overall, PolicyConfig, ReportId, ReportOutcome,
    ReportReason, ResponseText, Scores,
};
use chrono::{DateTime, Utc};

/// `POST /contracts/{id}/feedback`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitFeedback {
    pub public: PublicPart,
    pub private: Option<PrivatePart>,
}

/// `PATCH /contracts/{id}/feedback/client`: the new public part. `touches_private` is set when
/// the body names `private` at all, which is refused whatever else it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePublic {
    pub public: Option<PublicPart>,
    pub touches_private: bool,
}

/// `POST .../report`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFeedback {
    pub reason: ReportReason,
    pub details: Note,
}

/// `POST /feedback-reports/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecideReport {
    pub outcome: ReportOutcome,
    pub note: Note,
}

/// The public part as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicView {
    pub scores: Scores,
    pub overall: Overall,
    pub comment: crate::Comment,
}

impl From<&PublicPart> for PublicView {
    fn from(p: &PublicPart) -> Self {
        Self {
            scores: p.scores,
            overall: p.scores.overall(),
            comment: p.comment.clone(),
        }
    }
}

/// One feedback as a viewer may see it (the contract's `Feedback` shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackView {
    pub feedback_id: FeedbackId,
    pub direction: Direction,
    pub public: PublicView,
    pub private: Option<PrivatePart>,
    pub submitted_at: DateTime<Utc>,
    pub revealed: bool,
    pub version: u32,
    pub response: Option<Response>,
    pub removed: bool,
    pub report_id: Option<ReportId>,
    /// Every public version, oldest first, for a viewer who sees the feedback in full (its author
    /// and reviewers); empty for one who sees only the public part as it stands.
    pub versions: Vec<VersionView>,
}

/// One public version of feedback, as it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionView {
    pub version: u32,
    pub public: PublicView,
    pub at: DateTime<Utc>,
}

/// A contract's feedback as a viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFeedbackView {
    pub contract_id: ContractId,
    pub client: Option<FeedbackView>,
    pub freelancer: Option<FeedbackView>,
}

fn view(feedback: &Feedback, visibility: Visibility, revealed: bool) -> Option<FeedbackView> {
    let full = match visibility {
        Visibility::Hidden => return None,
        Visibility::PublicOnly => false,
        Visibility::Full => true,
    };
    Some(FeedbackView {
        feedback_id: feedback.feedback_id.clone(),
        direction: feedback.direction,
        public: PublicView::from(&feedback.current().public),
        private: if full { feedback.private.clone() } else { None },
        submitted_at: feedback.submitted_at,
        revealed,
        version: feedback.current().version,
        response: feedback.response.clone(),
        removed: feedback.is_removed(),
        report_id: if full || feedback.direction == Direction::Client {
            feedback.report.as_ref().map(|r| r.report_id.clone())
        } else {
            None
        },
        versions: if full {
            feedback
                .versions()
                .map(|v| VersionView {
                    version: v.version,
                    public: PublicView::from(&v.public),
                    at: v.at,
                })
                .collect()
        } else {
            Vec::new()
        },
    })
}

async fn load_contract<S: ContractStore>(
    store: &S,
    id: &ContractId,
) -> Result<Contract, DomainError> {
    Ok(found(store.get_contract(id).await?, "contract", id)?.value)
}

fn revealed_at(
    contract: &Contract,
    both: &ContractFeedback,
    policy: &PolicyConfig,
) -> Option<DateTime<Utc>> {
    rule::revealed_at(
        contract,
        both.client.as_ref().map(|f| f.value.submitted_at),
        both.freelancer.as_ref().map(|f| f.value.submitted_at),
        policy,
    )
}

/// Leaves feedback; the direction follows from who calls.
pub async fn submit<S: ContractStore + FeedbackStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    cmd: SubmitFeedback,
) -> Result<FeedbackView, DomainError> {
    submit_reading(store, clock, policy, actor, contract_id, || Ok(cmd)).await
}

/// [`submit`] with the command read only once the caller is known to be a party of the
/// contract (api.md: 403 before 400, so a stranger learns nothing of the body's rules).
pub async fn submit_reading<S, E>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    read: impl FnOnce() -> Result<SubmitFeedback, E>,
) -> Result<FeedbackView, E>
where
    S: ContractStore + FeedbackStore,
    E: From<DomainError>,
{
    // The contract as read goes to the insert, which is refused if the contract changed since.
    let stored = found(
        store.get_contract(contract_id).await?,
        "contract",
        contract_id,
    )?;
    let contract = &stored.value;
    let direction = access::party(actor, contract)?;
    let cmd = read()?;
    let now = clock.now();
    match (direction, &cmd.private) {
        (Direction::Freelancer, Some(_)) => {
            return Err(DomainError::invalid(
                "private",
                "is for the client's feedback only; a freelancer's feedback has a public part alone",
            )
            .into());
        }
        (Direction::Client, None) => {
            return Err(DomainError::invalid(
                "private",
                "is required from the client: give at least `reason_ended`",
            )
            .into());
        }
        _ => {}
    }
    rule::check_window(contract, now, policy).map_err(DomainError::from)?;
    let both = store.contract_feedback(contract).await?;
    let existing = match direction {
        Direction::Client => both.client.as_ref(),
        Direction::Freelancer => both.freelancer.as_ref(),
    };
    rule::check_once(existing.map(|v| &v.value), direction)?;
    let subject = match direction {
        Direction::Client => contract.freelancer_id.clone(),
        Direction::Freelancer => contract.client_id.clone(),
    };
    let feedback = Feedback::new(
        contract_id.clone(),
        direction,
        actor.user_id.clone(),
        subject,
        cmd.public,
        cmd.private,
        now,
    );
    store.insert_feedback(&stored, &feedback).await?;
    let other_at = match direction {
        Direction::Client => both.freelancer.as_ref().map(|f| f.value.submitted_at),
        Direction::Freelancer => both.client.as_ref().map(|f| f.value.submitted_at),
    };
    let (client_at, freelancer_at) = match direction {
        Direction::Client => (Some(now), other_at),
        Direction::Freelancer => (other_at, Some(now)),
    };
    let revealed = rule::is_revealed(contract, client_at, freelancer_at, now, policy);
    Ok(view(&feedback, Visibility::Full, revealed)
        .ok_or_else(|| DomainError::Unavailable("feedback view".into()))?)
}

/// What the caller may see of a contract's feedback.
pub async fn view_contract<S: ContractStore + FeedbackStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
) -> Result<ContractFeedbackView, DomainError> {
    let contract = load_contract(store, contract_id).await?;
    access::view_feedback(actor, &contract)?;
    let both = store.contract_feedback(&contract).await?;
    contract_view(
        actor,
        &contract,
        both.client.as_ref().map(|f| &f.value),
        both.freelancer.as_ref().map(|f| &f.value),
        clock.now(),
        policy,
    )
}

/// What `actor` may see of a contract's feedback at `now` (§2, §10). A party always gets the
/// party's view, even when the token also carries the reviewer role: the double-blind and the
/// private part follow from being a party, not from the roles held.
pub fn contract_view(
    actor: &Actor,
    contract: &Contract,
    client: Option<&Feedback>,
    freelancer: Option<&Feedback>,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Result<ContractFeedbackView, DomainError> {
    let viewer = match access::view_feedback(actor, contract)? {
        Some(side) => Viewer::Party(side),
        None => Viewer::Reviewer,
    };
    let revealed = rule::revealed_at(
        contract,
        client.map(|f| f.submitted_at),
        freelancer.map(|f| f.submitted_at),
        policy,
    )
    .is_some_and(|t| now >= t);
    let side = |f: Option<&Feedback>, d: Direction| {
        f.and_then(|f| view(f, rule::visibility(viewer, d, revealed), revealed))
    };
    Ok(ContractFeedbackView {
        contract_id: contract.contract_id.clone(),
        client: side(client, Direction::Client),
        freelancer: side(freelancer, Direction::Freelancer),
    })
}

/// Loads the client's feedback on a contract for an action by `side`.
async fn client_feedback_for<S: ContractStore + FeedbackStore>(
    store: &S,
    actor: &Actor,
    contract_id: &ContractId,
    side: Direction,
    doing: &str,
) -> Result<(Contract, ContractFeedback, Versioned<Feedback>), DomainError> {
    let (contract, both, client, ()) =
        client_feedback_reading(store, actor, contract_id, side, doing, || {
            Ok::<(), DomainError>(())
        })
        .await?;
    Ok((contract, both, client))
}

/// The contract, both feedbacks and the client's (404 without it), once the caller is the
/// party `side`; the body is read between the two (403, then 400, then 404).
async fn client_feedback_reading<S, B, E>(
    store: &S,
    actor: &Actor,
    contract_id: &ContractId,
    side: Direction,
    doing: &str,
    read: impl FnOnce() -> Result<B, E>,
) -> Result<(Contract, ContractFeedback, Versioned<Feedback>, B), E>
where
    S: ContractStore + FeedbackStore,
    E: From<DomainError>,
{
    let contract = load_contract(store, contract_id).await?;
    access::require_party(actor, &contract, side, doing)?;
    let body = read()?;
    let both = store.contract_feedback(&contract).await?;
    let client = found(
        both.client.clone(),
        "client feedback on contract",
        contract_id,
    )?;
    Ok((contract, both, client, body))
}

/// The client asks to change its public feedback.
pub async fn request_change<S: ContractStore + FeedbackStore>(
    store: &S,
    clock: &impl Clock,
    actor: &Actor,
    contract_id: &ContractId,
) -> Result<crate::model::ChangeState, DomainError> {
    let (contract, _, Versioned { mut value, version }) = client_feedback_for(
        store,
        actor,
        contract_id,
        Direction::Client,
        "request a change of its feedback",
    )
    .await?;
    change::check_request(&value)?;
    value.change.requested_at = Some(clock.now());
    store.update_feedback(&contract, &value, version).await?;
    Ok(value.change)
}

/// The freelancer consents to (or declines) a change, or enables one unasked.
pub async fn consent_change<S: ContractStore + FeedbackStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    given: bool,
) -> Result<crate::model::ChangeState, DomainError> {
    consent_change_reading(store, clock, policy, actor, contract_id, || Ok(given)).await
}

/// [`consent_change`] with the consent read once the caller is the contract's freelancer.
pub async fn consent_change_reading<S, E>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    read: impl FnOnce() -> Result<bool, E>,
) -> Result<crate::model::ChangeState, E>
where
    S: ContractStore + FeedbackStore,
    E: From<DomainError>,
{
    let (contract, _, Versioned { mut value, version }, given) = client_feedback_reading(
        store,
        actor,
        contract_id,
        Direction::Freelancer,
        "consent to a change of feedback",
        read,
    )
    .await?;
    value.change = change::consent(&value, given, clock.now(), policy)?;
    store.update_feedback(&contract, &value, version).await?;
    Ok(value.change)
}

/// The client submits the new public part; a new version is kept beside the old ones.
pub async fn apply_change<S: ContractStore + FeedbackStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    cmd: ChangePublic,
) -> Result<FeedbackView, DomainError> {
    apply_change_reading(store, clock, policy, actor, contract_id, || Ok(cmd)).await
}

/// [`apply_change`] with the new public part read once the caller is the contract's client.
pub async fn apply_change_reading<S, E>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    read: impl FnOnce() -> Result<ChangePublic, E>,
) -> Result<FeedbackView, E>
where
    S: ContractStore + FeedbackStore,
    E: From<DomainError>,
{
    let (contract, both, Versioned { mut value, version }, cmd) = client_feedback_reading(
        store,
        actor,
        contract_id,
        Direction::Client,
        "change its feedback",
        read,
    )
    .await?;
    let now = clock.now();
    change::check_apply(&value, cmd.touches_private, now, policy)?;
    let Some(public) = cmd.public else {
        return Err(DomainError::invalid("public", "is required: the new public part").into());
    };
    value.push_version(public, now);
    value.change.applied_at = Some(now);
    store.update_feedback(&contract, &value, version).await?;
    let revealed = revealed_at(&contract, &both, policy).is_some_and(|t| now >= t);
    Ok(view(&value, Visibility::Full, revealed)
        .ok_or_else(|| DomainError::Unavailable("feedback view".into()))?)
}

/// The freelancer publishes its one response.
pub async fn respond<S: ContractStore + FeedbackStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    text: ResponseText,
) -> Result<Response, DomainError> {
    respond_reading(store, clock, policy, actor, contract_id, || Ok(text)).await
}

/// [`respond`] with the text read once the caller is the contract's freelancer.
pub async fn respond_reading<S, E>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    read: impl FnOnce() -> Result<ResponseText, E>,
) -> Result<Response, E>
where
    S: ContractStore + FeedbackStore,
    E: From<DomainError>,
{
    let (contract, both, Versioned { mut value, version }, text) = client_feedback_reading(
        store,
        actor,
        contract_id,
        Direction::Freelancer,
        "respond to feedback",
        read,
    )
    .await?;
    let now = clock.now();
    response::check_response(&value, revealed_at(&contract, &both, policy), now, policy)?;
    let response = Response { text, at: now };
    value.response = Some(response.clone());
    store.update_feedback(&contract, &value, version).await?;
    Ok(response)
}

/// The freelancer reports the client's feedback.
pub async fn report<S: ContractStore + FeedbackStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    cmd: ReportFeedback,
) -> Result<FeedbackReport, DomainError> {
    report_reading(store, clock, policy, actor, contract_id, || Ok(cmd)).await
}

/// [`report`] with the report read once the caller is the contract's freelancer.
pub async fn report_reading<S, E>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    actor: &Actor,
    contract_id: &ContractId,
    read: impl FnOnce() -> Result<ReportFeedback, E>,
) -> Result<FeedbackReport, E>
where
    S: ContractStore + FeedbackStore,
    E: From<DomainError>,
{
    let (contract, both, Versioned { mut value, version }, cmd) = client_feedback_reading(
        store,
        actor,
        contract_id,
        Direction::Freelancer,
        "report feedback",
        read,
    )
    .await?;
    let now = clock.now();
    let revealed = revealed_at(&contract, &both, policy).is_some_and(|t| now >= t);
    report::check_report(&value, revealed)?;
    let filed = FeedbackReport {
        report_id: ReportId::for_feedback(&value.feedback_id),
        reason: cmd.reason,
        details: cmd.details,
        filed_at: now,
        decision: None,
    };
    value.report = Some(filed.clone());
    store.update_feedback(&contract, &value, version).await?;
    Ok(filed)
}

/// A reviewer removes or keeps reported feedback.
pub async fn decide_report<S: ContractStore + FeedbackStore>(
    store: &S,
    clock: &impl Clock,
    actor: &Actor,
    report_id: &ReportId,
    cmd: DecideReport,
) -> Result<FeedbackReport, DomainError> {
    access::review(actor, "decide reports")?;
    let Versioned { mut value, version } = found(
        store.feedback_by_report(report_id).await?,
        "report",
        report_id,
    )?;
    report::check_decision(&value, &actor.user_id)?;
    let contract = load_contract(store, &value.contract_id).await?;
    let decision = ReportDecision {
        outcome: cmd.outcome,
        note: cmd.note,
        reviewer: actor.user_id.clone(),
        decided_at: clock.now(),
    };
    let Some(report) = value.report.as_mut() else {
        return Err(DomainError::not_found("report", report_id));
    };
    report.decision = Some(decision);
    let decided = report.clone();
    store.update_feedback(&contract, &value, version).await?;
    Ok(decided)
}

/// The reports waiting for a reviewer, oldest first: reviewers only.
pub async fn pending_reports<S: FeedbackStore>(
    store: &S,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<Feedback>, DomainError> {
    access::review(actor, "see the reports waiting")?;
    store.pending_reports(page).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::fixtures::*;

    #[test]
    fn a_freelancer_who_is_also_a_reviewer_sees_the_clients_feedback_as_a_party_does() {
        let c = contract("c1", "cl1", Some(day(0)), 10_000);
        let client = client_feedback("c1", "cl1", 2, crate::ReasonEnded::Other, &[], day(1));
        let me = actor("fl1", &[Role::Freelancer, Role::Reviewer]);
        // Before the reveal, nothing of the client's side.
        let before = contract_view(&me, &c, Some(&client), None, day(2), &policy()).unwrap();
        assert!(before.client.is_none());
        // After it, the public part only: never the private part.
        let after = contract_view(&me, &c, Some(&client), None, day(14), &policy()).unwrap();
        let seen = after.client.unwrap();
        assert!(seen.private.is_none());
    }

    #[test]
    fn a_client_who_is_also_a_reviewer_sees_nothing_of_the_freelancers_side_before_the_reveal() {
        let c = contract("c1", "cl1", Some(day(0)), 10_000);
        let theirs = freelancer_feedback("c1", "fl1", "cl1", 4, day(1));
        let me = actor("cl1", &[Role::Client, Role::Reviewer]);
        let view = contract_view(&me, &c, None, Some(&theirs), day(2), &policy()).unwrap();
        assert!(view.freelancer.is_none());
    }

    #[test]
    fn a_reviewer_who_is_no_party_sees_everything_and_anyone_else_is_forbidden() {
        let c = contract("c1", "cl1", Some(day(0)), 10_000);
        let client = client_feedback("c1", "cl1", 2, crate::ReasonEnded::Other, &[], day(1));
        let reviewer = actor("rev1", &[Role::Reviewer]);
        let view = contract_view(&reviewer, &c, Some(&client), None, day(2), &policy()).unwrap();
        assert!(view.client.unwrap().private.is_some());
        let stranger = actor("fl2", &[Role::Freelancer]);
        assert!(matches!(
            contract_view(&stranger, &c, Some(&client), None, day(2), &policy()),
            Err(DomainError::Forbidden(_))
        ));
    }
}

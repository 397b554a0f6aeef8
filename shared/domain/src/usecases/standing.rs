//! Evaluating a freelancer and reading the outcome: standing, eligibility, profile, audit.

use crate::calendar::sub_months;
use crate::error::DomainError;
use crate::evaluation::{self, DisputedCredential, Evaluation};
use crate::model::{AuditEntry, Sanction, Standing, event};
use crate::paging::{Page, PageRequest};
use crate::ports::{
    AppealStore, Clock, ComplaintStore, EvidenceMark, PolicyStore, StandingSnapshot, StandingStore,
    SweepStore, Versioned,
};
use crate::record::{ContractEvidence, FreelancerRecord};
use crate::rules::eligibility::Eligibility;
use crate::rules::{access, feedback as feedback_rule, jss};
use crate::usecases::feedback::PublicView;
use crate::usecases::policies::{self, InForce};
use crate::{Actor, ContractId, PolicyConfig, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// How many due standings the hourly run reads at a time.
const DUE_PAGE: usize = 100;

/// How often an evaluation decides again when another evaluation wrote the standing, or new
/// evidence arrived, between its read and its write.
const SAVE_ATTEMPTS: u32 = 5;

/// Builds the freelancer's record from the store: evidence inside the windows only.
pub async fn load_record<S: StandingStore + ComplaintStore + AppealStore>(
    store: &S,
    freelancer: &UserId,
    previous: &[Sanction],
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Result<FreelancerRecord, DomainError> {
    let since = evaluation::evidence_since(previous, now, policy);
    let contracts = store.evidence_since(freelancer, since).await?;
    let complaints = store.freelancer_complaints(freelancer).await?;
    let appeals = store.freelancer_appeals(freelancer).await?;
    Ok(FreelancerRecord::new(
        freelancer.clone(),
        contracts,
        complaints.into_iter().map(|v| v.value).collect(),
        appeals.into_iter().map(|v| v.value).collect(),
        previous.to_vec(),
    ))
}

fn snapshot(e: &Evaluation, policy: &PolicyConfig, evidence: EvidenceMark) -> StandingSnapshot {
    StandingSnapshot {
        freelancer_id: e.freelancer_id.clone(),
        standing: e.standing,
        sanctions: e.sanctions.clone(),
        jss: e.jss,
        eligibility: e.eligibility.clone(),
        disputed_credentials: e.disputed_credentials.clone(),
        evaluated_at: e.evaluated_at,
        policy_version: policy.version.clone(),
        next_due: e.next_due,
        evidence_mark: evidence,
    }
}

/// Re-evaluates a freelancer and writes what changed (standing, audit, notices) under a
/// condition on the standing's version. The evidence mark, read before the evidence, is part of
/// the standing: an evaluation after new evidence writes even when its outcome is the same, so
/// an evaluation that read older evidence and writes later is refused and decides again on a
/// fresh read. A replay that changes nothing writes nothing.
pub async fn reevaluate<S: StandingStore + ComplaintStore + AppealStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    freelancer: &UserId,
) -> Result<Evaluation, DomainError> {
    reevaluate_since(store, clock, policy, None, &[], freelancer).await
}

/// [`reevaluate`] under a policy live since `since`: it starts no sanction earlier (a policy
/// switch never backdates one); `decided_under` are the earlier versions the freelancer's
/// sanctions were decided under, each of which judges its own sanctions' evidence again.
pub async fn reevaluate_since<S: StandingStore + ComplaintStore + AppealStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    since: Option<DateTime<Utc>>,
    decided_under: &[PolicyConfig],
    freelancer: &UserId,
) -> Result<Evaluation, DomainError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let now = clock.now();
        let evidence = store.evidence_mark(freelancer).await?;
        let stored = store.get_standing(freelancer).await?;
        let previous = stored
            .as_ref()
            .map(|s| s.value.sanctions.clone())
            .unwrap_or_default();
        let record = load_record(store, freelancer, &previous, now, policy)
            .await?
            .judged_since(since)
            .decided_under(decided_under.to_vec());
        let evaluation = evaluation::evaluate(&record, policy, now);
        let next = snapshot(&evaluation, policy, evidence);
        let unchanged = stored.as_ref().is_some_and(|s| {
            let mut same = next.clone();
            same.evaluated_at = s.value.evaluated_at;
            same == s.value
        });
        if unchanged {
            return Ok(evaluation);
        }
        let notices = evaluation.notices();
        let expected = stored.as_ref().map(|s| s.version);
        let events = event::of_evaluation(&evaluation, &previous, &notices, expected);
        let result = store
            .save_standing(
                &next,
                &evaluation.audit_entries(),
                &notices,
                &events,
                expected,
            )
            .await;
        match result {
            Err(DomainError::Conflict(_)) if attempt < SAVE_ATTEMPTS => continue,
            Err(e) => return Err(e),
            Ok(()) => return Ok(evaluation),
        }
    }
}

/// The standing route's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingView {
    pub freelancer_id: UserId,
    pub standing: Standing,
    pub sanctions: Vec<Sanction>,
    pub jss: Option<u8>,
    pub version: u64,
    pub evaluated_at: DateTime<Utc>,
    pub policy_version: String,
}

/// The stored standing. A freelancer never evaluated is evaluated now and the evaluation is
/// stored the way the stream's would be (the same conditional write, audit entries and
/// notices), so that what a read shows always exists: a sanction it shows has its imposition
/// time, audit entry and notice, and can be appealed at once. The stream's evaluation that
/// follows finds nothing to change.
async fn current<S: StandingStore + ComplaintStore + AppealStore>(
    store: &S,
    clock: &impl Clock,
    policies: &InForce,
    freelancer: &UserId,
) -> Result<Versioned<StandingSnapshot>, DomainError> {
    if let Some(stored) = store.get_standing(freelancer).await? {
        return Ok(stored);
    }
    // Live only: the shadow's judgement follows with the stream's evaluation of the evidence.
    // Never evaluated, so no earlier sanctions and no earlier versions.
    match reevaluate_since(
        store,
        clock,
        &policies.live,
        policies.live_since,
        &[],
        freelancer,
    )
    .await
    {
        // Another evaluation (the stream's, or another first read) stored the standing before
        // each of this one's attempts: that standing exists, so the read shows it. A read is no
        // write to retry: it never answers `conflict`.
        Ok(_) | Err(DomainError::Conflict(_)) => {}
        Err(e) => return Err(e),
    }
    store.get_standing(freelancer).await?.ok_or_else(|| {
        DomainError::Unavailable("the standing just stored could not be read back".into())
    })
}

/// What one run of the hourly re-evaluation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DueReport {
    pub reevaluated: u32,
}

/// §4, time-driven re-evaluation: every freelancer whose stored standing says time alone may
/// have changed it by now is evaluated again (and what changed is written as the stream's
/// evaluation would write it). Idempotent: a second run finds nothing due.
pub async fn reevaluate_due<S>(
    store: &S,
    clock: &impl Clock,
    policies: &InForce,
) -> Result<DueReport, DomainError>
where
    S: StandingStore + ComplaintStore + AppealStore + SweepStore + PolicyStore,
{
    let mut report = DueReport::default();
    let mut failed = Vec::new();
    let until = clock.now();
    let mut request = Some(PageRequest::first(DUE_PAGE));
    while let Some(page) = request.take() {
        let due = store.due_evaluations(until, &page).await?;
        request = page.next(&due);
        for freelancer in due.items {
            // One freelancer's failure does not hold up the others; the run still fails, so
            // the schedule's retry picks the rest up (those done are no longer due).
            match policies::reevaluate(store, clock, policies, &freelancer).await {
                Ok(_) => report.reevaluated += 1,
                Err(e) => failed.push(format!("{freelancer}: {e}")),
            }
        }
    }
    if failed.is_empty() {
        Ok(report)
    } else {
        Err(DomainError::Unavailable(format!(
            "{} of the due re-evaluations failed ({})",
            failed.len(),
            failed.join("; ")
        )))
    }
}

pub async fn standing<S: StandingStore + ComplaintStore + AppealStore>(
    store: &S,
    clock: &impl Clock,
    policies: &InForce,
    actor: &Actor,
    freelancer: &UserId,
) -> Result<StandingView, DomainError> {
    access::view_standing(actor, freelancer)?;
    let policy = &policies.live;
    let Versioned { value, version } = current(store, clock, policies, freelancer).await?;
    Ok(StandingView {
        freelancer_id: value.freelancer_id,
        standing: value.standing,
        sanctions: value.sanctions,
        // The JSS moves with time alone (feedback is revealed, windows close) while the stored
        // standing moves only with evidence, so it is computed as of now, like the profile's.
        jss: live_jss(store, clock, policy, freelancer).await?,
        version,
        evaluated_at: value.evaluated_at,
        policy_version: value.policy_version,
    })
}

pub async fn eligibility<S: StandingStore + ComplaintStore + AppealStore>(
    store: &S,
    clock: &impl Clock,
    policies: &InForce,
    actor: &Actor,
    freelancer: &UserId,
) -> Result<Eligibility, DomainError> {
    access::view_standing(actor, freelancer)?;
    Ok(current(store, clock, policies, freelancer)
        .await?
        .value
        .eligibility)
}

/// The JSS as of now, from the evidence inside its window.
async fn live_jss<S: StandingStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    freelancer: &UserId,
) -> Result<Option<u8>, DomainError> {
    let now = clock.now();
    let since = crate::calendar::sub_months(now, policy.jss_window_months);
    let contracts = store.evidence_since(freelancer, since).await?;
    let record = FreelancerRecord::new(freelancer.clone(), contracts, vec![], vec![], vec![]);
    Ok(jss::score(&record, now, policy))
}

/// One entry of the public profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileEntry {
    pub contract_id: ContractId,
    pub public: PublicView,
    pub response: Option<crate::model::Response>,
}

/// The public profile: revealed, not removed, client-direction feedback (newest first, a page
/// at a time: `next_cursor` asks for older entries); JSS; disputed credentials. No private data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileView {
    pub freelancer_id: UserId,
    pub jss: Option<u8>,
    pub feedback: Vec<ProfileEntry>,
    pub next_cursor: Option<String>,
    pub disputed_credentials: Vec<DisputedCredential>,
}

/// Anyone signed in may see a profile.
pub async fn profile<S: StandingStore + ComplaintStore + AppealStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    freelancer: &UserId,
    page: &PageRequest,
) -> Result<ProfileView, DomainError> {
    let now = clock.now();
    let Page {
        items: feedback,
        next_cursor,
    } = profile_feedback(store, policy, freelancer, now, page).await?;
    // The JSS needs only the contracts inside its window (§9): a key range, not the history.
    let contracts = store
        .evidence_since(freelancer, sub_months(now, policy.jss_window_months))
        .await?;
    let record = FreelancerRecord::new(freelancer.clone(), contracts, vec![], vec![], vec![]);
    let disputed = store
        .get_standing(freelancer)
        .await?
        .map(|s| s.value.disputed_credentials)
        .unwrap_or_default();
    Ok(ProfileView {
        freelancer_id: freelancer.clone(),
        jss: jss::score(&record, now, policy),
        feedback,
        next_cursor,
        disputed_credentials: disputed,
    })
}

/// How many slices of contracts one profile page reads at most before it answers with what it
/// found and a cursor to go on from (a freelancer with thousands of hidden or removed feedback
/// entries costs each request a bounded read, not the whole history).
const PROFILE_READS: usize = 8;

/// One page of the profile's feedback: revealed, not removed client feedback, newest first,
/// read a slice of contracts at a time.
async fn profile_feedback<S: StandingStore>(
    store: &S,
    policy: &PolicyConfig,
    freelancer: &UserId,
    now: DateTime<Utc>,
    page: &PageRequest,
) -> Result<Page<ProfileEntry>, DomainError> {
    let want = page.limit();
    let mut before = page.after().map(str::to_owned);
    let mut shown: Vec<(String, ProfileEntry)> = Vec::new();
    for _ in 0..PROFILE_READS {
        let slice = store
            .evidence_before(freelancer, before.as_deref(), want + 1)
            .await?;
        let exhausted = slice.len() <= want;
        for (key, evidence) in slice {
            before = Some(key.clone());
            if let Some(entry) = shown_on_profile(&evidence, now, policy) {
                shown.push((key, entry));
                if shown.len() > want {
                    return Ok(Page::from_keyed(shown, page));
                }
            }
        }
        if exhausted {
            return Ok(Page::from_keyed(shown, page));
        }
    }
    // Read as much as one page may: what was found, and a cursor after the last contract read.
    Ok(Page::stopped_at(
        shown.into_iter().map(|(_, entry)| entry).collect(),
        before.as_deref(),
    ))
}

/// The profile's entry for a contract: its client feedback when revealed and not removed.
fn shown_on_profile(
    evidence: &ContractEvidence,
    now: DateTime<Utc>,
    policy: &PolicyConfig,
) -> Option<ProfileEntry> {
    let fb = evidence.client_feedback.as_ref()?;
    let revealed = feedback_rule::is_revealed(
        &evidence.contract,
        Some(fb.submitted_at),
        evidence.freelancer_feedback_at,
        now,
        policy,
    );
    (revealed && !fb.is_removed()).then(|| ProfileEntry {
        contract_id: evidence.contract.contract_id.clone(),
        public: PublicView::from(&fb.current().public),
        response: fb.response.clone(),
    })
}

/// The audit trail, oldest first, for reviewers, a page at a time.
pub async fn audit<S: StandingStore>(
    store: &S,
    actor: &Actor,
    freelancer: &UserId,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, DomainError> {
    access::review(actor, "read the audit trail")?;
    store.audit_trail(freelancer, page).await
}

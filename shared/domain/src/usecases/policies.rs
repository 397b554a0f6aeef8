//! The policy lab over HTTP: publishing versions, activating them live, in shadow or off, the
//! rollout a switch starts, and the shadow's report. The numbers themselves are `PolicyConfig`.

use crate::error::DomainError;
use crate::evaluation::Evaluation;
use crate::model::{
    Disagreement, JudgedStanding, PolicyChange, PolicyMode, PolicySelection, PolicyVersion,
    PublishedPolicy, Rollout, ShadowRecord,
};
use crate::paging::{Page, PageRequest};
use crate::ports::{
    AppealStore, Clock, ComplaintStore, PolicyStore, StandingStore, StoreResult, Versioned,
};
use crate::rules::access;
use crate::usecases::standing;
use crate::{Actor, PolicyConfig, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The policies an evaluation runs under: live, and the shadow when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InForce {
    pub live: PolicyConfig,
    /// When live became live (`None`: from the start).
    pub live_since: Option<DateTime<Utc>>,
    pub shadow: Option<PolicyConfig>,
    /// When the shadow was activated (`None`: from the start).
    pub shadow_since: Option<DateTime<Utc>>,
}

impl InForce {
    /// Only `policy`, live from the start, no shadow: a stack whose table holds no selection.
    pub fn only(policy: &PolicyConfig) -> Self {
        Self {
            live: policy.clone(),
            live_since: None,
            shadow: None,
            shadow_since: None,
        }
    }

    fn of(selection: &PolicySelection) -> Self {
        Self {
            live: selection.live.clone(),
            live_since: selection.live_since,
            shadow: selection.shadow.clone(),
            shadow_since: selection.shadow_since,
        }
    }
}

/// The policies in force now: the table's selection, or `configured` before anything was
/// selected. One read.
pub async fn in_force<S: PolicyStore>(
    store: &S,
    configured: &PolicyConfig,
) -> Result<InForce, DomainError> {
    Ok(match store.policy_selection().await? {
        Some(selection) => InForce::of(&selection.value),
        None => InForce::only(configured),
    })
}

/// The selection, seeding it from `configured` when the table has none: the configured policy
/// becomes the first published version, live from the start.
pub async fn seeded<S: PolicyStore>(
    store: &S,
    clock: &impl Clock,
    configured: &PolicyConfig,
) -> Result<Versioned<PolicySelection>, DomainError> {
    if let Some(selection) = store.policy_selection().await? {
        return Ok(selection);
    }
    let version = PolicyVersion::parse(&configured.version)?;
    if store.get_policy(&version).await?.is_none() {
        let first = PublishedPolicy {
            config: configured.clone(),
            published_at: clock.now(),
            published_by: None,
        };
        match store.publish_policy(&first).await {
            Ok(()) | Err(DomainError::AlreadyExists(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let selection = PolicySelection {
        live: configured.clone(),
        live_since: None,
        shadow: None,
        shadow_since: None,
        rollout: None,
    };
    match store.save_policy_selection(&selection, None, None).await {
        Ok(()) | Err(DomainError::Conflict(_)) => {}
        Err(e) => return Err(e),
    }
    store.policy_selection().await?.ok_or_else(|| {
        DomainError::Unavailable("the policy selection just stored could not be read back".into())
    })
}

/// What `PUT /policies/{version}` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub policy: PublishedPolicy,
    /// False when the same version with the same numbers was there already.
    pub created: bool,
}

/// Publishes `config` as `version`: validated, immutable once stored (the same numbers again
/// are accepted, different ones refused).
pub async fn publish<S: PolicyStore>(
    store: &S,
    clock: &impl Clock,
    actor: &Actor,
    version: &PolicyVersion,
    config: PolicyConfig,
) -> Result<Published, DomainError> {
    access::manage_policies(actor, "publish policy versions")?;
    if config.version != version.as_str() {
        return Err(DomainError::invalid(
            "version",
            format!(
                "is {:?} but the path names {:?}; they must be equal",
                config.version,
                version.as_str()
            ),
        ));
    }
    config.validate().map_err(policy_field)?;
    let same_or_conflict = |existing: PublishedPolicy| {
        if existing.config == config {
            Ok(Published {
                policy: existing,
                created: false,
            })
        } else {
            Err(DomainError::Conflict(format!(
                "policy version {version} is published and cannot change; publish the new numbers under a new version"
            )))
        }
    };
    if let Some(existing) = store.get_policy(version).await? {
        return same_or_conflict(existing);
    }
    let policy = PublishedPolicy {
        config: config.clone(),
        published_at: clock.now(),
        published_by: Some(actor.user_id.clone()),
    };
    match store.publish_policy(&policy).await {
        Ok(()) => Ok(Published {
            policy,
            created: true,
        }),
        Err(DomainError::AlreadyExists(_)) => match store.get_policy(version).await? {
            Some(existing) => same_or_conflict(existing),
            None => Err(DomainError::Unavailable(
                "the policy version could not be read back".into(),
            )),
        },
        Err(e) => Err(e),
    }
}

fn policy_field(e: crate::PolicyError) -> DomainError {
    match e {
        crate::PolicyError::Invalid { field, problem } => DomainError::invalid(field, problem),
        crate::PolicyError::Json(message) => DomainError::invalid("policy", message),
    }
}

/// `POST /policies/{version}/activate`: makes a published version live, shadow, or neither.
/// A live switch or a new shadow starts a rollout that re-evaluates every freelancer; every
/// change is audited. Activating what already holds changes nothing.
pub async fn activate<S: PolicyStore>(
    store: &S,
    clock: &impl Clock,
    configured: &PolicyConfig,
    actor: &Actor,
    version: &PolicyVersion,
    mode: PolicyMode,
) -> Result<PolicySelection, DomainError> {
    access::manage_policies(actor, "activate policy versions")?;
    let current = seeded(store, clock, configured).await?;
    let published = store
        .get_policy(version)
        .await?
        .ok_or_else(|| DomainError::not_found("policy version", version))?;
    let now = clock.now();
    let mut next = current.value.clone();
    let is_live = current.value.live.version == version.as_str();
    let is_shadow = current
        .value
        .shadow
        .as_ref()
        .is_some_and(|s| s.version == version.as_str());
    let rollout = || Rollout {
        version: version.to_string(),
        mode,
        started_at: now,
        checkpoint: None,
        reevaluated: 0,
        failed: 0,
        finished_at: None,
    };
    let previous = match mode {
        PolicyMode::Live if is_live => return Ok(current.value),
        PolicyMode::Live => {
            next.live = published.config;
            next.live_since = Some(now);
            if is_shadow {
                next.shadow = None;
                next.shadow_since = None;
            }
            next.rollout = Some(rollout());
            Some(current.value.live.version.clone())
        }
        PolicyMode::Shadow if is_live => {
            return Err(DomainError::Conflict(format!(
                "policy version {version} is live; it cannot also run as the shadow"
            )));
        }
        PolicyMode::Shadow if is_shadow => return Ok(current.value),
        PolicyMode::Shadow => {
            next.shadow = Some(published.config);
            next.shadow_since = Some(now);
            next.rollout = Some(rollout());
            current.value.shadow.as_ref().map(|s| s.version.clone())
        }
        PolicyMode::Off if is_live => {
            return Err(DomainError::Conflict(format!(
                "policy version {version} is live; make another version live instead of turning it off"
            )));
        }
        PolicyMode::Off if is_shadow => {
            next.shadow = None;
            next.shadow_since = None;
            Some(version.to_string())
        }
        PolicyMode::Off => return Ok(current.value),
    };
    let change = PolicyChange {
        at: now,
        version: version.to_string(),
        mode,
        previous,
        actor: actor.user_id.clone(),
    };
    match store
        .save_policy_selection(&next, Some(&change), Some(current.version))
        .await
    {
        Err(DomainError::Conflict(_)) => Err(DomainError::Conflict(
            "the policy selection changed meanwhile; read GET /policies and try again".into(),
        )),
        Err(e) => Err(e),
        Ok(()) => Ok(next),
    }
}

/// `GET /policies`: the selection (seeded when the table has none) and a page of versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyOverview {
    pub selection: PolicySelection,
    pub versions: Page<PublishedPolicy>,
    /// The latest activations, newest last.
    pub changes: Vec<PolicyChange>,
}

/// How many of the latest activations the overview shows.
const OVERVIEW_CHANGES: usize = 20;

pub async fn overview<S: PolicyStore>(
    store: &S,
    clock: &impl Clock,
    configured: &PolicyConfig,
    actor: &Actor,
    page: &PageRequest,
) -> Result<PolicyOverview, DomainError> {
    access::view_policies(actor)?;
    let selection = seeded(store, clock, configured).await?.value;
    let versions = store.published_policies(page).await?;
    let changes = recent_changes(store).await?;
    Ok(PolicyOverview {
        selection,
        versions,
        changes,
    })
}

async fn recent_changes<S: PolicyStore>(store: &S) -> StoreResult<Vec<PolicyChange>> {
    let mut all = Vec::new();
    let mut request = Some(PageRequest::first(crate::paging::MAX_LIMIT));
    while let Some(page) = request.take() {
        let changes = store.policy_changes(&page).await?;
        request = page.next(&changes);
        all.extend(changes.items);
        let keep = all.len().saturating_sub(OVERVIEW_CHANGES);
        all.drain(..keep);
    }
    Ok(all)
}

/// `GET /policies/{version}/shadow-report`: where that version, run in shadow, disagreed with
/// live, a page at a time.
pub async fn shadow_report<S: PolicyStore>(
    store: &S,
    actor: &Actor,
    version: &PolicyVersion,
    page: &PageRequest,
) -> Result<Page<ShadowRecord>, DomainError> {
    access::view_shadow_report(actor)?;
    store
        .get_policy(version)
        .await?
        .ok_or_else(|| DomainError::not_found("policy version", version))?;
    store.shadow_report(version, page).await
}

/// Re-evaluates a freelancer under the policies in force: live (written and enforced), then the
/// shadow on the same evidence (recorded where it disagrees, never enforced, never notified).
pub async fn reevaluate<S>(
    store: &S,
    clock: &impl Clock,
    policies: &InForce,
    freelancer: &UserId,
) -> Result<Evaluation, DomainError>
where
    S: StandingStore + ComplaintStore + AppealStore + PolicyStore,
{
    let decided_under = earlier_versions(store, policies, freelancer).await?;
    let live = standing::reevaluate_since(
        store,
        clock,
        &policies.live,
        policies.live_since,
        &decided_under,
        freelancer,
    )
    .await?;
    if let Some(shadow) = &policies.shadow {
        let mut under = decided_under;
        under.push(policies.live.clone());
        let shadow_policies = (shadow, policies.shadow_since, under);
        judge_in_shadow(store, shadow_policies, &policies.live, &live).await?;
    }
    Ok(live)
}

/// The published versions, other than live, that the freelancer's stored sanctions were
/// decided under (none before any switch): each judges its own sanctions again. A version that
/// cannot be found leaves its sanctions standing as decided.
async fn earlier_versions<S: StandingStore + PolicyStore>(
    store: &S,
    policies: &InForce,
    freelancer: &UserId,
) -> Result<Vec<PolicyConfig>, DomainError> {
    if policies.live_since.is_none() && policies.shadow.is_none() {
        return Ok(Vec::new());
    }
    let Some(stored) = store.get_standing(freelancer).await? else {
        return Ok(Vec::new());
    };
    let mut names: Vec<&str> = stored
        .value
        .sanctions
        .iter()
        .map(|s| s.policy_version.as_str())
        .filter(|v| *v != policies.live.version)
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut found = Vec::with_capacity(names.len());
    for name in names {
        let Ok(version) = PolicyVersion::parse(name) else {
            continue;
        };
        if let Some(published) = store.get_policy(&version).await? {
            found.push(published.config);
        }
    }
    Ok(found)
}

/// The shadow's judgement on the evidence live just judged, as of the same moment, as a switch
/// to it at its activation would judge. Its previous sanctions are its own where it disagreed
/// before, live's where it agreed.
async fn judge_in_shadow<S>(
    store: &S,
    (shadow, shadow_since, decided_under): (
        &PolicyConfig,
        Option<DateTime<Utc>>,
        Vec<PolicyConfig>,
    ),
    live_policy: &PolicyConfig,
    live: &Evaluation,
) -> Result<(), DomainError>
where
    S: StandingStore + ComplaintStore + AppealStore + PolicyStore,
{
    let freelancer = &live.freelancer_id;
    let now = live.evaluated_at;
    let stored = store.shadow_record(&shadow.version, freelancer).await?;
    let previous = stored
        .as_ref()
        .map_or_else(|| live.sanctions.clone(), |r| r.shadow.sanctions.clone());
    // It judges as a switch at its activation would: live's sanctions carried as decided, its
    // own numbers from then on.
    let record = standing::load_record(store, freelancer, &previous, now, shadow)
        .await?
        .judged_since(shadow_since)
        .decided_under(decided_under);
    let judged = crate::evaluation::evaluate(&record, shadow, now);
    let next = disagreement(live_policy, live, shadow, &judged);
    let unchanged = match (&stored, &next) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let mut b = b.clone();
            b.evaluated_at = a.evaluated_at;
            *a == b
        }
        _ => false,
    };
    if unchanged {
        return Ok(());
    }
    store
        .put_shadow_record(&shadow.version, freelancer, next.as_ref())
        .await
}

/// How the shadow's judgement differs from live's, if it does.
pub fn disagreement(
    live_policy: &PolicyConfig,
    live: &Evaluation,
    shadow_policy: &PolicyConfig,
    shadow: &Evaluation,
) -> Option<ShadowRecord> {
    let live_allows = live.eligibility.submit_proposal.allowed;
    let shadow_allows = shadow.eligibility.submit_proposal.allowed;
    let ids = |e: &Evaluation| {
        e.sanctions
            .iter()
            .map(|s| s.sanction_id.clone())
            .collect::<Vec<_>>()
    };
    let kind = match (live_allows, shadow_allows) {
        (true, false) => Disagreement::NewlyBlocked,
        (false, true) => Disagreement::NewlyFreed,
        _ if live.standing != shadow.standing || ids(live) != ids(shadow) => Disagreement::Changed,
        _ => return None,
    };
    let statement = if shadow.sanctions.is_empty() {
        format!(
            "Under policy {} no sanction would apply: the freelancer would be in good standing (live policy {}: {}).",
            shadow_policy.version, live_policy.version, live.standing
        )
    } else {
        shadow
            .sanctions
            .iter()
            .map(|s| s.statement.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let judged = |policy: &PolicyConfig, e: &Evaluation| JudgedStanding {
        policy_version: policy.version.clone(),
        standing: e.standing,
        sanctions: e.sanctions.clone(),
        eligibility: e.eligibility.clone(),
    };
    Some(ShadowRecord {
        freelancer_id: live.freelancer_id.clone(),
        kind,
        live: judged(live_policy, live),
        shadow: judged(shadow_policy, shadow),
        statement,
        evaluated_at: live.evaluated_at,
    })
}

/// What one step of a rollout did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RolloutReport {
    /// The version whose activation the rollout serves, if one is in progress.
    pub version: Option<String>,
    pub reevaluated: u64,
    pub failed: u64,
    pub pages: u32,
    pub finished: bool,
    /// The first few failures, `freelancer: error`, for the function's log.
    pub failures: Vec<String>,
}

/// How many failures a rollout report names.
const REPORTED_FAILURES: usize = 10;

/// Continues the rollout in progress from its checkpoint: at most `max_pages` pages of
/// `page_size` standings, each freelancer re-evaluated under the policies in force, the
/// checkpoint saved after every page. A newer activation (the selection's version moved)
/// stops this step; the next step continues the newer rollout. A freelancer whose evaluation
/// fails is counted in `failed` and left to their next evidence or due time.
pub async fn rollout_step<S>(
    store: &S,
    clock: &impl Clock,
    page_size: usize,
    max_pages: u32,
) -> Result<RolloutReport, DomainError>
where
    S: StandingStore + ComplaintStore + AppealStore + PolicyStore,
{
    let mut report = RolloutReport::default();
    let Some(Versioned {
        value: mut selection,
        mut version,
    }) = store.policy_selection().await?
    else {
        return Ok(report);
    };
    let policies = InForce::of(&selection);
    while report.pages < max_pages {
        let Some(rollout) = selection
            .rollout
            .as_mut()
            .filter(|r| r.finished_at.is_none())
        else {
            break;
        };
        report.version = Some(rollout.version.clone());
        let limit = page_size.to_string();
        let request = PageRequest::parse(Some(&limit), rollout.checkpoint.as_deref())?;
        let page = store.standings_page(&request).await?;
        for freelancer in &page.items {
            match reevaluate(store, clock, &policies, freelancer).await {
                Ok(_) => {
                    rollout.reevaluated += 1;
                    report.reevaluated += 1;
                }
                Err(e) => {
                    if report.failures.len() < REPORTED_FAILURES {
                        report.failures.push(format!("{freelancer}: {e}"));
                    }
                    rollout.failed += 1;
                    report.failed += 1;
                }
            }
        }
        report.pages += 1;
        rollout.checkpoint = page.next_cursor.clone();
        if page.next_cursor.is_none() {
            rollout.finished_at = Some(clock.now());
            report.finished = true;
        }
        match store
            .save_policy_selection(&selection, None, Some(version))
            .await
        {
            Ok(()) => version += 1,
            // A newer activation: it started its own rollout, which the next step continues.
            Err(DomainError::Conflict(_)) => {
                report.finished = false;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

//! The policy lab's bodies (api.md, "policy lab"): the versions with which is live and which is
//! shadow and the rollout's progress, and a shadow report.

use super::{EligibilityBody, SanctionBody};
use chrono::{DateTime, Utc};
use serde::Serialize;
use standing_domain::model::{
    Disagreement, JudgedStanding, PolicyChange, PolicyMode, PolicySelection, PublishedPolicy,
    Rollout, ShadowRecord,
};
use standing_domain::paging::Page;
use standing_domain::usecases::policies::PolicyOverview;
use standing_domain::{PolicyConfig, Standing, UserId};

/// One published version and what it is now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyVersionBody {
    pub version: String,
    pub mode: PolicyMode,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<UserId>,
    /// Its numbers, every field (the rule book's defaults where the publisher gave none).
    pub policy: PolicyConfig,
}

impl PolicyVersionBody {
    pub fn of(policy: PublishedPolicy, selection: &PolicySelection) -> Self {
        let version = policy.config.version.clone();
        let mode = if selection.live.version == version {
            PolicyMode::Live
        } else if selection
            .shadow
            .as_ref()
            .is_some_and(|s| s.version == version)
        {
            PolicyMode::Shadow
        } else {
            PolicyMode::Off
        };
        Self {
            version,
            mode,
            published_at: policy.published_at,
            published_by: policy.published_by,
            policy: policy.config,
        }
    }
}

/// The re-evaluation an activation started, and how far it got.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutBody {
    pub version: String,
    pub mode: PolicyMode,
    pub started_at: DateTime<Utc>,
    pub reevaluated: u64,
    pub failed: u64,
    pub done: bool,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<&Rollout> for RolloutBody {
    fn from(r: &Rollout) -> Self {
        Self {
            version: r.version.clone(),
            mode: r.mode,
            started_at: r.started_at,
            reevaluated: r.reevaluated,
            failed: r.failed,
            done: r.finished_at.is_some(),
            finished_at: r.finished_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyChangeBody {
    pub at: DateTime<Utc>,
    pub version: String,
    pub mode: PolicyMode,
    pub previous: Option<String>,
    pub actor: UserId,
}

impl From<PolicyChange> for PolicyChangeBody {
    fn from(c: PolicyChange) -> Self {
        Self {
            at: c.at,
            version: c.version,
            mode: c.mode,
            previous: c.previous,
            actor: c.actor,
        }
    }
}

/// `GET /policies`: a page of versions (the list shape), which is live and which is shadow,
/// the rollout in progress or last finished, and the latest activations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoliciesBody {
    pub live: String,
    pub live_since: Option<DateTime<Utc>>,
    pub shadow: Option<String>,
    pub rollout: Option<RolloutBody>,
    pub changes: Vec<PolicyChangeBody>,
    pub items: Vec<PolicyVersionBody>,
    pub next_cursor: Option<String>,
}

impl From<PolicyOverview> for PoliciesBody {
    fn from(o: PolicyOverview) -> Self {
        let selection = o.selection;
        Self {
            live: selection.live.version.clone(),
            live_since: selection.live_since,
            shadow: selection.shadow.as_ref().map(|s| s.version.clone()),
            rollout: selection.rollout.as_ref().map(RolloutBody::from),
            changes: o.changes.into_iter().map(PolicyChangeBody::from).collect(),
            items: o
                .versions
                .items
                .into_iter()
                .map(|p| PolicyVersionBody::of(p, &selection))
                .collect(),
            next_cursor: o.versions.next_cursor,
        }
    }
}

/// What an activation answers: the selection after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectionBody {
    pub live: String,
    pub live_since: Option<DateTime<Utc>>,
    pub shadow: Option<String>,
    pub rollout: Option<RolloutBody>,
}

impl From<&PolicySelection> for SelectionBody {
    fn from(s: &PolicySelection) -> Self {
        Self {
            live: s.live.version.clone(),
            live_since: s.live_since,
            shadow: s.shadow.as_ref().map(|p| p.version.clone()),
            rollout: s.rollout.as_ref().map(RolloutBody::from),
        }
    }
}

/// One side of a shadow comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgedBody {
    pub policy_version: String,
    pub standing: Standing,
    pub sanctions: Vec<SanctionBody>,
    pub eligibility: EligibilityBody,
}

impl From<&JudgedStanding> for JudgedBody {
    fn from(j: &JudgedStanding) -> Self {
        Self {
            policy_version: j.policy_version.clone(),
            standing: j.standing,
            sanctions: j.sanctions.iter().map(SanctionBody::from).collect(),
            eligibility: EligibilityBody::from(&j.eligibility),
        }
    }
}

/// One freelancer on whom the shadow disagrees with live.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShadowEntryBody {
    pub freelancer_id: UserId,
    pub kind: Disagreement,
    pub live_standing: Standing,
    pub shadow_standing: Standing,
    pub live: JudgedBody,
    pub shadow: JudgedBody,
    /// The shadow's statement of reasons.
    pub statement: String,
    pub evaluated_at: DateTime<Utc>,
}

impl From<&ShadowRecord> for ShadowEntryBody {
    fn from(r: &ShadowRecord) -> Self {
        Self {
            freelancer_id: r.freelancer_id.clone(),
            kind: r.kind,
            live_standing: r.live.standing,
            shadow_standing: r.shadow.standing,
            live: JudgedBody::from(&r.live),
            shadow: JudgedBody::from(&r.shadow),
            statement: r.statement.clone(),
            evaluated_at: r.evaluated_at,
        }
    }
}

/// `GET /policies/{version}/shadow-report`: one page of disagreements, as a list (`items`) and
/// grouped by kind (`newly_blocked`, `newly_freed`, `changed`: the same entries).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShadowReportBody {
    pub version: String,
    pub newly_blocked: Vec<ShadowEntryBody>,
    pub newly_freed: Vec<ShadowEntryBody>,
    pub changed: Vec<ShadowEntryBody>,
    pub items: Vec<ShadowEntryBody>,
    pub next_cursor: Option<String>,
}

impl ShadowReportBody {
    pub fn of(version: &str, page: Page<ShadowRecord>) -> Self {
        let items: Vec<ShadowEntryBody> = page.items.iter().map(ShadowEntryBody::from).collect();
        let of_kind = |kind: Disagreement| {
            items
                .iter()
                .filter(|e| e.kind == kind)
                .cloned()
                .collect::<Vec<_>>()
        };
        Self {
            version: version.to_owned(),
            newly_blocked: of_kind(Disagreement::NewlyBlocked),
            newly_freed: of_kind(Disagreement::NewlyFreed),
            changed: of_kind(Disagreement::Changed),
            items,
            next_cursor: page.next_cursor,
        }
    }
}

//! The stored shapes of the policy lab: a published version, the selection of live and shadow
//! (with the rollout in progress), an activation in the policies' audit trail, and a shadow's
//! disagreement. A policy's numbers are stored in `PolicyConfig`'s own serde shape: it is the
//! published policy-file format, which only grows with defaults.

use super::Stored;
use super::standing::{EligibilityItem, SanctionItem};
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::model::{
    Disagreement, JudgedStanding, PolicyChange, PolicyMode, PolicySelection, PublishedPolicy,
    Rollout, ShadowRecord,
};
use standing_domain::{PolicyConfig, Standing, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyItem {
    pub config: PolicyConfig,
    pub published_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_by: Option<UserId>,
}

impl Stored for PolicyItem {
    type Domain = PublishedPolicy;

    fn from_domain(p: &PublishedPolicy) -> Self {
        Self {
            config: p.config.clone(),
            published_at: p.published_at,
            published_by: p.published_by.clone(),
        }
    }

    fn into_domain(self) -> Result<PublishedPolicy, StoreError> {
        Ok(PublishedPolicy {
            config: self.config,
            published_at: self.published_at,
            published_by: self.published_by,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutItem {
    pub version: String,
    pub mode: PolicyMode,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    pub reevaluated: u64,
    #[serde(default)]
    pub failed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionItem {
    pub live: PolicyConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<PolicyConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<RolloutItem>,
}

impl Stored for SelectionItem {
    type Domain = PolicySelection;

    fn from_domain(s: &PolicySelection) -> Self {
        Self {
            live: s.live.clone(),
            live_since: s.live_since,
            shadow: s.shadow.clone(),
            shadow_since: s.shadow_since,
            rollout: s.rollout.as_ref().map(|r| RolloutItem {
                version: r.version.clone(),
                mode: r.mode,
                started_at: r.started_at,
                checkpoint: r.checkpoint.clone(),
                reevaluated: r.reevaluated,
                failed: r.failed,
                finished_at: r.finished_at,
            }),
        }
    }

    fn into_domain(self) -> Result<PolicySelection, StoreError> {
        Ok(PolicySelection {
            live: self.live,
            live_since: self.live_since,
            shadow: self.shadow,
            shadow_since: self.shadow_since,
            rollout: self.rollout.map(|r| Rollout {
                version: r.version,
                mode: r.mode,
                started_at: r.started_at,
                checkpoint: r.checkpoint,
                reevaluated: r.reevaluated,
                failed: r.failed,
                finished_at: r.finished_at,
            }),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyChangeItem {
    pub at: DateTime<Utc>,
    pub version: String,
    pub mode: PolicyMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    pub actor: UserId,
}

impl Stored for PolicyChangeItem {
    type Domain = PolicyChange;

    fn from_domain(c: &PolicyChange) -> Self {
        Self {
            at: c.at,
            version: c.version.clone(),
            mode: c.mode,
            previous: c.previous.clone(),
            actor: c.actor.clone(),
        }
    }

    fn into_domain(self) -> Result<PolicyChange, StoreError> {
        Ok(PolicyChange {
            at: self.at,
            version: self.version,
            mode: self.mode,
            previous: self.previous,
            actor: self.actor,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgedItem {
    pub policy_version: String,
    pub standing: Standing,
    pub sanctions: Vec<SanctionItem>,
    pub eligibility: EligibilityItem,
}

impl From<&JudgedStanding> for JudgedItem {
    fn from(j: &JudgedStanding) -> Self {
        Self {
            policy_version: j.policy_version.clone(),
            standing: j.standing,
            sanctions: j.sanctions.iter().map(SanctionItem::from).collect(),
            eligibility: (&j.eligibility).into(),
        }
    }
}

impl From<JudgedItem> for JudgedStanding {
    fn from(j: JudgedItem) -> Self {
        Self {
            policy_version: j.policy_version,
            standing: j.standing,
            sanctions: j.sanctions.into_iter().map(Into::into).collect(),
            eligibility: j.eligibility.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowItem {
    pub freelancer_id: UserId,
    pub kind: Disagreement,
    pub live: JudgedItem,
    pub shadow: JudgedItem,
    pub statement: String,
    pub evaluated_at: DateTime<Utc>,
}

impl Stored for ShadowItem {
    type Domain = ShadowRecord;

    fn from_domain(r: &ShadowRecord) -> Self {
        Self {
            freelancer_id: r.freelancer_id.clone(),
            kind: r.kind,
            live: (&r.live).into(),
            shadow: (&r.shadow).into(),
            statement: r.statement.clone(),
            evaluated_at: r.evaluated_at,
        }
    }

    fn into_domain(self) -> Result<ShadowRecord, StoreError> {
        Ok(ShadowRecord {
            freelancer_id: self.freelancer_id,
            kind: self.kind,
            live: self.live.into(),
            shadow: self.shadow.into(),
            statement: self.statement,
            evaluated_at: self.evaluated_at,
        })
    }
}

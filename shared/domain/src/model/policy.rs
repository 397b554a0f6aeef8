//! Policy versions as data (architecture, "Policy versions, shadow and backtest"): published
//! versions, which one is live and which one runs in its shadow, the re-evaluation a switch
//! starts, and where a shadow disagrees with live.

use crate::UserId;
use crate::model::{Sanction, Standing};
use crate::policy::PolicyConfig;
use crate::rules::eligibility::Eligibility;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::values::vocabulary!(
    /// What an activation makes a version.
    PolicyMode { Live => "live", Shadow => "shadow", Off => "off" }
);

crate::values::vocabulary!(
    /// How a shadow's outcome differs from live's.
    Disagreement {
        /// Live lets the freelancer submit proposals; the shadow would not.
        NewlyBlocked => "newly_blocked",
        /// Live stops the freelancer's proposals; the shadow would not.
        NewlyFreed => "newly_freed",
        /// Both allow or both stop new work, but the standing or sanctions differ.
        Changed => "changed",
    }
);

/// A version's name: 1 to 64 letters, digits, `.`, `_` or `-` (it is part of storage keys).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyVersion(String);

impl PolicyVersion {
    pub fn parse(raw: &str) -> Result<Self, crate::DomainError> {
        raw.parse()
            .map_err(|problem: &str| crate::DomainError::invalid("version", problem))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for PolicyVersion {
    type Err = &'static str;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1 to 64 letters, digits, `.`, `_` or `-`")
        }
    }
}

impl std::fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A published version: immutable once stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPolicy {
    pub config: PolicyConfig,
    pub published_at: DateTime<Utc>,
    /// Who published it; `None` for the version the stack's configuration seeded.
    pub published_by: Option<UserId>,
}

/// The re-evaluation of every freelancer an activation starts, continued a page at a time by
/// the scheduled function from its checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    /// The activation that started it.
    pub version: String,
    pub mode: PolicyMode,
    pub started_at: DateTime<Utc>,
    /// Where the next page of standings begins (`None`: at the start, or done).
    pub checkpoint: Option<String>,
    pub reevaluated: u64,
    pub failed: u64,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Which version is live and which runs in its shadow, with the live one's numbers inline so
/// that an evaluation reads one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySelection {
    pub live: PolicyConfig,
    /// When the live version became live: what it newly finds never begins before (`None`:
    /// the version the stack's configuration seeded, in force from the start).
    pub live_since: Option<DateTime<Utc>>,
    pub shadow: Option<PolicyConfig>,
    /// When the shadow was activated: it judges as a switch then would (from that moment on).
    pub shadow_since: Option<DateTime<Utc>>,
    pub rollout: Option<Rollout>,
}

/// One activation, as the policy's audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    pub at: DateTime<Utc>,
    pub version: String,
    pub mode: PolicyMode,
    /// The live version before a live switch; the shadow before a shadow or off change.
    pub previous: Option<String>,
    pub actor: UserId,
}

/// One side of a shadow comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedStanding {
    pub policy_version: String,
    pub standing: Standing,
    pub sanctions: Vec<Sanction>,
    pub eligibility: Eligibility,
}

/// Where the shadow version disagrees with live on one freelancer: recorded, never enforced,
/// never notified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowRecord {
    pub freelancer_id: UserId,
    pub kind: Disagreement,
    pub live: JudgedStanding,
    pub shadow: JudgedStanding,
    /// The shadow's reasons, in words.
    pub statement: String,
    pub evaluated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_name_is_a_short_key_safe_word() {
        assert!(PolicyVersion::parse("pilot-2.1_b").is_ok());
        for bad in ["", "has space", "a#b", "ü", &"x".repeat(65)] {
            assert!(PolicyVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}

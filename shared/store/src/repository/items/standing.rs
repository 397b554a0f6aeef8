//! The stored shape of a standing: what the last evaluation left, with its sanctions and their
//! statements of reasons.

use super::Stored;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::evaluation::DisputedCredential;
use standing_domain::model::{AppealPaths, DecidedBy, Evidence, Replaced, RuleId, Sanction};
use standing_domain::ports::{EvidenceMark, StandingSnapshot};
use standing_domain::rules::eligibility::{Eligibility, Permission};
use standing_domain::{
    ClaimText, ComplaintCategory, ComplaintId, ContractId, FeedbackId, SanctionId, Standing,
    TermsClause, UserId,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandingItem {
    pub freelancer_id: UserId,
    pub standing: Standing,
    pub sanctions: Vec<SanctionItem>,
    pub jss: Option<u8>,
    pub eligibility: EligibilityItem,
    pub disputed_credentials: Vec<DisputedItem>,
    pub evaluated_at: DateTime<Utc>,
    pub policy_version: String,
    #[serde(default)]
    pub next_due: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_mark: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanctionItem {
    pub sanction_id: SanctionId,
    pub kind: Standing,
    pub rule: RuleId,
    pub policy_version: String,
    pub started_at: DateTime<Utc>,
    pub imposed_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub replaces: Option<ReplacedItem>,
    pub evidence: EvidenceItem,
    pub decided_by: DecidedBy,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub terms_clause: Option<TermsClause>,
    pub statement: String,
    pub appeal: AppealPathsItem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacedItem {
    pub sanction_id: SanctionId,
    pub first_started_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealPathsItem {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reinstatement_opens_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub contest_until: Option<DateTime<Utc>>,
}

/// The ids a sanction, an appeal or an audit entry rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    pub contract_ids: Vec<ContractId>,
    pub feedback_ids: Vec<FeedbackId>,
    pub complaint_ids: Vec<ComplaintId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityItem {
    pub submit_proposal: PermissionItem,
    pub accept_new_contract: PermissionItem,
    pub continue_existing_contract: PermissionItem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionItem {
    pub allowed: bool,
    pub sanctions: Vec<SanctionId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputedItem {
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub complaint_id: ComplaintId,
}

impl From<&Evidence> for EvidenceItem {
    fn from(e: &Evidence) -> Self {
        Self {
            contract_ids: e.contract_ids.clone(),
            feedback_ids: e.feedback_ids.clone(),
            complaint_ids: e.complaint_ids.clone(),
        }
    }
}

impl From<EvidenceItem> for Evidence {
    fn from(e: EvidenceItem) -> Self {
        Evidence {
            contract_ids: e.contract_ids,
            feedback_ids: e.feedback_ids,
            complaint_ids: e.complaint_ids,
        }
    }
}

impl From<&Permission> for PermissionItem {
    fn from(p: &Permission) -> Self {
        Self {
            allowed: p.allowed,
            sanctions: p.sanctions.clone(),
        }
    }
}

impl From<PermissionItem> for Permission {
    fn from(p: PermissionItem) -> Self {
        Permission {
            allowed: p.allowed,
            sanctions: p.sanctions,
        }
    }
}

impl From<&Eligibility> for EligibilityItem {
    fn from(e: &Eligibility) -> Self {
        Self {
            submit_proposal: (&e.submit_proposal).into(),
            accept_new_contract: (&e.accept_new_contract).into(),
            continue_existing_contract: (&e.continue_existing_contract).into(),
        }
    }
}

impl From<EligibilityItem> for Eligibility {
    fn from(e: EligibilityItem) -> Self {
        Self {
            submit_proposal: e.submit_proposal.into(),
            accept_new_contract: e.accept_new_contract.into(),
            continue_existing_contract: e.continue_existing_contract.into(),
        }
    }
}

impl From<&Sanction> for SanctionItem {
    fn from(s: &Sanction) -> Self {
        Self {
            sanction_id: s.sanction_id.clone(),
            kind: s.kind,
            rule: s.rule,
            policy_version: s.policy_version.clone(),
            started_at: s.started_at,
            imposed_at: s.imposed_at,
            replaces: s.replaces.as_ref().map(|r| ReplacedItem {
                sanction_id: r.sanction_id.clone(),
                first_started_at: r.first_started_at,
            }),
            evidence: (&s.evidence).into(),
            decided_by: s.decided_by.clone(),
            terms_clause: s.terms_clause.clone(),
            statement: s.statement.clone(),
            appeal: AppealPathsItem {
                reinstatement_opens_at: s.appeal.reinstatement_opens_at,
                contest_until: s.appeal.contest_until,
            },
        }
    }
}

impl From<SanctionItem> for Sanction {
    fn from(s: SanctionItem) -> Self {
        Sanction {
            sanction_id: s.sanction_id,
            kind: s.kind,
            rule: s.rule,
            policy_version: s.policy_version,
            started_at: s.started_at,
            imposed_at: s.imposed_at,
            replaces: s.replaces.map(|r| Replaced {
                sanction_id: r.sanction_id,
                first_started_at: r.first_started_at,
            }),
            evidence: s.evidence.into(),
            decided_by: s.decided_by,
            terms_clause: s.terms_clause,
            statement: s.statement,
            appeal: AppealPaths {
                reinstatement_opens_at: s.appeal.reinstatement_opens_at,
                contest_until: s.appeal.contest_until,
            },
        }
    }
}

impl Stored for StandingItem {
    type Domain = StandingSnapshot;

    fn from_domain(s: &StandingSnapshot) -> Self {
        Self {
            freelancer_id: s.freelancer_id.clone(),
            standing: s.standing,
            sanctions: s.sanctions.iter().map(SanctionItem::from).collect(),
            jss: s.jss,
            eligibility: EligibilityItem {
                submit_proposal: (&s.eligibility.submit_proposal).into(),
                accept_new_contract: (&s.eligibility.accept_new_contract).into(),
                continue_existing_contract: (&s.eligibility.continue_existing_contract).into(),
            },
            disputed_credentials: s
                .disputed_credentials
                .iter()
                .map(|d| DisputedItem {
                    category: d.category,
                    claim: d.claim.clone(),
                    complaint_id: d.complaint_id.clone(),
                })
                .collect(),
            evaluated_at: s.evaluated_at,
            policy_version: s.policy_version.clone(),
            next_due: s.next_due,
            evidence_mark: s.evidence_mark.as_str().map(str::to_owned),
        }
    }

    fn into_domain(self) -> Result<StandingSnapshot, StoreError> {
        Ok(StandingSnapshot {
            freelancer_id: self.freelancer_id,
            standing: self.standing,
            sanctions: self.sanctions.into_iter().map(Sanction::from).collect(),
            jss: self.jss,
            eligibility: Eligibility {
                submit_proposal: self.eligibility.submit_proposal.into(),
                accept_new_contract: self.eligibility.accept_new_contract.into(),
                continue_existing_contract: self.eligibility.continue_existing_contract.into(),
            },
            disputed_credentials: self
                .disputed_credentials
                .into_iter()
                .map(|d| DisputedCredential {
                    category: d.category,
                    claim: d.claim,
                    complaint_id: d.complaint_id,
                })
                .collect(),
            evaluated_at: self.evaluated_at,
            policy_version: self.policy_version,
            next_due: self.next_due,
            evidence_mark: EvidenceMark::new(self.evidence_mark),
        })
    }
}

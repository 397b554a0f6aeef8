//! Standing, sanctions with their statements of reasons, eligibility, the public profile and
//! the audit trail, as the contract shows them.

use super::feedback::{PublicBody, ResponseBody};
use chrono::{DateTime, Utc};
use serde::Serialize;
use standing_domain::evaluation::DisputedCredential;
use standing_domain::model::{AuditEntry, DecidedBy, Evidence, RuleId, Sanction};
use standing_domain::rules::eligibility::{Eligibility, Permission};
use standing_domain::usecases::standing::{ProfileEntry, ProfileView, StandingView};
use standing_domain::{
    ClaimText, ComplaintCategory, ComplaintId, ContractId, FeedbackId, SanctionId, Standing,
    TermsClause, UserId,
};

/// `GET /freelancers/{id}/standing`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandingBody {
    pub freelancer_id: UserId,
    pub standing: Standing,
    pub sanctions: Vec<SanctionBody>,
    pub jss: Option<u8>,
    pub version: u64,
    pub evaluated_at: DateTime<Utc>,
    pub policy_version: String,
}

/// A sanction with its statement of reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SanctionBody {
    pub sanction_id: SanctionId,
    pub kind: Standing,
    pub rule: RuleId,
    pub policy_version: String,
    pub started_at: DateTime<Utc>,
    pub imposed_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<ReplacedBody>,
    pub evidence: EvidenceBody,
    pub decided_by: DecidedBy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms_clause: Option<TermsClause>,
    pub statement: String,
    pub appeal: AppealPathsBody,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplacedBody {
    pub sanction_id: SanctionId,
    pub first_started_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceBody {
    pub contract_ids: Vec<ContractId>,
    pub feedback_ids: Vec<FeedbackId>,
    pub complaint_ids: Vec<ComplaintId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppealPathsBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reinstatement_opens_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contest_until: Option<DateTime<Utc>>,
}

/// `GET /freelancers/{id}/eligibility`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EligibilityBody {
    pub submit_proposal: PermissionBody,
    pub accept_new_contract: PermissionBody,
    pub continue_existing_contract: PermissionBody,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermissionBody {
    pub allowed: bool,
    pub sanctions: Vec<SanctionId>,
}

/// `GET /freelancers/{id}/profile`: public data only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileBody {
    pub freelancer_id: UserId,
    pub jss: Option<u8>,
    pub feedback: Vec<ProfileEntryBody>,
    pub next_cursor: Option<String>,
    pub disputed_credentials: Vec<DisputedBody>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileEntryBody {
    pub contract_id: ContractId,
    pub public: PublicBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseBody>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisputedBody {
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub complaint_id: ComplaintId,
}

/// One entry of `GET /freelancers/{id}/audit`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntryBody {
    pub freelancer_id: UserId,
    pub at: DateTime<Utc>,
    pub action: String,
    pub sanction_id: SanctionId,
    pub rule: RuleId,
    pub policy_version: String,
    pub before: Standing,
    pub after: Standing,
    pub evidence: EvidenceBody,
    pub actor: DecidedBy,
    pub reason: String,
}

impl From<&Evidence> for EvidenceBody {
    fn from(e: &Evidence) -> Self {
        Self {
            contract_ids: e.contract_ids.clone(),
            feedback_ids: e.feedback_ids.clone(),
            complaint_ids: e.complaint_ids.clone(),
        }
    }
}

impl From<&Sanction> for SanctionBody {
    fn from(s: &Sanction) -> Self {
        Self {
            sanction_id: s.sanction_id.clone(),
            kind: s.kind,
            rule: s.rule,
            policy_version: s.policy_version.clone(),
            started_at: s.started_at,
            imposed_at: s.imposed_at,
            replaces: s.replaces.as_ref().map(|r| ReplacedBody {
                sanction_id: r.sanction_id.clone(),
                first_started_at: r.first_started_at,
            }),
            evidence: (&s.evidence).into(),
            decided_by: s.decided_by.clone(),
            terms_clause: s.terms_clause.clone(),
            statement: s.statement.clone(),
            appeal: AppealPathsBody {
                reinstatement_opens_at: s.appeal.reinstatement_opens_at,
                contest_until: s.appeal.contest_until,
            },
        }
    }
}

impl From<StandingView> for StandingBody {
    fn from(v: StandingView) -> Self {
        Self {
            sanctions: v.sanctions.iter().map(SanctionBody::from).collect(),
            freelancer_id: v.freelancer_id,
            standing: v.standing,
            jss: v.jss,
            version: v.version,
            evaluated_at: v.evaluated_at,
            policy_version: v.policy_version,
        }
    }
}

impl From<&Permission> for PermissionBody {
    fn from(p: &Permission) -> Self {
        Self {
            allowed: p.allowed,
            sanctions: p.sanctions.clone(),
        }
    }
}

impl From<&Eligibility> for EligibilityBody {
    fn from(e: &Eligibility) -> Self {
        Self {
            submit_proposal: (&e.submit_proposal).into(),
            accept_new_contract: (&e.accept_new_contract).into(),
            continue_existing_contract: (&e.continue_existing_contract).into(),
        }
    }
}

impl From<&DisputedCredential> for DisputedBody {
    fn from(d: &DisputedCredential) -> Self {
        Self {
            category: d.category,
            claim: d.claim.clone(),
            complaint_id: d.complaint_id.clone(),
        }
    }
}

impl From<ProfileEntry> for ProfileEntryBody {
    fn from(e: ProfileEntry) -> Self {
        Self {
            contract_id: e.contract_id,
            public: (&e.public).into(),
            response: e.response.as_ref().map(ResponseBody::from),
        }
    }
}

impl From<ProfileView> for ProfileBody {
    fn from(v: ProfileView) -> Self {
        Self {
            freelancer_id: v.freelancer_id,
            jss: v.jss,
            feedback: v.feedback.into_iter().map(ProfileEntryBody::from).collect(),
            next_cursor: v.next_cursor,
            disputed_credentials: v
                .disputed_credentials
                .iter()
                .map(DisputedBody::from)
                .collect(),
        }
    }
}

impl From<AuditEntry> for AuditEntryBody {
    fn from(e: AuditEntry) -> Self {
        Self {
            evidence: (&e.evidence).into(),
            freelancer_id: e.freelancer_id,
            at: e.at,
            action: e.action,
            sanction_id: e.sanction_id,
            rule: e.rule,
            policy_version: e.policy_version,
            before: e.before,
            after: e.after,
            actor: e.actor,
            reason: e.reason,
        }
    }
}

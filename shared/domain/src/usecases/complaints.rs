//! Professional background complaints: file, the reviewers' queue, decide.

use super::found;
use crate::error::DomainError;
use crate::model::{Complaint, ComplaintDecision, ComplaintStatus};
use crate::paging::{Page, PageRequest};
use crate::ports::{Clock, ComplaintStore, ContractStore, Versioned};
use crate::rules::{access, complaints as rule};
use crate::{
    Actor, ClaimText, ComplaintCategory, ComplaintId, ComplaintOutcome, EvidenceText, Note,
    PolicyConfig, Statement, TermsClause, UserId,
};

/// At most this many pieces of evidence per complaint.
pub const MAX_EVIDENCE: usize = 20;

/// `POST /freelancers/{id}/complaints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileComplaint {
    pub category: ComplaintCategory,
    pub claim: ClaimText,
    pub statement: Statement,
    pub evidence: Vec<EvidenceText>,
}

/// `POST /complaints/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecideComplaint {
    pub outcome: ComplaintOutcome,
    pub terms_clause: TermsClause,
    pub note: Note,
}

/// Who may file a complaint about whom: only [`may_file`] makes one, so a complaint is never
/// filed without the check (api.md, order of checks: 403 before the body is read).
#[derive(Debug)]
pub struct FilingRight {
    reporter: UserId,
    freelancer: UserId,
}

/// §6: a client with a contract with that freelancer, and nobody else, may complain.
pub async fn may_file<S: ContractStore>(
    store: &S,
    actor: &Actor,
    freelancer: &UserId,
) -> Result<FilingRight, DomainError> {
    access::file_complaint(actor)?;
    let has_contract = store
        .has_contract_between(&actor.user_id, freelancer)
        .await?;
    rule::may_file(&actor.user_id, freelancer, has_contract)?;
    Ok(FilingRight {
        reporter: actor.user_id.clone(),
        freelancer: freelancer.clone(),
    })
}

/// How often a filing is decided again when another filing about the same freelancer came in
/// between its read and its write.
const FILE_ATTEMPTS: u32 = 8;

/// A client files a complaint; a review case opens when enough distinct reporters complain.
/// The rule is checked on the freelancer's complaints as read, and the write holds only if no
/// other filing came in since (§7: two reporters filing at once still open the case, and one
/// reporter cannot pass the open limit by filing in parallel); else it reads and decides again.
pub async fn file<S: ComplaintStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    right: FilingRight,
    cmd: FileComplaint,
) -> Result<Complaint, DomainError> {
    let FilingRight {
        reporter,
        freelancer,
    } = right;
    if cmd.evidence.is_empty() || cmd.evidence.len() > MAX_EVIDENCE {
        return Err(DomainError::invalid(
            "evidence",
            format!("must list 1 to {MAX_EVIDENCE} links or texts"),
        ));
    }
    let mut attempt = 1;
    loop {
        match file_once(store, clock, policy, &reporter, &freelancer, cmd.clone()).await {
            Err(DomainError::Conflict(_)) if attempt < FILE_ATTEMPTS => attempt += 1,
            other => return other,
        }
    }
}

async fn file_once<S: ComplaintStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    reporter: &UserId,
    freelancer: &UserId,
    cmd: FileComplaint,
) -> Result<Complaint, DomainError> {
    let reporter = reporter.clone();
    let freelancer = freelancer.clone();
    let set_version = store.complaint_set_version(&freelancer).await?;
    let existing = store.freelancer_complaints(&freelancer).await?;
    let values: Vec<Complaint> = existing.iter().map(|v| v.value.clone()).collect();
    rule::check_filing(&reporter, &values, cmd.category, &cmd.claim, policy)?;
    let now = clock.now();
    let stamp = now.to_rfc3339();
    let key = Complaint::claim_key(cmd.category, &cmd.claim);
    let complaint = Complaint {
        complaint_id: ComplaintId::derived(
            "cp",
            &[freelancer.as_str(), reporter.as_str(), &key, &stamp],
        ),
        freelancer_id: freelancer.clone(),
        reporter,
        category: cmd.category,
        claim: cmd.claim,
        statement: cmd.statement,
        evidence: cmd.evidence,
        filed_at: now,
        under_review_since: None,
        decision: None,
    };
    let mut all = values;
    all.push(complaint.clone());
    let moved = rule::open_case(&mut all, now, policy);
    let new = all
        .iter()
        .find(|c| c.complaint_id == complaint.complaint_id)
        .cloned()
        .unwrap_or(complaint);
    let moved_to_review: Vec<Versioned<Complaint>> = existing
        .into_iter()
        .filter(|v| moved.contains(&v.value.complaint_id))
        .filter_map(|v| {
            all.iter()
                .find(|c| c.complaint_id == v.value.complaint_id)
                .map(|c| Versioned {
                    value: c.clone(),
                    version: v.version,
                })
        })
        .collect();
    store
        .file_complaint(&new, &moved_to_review, set_version)
        .await?;
    Ok(new)
}

/// The reviewers' queue, oldest first, a page at a time.
pub async fn queue<S: ComplaintStore>(
    store: &S,
    actor: &Actor,
    status: ComplaintStatus,
    page: &PageRequest,
) -> Result<Page<Complaint>, DomainError> {
    access::review(actor, "see the complaints queue")?;
    store.complaint_queue(status, page).await
}

/// A complaint the reviewer may decide (§8a): only [`may_decide`] makes one, before the body is
/// read. `None` inside when there is no such complaint (404 after the body, api.md).
#[derive(Debug)]
pub struct DecisionRight {
    id: ComplaintId,
    complaint: Option<Versioned<Complaint>>,
    reviewer: UserId,
}

/// A reviewer, and not one who takes part in the case.
pub async fn may_decide<S: ComplaintStore>(
    store: &S,
    actor: &Actor,
    id: &ComplaintId,
) -> Result<DecisionRight, DomainError> {
    access::review(actor, "decide complaints")?;
    let complaint = store.get_complaint(id).await?;
    if let Some(c) = &complaint {
        let case: Vec<Complaint> = store
            .freelancer_complaints(&c.value.freelancer_id)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect();
        rule::check_reviewer(&c.value, &case, &actor.user_id)?;
    }
    Ok(DecisionRight {
        id: id.clone(),
        complaint,
        reviewer: actor.user_id.clone(),
    })
}

/// The reviewer decides the complaint under review.
pub async fn decide<S: ComplaintStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
    right: DecisionRight,
    cmd: DecideComplaint,
) -> Result<Complaint, DomainError> {
    let Versioned { mut value, version } = found(right.complaint, "complaint", &right.id)?;
    rule::check_decision(&value, policy)?;
    value.decision = Some(ComplaintDecision {
        outcome: cmd.outcome,
        terms_clause: cmd.terms_clause,
        note: cmd.note,
        reviewer: right.reviewer,
        decided_at: clock.now(),
    });
    store.decide_complaint(&value, version).await?;
    Ok(value)
}

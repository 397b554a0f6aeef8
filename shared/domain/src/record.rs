//! `FreelancerRecord`: everything an evaluation reads about one freelancer, in canonical order.

use crate::UserId;
use crate::model::{Appeal, Complaint, Contract, Feedback, Sanction};
use chrono::{DateTime, Utc};

/// A contract with the client's feedback on it (the evidence the rules read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractEvidence {
    pub contract: Contract,
    /// The client's feedback about the freelancer.
    pub client_feedback: Option<Feedback>,
    /// When the freelancer left feedback about the client: it decides the double-blind reveal.
    pub freelancer_feedback_at: Option<DateTime<Utc>>,
}

/// The input of `evaluate`. The constructor puts every collection in a canonical order, so an
/// evaluation never depends on the order the store returned things in, and contracts can be
/// searched by end date (the windows) instead of scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreelancerRecord {
    freelancer_id: UserId,
    contracts: Vec<ContractEvidence>,
    complaints: Vec<Complaint>,
    appeals: Vec<Appeal>,
    previous: Vec<Sanction>,
    /// When the policy this record is judged under became live (`None`: always, as for a
    /// backtest). A sanction it newly finds never begins before that moment.
    policy_since: Option<DateTime<Utc>>,
    /// The versions earlier sanctions were decided under (after a switch): each judges its own
    /// sanctions' evidence again.
    decided_under: Vec<crate::PolicyConfig>,
}

impl FreelancerRecord {
    /// `previous` are the sanctions the last evaluation left active: a quality block is sticky
    /// (§4), so it is remembered rather than re-derived from a window that has moved on.
    pub fn new(
        freelancer_id: UserId,
        mut contracts: Vec<ContractEvidence>,
        mut complaints: Vec<Complaint>,
        mut appeals: Vec<Appeal>,
        mut previous: Vec<Sanction>,
    ) -> Self {
        contracts.retain(|c| c.contract.freelancer_id == freelancer_id);
        contracts.sort_by(|a, b| {
            (a.contract.ended_at, &a.contract.contract_id)
                .cmp(&(b.contract.ended_at, &b.contract.contract_id))
        });
        contracts.dedup_by(|a, b| a.contract.contract_id == b.contract.contract_id);
        complaints.retain(|c| c.freelancer_id == freelancer_id);
        complaints.sort_by(|a, b| a.complaint_id.cmp(&b.complaint_id));
        complaints.dedup_by(|a, b| a.complaint_id == b.complaint_id);
        appeals.retain(|a| a.freelancer_id == freelancer_id);
        appeals.sort_by(|a, b| a.appeal_id.cmp(&b.appeal_id));
        appeals.dedup_by(|a, b| a.appeal_id == b.appeal_id);
        previous.sort_by(|a, b| a.sanction_id.cmp(&b.sanction_id));
        previous.dedup_by(|a, b| a.sanction_id == b.sanction_id);
        Self {
            freelancer_id,
            contracts,
            complaints,
            appeals,
            previous,
            policy_since: None,
            decided_under: Vec::new(),
        }
    }

    /// The versions the previous sanctions were decided under, when not the live one.
    pub fn decided_under(mut self, policies: Vec<crate::PolicyConfig>) -> Self {
        self.decided_under = policies;
        self
    }

    /// The version `name`, if the record carries it.
    pub fn policy_named(&self, name: &str) -> Option<&crate::PolicyConfig> {
        self.decided_under.iter().find(|p| p.version == name)
    }

    /// The record judged under a policy live since `since`: a block that policy newly finds
    /// begins no earlier than its switch, so a policy change never backdates a sanction.
    pub fn judged_since(mut self, since: Option<DateTime<Utc>>) -> Self {
        self.policy_since = since;
        self
    }

    pub fn policy_since(&self) -> Option<DateTime<Utc>> {
        self.policy_since
    }

    pub fn freelancer_id(&self) -> &UserId {
        &self.freelancer_id
    }

    /// Active contracts first, then by end date, then by id.
    pub fn contracts(&self) -> &[ContractEvidence] {
        &self.contracts
    }

    /// Contracts that ended in `(after, until]`, found by binary search.
    pub fn ended_between(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> &[ContractEvidence] {
        let start = self
            .contracts
            .partition_point(|c| c.contract.ended_at.is_none_or(|e| e <= after));
        let end = self
            .contracts
            .partition_point(|c| c.contract.ended_at.is_none_or(|e| e <= until));
        self.contracts.get(start..end.max(start)).unwrap_or(&[])
    }

    pub fn complaints(&self) -> &[Complaint] {
        &self.complaints
    }

    pub fn appeals(&self) -> &[Appeal] {
        &self.appeals
    }

    pub fn previous(&self) -> &[Sanction] {
        &self.previous
    }
}

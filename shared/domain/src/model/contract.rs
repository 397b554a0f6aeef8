//! A contract between a client and a freelancer, as the marketplace registers it.

use crate::{ContractId, Money, UserId};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub contract_id: ContractId,
    pub client_id: UserId,
    pub freelancer_id: UserId,
    pub started_at: DateTime<Utc>,
    /// Absent while the contract is active.
    pub ended_at: Option<DateTime<Utc>>,
    pub total_charged: Money,
}

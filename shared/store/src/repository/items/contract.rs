//! The stored shape of a contract (its own item and its copy among the freelancer's evidence).

use super::Stored;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::model::Contract;
use standing_domain::{ContractId, Currency, Money, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractItem {
    pub contract_id: ContractId,
    pub client_id: UserId,
    pub freelancer_id: UserId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub total_charged: MoneyItem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyItem {
    pub minor: u64,
    pub currency: Currency,
}

impl From<Money> for MoneyItem {
    fn from(m: Money) -> Self {
        Self {
            minor: m.minor(),
            currency: m.currency(),
        }
    }
}

impl From<MoneyItem> for Money {
    fn from(m: MoneyItem) -> Self {
        Money::new(m.minor, m.currency)
    }
}

impl Stored for ContractItem {
    type Domain = Contract;

    fn from_domain(c: &Contract) -> Self {
        Self {
            contract_id: c.contract_id.clone(),
            client_id: c.client_id.clone(),
            freelancer_id: c.freelancer_id.clone(),
            started_at: c.started_at,
            ended_at: c.ended_at,
            total_charged: c.total_charged.into(),
        }
    }

    fn into_domain(self) -> Result<Contract, StoreError> {
        Ok(Contract {
            contract_id: self.contract_id,
            client_id: self.client_id,
            freelancer_id: self.freelancer_id,
            started_at: self.started_at,
            ended_at: self.ended_at,
            total_charged: self.total_charged.into(),
        })
    }
}

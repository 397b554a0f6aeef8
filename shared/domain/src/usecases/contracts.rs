//! Registering contracts (the marketplace's back end).

use crate::error::DomainError;
use crate::model::Contract;
use crate::ports::{ContractStore, FeedbackStore};
use crate::rules::{access, contract as rule};
use crate::{Actor, ContractId, Money, UserId};
use chrono::{DateTime, Utc};

/// `PUT /contracts/{contract_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterContract {
    pub client_id: UserId,
    pub freelancer_id: UserId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub total_charged_minor: u64,
    pub currency: crate::Currency,
}

/// Registers or updates a contract; returns it as stored.
pub async fn register<S: ContractStore + FeedbackStore>(
    store: &S,
    actor: &Actor,
    contract_id: ContractId,
    cmd: RegisterContract,
) -> Result<Contract, DomainError> {
    access::register_contract(actor)?;
    let contract = Contract {
        contract_id,
        client_id: cmd.client_id,
        freelancer_id: cmd.freelancer_id,
        started_at: cmd.started_at,
        ended_at: cmd.ended_at,
        total_charged: Money::new(cmd.total_charged_minor, cmd.currency),
    };
    let existing = store.get_contract(&contract.contract_id).await?;
    let has_feedback = match &existing {
        Some(old) => {
            let fb = store.contract_feedback(&old.value).await?;
            fb.client.is_some() || fb.freelancer.is_some()
        }
        None => false,
    };
    rule::check_registration(&contract, existing.as_ref().map(|e| &e.value), has_feedback)?;
    if existing.as_ref().is_some_and(|e| e.value == contract) {
        return Ok(contract);
    }
    store.put_contract(&contract, existing.as_ref()).await?;
    Ok(contract)
}

//! The contracts port: a contract registered or updated, looked up, and who contracted with whom.

use super::*;

impl ContractStore for Repository {
    async fn get_contract(&self, id: &ContractId) -> StoreResult<Option<Versioned<Contract>>> {
        self.get_versioned::<ContractItem>(keys::contract_pk(id), keys::CONTRACT_SK)
            .await
    }

    async fn put_contract(
        &self,
        contract: &Contract,
        previous: Option<&Versioned<Contract>>,
    ) -> StoreResult<()> {
        let expected = previous.map(|p| p.version);
        let version = next_version(expected);
        let old = previous.map(|p| &p.value);
        let canonical = Self::contract_item(contract, version)?;
        let mut tx = Tx::new();
        tx.push(
            put(canonical, expect_version(expected)),
            match expected {
                None => Refusal::Conflict(
                    "the contract was registered at the same time by another request; read it and retry".into(),
                ),
                Some(_) => Refusal::Stale("contract"),
            },
        );
        let old_end = old.as_ref().and_then(|o| o.ended_at);
        if let Some(old_end) = old_end.filter(|e| Some(*e) != contract.ended_at) {
            tx.push(
                TransactOp::Delete {
                    key: Key::new(
                        keys::freelancer_pk(&contract.freelancer_id),
                        keys::evidence_contract_sk(old_end, &contract.contract_id),
                    ),
                    condition: Condition::None,
                },
                Refusal::Unconditional,
            );
        }
        if let Some(ended) = contract.ended_at {
            let copy = Envelope::new(
                keys::freelancer_pk(&contract.freelancer_id),
                keys::evidence_contract_sk(ended, &contract.contract_id),
                entity::CONTRACT,
                version,
                ContractItem::from_domain(contract),
            )
            .for_freelancer(&contract.freelancer_id)
            .to_item()
            .map_err(unavailable)?;
            tx.push(put(copy, Condition::None), Refusal::Unconditional);
        }
        tx.push(
            Self::mark_evidence(
                &contract.freelancer_id,
                &keys::contract_pk(&contract.contract_id),
                version,
            )?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn has_contract_between(
        &self,
        client: &UserId,
        freelancer: &UserId,
    ) -> StoreResult<bool> {
        let page = self
            .engine
            .query(Query::new(Index::Gsi1, keys::pair_gsi1pk(client, freelancer)).limit(1))
            .await
            .map_err(unavailable)?;
        Ok(!page.items.is_empty())
    }
}

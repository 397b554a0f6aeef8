//! The feedback port: a contract's feedback both ways, its changes, and reports (by id, and the reviewers' queue).

use super::*;

impl FeedbackStore for Repository {
    async fn contract_feedback(&self, contract: &Contract) -> StoreResult<ContractFeedback> {
        let Some(ended) = contract.ended_at else {
            return Ok(ContractFeedback::default());
        };
        let items = self
            .query_all(
                Query::new(Index::Primary, keys::freelancer_pk(&contract.freelancer_id)).sort(
                    SortKeyCondition::BeginsWith(keys::evidence_prefix(
                        ended,
                        &contract.contract_id,
                    )),
                ),
            )
            .await?;
        let mut out = ContractFeedback::default();
        for item in items {
            if entity_of(&item) != Some(entity::FEEDBACK) {
                continue;
            }
            let v = decode::<FeedbackItem>(item)?;
            match v.value.direction {
                Direction::Client => out.client = Some(v),
                Direction::Freelancer => out.freelancer = Some(v),
            }
        }
        Ok(out)
    }

    async fn insert_feedback(
        &self,
        contract: &Versioned<Contract>,
        feedback: &Feedback,
    ) -> StoreResult<()> {
        let item = Self::feedback_item(&contract.value, feedback, 1)?;
        // The contract moves to its next version in the same transaction, conditioned on the
        // version read: a contract update made in between cancels this insert, and this insert
        // cancels a contract update that read the contract before it.
        let bumped = Self::contract_item(&contract.value, contract.version + 1)?;
        let mut tx = Tx::new();
        tx.push(
            put(item, Condition::NotExists),
            Refusal::AlreadyExists(format!(
                "the {} feedback on this contract was already given; feedback is given once per contract",
                feedback.direction
            )),
        )
        .push(
            put(bumped, Condition::VersionEquals(contract.version)),
            Refusal::Stale("contract"),
        )
        .push(
            Self::mark_evidence(
                &contract.value.freelancer_id,
                &Self::feedback_key(&contract.value, feedback)?,
                1,
            )?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn update_feedback(
        &self,
        contract: &Contract,
        feedback: &Feedback,
        expected: u64,
    ) -> StoreResult<()> {
        let item = Self::feedback_item(contract, feedback, expected + 1)?;
        let mut tx = Tx::new();
        tx.push(
            put(item, Condition::VersionEquals(expected)),
            Refusal::Stale("feedback"),
        )
        .push(
            Self::mark_evidence(
                &contract.freelancer_id,
                &Self::feedback_key(contract, feedback)?,
                expected + 1,
            )?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn feedback_by_report(
        &self,
        report: &ReportId,
    ) -> StoreResult<Option<Versioned<Feedback>>> {
        let page = self
            .engine
            .query(Query::new(Index::Gsi1, keys::report_gsi1pk(report)).limit(1))
            .await
            .map_err(unavailable)?;
        let Some(item) = page.items.into_iter().next() else {
            return Ok(None);
        };
        // The index is eventually consistent: read the item itself for its current version.
        let key = Key::of_item(&item).map_err(unavailable)?;
        self.get_versioned::<FeedbackItem>(key.pk, &key.sk).await
    }

    async fn pending_reports(&self, page: &PageRequest) -> StoreResult<Page<Feedback>> {
        let mut query = Query::new(Index::Gsi2, keys::REPORTS_PENDING_GSI2PK);
        if let Some(after) = page.after() {
            query = query.sort(SortKeyCondition::GreaterOrEqual(after.to_owned()));
        }
        self.list_page::<FeedbackItem>(query, page).await
    }
}

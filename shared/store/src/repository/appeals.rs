//! The appeals port: a freelancer's appeals, filing under the one-pending-per-sanction guard, decisions (with their event), and the pending queue.

use super::*;

impl AppealStore for Repository {
    async fn freelancer_appeals(&self, freelancer: &UserId) -> StoreResult<Vec<Versioned<Appeal>>> {
        self.query_values::<AppealItem>(
            Query::new(Index::Primary, keys::freelancer_pk(freelancer))
                .sort(SortKeyCondition::BeginsWith(keys::APPEAL_PREFIX.to_owned())),
        )
        .await
    }

    async fn file_appeal(&self, appeal: &Appeal) -> StoreResult<()> {
        let guard = Self::appeal_guard(appeal);
        let pk = keys::freelancer_pk(&appeal.freelancer_id);
        let sk = keys::appeal_sk(&appeal.appeal_id);
        let filed_twice = || Refusal::Conflict("this appeal was already filed".into());
        let mut tx = Tx::new();
        tx.push(
            put(
                Self::guard_item(&guard, appeal.appeal_id.as_str()).map_err(unavailable)?,
                Condition::NotExists,
            ),
            Refusal::Conflict(
                "an appeal against this sanction is already pending; wait for its decision".into(),
            ),
        )
        .push(
            put(
                Self::appeal_item(appeal, 1).map_err(unavailable)?,
                Condition::NotExists,
            ),
            filed_twice(),
        )
        .push(
            put(
                Self::reference(keys::appeal_ref_pk(&appeal.appeal_id), &pk, &sk)
                    .map_err(unavailable)?,
                Condition::NotExists,
            ),
            filed_twice(),
        )
        .push(
            Self::mark_evidence(&appeal.freelancer_id, &sk, 1)?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn get_appeal(&self, id: &AppealId) -> StoreResult<Option<Versioned<Appeal>>> {
        self.follow::<AppealItem>(keys::appeal_ref_pk(id)).await
    }

    async fn save_appeal(&self, appeal: &Appeal, expected: u64) -> StoreResult<()> {
        let item = Self::appeal_item(appeal, expected + 1).map_err(unavailable)?;
        let mut tx = Tx::new();
        tx.push(
            put(item, Condition::VersionEquals(expected)),
            Refusal::Stale("appeal"),
        )
        .push(
            Self::mark_evidence(
                &appeal.freelancer_id,
                &keys::appeal_sk(&appeal.appeal_id),
                expected + 1,
            )?,
            Refusal::Unconditional,
        );
        if !appeal.is_pending() {
            tx.push(
                TransactOp::Delete {
                    key: Self::appeal_guard(appeal),
                    condition: Condition::None,
                },
                Refusal::Unconditional,
            );
        }
        // The decision's event: an appeal is decided once, at the write that moves it from
        // pending (the version condition above), so it is written exactly then.
        if let Some(decided) = event::of_appeal_decision(appeal) {
            tx.push_event(
                self.outbox_put(&decided)?,
                Refusal::Stale("appeal"),
                &decided,
            );
        }
        self.commit(tx).await
    }

    async fn pending_appeals(&self, page: &PageRequest) -> StoreResult<Page<Appeal>> {
        let mut query = Query::new(Index::Gsi1, keys::APPEALS_PENDING_GSI1PK);
        if let Some(after) = page.after() {
            query = query.sort(SortKeyCondition::GreaterOrEqual(after.to_owned()));
        }
        self.list_page::<AppealItem>(query, page).await
    }
}

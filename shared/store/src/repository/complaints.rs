//! The complaints port: a freelancer's complaints, filing under the uniqueness guards, decisions, and the queues by status.

use super::*;

impl ComplaintStore for Repository {
    async fn freelancer_complaints(
        &self,
        freelancer: &UserId,
    ) -> StoreResult<Vec<Versioned<Complaint>>> {
        self.query_values::<ComplaintItem>(
            Query::new(Index::Primary, keys::freelancer_pk(freelancer)).sort(
                SortKeyCondition::BeginsWith(keys::COMPLAINT_PREFIX.to_owned()),
            ),
        )
        .await
    }

    async fn complaint_set_version(&self, freelancer: &UserId) -> StoreResult<Option<u64>> {
        Ok(self
            .get_envelope::<Guard>(keys::freelancer_pk(freelancer), keys::COMPLAINT_SET_SK)
            .await?
            .map(|e| e.version))
    }

    async fn file_complaint(
        &self,
        complaint: &Complaint,
        moved: &[Versioned<Complaint>],
        set_version: Option<u64>,
    ) -> StoreResult<()> {
        let guard = Self::claim_guard(complaint);
        let pk = keys::freelancer_pk(&complaint.freelancer_id);
        let sk = keys::complaint_sk(&complaint.complaint_id);
        let filed_twice = || {
            Refusal::Conflict(
                "this complaint was already filed; refresh and check the queue".into(),
            )
        };
        let mut tx = Tx::new();
        tx.push(
            put(
                Self::guard_item(&guard, complaint.complaint_id.as_str()).map_err(unavailable)?,
                Condition::NotExists,
            ),
            Refusal::AlreadyExists(
                "you already have an open complaint about this claim; it will be reviewed".into(),
            ),
        )
        .push(
            put(
                Self::complaint_item(complaint, 1).map_err(unavailable)?,
                Condition::NotExists,
            ),
            filed_twice(),
        )
        .push(
            put(
                Self::reference(keys::complaint_ref_pk(&complaint.complaint_id), &pk, &sk)
                    .map_err(unavailable)?,
                Condition::NotExists,
            ),
            filed_twice(),
        );
        for m in moved {
            tx.push(
                put(
                    Self::complaint_item(&m.value, m.version + 1).map_err(unavailable)?,
                    Condition::VersionEquals(m.version),
                ),
                Refusal::Stale("review case"),
            );
        }
        let set = Envelope::new(
            pk.clone(),
            keys::COMPLAINT_SET_SK.to_owned(),
            entity::GUARD,
            next_version(set_version),
            Guard {
                holds_for: "complaints".to_owned(),
                mark: None,
            },
        )
        .for_freelancer(&complaint.freelancer_id)
        .to_item()
        .map_err(unavailable)?;
        tx.push(
            put(set, expect_version(set_version)),
            Refusal::Conflict(
                "another complaint about this freelancer was filed at the same time; try again"
                    .into(),
            ),
        )
        .push(
            Self::mark_evidence(&complaint.freelancer_id, &sk, 1)?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn get_complaint(&self, id: &ComplaintId) -> StoreResult<Option<Versioned<Complaint>>> {
        self.follow::<ComplaintItem>(keys::complaint_ref_pk(id))
            .await
    }

    async fn decide_complaint(&self, complaint: &Complaint, expected: u64) -> StoreResult<()> {
        let mut tx = Tx::new();
        tx.push(
            put(
                Self::complaint_item(complaint, expected + 1).map_err(unavailable)?,
                Condition::VersionEquals(expected),
            ),
            Refusal::Stale("complaint"),
        )
        .push(
            TransactOp::Delete {
                key: Self::claim_guard(complaint),
                condition: Condition::None,
            },
            Refusal::Unconditional,
        )
        .push(
            Self::mark_evidence(
                &complaint.freelancer_id,
                &keys::complaint_sk(&complaint.complaint_id),
                expected + 1,
            )?,
            Refusal::Unconditional,
        );
        self.commit(tx).await
    }

    async fn complaint_queue(
        &self,
        status: ComplaintStatus,
        page: &PageRequest,
    ) -> StoreResult<Page<Complaint>> {
        let mut query = Query::new(Index::Gsi1, keys::complaint_queue_gsi1pk(status));
        if let Some(after) = page.after() {
            query = query.sort(SortKeyCondition::GreaterOrEqual(after.to_owned()));
        }
        self.list_page::<ComplaintItem>(query, page).await
    }
}

//! The sweep port: reinstatement windows and re-evaluations come due, and the reinstatement notice written once.

use super::*;

impl SweepStore for Repository {
    async fn due_reinstatements(
        &self,
        until: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<DueReinstatement>> {
        let query = Query::new(Index::Gsi2, keys::DUE_GSI2PK).sort(due_range(until, page)?);
        let items = self
            .query_keyed(query, page.after(), page.limit() + 1)
            .await?;
        let mut out = Vec::new();
        for (key, item) in items {
            let e: Envelope<Due> = from_item(item).map_err(unavailable)?;
            // A notified one stays out of the page but still moves the cursor past it.
            let due = if e.data.notified {
                None
            } else {
                match (
                    e.freelancer_id
                        .as_deref()
                        .and_then(|f| UserId::parse(f).ok()),
                    SanctionId::parse(e.data.sanction_id.as_str()),
                ) {
                    (Some(freelancer), Ok(sanction)) => Some(DueReinstatement {
                        freelancer_id: freelancer,
                        sanction_id: sanction,
                        opens_at: e.data.opens_at,
                    }),
                    _ => None,
                }
            };
            out.push((key, due));
        }
        let Page { items, next_cursor } = Page::from_keyed(out, page);
        Ok(Page {
            items: items.into_iter().flatten().collect(),
            next_cursor,
        })
    }

    async fn due_evaluations(
        &self,
        until: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<UserId>> {
        let query = Query::new(Index::Gsi2, keys::REEVALUATE_GSI2PK).sort(due_range(until, page)?);
        let Page { items, next_cursor } = self.list_page::<StandingItem>(query, page).await?;
        let mut seen = HashSet::new();
        Ok(Page {
            items: items
                .into_iter()
                .map(|s| s.freelancer_id)
                .filter(|f| seen.insert(f.clone()))
                .collect(),
            next_cursor,
        })
    }

    async fn mark_reinstatement_notified(
        &self,
        due: &DueReinstatement,
        notice: &Notice,
    ) -> StoreResult<()> {
        let pk = keys::freelancer_pk(&due.freelancer_id);
        let notified = Envelope::new(
            pk.clone(),
            keys::due_sk(&due.sanction_id, due.opens_at),
            entity::DUE,
            2,
            Due {
                sanction_id: due.sanction_id.to_string(),
                opens_at: due.opens_at,
                notified: true,
            },
        )
        .for_freelancer(&due.freelancer_id)
        .to_item()
        .map_err(unavailable)?;
        let notice_item = Envelope::new(
            pk,
            keys::notice_sk(notice.kind.as_str(), &notice.subject),
            entity::NOTICE,
            1,
            NoticeItem::from_domain(notice),
        )
        .for_freelancer(&due.freelancer_id)
        .to_item()
        .map_err(unavailable)?;
        let notice_event = event::of_notice(notice);
        let mut tx = Tx::new();
        tx.push(
            put(notified, Condition::None),
            Refusal::Stale("reinstatement notice"),
        )
        .push(
            put(notice_item, Condition::None),
            Refusal::Stale("reinstatement notice"),
        )
        .push_event(
            self.outbox_put(&notice_event)?,
            Refusal::Stale("reinstatement notice"),
            &notice_event,
        );
        self.commit(tx).await
    }
}

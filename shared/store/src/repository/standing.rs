//! The standing port: the evidence an evaluation reads, the evidence mark, the standing with its audit entries, notices, due dates and events written at once, and the audit trail.

use super::*;

impl StandingStore for Repository {
    async fn evidence_since(
        &self,
        freelancer: &UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<ContractEvidence>> {
        let sort = if since == DateTime::<Utc>::MIN_UTC {
            SortKeyCondition::BeginsWith(keys::EVIDENCE_PREFIX.to_owned())
        } else {
            SortKeyCondition::Between {
                low: keys::evidence_from(since),
                high: keys::EVIDENCE_END.to_owned(),
            }
        };
        let items = self
            .query_all(Query::new(Index::Primary, keys::freelancer_pk(freelancer)).sort(sort))
            .await?;
        let mut out: Vec<ContractEvidence> = Vec::new();
        let mut feedback: Vec<Feedback> = Vec::new();
        for item in items {
            match entity_of(&item) {
                Some(entity::CONTRACT) => {
                    out.push(ContractEvidence {
                        contract: decode::<ContractItem>(item)?.value,
                        client_feedback: None,
                        freelancer_feedback_at: None,
                    });
                }
                Some(entity::FEEDBACK) => feedback.push(decode::<FeedbackItem>(item)?.value),
                _ => {}
            }
        }
        // Joined by a map: a freelancer with thousands of contracts costs a lookup each.
        let at: HashMap<ContractId, usize> = out
            .iter()
            .enumerate()
            .map(|(i, e)| (e.contract.contract_id.clone(), i))
            .collect();
        for fb in feedback {
            if let Some(ev) = at.get(&fb.contract_id).and_then(|i| out.get_mut(*i)) {
                attach(ev, fb);
            }
        }
        Ok(out)
    }

    async fn get_standing(
        &self,
        freelancer: &UserId,
    ) -> StoreResult<Option<Versioned<StandingSnapshot>>> {
        self.get_versioned::<StandingItem>(keys::freelancer_pk(freelancer), keys::STANDING_SK)
            .await
    }

    async fn evidence_mark(&self, freelancer: &UserId) -> StoreResult<EvidenceMark> {
        Ok(EvidenceMark::new(
            self.get_envelope::<Guard>(keys::freelancer_pk(freelancer), keys::EVIDENCE_MARK_SK)
                .await?
                .and_then(|e| e.data.mark),
        ))
    }

    async fn save_standing(
        &self,
        snapshot: &StandingSnapshot,
        audit: &[AuditEntry],
        notices: &[Notice],
        events: &[Event],
        expected: Option<u64>,
    ) -> StoreResult<()> {
        let freelancer = &snapshot.freelancer_id;
        let pk = keys::freelancer_pk(freelancer);
        let mut standing = Envelope::new(
            pk.clone(),
            keys::STANDING_SK.to_owned(),
            entity::STANDING,
            next_version(expected),
            StandingItem::from_domain(snapshot),
        )
        .for_freelancer(freelancer)
        .gsi1(
            keys::standings_gsi1pk(keys::standing_shard(freelancer)),
            keys::standings_gsi1sk(freelancer),
        );
        // In the sparse due index only while time alone can change the evaluation.
        if let Some(due) = snapshot.next_due {
            standing = standing.gsi2(
                keys::REEVALUATE_GSI2PK.to_owned(),
                keys::reevaluate_gsi2sk(due, freelancer),
            );
        }
        let standing = standing.to_item().map_err(unavailable)?;
        // Whichever write is refused, another evaluation got there first: decide again.
        let stale = || Refusal::Stale("standing");
        let mut tx = Tx::new();
        tx.push(put(standing, expect_version(expected)), stale());
        for (n, entry) in audit.iter().enumerate() {
            let item = Envelope::new(
                pk.clone(),
                keys::audit_sk(entry.at, n, &entry.sanction_id, &entry.action),
                entity::AUDIT,
                1,
                AuditItem::from_domain(entry),
            )
            .for_freelancer(freelancer)
            .to_item()
            .map_err(unavailable)?;
            tx.push(put(item, Condition::NotExists), stale());
        }
        for notice in notices {
            let item = Envelope::new(
                pk.clone(),
                keys::notice_sk(notice.kind.as_str(), &notice.subject),
                entity::NOTICE,
                1,
                NoticeItem::from_domain(notice),
            )
            .for_freelancer(freelancer)
            .to_item()
            .map_err(unavailable)?;
            tx.push(put(item, Condition::None), Refusal::Unconditional);
        }
        for event in events {
            tx.push_event(self.outbox_put(event)?, stale(), event);
        }
        // A due item per reinstatement window the evaluation gave a sanction (no rule is read
        // here: which sanctions open one is the rule book's), written once: the sweep marks it
        // notified.
        let windows: Vec<(&SanctionId, DateTime<Utc>)> = snapshot
            .sanctions
            .iter()
            .filter_map(|s| Some((&s.sanction_id, s.appeal.reinstatement_opens_at?)))
            .collect();
        let dues: Vec<Envelope<Due>> = self
            .query_all(
                Query::new(Index::Primary, pk.clone())
                    .sort(SortKeyCondition::BeginsWith(keys::DUE_PREFIX.to_owned())),
            )
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()
            .map_err(unavailable)?;
        // A window that no longer stands (its block was lifted, or a denial moved it) is
        // withdrawn before the sweep announces it. Should the sweep mark it notified meanwhile
        // (version 2), the condition fails and the evaluation retries.
        for due in dues.iter().filter(|d| !d.data.notified) {
            if !windows
                .iter()
                .any(|(id, opens_at)| keys::due_sk(id, *opens_at) == due.sk)
            {
                tx.push(
                    TransactOp::Delete {
                        key: Key::new(pk.clone(), due.sk.clone()),
                        condition: Condition::VersionEquals(due.version),
                    },
                    stale(),
                );
            }
        }
        for (sanction_id, opens_at) in windows {
            let sk = keys::due_sk(sanction_id, opens_at);
            if dues.iter().any(|d| d.sk == sk) {
                continue;
            }
            let item = Envelope::new(
                pk.clone(),
                sk,
                entity::DUE,
                1,
                Due {
                    sanction_id: sanction_id.to_string(),
                    opens_at,
                    notified: false,
                },
            )
            .for_freelancer(freelancer)
            .gsi2(
                keys::DUE_GSI2PK.to_owned(),
                keys::due_gsi2sk(opens_at, freelancer, sanction_id),
            )
            .to_item()
            .map_err(unavailable)?;
            tx.push(put(item, Condition::None), Refusal::Unconditional);
        }
        self.commit(tx).await
    }

    async fn audit_trail(
        &self,
        freelancer: &UserId,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let sort = match page.after() {
            None => SortKeyCondition::BeginsWith(keys::AUDIT_PREFIX.to_owned()),
            Some(after) if after.starts_with(keys::AUDIT_PREFIX) && after < keys::AUDIT_END => {
                SortKeyCondition::Between {
                    low: after.to_owned(),
                    high: keys::AUDIT_END.to_owned(),
                }
            }
            Some(_) => return Err(foreign_cursor()),
        };
        let query = Query::new(Index::Primary, keys::freelancer_pk(freelancer)).sort(sort);
        self.list_page::<AuditItem>(query, page).await
    }

    async fn evidence_before(
        &self,
        freelancer: &UserId,
        before: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<(String, ContractEvidence)>> {
        let high = match before {
            None => keys::EVIDENCE_END.to_owned(),
            Some(b) if b.starts_with(keys::EVIDENCE_PREFIX) && b < keys::EVIDENCE_END => {
                b.to_owned()
            }
            Some(_) => return Err(foreign_cursor()),
        };
        // Newest first, a contract's items come feedback first and its contract item last
        // (its sort key is the smallest of the contract's): the slice ends at a contract item.
        let query = Query::new(Index::Primary, keys::freelancer_pk(freelancer))
            .sort(SortKeyCondition::Between {
                low: keys::EVIDENCE_PREFIX.to_owned(),
                high,
            })
            .backward();
        let mut out: Vec<(String, ContractEvidence)> = Vec::new();
        let mut feedback: Vec<Feedback> = Vec::new();
        let mut start = None;
        let asked = u32::try_from(limit.saturating_mul(3).max(3)).unwrap_or(u32::MAX);
        'pages: loop {
            let page = self
                .engine
                .query(query.clone().limit(asked).start_after(start))
                .await
                .map_err(unavailable)?;
            for item in page.items {
                let Some(key) = string_attribute(&item, crate::table::SORT_KEY) else {
                    continue;
                };
                if before == Some(key) {
                    continue;
                }
                let key = key.to_owned();
                match entity_of(&item) {
                    Some(entity::FEEDBACK) => {
                        feedback.push(decode::<FeedbackItem>(item)?.value);
                    }
                    Some(entity::CONTRACT) => {
                        let contract = decode::<ContractItem>(item)?.value;
                        let mut evidence = ContractEvidence {
                            contract,
                            client_feedback: None,
                            freelancer_feedback_at: None,
                        };
                        for fb in feedback.drain(..) {
                            if fb.contract_id == evidence.contract.contract_id {
                                attach(&mut evidence, fb);
                            }
                        }
                        out.push((key, evidence));
                        if out.len() >= limit {
                            break 'pages;
                        }
                    }
                    _ => {}
                }
            }
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        Ok(out)
    }
}

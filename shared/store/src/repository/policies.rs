//! The policy lab's port: published versions, the selection, activations, shadow records, and
//! the walk over every standing a rollout makes.

use standing_domain::UserId;
use standing_domain::model::{
    PolicyChange, PolicySelection, PolicyVersion, PublishedPolicy, ShadowRecord,
};
use standing_domain::paging::{Page, PageRequest};
use standing_domain::ports::{PolicyStore, StoreResult, Versioned};

use super::items::{PolicyChangeItem, PolicyItem, SelectionItem, ShadowItem, Stored};
use super::transaction::{Refusal, Tx};
use super::{
    Envelope, Repository, expect_version, foreign_cursor, keys, next_version, put, unavailable,
};
use crate::Condition;
use crate::engine::{Key, Query, SortKeyCondition, TransactOp};
use crate::table::Index;
use keys::entity;

impl PolicyStore for Repository {
    async fn policy_selection(&self) -> StoreResult<Option<Versioned<PolicySelection>>> {
        self.get_versioned::<SelectionItem>(keys::POLICIES_PK.to_owned(), keys::POLICY_SELECTION_SK)
            .await
    }

    async fn save_policy_selection(
        &self,
        selection: &PolicySelection,
        change: Option<&PolicyChange>,
        expected: Option<u64>,
    ) -> StoreResult<()> {
        let item = Envelope::new(
            keys::POLICIES_PK.to_owned(),
            keys::POLICY_SELECTION_SK.to_owned(),
            entity::POLICY_SELECTION,
            next_version(expected),
            SelectionItem::from_domain(selection),
        )
        .to_item()
        .map_err(unavailable)?;
        let mut tx = Tx::new();
        tx.push(
            put(item, expect_version(expected)),
            Refusal::Stale("policy selection"),
        );
        if let Some(change) = change {
            let item = Envelope::new(
                keys::POLICIES_PK.to_owned(),
                keys::policy_change_sk(change.at, &change.version, change.mode.as_str()),
                entity::POLICY_CHANGE,
                1,
                PolicyChangeItem::from_domain(change),
            )
            .to_item()
            .map_err(unavailable)?;
            tx.push(
                put(item, Condition::NotExists),
                Refusal::Stale("policy selection"),
            );
        }
        self.commit(tx).await
    }

    async fn get_policy(&self, version: &PolicyVersion) -> StoreResult<Option<PublishedPolicy>> {
        Ok(self
            .get_versioned::<PolicyItem>(
                keys::POLICIES_PK.to_owned(),
                &keys::policy_sk(version.as_str()),
            )
            .await?
            .map(|v| v.value))
    }

    async fn publish_policy(&self, policy: &PublishedPolicy) -> StoreResult<()> {
        let version = &policy.config.version;
        let item = Envelope::new(
            keys::POLICIES_PK.to_owned(),
            keys::policy_sk(version),
            entity::POLICY,
            1,
            PolicyItem::from_domain(policy),
        )
        .to_item()
        .map_err(unavailable)?;
        let mut tx = Tx::new();
        tx.push(
            put(item, Condition::NotExists),
            Refusal::AlreadyExists(format!(
                "policy version {version} is published already; versions are immutable"
            )),
        );
        self.commit(tx).await
    }

    async fn published_policies(&self, page: &PageRequest) -> StoreResult<Page<PublishedPolicy>> {
        let range = match page.after() {
            None => SortKeyCondition::BeginsWith(keys::POLICY_PREFIX.to_owned()),
            Some(after) if after.starts_with(keys::POLICY_PREFIX) => SortKeyCondition::Between {
                low: after.to_owned(),
                high: format!("{}~", keys::POLICY_PREFIX),
            },
            Some(_) => return Err(foreign_cursor()),
        };
        let query = Query::new(Index::Primary, keys::POLICIES_PK.to_owned()).sort(range);
        self.list_page::<PolicyItem>(query, page).await
    }

    async fn policy_changes(&self, page: &PageRequest) -> StoreResult<Page<PolicyChange>> {
        let range = match page.after() {
            None => SortKeyCondition::BeginsWith(keys::POLICY_CHANGE_PREFIX.to_owned()),
            Some(after) if after.starts_with(keys::POLICY_CHANGE_PREFIX) => {
                SortKeyCondition::Between {
                    low: after.to_owned(),
                    high: format!("{}~", keys::POLICY_CHANGE_PREFIX),
                }
            }
            Some(_) => return Err(foreign_cursor()),
        };
        let query = Query::new(Index::Primary, keys::POLICIES_PK.to_owned()).sort(range);
        self.list_page::<PolicyChangeItem>(query, page).await
    }

    async fn shadow_record(
        &self,
        version: &str,
        freelancer: &UserId,
    ) -> StoreResult<Option<ShadowRecord>> {
        Ok(self
            .get_versioned::<ShadowItem>(keys::shadow_pk(version), &keys::shadow_sk(freelancer))
            .await?
            .map(|v| v.value))
    }

    async fn put_shadow_record(
        &self,
        version: &str,
        freelancer: &UserId,
        record: Option<&ShadowRecord>,
    ) -> StoreResult<()> {
        let key = Key::new(keys::shadow_pk(version), keys::shadow_sk(freelancer));
        let op = match record {
            Some(record) => {
                let item = Envelope::new(
                    key.pk,
                    key.sk,
                    entity::SHADOW,
                    1,
                    ShadowItem::from_domain(record),
                )
                .for_freelancer(freelancer)
                .to_item()
                .map_err(unavailable)?;
                put(item, Condition::None)
            }
            None => TransactOp::Delete {
                key,
                condition: Condition::None,
            },
        };
        let mut tx = Tx::new();
        tx.push(op, Refusal::Unconditional);
        self.commit(tx).await
    }

    async fn shadow_report(
        &self,
        version: &PolicyVersion,
        page: &PageRequest,
    ) -> StoreResult<Page<ShadowRecord>> {
        let mut query = Query::new(Index::Primary, keys::shadow_pk(version.as_str()));
        if let Some(after) = page.after() {
            query = query.sort(SortKeyCondition::GreaterOrEqual(after.to_owned()));
        }
        self.list_page::<ShadowItem>(query, page).await
    }

    async fn standings_page(&self, page: &PageRequest) -> StoreResult<Page<UserId>> {
        let first = match page.after() {
            None => 0,
            Some(after) => keys::shard_of_standings_key(after).ok_or_else(foreign_cursor)?,
        };
        let want = page.limit() + 1;
        let mut keyed: Vec<(String, UserId)> = Vec::with_capacity(want);
        for shard in first..keys::STANDING_SHARDS {
            let mut query = Query::new(Index::Gsi1, keys::standings_gsi1pk(shard));
            let after = page.after().filter(|_| shard == first);
            if let Some(after) = after {
                query = query.sort(SortKeyCondition::GreaterOrEqual(after.to_owned()));
            }
            let found = self.query_keyed(query, after, want - keyed.len()).await?;
            for (key, item) in found {
                let freelancer = match item.get("freelancer_id") {
                    Some(serde_dynamo::AttributeValue::S(id)) => {
                        UserId::parse(id).map_err(|e| {
                            unavailable(crate::error::StoreError::Corrupt(format!(
                                "the standing {key} names no freelancer: {e}"
                            )))
                        })?
                    }
                    _ => {
                        return Err(unavailable(crate::error::StoreError::Corrupt(format!(
                            "the standing {key} names no freelancer"
                        ))));
                    }
                };
                keyed.push((key, freelancer));
            }
            if keyed.len() >= want {
                break;
            }
        }
        Ok(Page::from_keyed(keyed, page))
    }
}

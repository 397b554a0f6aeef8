//! Queries on the embedded engine: key-condition ranges over the redb tables, paged as
//! DynamoDB pages (limit, 1 MB, exclusive start key).

use std::ops::Bound;

use redb::ReadableTable;
use serde_dynamo::{AttributeValue, Item};

use super::{ABOVE_ANY_STRING, IndexKey, ItemKey, backend, decode_item, index_key, read_item};
use crate::{
    attr::item_size,
    engine::{Key, Page, Query, SortKeyCondition},
    error::StoreError,
    table::{Index, PARTITION_KEY, SORT_KEY},
};

/// DynamoDB stops a query page at 1 MB of items read.
const PAGE_BYTES: usize = 1024 * 1024;

/// Bounds on the sort key, as bytes.
pub(super) type SortRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);
/// An index entry key after its partition: (index SK, PK, SK).
type Suffix = (Vec<u8>, Vec<u8>, Vec<u8>);
type IndexBound<'a> = Bound<(&'a [u8], &'a [u8], &'a [u8], &'a [u8])>;

/// The sort key range of a condition: UTF-8 strings compare as their bytes do.
pub(super) fn sort_bounds(condition: Option<&SortKeyCondition>) -> Result<SortRange, StoreError> {
    use Bound::{Excluded, Included};
    let bytes = |s: &String| s.as_bytes().to_vec();
    Ok(match condition {
        None => (Included(Vec::new()), Excluded(ABOVE_ANY_STRING.to_vec())),
        Some(SortKeyCondition::Equals(v)) => (Included(bytes(v)), Included(bytes(v))),
        Some(SortKeyCondition::BeginsWith(prefix)) => {
            let mut above = bytes(prefix);
            above.extend_from_slice(ABOVE_ANY_STRING);
            (Included(bytes(prefix)), Excluded(above))
        }
        Some(SortKeyCondition::Between { low, high }) => {
            if low > high {
                return Err(StoreError::Validation(
                    "BETWEEN needs its low bound not above its high bound".into(),
                ));
            }
            (Included(bytes(low)), Included(bytes(high)))
        }
        Some(SortKeyCondition::GreaterOrEqual(v)) => {
            (Included(bytes(v)), Excluded(ABOVE_ANY_STRING.to_vec()))
        }
        Some(SortKeyCondition::LessOrEqual(v)) => (Included(Vec::new()), Included(bytes(v))),
    })
}

fn is_empty_range<T: Ord>(lower: &Bound<T>, upper: &Bound<T>) -> bool {
    use Bound::{Excluded, Included, Unbounded};
    match (lower, upper) {
        (Included(l), Included(u)) => l > u,
        (Included(l), Excluded(u)) | (Excluded(l), Included(u)) | (Excluded(l), Excluded(u)) => {
            l >= u
        }
        (Unbounded, _) | (_, Unbounded) => false,
    }
}

fn page_from<I>(
    entries: I,
    limit: Option<u32>,
    last_key: impl Fn(&Item) -> Item,
) -> Result<Page, StoreError>
where
    I: Iterator<Item = Result<Item, StoreError>>,
{
    let limit = limit.map_or(usize::MAX, |l| l as usize);
    let mut items = Vec::new();
    let mut bytes = 0;
    let mut stopped_early = false;
    for item in entries {
        let item = item?;
        bytes += item_size(&item);
        items.push(item);
        // DynamoDB stops at the limit or at 1 MB without looking ahead, and then always
        // returns a start key, even when nothing follows.
        if items.len() >= limit || bytes >= PAGE_BYTES {
            stopped_early = true;
            break;
        }
    }
    let last_evaluated_key = if stopped_early {
        items.last().map(&last_key)
    } else {
        None
    };
    Ok(Page {
        items,
        last_evaluated_key,
        capacity: None,
    })
}

pub(super) fn query_table(
    items: &impl ReadableTable<ItemKey, &'static [u8]>,
    query: &Query,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
) -> Result<Page, StoreError> {
    let (mut lower, mut upper) = (lower, upper);
    if let Some(start) = &query.exclusive_start_key {
        let start = Key::of_item(start)?;
        if start.pk != query.partition {
            return Err(StoreError::Validation(
                "the exclusive start key is not in the queried partition".into(),
            ));
        }
        let start = start.sk.into_bytes();
        if query.forward {
            lower = raise_lower_bound(lower, start);
        } else {
            upper = lower_upper_bound(upper, start);
        }
    }
    if is_empty_range(&lower, &upper) {
        return Ok(Page::default());
    }
    let pk = query.partition.as_bytes();
    let range = items
        .range::<(&[u8], &[u8])>((
            lower.as_ref().map(|sk| (pk, sk.as_slice())),
            upper.as_ref().map(|sk| (pk, sk.as_slice())),
        ))
        .map_err(backend)?;
    let decode = |entry: Result<
        (redb::AccessGuard<'_, ItemKey>, redb::AccessGuard<'_, &[u8]>),
        redb::StorageError,
    >| {
        let (_, value) = entry.map_err(backend)?;
        decode_item(value.value())
    };
    let table_key = |item: &Item| keys_of(item, &[PARTITION_KEY, SORT_KEY]);
    if query.forward {
        page_from(range.map(decode), query.limit, table_key)
    } else {
        page_from(range.rev().map(decode), query.limit, table_key)
    }
}

pub(super) fn query_index(
    entries: &impl ReadableTable<IndexKey, ()>,
    items: &impl ReadableTable<ItemKey, &'static [u8]>,
    index: Index,
    query: &Query,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
) -> Result<Page, StoreError> {
    // Extend sort-key bounds over the (index SK, PK, SK) suffix: no PK is empty and none
    // reaches 0xFF, so these include or exclude every table key under that index sort key.
    let mut lower: Bound<Suffix> = match lower {
        Bound::Included(s) => Bound::Included((s, Vec::new(), Vec::new())),
        Bound::Excluded(s) => Bound::Excluded((s, ABOVE_ANY_STRING.to_vec(), Vec::new())),
        Bound::Unbounded => Bound::Unbounded,
    };
    let mut upper: Bound<Suffix> = match upper {
        Bound::Included(s) => Bound::Included((s, ABOVE_ANY_STRING.to_vec(), Vec::new())),
        Bound::Excluded(s) => Bound::Excluded((s, Vec::new(), Vec::new())),
        Bound::Unbounded => Bound::Unbounded,
    };
    if let Some(start) = &query.exclusive_start_key {
        let table_key = Key::of_item(start)?;
        let (index_pk, index_sk) = index_key(index, start).ok_or_else(|| {
            StoreError::Validation("the exclusive start key lacks the index's keys".into())
        })?;
        if index_pk != query.partition {
            return Err(StoreError::Validation(
                "the exclusive start key is not in the queried partition".into(),
            ));
        }
        let start = (
            index_sk.into_bytes(),
            table_key.pk.into_bytes(),
            table_key.sk.into_bytes(),
        );
        if query.forward {
            lower = raise_lower_bound(lower, start);
        } else {
            upper = lower_upper_bound(upper, start);
        }
    }
    if is_empty_range(&lower, &upper) {
        return Ok(Page::default());
    }
    let pk = query.partition.as_bytes();
    let range = entries
        .range::<(&[u8], &[u8], &[u8], &[u8])>((suffix_bound(pk, &lower), suffix_bound(pk, &upper)))
        .map_err(backend)?;
    let fetch = |entry: Result<
        (redb::AccessGuard<'_, IndexKey>, redb::AccessGuard<'_, ()>),
        redb::StorageError,
    >| {
        let (key, _) = entry.map_err(backend)?;
        let (_, _, item_pk, item_sk) = key.value();
        let (item_pk, item_sk) = (
            String::from_utf8_lossy(item_pk).into_owned(),
            String::from_utf8_lossy(item_sk).into_owned(),
        );
        read_item(items, &item_pk, &item_sk)?
            .ok_or_else(|| StoreError::Backend("an index entry points to no item".into()))
    };
    let names = [
        PARTITION_KEY,
        SORT_KEY,
        index.partition_key(),
        index.sort_key(),
    ];
    let index_key_of = |item: &Item| keys_of(item, &names);
    if query.forward {
        page_from(range.map(fetch), query.limit, index_key_of)
    } else {
        page_from(range.rev().map(fetch), query.limit, index_key_of)
    }
}

fn suffix_bound<'a>(pk: &'a [u8], bound: &'a Bound<Suffix>) -> IndexBound<'a> {
    bound
        .as_ref()
        .map(|(s, p, k)| (pk, s.as_slice(), p.as_slice(), k.as_slice()))
}

/// Moves a lower bound up to just after `start`, unless it is already above it.
fn raise_lower_bound<T: Ord>(lower: Bound<T>, start: T) -> Bound<T> {
    let keep = match &lower {
        Bound::Included(l) => *l > start,
        Bound::Excluded(l) => *l >= start,
        Bound::Unbounded => false,
    };
    if keep { lower } else { Bound::Excluded(start) }
}

/// Moves an upper bound down to just before `start`, unless it is already below it.
fn lower_upper_bound<T: Ord>(upper: Bound<T>, start: T) -> Bound<T> {
    let keep = match &upper {
        Bound::Included(u) => *u < start,
        Bound::Excluded(u) => *u <= start,
        Bound::Unbounded => false,
    };
    if keep { upper } else { Bound::Excluded(start) }
}

fn keys_of(item: &Item, names: &[&str]) -> Item {
    Item::from(
        names
            .iter()
            .filter_map(|name| {
                item.get(*name)
                    .map(|value| (name.to_string(), value.clone()))
            })
            .collect::<std::collections::HashMap<String, AttributeValue>>(),
    )
}

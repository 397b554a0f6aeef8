//! api.md, Lists: every list takes `limit` (default 50, 1–200) and an opaque `cursor`, and answers
//! `{"items": [...], "next_cursor": "..."|null}`. A cursor names the sort key of the last item
//! given, so a page after it stays right when items before it come or go.

use crate::error::DomainError;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;
const CURSOR_PREFIX: &str = "c1.";

/// Which page of a list the caller asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    limit: usize,
    after: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

impl PageRequest {
    /// From the query's `limit` and `cursor`, as given (absent when not given).
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Self, DomainError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    DomainError::invalid(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT} (got {raw:?})"),
                    )
                })?,
        };
        let after = cursor.map(decode).transpose()?;
        Ok(Self { limit, after })
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The first page of `limit` items (clamped to 1..=[`MAX_LIMIT`]): what an internal reader
    /// such as the daily check asks for.
    pub fn first(limit: usize) -> Self {
        Self {
            limit: limit.clamp(1, MAX_LIMIT),
            after: None,
        }
    }

    /// The sort key the caller's cursor names: a store reads after (or, newest first, before) it.
    pub fn after(&self) -> Option<&str> {
        self.after.as_deref()
    }

    /// The request for the page after `page`, of the same size; `None` after the last page.
    pub fn next<T>(&self, page: &Page<T>) -> Option<Self> {
        let after = page.next_cursor.as_deref().and_then(|c| decode(c).ok())?;
        Some(Self {
            limit: self.limit,
            after: Some(after),
        })
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page from items a store read after the request's cursor, in the list's order, each
    /// with its sort key: the first `limit` of them, and a cursor naming the last one given when
    /// more were read. A store reads `limit + 1` to know.
    pub fn from_keyed(items: Vec<(String, T)>, request: &PageRequest) -> Self {
        let more = items.len() > request.limit;
        let mut items = items;
        items.truncate(request.limit);
        let next_cursor = if more {
            items.last().map(|(key, _)| encode(key))
        } else {
            None
        };
        Page {
            items: items.into_iter().map(|(_, item)| item).collect(),
            next_cursor,
        }
    }

    /// A page of `items` that stops early, its cursor naming `last_read` (when given): for a
    /// reader that filters what the store gives and stops after a bounded number of reads.
    pub fn stopped_at(items: Vec<T>, last_read: Option<&str>) -> Self {
        Page {
            items,
            next_cursor: last_read.map(encode),
        }
    }
}

fn encode(key: &str) -> String {
    let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{CURSOR_PREFIX}{hex}")
}

fn decode(cursor: &str) -> Result<String, DomainError> {
    let bad = || {
        DomainError::invalid(
            "cursor",
            "is not a cursor this list gave out; start again without one",
        )
    };
    let hex = cursor.strip_prefix(CURSOR_PREFIX).ok_or_else(bad)?;
    if hex.len() % 2 != 0 || hex.is_empty() {
        return Err(bad());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    String::from_utf8(bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(limit: &str, cursor: Option<&str>) -> PageRequest {
        PageRequest::parse(Some(limit), cursor).unwrap()
    }

    #[test]
    fn a_page_from_keyed_items_gives_the_limit_and_a_cursor_only_when_more_were_read() {
        let request = page("2", None);
        let keyed = |ns: &[u32]| -> Vec<(String, u32)> {
            ns.iter().map(|n| (format!("k{n}"), *n)).collect()
        };
        let full = Page::from_keyed(keyed(&[1, 2, 3]), &request);
        assert_eq!(full.items, [1, 2]);
        let next = request.next(&full).unwrap();
        assert_eq!(next.after(), Some("k2"));
        assert_eq!(next.limit(), 2);
        let last = Page::from_keyed(keyed(&[3]), &next);
        assert_eq!(
            (last.items.clone(), last.next_cursor.clone()),
            (vec![3], None)
        );
        assert_eq!(next.next(&last), None);
    }

    #[test]
    fn an_internal_reader_asks_for_at_most_the_largest_page() {
        assert_eq!(PageRequest::first(10_000).limit(), MAX_LIMIT);
        assert_eq!(PageRequest::first(0).limit(), 1);
        assert_eq!(PageRequest::first(100).after(), None);
    }

    #[test]
    fn a_bad_limit_or_cursor_is_an_invalid_field_naming_it() {
        for (limit, cursor, field) in [
            (Some("0"), None, "limit"),
            (Some("201"), None, "limit"),
            (Some("ten"), None, "limit"),
            (None, Some("zzz"), "cursor"),
            (None, Some("c1.zz"), "cursor"),
            (None, Some("c1.abc"), "cursor"),
            (None, Some("c1.ff"), "cursor"),
        ] {
            match PageRequest::parse(limit, cursor) {
                Err(DomainError::InvalidField { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{limit:?} {cursor:?}: {other:?}"),
            }
        }
        assert_eq!(PageRequest::parse(None, None).unwrap().limit(), 50);
        assert_eq!(PageRequest::parse(Some("200"), None).unwrap().limit(), 200);
    }
}

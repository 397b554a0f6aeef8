//! The statements of reasons for the regulator (DSA art. 17 and 24(5)): every sanction imposed
//! or amended that restricts the service, oldest first from a moment. The edge words each in the
//! Transparency Database's schema.

use chrono::{DateTime, Utc};

use crate::error::DomainError;
use crate::model::StatedReasons;
use crate::paging::{Page, PageRequest};
use crate::ports::TransparencyStore;
use crate::rules::access::{self, Actor};

/// One page of the statements decided at or after `since` (from the first one when `None`).
pub async fn statements_since(
    store: &impl TransparencyStore,
    actor: &Actor,
    since: Option<DateTime<Utc>>,
    page: &PageRequest,
) -> Result<Page<StatedReasons>, DomainError> {
    access::read_statements(actor)?;
    store.stated_reasons(since, page).await
}

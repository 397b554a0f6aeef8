//! §8 The daily check: reinstatement windows that opened, and appeals waiting too long.

use crate::PolicyConfig;
use crate::error::DomainError;
use crate::model::{Notice, NoticeKind};
use crate::paging::PageRequest;
use crate::ports::{AppealStore, Clock, SweepStore, Versioned};
use crate::rules::appeals as rule;
use serde::Serialize;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub reinstatement_notices: u32,
    pub overdue_appeals_flagged: u32,
}

/// Runs the daily check. Idempotent: running it twice on the same day does nothing new.
pub async fn daily_check<S: SweepStore + AppealStore>(
    store: &S,
    clock: &impl Clock,
    policy: &PolicyConfig,
) -> Result<SweepReport, DomainError> {
    let now = clock.now();
    let mut report = SweepReport::default();
    let mut request = Some(PageRequest::first(SWEEP_PAGE));
    while let Some(page) = request.take() {
        let due_page = store.due_reinstatements(now, &page).await?;
        request = page.next(&due_page);
        for due in due_page.items {
            notify_reinstatement(store, now, due).await?;
            report.reinstatement_notices += 1;
        }
    }
    let mut request = Some(PageRequest::first(SWEEP_PAGE));
    while let Some(page) = request.take() {
        let pending = store.pending_appeals(&page).await?;
        request = page.next(&pending);
        for appeal in pending.items {
            if flag_if_overdue(store, now, policy, appeal).await? {
                report.overdue_appeals_flagged += 1;
            }
        }
    }
    Ok(report)
}

/// How many due items the daily check reads at a time.
const SWEEP_PAGE: usize = 100;

async fn notify_reinstatement<S: SweepStore>(
    store: &S,
    now: chrono::DateTime<chrono::Utc>,
    due: crate::ports::DueReinstatement,
) -> Result<(), DomainError> {
    let notice = Notice {
        freelancer_id: due.freelancer_id.clone(),
        kind: NoticeKind::ReinstatementOpen,
        subject: format!("{}@{}", due.sanction_id, due.opens_at.to_rfc3339()),
        at: now,
        message: format!(
            "You may now apply for reinstatement of sanction {}: the window opened on {}.",
            due.sanction_id,
            due.opens_at.format("%Y-%m-%d")
        ),
    };
    store.mark_reinstatement_notified(&due, &notice).await
}

/// Flags a pending appeal that waited too long; whether it did.
async fn flag_if_overdue<S: AppealStore>(
    store: &S,
    now: chrono::DateTime<chrono::Utc>,
    policy: &PolicyConfig,
    appeal: crate::model::Appeal,
) -> Result<bool, DomainError> {
    if appeal.overdue_since.is_some() || !rule::is_overdue(&appeal, now, policy) {
        return Ok(false);
    }
    let Some(Versioned { mut value, version }) = store.get_appeal(&appeal.appeal_id).await? else {
        return Ok(false);
    };
    if value.overdue_since.is_some() || !value.is_pending() {
        return Ok(false);
    }
    value.overdue_since = Some(now);
    match store.save_appeal(&value, version).await {
        // Decided or flagged meanwhile: nothing left to flag.
        Err(DomainError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
        Ok(()) => Ok(true),
    }
}

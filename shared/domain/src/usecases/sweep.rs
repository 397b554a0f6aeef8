//! §8 The daily check: reinstatement windows that opened, and appeals waiting too long.

use crate::PolicyConfig;
use crate::error::DomainError;
use crate::model::{Notice, NoticeKind};
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
    for due in store.due_reinstatements(now).await? {
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
        store.mark_reinstatement_notified(&due, &notice).await?;
        report.reinstatement_notices += 1;
    }
    for appeal in store.pending_appeals().await? {
        if appeal.overdue_since.is_some() || !rule::is_overdue(&appeal, now, policy) {
            continue;
        }
        let Some(Versioned { mut value, version }) = store.get_appeal(&appeal.appeal_id).await?
        else {
            continue;
        };
        if value.overdue_since.is_some() || !value.is_pending() {
            continue;
        }
        value.overdue_since = Some(now);
        match store.save_appeal(&value, version).await {
            // Decided or flagged meanwhile: nothing left to flag.
            Err(DomainError::Conflict(_)) => continue,
            Err(e) => return Err(e),
            Ok(()) => report.overdue_appeals_flagged += 1,
        }
    }
    Ok(report)
}

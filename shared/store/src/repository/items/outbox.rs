//! The outbox: one item per event, written in the transaction of the change it describes. The
//! item carries the event as it leaves the system, `body`: the JSON a webhook receiver is posted
//! and the `detail.body` of the EventBridge event the Pipe puts on the bus. Its schema is
//! `standing.event/1`: `{"type", "timestamp", "data": {...}}` as the Standard Webhooks spec
//! recommends, fields added, never renamed.

use super::standing::SanctionItem;
use crate::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use standing_domain::model::{Event, StatedReasons};
use standing_domain::{AppealId, AppealKind, AppealOutcome, LiftReason, SanctionId, Standing};

/// The stored item. The top-level strings are what the Pipe's input template and an
/// EventBridge rule can read without parsing `body`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub event_id: String,
    pub event_type: String,
    pub freelancer_id: String,
    pub occurred_at: DateTime<Utc>,
    pub body: String,
    /// Set by the local stack's webhook once a receiver accepted the event. The Pipe reads only
    /// inserts, so this update never publishes the event again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    schema: &'static str,
    r#type: &'static str,
    timestamp: DateTime<Utc>,
    data: Data<'a>,
}

#[derive(Debug, Serialize)]
struct Data<'a> {
    event_id: &'a str,
    freelancer_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    standing: Option<StandingChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sanction: Option<SanctionItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lift_reason: Option<LiftReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<NoticeBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appeal: Option<AppealBody<'a>>,
}

#[derive(Debug, Serialize)]
struct StandingChange {
    before: Standing,
    after: Standing,
}

#[derive(Debug, Serialize)]
struct NoticeBody<'a> {
    kind: &'static str,
    message: &'a str,
}

#[derive(Debug, Serialize)]
struct AppealBody<'a> {
    appeal_id: &'a AppealId,
    sanction_id: &'a SanctionId,
    kind: AppealKind,
    outcome: AppealOutcome,
    note: &'a str,
    decided_by: &'a str,
    decided_at: DateTime<Utc>,
}

/// The schema name every body carries.
const EVENT_SCHEMA: &str = "standing.event/1";

impl OutboxItem {
    pub fn from_domain(event: &Event) -> Result<Self, serde_json::Error> {
        let body = Body {
            schema: EVENT_SCHEMA,
            r#type: event.kind.as_str(),
            timestamp: event.at,
            data: Data {
                event_id: &event.event_id,
                freelancer_id: event.freelancer_id.as_str(),
                standing: event
                    .standing
                    .map(|(before, after)| StandingChange { before, after }),
                sanction: event.sanction.as_ref().map(SanctionItem::from),
                lift_reason: event.lift_reason,
                notice: event.notice.as_ref().map(|(kind, message)| NoticeBody {
                    kind: kind.as_str(),
                    message,
                }),
                appeal: event.appeal.as_ref().map(|a| AppealBody {
                    appeal_id: &a.appeal_id,
                    sanction_id: &a.sanction_id,
                    kind: a.kind,
                    outcome: a.decision.outcome,
                    note: a.decision.note.as_str(),
                    decided_by: a.decision.reviewer.as_str(),
                    decided_at: a.decision.decided_at,
                }),
            },
        };
        Ok(Self {
            event_id: event.event_id.clone(),
            event_type: event.kind.as_str().to_owned(),
            freelancer_id: event.freelancer_id.to_string(),
            occurred_at: event.at,
            body: serde_json::to_string(&body)?,
            delivered_at: None,
        })
    }
}

/// The part of a body the transparency export reads back: the sanction it decided.
#[derive(Debug, Deserialize)]
struct DecidedSanction {
    data: DecidedSanctionData,
}

#[derive(Debug, Deserialize)]
struct DecidedSanctionData {
    sanction: Option<SanctionItem>,
}

impl OutboxItem {
    /// The statement of reasons this event made: its sanction, as decided. `Corrupt` when the
    /// body holds no sanction (only events that state reasons are indexed for this read).
    pub fn into_stated_reasons(self) -> Result<StatedReasons, StoreError> {
        let decided: DecidedSanction = serde_json::from_str(&self.body).map_err(|_| {
            StoreError::Corrupt(format!(
                "the body of event {} is not an event of schema {EVENT_SCHEMA}",
                self.event_id
            ))
        })?;
        let sanction = decided.data.sanction.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "event {} is indexed as a statement of reasons but holds no sanction",
                self.event_id
            ))
        })?;
        Ok(StatedReasons {
            event_id: self.event_id,
            at: self.occurred_at,
            sanction: sanction.into(),
        })
    }
}

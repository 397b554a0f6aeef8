//! What the store counts, through the `metrics` facade, once a transaction committed: events
//! written, and among them sanctions imposed and lifted by rule. Counted here, where the write
//! is known to have happened, so a refused or retried write never counts twice; every
//! evaluation path (stream, hourly, rollout, import) is covered alike.

use standing_domain::model::{EventKind, RuleId};

/// Events written to the outbox.
pub const EVENTS_WRITTEN: &str = "events_written";
/// Sanctions imposed, with the label `rule`.
pub const SANCTIONS_IMPOSED: &str = "sanctions_imposed";
/// Sanctions lifted, with the label `rule`.
pub const SANCTIONS_LIFTED: &str = "sanctions_lifted";

/// Writes per durable commit of the embedded engine (group commit; the local stack only).
pub const EMBEDDED_WRITES_PER_COMMIT: &str = "embedded_writes_per_commit";

/// Describes the embedded engine's metric to the recorder (the local stack installs one).
#[cfg(feature = "embedded")]
pub fn describe_embedded() {
    metrics::describe_histogram!(
        EMBEDDED_WRITES_PER_COMMIT,
        metrics::Unit::Count,
        "writes that shared one durable commit of the embedded engine (group commit)"
    );
}

/// Counts the events of one committed transaction.
pub(crate) fn committed(events: &[(EventKind, Option<RuleId>)]) {
    if events.is_empty() {
        return;
    }
    metrics::counter!(EVENTS_WRITTEN).increment(events.len() as u64);
    for (kind, rule) in events {
        let name = match kind {
            EventKind::SanctionImposed => SANCTIONS_IMPOSED,
            EventKind::SanctionLifted => SANCTIONS_LIFTED,
            _ => continue,
        };
        let rule = rule.map(RuleId::as_str).unwrap_or("unknown");
        metrics::counter!(name, "rule" => rule).increment(1);
    }
}

//! Key builders of the single-table layout; `shared/store/README.md` documents every one.

use chrono::{DateTime, SecondsFormat, Utc};
use standing_domain::model::ComplaintStatus;
use standing_domain::{AppealId, ComplaintId, ContractId, Direction, ReportId, SanctionId, UserId};

/// A timestamp in a fixed-width form whose string order is time order.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn freelancer_pk(freelancer: &UserId) -> String {
    format!("FL#{freelancer}")
}

pub fn contract_pk(contract: &ContractId) -> String {
    format!("CONTRACT#{contract}")
}
pub const CONTRACT_SK: &str = "CONTRACT";

/// GSI1 of a contract: who contracted with whom (complaints need it).
pub fn pair_gsi1pk(client: &UserId, freelancer: &UserId) -> String {
    format!("PAIR#{client}#{freelancer}")
}

/// Evidence of one ended contract in its freelancer's partition, sorted by end.
pub fn evidence_prefix(ended_at: DateTime<Utc>, contract: &ContractId) -> String {
    format!("EV#{}#{contract}#", stamp(ended_at))
}
pub fn evidence_contract_sk(ended_at: DateTime<Utc>, contract: &ContractId) -> String {
    format!("{}0contract", evidence_prefix(ended_at, contract))
}
pub fn evidence_feedback_sk(
    ended_at: DateTime<Utc>,
    contract: &ContractId,
    direction: Direction,
) -> String {
    let order = match direction {
        Direction::Client => "1",
        Direction::Freelancer => "2",
    };
    format!("{}{order}{direction}", evidence_prefix(ended_at, contract))
}
pub fn evidence_from(since: DateTime<Utc>) -> String {
    format!("EV#{}", stamp(since))
}
pub const EVIDENCE_PREFIX: &str = "EV#";
pub const EVIDENCE_END: &str = "EV#~";

pub fn report_gsi1pk(report: &ReportId) -> String {
    format!("REPORT#{report}")
}
pub const REPORT_GSI1SK: &str = "REPORT";
/// Reports waiting for a reviewer, oldest first (GSI2, sparse: only while undecided).
pub const REPORTS_PENDING_GSI2PK: &str = "REPORTS#pending";
pub fn reports_pending_gsi2sk(filed_at: DateTime<Utc>, report: &ReportId) -> String {
    format!("{}#{report}", stamp(filed_at))
}

pub fn complaint_sk(complaint: &ComplaintId) -> String {
    format!("CP#{complaint}")
}
pub const COMPLAINT_PREFIX: &str = "CP#";
pub fn complaint_ref_pk(complaint: &ComplaintId) -> String {
    format!("COMPLAINT#{complaint}")
}
pub fn complaint_queue_gsi1pk(status: ComplaintStatus) -> String {
    format!("COMPLAINTS#{status}")
}
/// The freelancer's set of complaints: a versioned item every filing moves on.
pub const COMPLAINT_SET_SK: &str = "GUARD#COMPLAINTS";
/// Where the freelancer's evidence stands: every evidence write puts it with a new mark, every
/// evaluation's write requires the mark it read.
pub const EVIDENCE_MARK_SK: &str = "GUARD#EVIDENCE";
pub fn claim_guard_sk(reporter: &UserId, claim_key: &str) -> String {
    format!("GUARD#CLAIM#{reporter}#{claim_key}")
}

pub fn appeal_sk(appeal: &AppealId) -> String {
    format!("AP#{appeal}")
}
pub const APPEAL_PREFIX: &str = "AP#";
pub fn appeal_ref_pk(appeal: &AppealId) -> String {
    format!("APPEAL#{appeal}")
}
pub const APPEALS_PENDING_GSI1PK: &str = "APPEALS#pending";
pub fn appeal_guard_sk(sanction: &SanctionId) -> String {
    format!("GUARD#APPEAL#{sanction}")
}

pub const REF_SK: &str = "REF";
pub const STANDING_SK: &str = "STANDING";

/// Ordered by time, then by position within one evaluation; the sanction and action make two
/// evaluations that change different things at the same instant write different items.
pub fn audit_sk(at: DateTime<Utc>, n: usize, sanction: &SanctionId, action: &str) -> String {
    format!("AUDIT#{}#{n:03}#{sanction}#{action}", stamp(at))
}
pub const AUDIT_PREFIX: &str = "AUDIT#";
/// Sorts after every audit key (they go on with a timestamp's digits).
pub const AUDIT_END: &str = "AUDIT#~";

pub fn notice_sk(kind: &str, subject: &str) -> String {
    format!("NOTICE#{kind}#{subject}")
}

pub fn due_sk(sanction: &SanctionId, opens_at: DateTime<Utc>) -> String {
    format!("{DUE_PREFIX}{sanction}#{}", stamp(opens_at))
}
pub const DUE_PREFIX: &str = "DUE#";
pub const DUE_GSI2PK: &str = "DUE";
pub fn due_gsi2sk(opens_at: DateTime<Utc>, freelancer: &UserId, sanction: &SanctionId) -> String {
    format!("{}#{freelancer}#{sanction}", stamp(opens_at))
}
/// The standings due for a time-driven re-evaluation, by when (`StandingSnapshot::next_due`).
pub const REEVALUATE_GSI2PK: &str = "REEVALUATE";
pub fn reevaluate_gsi2sk(due: DateTime<Utc>, freelancer: &UserId) -> String {
    format!("{}#{freelancer}", stamp(due))
}
/// Sorts after every `due_gsi2sk` and `reevaluate_gsi2sk` whose time is at or before `until`.
pub fn due_until(until: DateTime<Utc>) -> String {
    format!("{}~", stamp(until))
}

/// One event of the outbox, by its id.
pub fn outbox_sk(event_id: &str) -> String {
    format!("OUTBOX#{event_id}")
}
/// Events no webhook has delivered yet, oldest first (the local stack's webhook reads them; in
/// AWS the Pipe publishes from the stream and nothing reads this index).
pub const OUTBOX_PENDING_GSI2PK: &str = "OUTBOX#pending";
pub fn outbox_pending_gsi2sk(at: DateTime<Utc>, event_id: &str) -> String {
    format!("{}#{event_id}", stamp(at))
}

/// Statements of reasons (sanctions imposed or amended that restrict the service), by the
/// moment of their decision: the DSA transparency export reads this GSI1 partition. Sanctions
/// are rare next to feedback, so one partition holds them all.
pub const STATEMENTS_GSI1PK: &str = "STATEMENTS";
/// Keyed by the sanction (stated once, at its imposition), not the event, whose id names the
/// freelancer: a cursor of this list carries no personal data.
pub fn statements_gsi1sk(at: DateTime<Utc>, sanction: &SanctionId) -> String {
    format!("{}#{sanction}", stamp(at))
}

/// Whether `key` is one [`statements_gsi1sk`] makes (a cursor of the statements list).
pub fn is_statements_gsi1sk(key: &str) -> bool {
    key.split_once('#').is_some_and(|(at, sanction)| {
        DateTime::parse_from_rfc3339(at).is_ok() && SanctionId::parse(sanction).is_ok()
    })
}

/// The policy lab's partition: every published version, the selection, the activations.
pub const POLICIES_PK: &str = "POLICIES";
pub fn policy_sk(version: &str) -> String {
    format!("POLICY#{version}")
}
pub const POLICY_PREFIX: &str = "POLICY#";
pub const POLICY_SELECTION_SK: &str = "SELECTION";
pub fn policy_change_sk(at: DateTime<Utc>, version: &str, mode: &str) -> String {
    format!("CHANGE#{}#{version}#{mode}", stamp(at))
}
pub const POLICY_CHANGE_PREFIX: &str = "CHANGE#";

/// A shadow version's disagreements, one partition per version, by freelancer.
pub fn shadow_pk(version: &str) -> String {
    format!("SHADOW#{version}")
}
pub fn shadow_sk(freelancer: &UserId) -> String {
    format!("FL#{freelancer}")
}

/// Every standing is in one of [`STANDING_SHARDS`] GSI1 partitions, by a hash of its
/// freelancer, sorted by freelancer id: a rollout walks them in order, and the writes of
/// standings spread over as many index partitions.
pub const STANDING_SHARDS: u32 = 16;
pub fn standings_gsi1pk(shard: u32) -> String {
    format!("STANDINGS#{shard:02}")
}
pub fn standings_gsi1sk(freelancer: &UserId) -> String {
    format!("{:02}#{freelancer}", standing_shard(freelancer))
}
/// The shard a `standings_gsi1sk` names.
pub fn shard_of_standings_key(key: &str) -> Option<u32> {
    key.get(..2)?.parse().ok().filter(|s| *s < STANDING_SHARDS)
}
/// The shard of a freelancer's standing: FNV-1a of the id, stable across builds.
pub fn standing_shard(freelancer: &UserId) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in freelancer.as_str().bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % STANDING_SHARDS
}

/// The entity types; the stream filter passes only the evidence ones.
pub mod entity {
    pub const CONTRACT: &str = "contract";
    pub const FEEDBACK: &str = "feedback";
    pub const COMPLAINT: &str = "complaint";
    pub const APPEAL: &str = "appeal";
    pub const STANDING: &str = "standing";
    pub const AUDIT: &str = "audit";
    pub const NOTICE: &str = "notice";
    pub const DUE: &str = "due";
    pub const GUARD: &str = "guard";
    pub const REF: &str = "ref";
    pub const POLICY: &str = "policy";
    pub const POLICY_SELECTION: &str = "policy_selection";
    pub const POLICY_CHANGE: &str = "policy_change";
    pub const SHADOW: &str = "shadow";
    /// An event on its way out (the Pipe's filter passes only these).
    pub const OUTBOX: &str = "outbox";
    /// Items whose stream records trigger a re-evaluation of `freelancer_id`: the one list (the
    /// stream handler, the local pump and the template's filter, by its drift test, use it). A
    /// report lives inside its feedback item, so it has no type of its own.
    pub const EVIDENCE: [&str; 4] = [CONTRACT, FEEDBACK, COMPLAINT, APPEAL];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_sort_as_time_sorts() {
        let a: DateTime<Utc> = "2026-01-02T03:04:05Z".parse().unwrap();
        let b: DateTime<Utc> = "2026-01-02T03:04:05.5Z".parse().unwrap();
        let c: DateTime<Utc> = "2026-11-02T00:00:00Z".parse().unwrap();
        assert!(stamp(a) < stamp(b) && stamp(b) < stamp(c));
        assert_eq!(stamp(a), "2026-01-02T03:04:05.000000Z");
    }

    #[test]
    fn a_contracts_evidence_items_sort_together_contract_first() {
        let t: DateTime<Utc> = "2026-01-02T03:04:05Z".parse().unwrap();
        let c = ContractId::parse("c1").unwrap();
        let contract = evidence_contract_sk(t, &c);
        let client = evidence_feedback_sk(t, &c, Direction::Client);
        let freelancer = evidence_feedback_sk(t, &c, Direction::Freelancer);
        assert!(contract < client && client < freelancer);
        assert!(client.starts_with(&evidence_prefix(t, &c)));
        assert!(evidence_from(t) <= contract && contract.as_str() < EVIDENCE_END);
    }

    #[test]
    fn a_due_date_at_the_cut_off_is_included_and_one_later_is_not() {
        let t: DateTime<Utc> = "2026-06-01T00:00:00Z".parse().unwrap();
        let f = UserId::parse("fl1").unwrap();
        let s = SanctionId::parse("sn_1").unwrap();
        assert!(due_gsi2sk(t, &f, &s) <= due_until(t));
        assert!(due_gsi2sk(t + chrono::Duration::microseconds(1), &f, &s) > due_until(t));
    }
}

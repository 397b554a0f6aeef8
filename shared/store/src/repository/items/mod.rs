//! Item structs: every item is an envelope of keys, `entity_type`, `freelancer_id`, `version`
//! and its content under `data`. The content of every entity is the store's own struct (one file
//! per entity), converted to and from the domain's type: a domain type and a stored item change
//! for different reasons, so renaming a domain field changes a conversion, never the items a
//! table already holds. The same structs decode table reads and stream images.

mod appeal;
mod audit;
mod complaint;
mod contract;
mod feedback;
mod outbox;
mod policy;
mod standing;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_dynamo::Item;

use crate::error::StoreError;

pub use appeal::AppealItem;
pub use audit::{AuditItem, NoticeItem};
pub use complaint::ComplaintItem;
pub use contract::ContractItem;
pub use feedback::FeedbackItem;
pub use outbox::OutboxItem;
pub use policy::{PolicyChangeItem, PolicyItem, SelectionItem, ShadowItem};
pub use standing::StandingItem;

/// A stored shape and the domain value it holds.
pub trait Stored: Serialize + DeserializeOwned {
    type Domain;

    fn from_domain(value: &Self::Domain) -> Self;

    /// The domain value; `Corrupt` when the item holds what no domain value can be.
    fn into_domain(self) -> Result<Self::Domain, StoreError>;
}

/// One stored item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub entity_type: String,
    /// Whom a stream record of this item re-evaluates (evidence items), or whom it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freelancer_id: Option<String>,
    pub version: u64,
    /// The shape of `data` this build wrote ([`SCHEMA_VERSION`]); items written before the
    /// attribute existed are version 1. A build refuses items from a newer schema than its own
    /// instead of misreading them.
    #[serde(default = "first_schema")]
    pub schema_version: u32,
    pub data: T,
}

/// The schema of the items this build writes. Raise it with a migration when `data` changes
/// incompatibly; `tests/fixtures/items` keeps examples of every version still on tables.
pub const SCHEMA_VERSION: u32 = 1;

fn first_schema() -> u32 {
    1
}

impl<T> Envelope<T> {
    pub fn new(pk: String, sk: String, entity_type: &str, version: u64, data: T) -> Self {
        Self {
            pk,
            sk,
            gsi1pk: None,
            gsi1sk: None,
            gsi2pk: None,
            gsi2sk: None,
            entity_type: entity_type.to_owned(),
            freelancer_id: None,
            version,
            schema_version: SCHEMA_VERSION,
            data,
        }
    }

    pub fn for_freelancer(mut self, freelancer: &impl ToString) -> Self {
        self.freelancer_id = Some(freelancer.to_string());
        self
    }

    pub fn gsi1(mut self, pk: String, sk: String) -> Self {
        self.gsi1pk = Some(pk);
        self.gsi1sk = Some(sk);
        self
    }

    pub fn gsi2(mut self, pk: String, sk: String) -> Self {
        self.gsi2pk = Some(pk);
        self.gsi2sk = Some(sk);
        self
    }
}

impl<T: Serialize> Envelope<T> {
    pub fn to_item(&self) -> Result<Item, StoreError> {
        serde_dynamo::to_item(self)
            .map_err(|e| StoreError::Validation(format!("cannot encode item {}: {e}", self.sk)))
    }
}

/// Decodes an item into an envelope of `T`.
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<Envelope<T>, StoreError> {
    // The key names the item in the log; serde's message could quote the content, so it stays out.
    let key = crate::engine::Key::of_item(&item)
        .map(|k| format!("{} / {}", k.pk, k.sk))
        .unwrap_or_else(|_| "an item without a key".to_owned());
    let envelope: Envelope<T> = serde_dynamo::from_item(item).map_err(|_| {
        StoreError::Corrupt(format!(
            "{key} does not match the schema of {}",
            std::any::type_name::<T>()
        ))
    })?;
    if envelope.schema_version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "{key} was written in schema {}, newer than this build's {SCHEMA_VERSION}: deploy the newer build",
            envelope.schema_version
        )));
    }
    Ok(envelope)
}

/// What a reference item holds: where the real item lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub pk: String,
    pub sk: String,
}

/// What a due item of the daily sweep holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub sanction_id: String,
    pub opens_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub notified: bool,
}

/// What a guard item holds: why it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    pub holds_for: String,
    /// The freelancer's evidence mark, on the evidence guard only (`GUARD#EVIDENCE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_dynamo::AttributeValue;

    fn guard_item(schema: Option<&str>) -> Item {
        let mut envelope = Envelope::new(
            "FL#f".into(),
            "GUARD#x".into(),
            "guard",
            1,
            Guard {
                holds_for: "c1".into(),
                mark: None,
            },
        )
        .to_item()
        .unwrap();
        let map: &mut std::collections::HashMap<String, AttributeValue> = envelope.as_mut();
        match schema {
            Some(n) => map.insert("schema_version".into(), AttributeValue::N(n.into())),
            None => map.remove("schema_version"),
        };
        envelope
    }

    #[test]
    fn an_item_written_before_the_schema_version_existed_reads_as_version_one() {
        let read = from_item::<Guard>(guard_item(None)).unwrap();
        assert_eq!(read.schema_version, 1);
        assert_eq!(read.data.holds_for, "c1");
    }

    #[test]
    fn an_item_from_a_newer_schema_is_refused_as_corrupt_not_misread() {
        assert!(from_item::<Guard>(guard_item(Some("1"))).is_ok());
        let newer = from_item::<Guard>(guard_item(Some("2")));
        assert!(
            matches!(&newer, Err(StoreError::Corrupt(m)) if m.contains("newer than this build")),
            "{newer:?}"
        );
    }
}

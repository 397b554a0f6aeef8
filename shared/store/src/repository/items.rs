//! Item structs: every item is an envelope of keys, `entity_type`, `freelancer_id`, `version`
//! and the domain value under `data`. The same structs decode table reads and stream images.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_dynamo::Item;

use crate::error::StoreError;

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
    pub data: T,
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
    serde_dynamo::from_item(item).map_err(|_| {
        StoreError::Corrupt(format!(
            "{key} does not match the schema of {}",
            std::any::type_name::<T>()
        ))
    })
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
}

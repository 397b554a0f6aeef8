//! The embedded engine's change log records, shaped like DynamoDB stream records, and their
//! conversion to the `aws_lambda_events` records a Lambda function receives.

use std::{fmt, str::FromStr};

use aws_lambda_events::event::dynamodb::{EventRecord, StreamRecord, StreamViewType};
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_dynamo::Item;

use crate::error::StoreError;

/// A change log position. Shown as a zero-padded decimal string, so that sequence numbers
/// order the same as strings and as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SequenceNumber(pub u64);

impl fmt::Display for SequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:021}", self.0)
    }
}

impl FromStr for SequenceNumber {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<u64>().map(SequenceNumber).map_err(|_| {
            StoreError::Validation(format!("{s:?} is not a change log sequence number"))
        })
    }
}

/// What a change did to its item, as DynamoDB streams name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    Insert,
    Modify,
    Remove,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Insert => "INSERT",
            ChangeKind::Modify => "MODIFY",
            ChangeKind::Remove => "REMOVE",
        }
    }
}

/// One item changed by one committed write.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    pub sequence_number: SequenceNumber,
    pub event_name: ChangeKind,
    /// `{PK, SK}` of the item.
    pub keys: Item,
    /// The item after the write; `None` for REMOVE.
    pub new_image: Option<Item>,
    /// The item before the write; `None` for INSERT.
    pub old_image: Option<Item>,
    /// When the write was committed (DynamoDB streams round this to the second).
    pub approximate_creation_time: DateTime<Utc>,
    /// The size of keys and images, by DynamoDB's item size rules.
    pub size_bytes: u64,
}

/// Where records claim to come from: what a Lambda event source mapping puts in each record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSource {
    pub region: String,
    pub account_id: String,
    pub table_name: String,
    /// DynamoDB's stream label: the stream's creation time, `YYYY-MM-DDTHH:MM:SS.mmm`.
    pub stream_label: String,
}

impl StreamSource {
    pub fn event_source_arn(&self) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{}/stream/{}",
            self.region, self.account_id, self.table_name, self.stream_label
        )
    }
}

impl ChangeRecord {
    /// The record as a Lambda function subscribed to the table's stream receives it.
    pub fn to_event_record(&self, source: &StreamSource) -> EventRecord {
        let mut change = StreamRecord::default();
        // Streams report whole seconds.
        change.approximate_creation_date_time = Utc
            .timestamp_opt(self.approximate_creation_time.timestamp(), 0)
            .single()
            .unwrap_or(self.approximate_creation_time);
        change.keys = self.keys.clone();
        change.new_image = self.new_image.clone().unwrap_or_default();
        change.old_image = self.old_image.clone().unwrap_or_default();
        change.sequence_number = Some(self.sequence_number.to_string());
        change.size_bytes = i64::try_from(self.size_bytes).unwrap_or(i64::MAX);
        change.stream_view_type = Some(StreamViewType::NewAndOldImages);

        let mut record = EventRecord::default();
        record.aws_region = source.region.clone();
        record.change = change;
        // Unique per record and stable across reads, like DynamoDB's 32 hex digits.
        record.event_id = format!("{:032x}", self.sequence_number.0);
        record.event_name = self.event_name.as_str().to_string();
        record.event_source = Some("aws:dynamodb".to_string());
        record.event_version = Some("1.1".to_string());
        record.event_source_arn = Some(source.event_source_arn());
        record
    }
}

/// How a change is kept on disk (written by [`encode`]).
#[derive(Debug, Deserialize)]
pub(crate) struct StoredChange {
    pub event_name: ChangeKind,
    pub keys: Item,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_image: Option<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_image: Option<Item>,
    pub created_at_ms: i64,
    pub size_bytes: u64,
}

/// A [`StoredChange`] as JSON, with the images copied in as they are already encoded: the
/// item's stored JSON, not the item encoded a second time.
pub(crate) fn encode(
    event_name: ChangeKind,
    keys: &Item,
    new_image: Option<&[u8]>,
    old_image: Option<&[u8]>,
    created_at_ms: i64,
    size_bytes: u64,
) -> Result<Vec<u8>, StoreError> {
    let images = new_image.map_or(0, <[u8]>::len) + old_image.map_or(0, <[u8]>::len);
    let mut out = Vec::with_capacity(images + 160);
    let encoding = |e: serde_json::Error| StoreError::Backend(format!("encoding a change: {e}"));
    out.extend_from_slice(b"{\"event_name\":");
    serde_json::to_writer(&mut out, &event_name).map_err(encoding)?;
    out.extend_from_slice(b",\"keys\":");
    serde_json::to_writer(&mut out, keys).map_err(encoding)?;
    for (name, image) in [("new_image", new_image), ("old_image", old_image)] {
        if let Some(json) = image {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            out.extend_from_slice(json);
        }
    }
    out.extend_from_slice(
        format!(",\"created_at_ms\":{created_at_ms},\"size_bytes\":{size_bytes}}}").as_bytes(),
    );
    Ok(out)
}

impl StoredChange {
    pub fn into_record(self, sequence_number: SequenceNumber) -> ChangeRecord {
        ChangeRecord {
            sequence_number,
            event_name: self.event_name,
            keys: self.keys,
            new_image: self.new_image,
            old_image: self.old_image,
            approximate_creation_time: Utc
                .timestamp_millis_opt(self.created_at_ms)
                .single()
                .unwrap_or_default(),
            size_bytes: self.size_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_dynamo::AttributeValue;

    use super::*;

    fn item(pairs: &[(&str, &str)]) -> Item {
        Item::from(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
                .collect::<HashMap<_, _>>(),
        )
    }

    #[test]
    fn a_change_encoded_with_its_images_as_stored_reads_back_whole() {
        let keys = item(&[("PK", "F#1"), ("SK", "A")]);
        let new = item(&[
            ("PK", "F#1"),
            ("SK", "A"),
            ("note", "quote \" and \\ and é"),
        ]);
        let old = item(&[("PK", "F#1"), ("SK", "A"), ("note", "before")]);
        let json = |i: &Item| serde_json::to_vec(i).expect("encode");
        for (kind, new_image, old_image) in [
            (ChangeKind::Insert, Some(&new), None),
            (ChangeKind::Modify, Some(&new), Some(&old)),
            (ChangeKind::Remove, None, Some(&old)),
        ] {
            let encoded = encode(
                kind,
                &keys,
                new_image.map(json).as_deref(),
                old_image.map(json).as_deref(),
                1_700_000_000_123,
                77,
            )
            .expect("encode a change");
            let back: StoredChange = serde_json::from_slice(&encoded).expect("read it back");
            let record = back.into_record(SequenceNumber(5));
            assert_eq!(record.event_name, kind);
            assert_eq!(record.keys, keys);
            assert_eq!(record.new_image.as_ref(), new_image);
            assert_eq!(record.old_image.as_ref(), old_image);
            assert_eq!(
                record.approximate_creation_time.timestamp_millis(),
                1_700_000_000_123
            );
            assert_eq!(record.size_bytes, 77);
        }
    }

    #[test]
    fn sequence_numbers_order_as_strings_and_numbers() {
        let a = SequenceNumber(9).to_string();
        let b = SequenceNumber(10).to_string();
        assert!(a < b);
        assert_eq!(b.parse::<SequenceNumber>().ok(), Some(SequenceNumber(10)));
        assert!("x".parse::<SequenceNumber>().is_err());
    }

    #[test]
    fn an_event_record_carries_what_lambda_receives() {
        let keys = Item::from(HashMap::from([
            ("PK".to_string(), AttributeValue::S("F#1".into())),
            ("SK".to_string(), AttributeValue::S("A".into())),
        ]));
        let record = ChangeRecord {
            sequence_number: SequenceNumber(42),
            event_name: ChangeKind::Insert,
            keys: keys.clone(),
            new_image: Some(keys.clone()),
            old_image: None,
            approximate_creation_time: Utc
                .timestamp_millis_opt(1_700_000_000_999)
                .single()
                .expect("time"),
            size_bytes: 10,
        };
        let source = StreamSource {
            region: "eu-west-1".into(),
            account_id: "000000000000".into(),
            table_name: "standing".into(),
            stream_label: "2026-01-01T00:00:00.000".into(),
        };
        let event = record.to_event_record(&source);
        assert_eq!(event.event_name, "INSERT");
        assert_eq!(event.event_source.as_deref(), Some("aws:dynamodb"));
        assert_eq!(event.aws_region, "eu-west-1");
        assert_eq!(
            event.event_source_arn.as_deref(),
            Some(
                "arn:aws:dynamodb:eu-west-1:000000000000:table/standing/stream/2026-01-01T00:00:00.000"
            )
        );
        assert_eq!(event.change.keys, keys);
        assert!(event.change.old_image.is_empty());
        assert_eq!(
            event.change.sequence_number.as_deref(),
            Some("000000000000000000042")
        );
        assert_eq!(
            event
                .change
                .approximate_creation_date_time
                .timestamp_millis(),
            1_700_000_000_000
        );
        assert_eq!(
            event.change.stream_view_type,
            Some(StreamViewType::NewAndOldImages)
        );
        // And it survives the JSON a Lambda function is invoked with.
        let json = serde_json::to_string(&event).expect("serialize");
        let back: EventRecord = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back.change.new_image, keys);
    }
}

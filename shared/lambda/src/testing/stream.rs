//! Stream records as the event Lambda's event source mapping invokes a function with
//! (`{"Records": [...]}` in the wire shape), from either store's real change records.

use aws_sdk_dynamodbstreams::types::{AttributeValue, Record};
use serde_json::{Map, Value, json};
use standing_store::{ChangeRecord, StreamSource};
use std::collections::HashMap;

/// The embedded engine's change records, through the store's own conversion.
pub fn event_from_changes(changes: &[ChangeRecord], source: &StreamSource) -> Value {
    let records: Vec<_> = changes.iter().map(|c| c.to_event_record(source)).collect();
    json!({ "Records": records })
}

/// Records read from a table's stream (DynamoDB Streams' GetRecords), as Lambda delivers them:
/// the same fields, images in DynamoDB JSON, the creation time in epoch seconds, and the
/// stream's ARN, which GetRecords does not repeat but the event source mapping adds.
pub fn event_from_stream_records(records: &[Record], stream_arn: &str) -> Value {
    let records: Vec<Value> = records
        .iter()
        .map(|record| lambda_record(record, stream_arn))
        .collect();
    json!({ "Records": records })
}

fn lambda_record(record: &Record, stream_arn: &str) -> Value {
    let change = record
        .dynamodb()
        .expect("a stream record carries its change");
    let mut dynamodb = Map::new();
    if let Some(at) = change.approximate_creation_date_time() {
        dynamodb.insert("ApproximateCreationDateTime".into(), json!(at.secs()));
    }
    for (name, image) in [
        ("Keys", change.keys()),
        ("NewImage", change.new_image()),
        ("OldImage", change.old_image()),
    ] {
        if let Some(image) = image {
            dynamodb.insert(name.into(), dynamo_json(image));
        }
    }
    dynamodb.insert("SequenceNumber".into(), json!(change.sequence_number()));
    dynamodb.insert("SizeBytes".into(), json!(change.size_bytes()));
    if let Some(view) = change.stream_view_type() {
        dynamodb.insert("StreamViewType".into(), json!(view.as_str()));
    }
    let mut out = json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str()),
        "eventVersion": record.event_version(),
        "eventSource": record.event_source(),
        "awsRegion": record.aws_region(),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    });
    // Present only on deletions by time to live.
    if let Some(identity) = record.user_identity() {
        out["userIdentity"] = json!({
            "type": identity.r#type(),
            "principalId": identity.principal_id(),
        });
    }
    out
}

/// An image in DynamoDB JSON (`{"S": "..."}`, `{"N": "..."}`, `{"M": {...}}`, binary in base64).
fn dynamo_json(image: &HashMap<String, AttributeValue>) -> Value {
    serde_json::to_value(serde_dynamo::Item::from(image.clone()))
        .expect("an image read from the stream serialises")
}

//! DynamoDB stream records → the freelancers to re-evaluate, and the partial batch response.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde::Serialize;
use standing_domain::UserId;

/// The item types whose changes are evidence (the store's one list). The evaluator's own items
/// (standing, audit, notices) and helper items are not, so its writes never trigger it again.
/// The event source mapping filters on the same list; this is the second line, for the local
/// stack and for a filter that is ever loosened.
pub use standing_store::keys::entity::EVIDENCE as EVIDENCE_TYPES;

/// A freelancer whose evidence changed in a batch, with the sequence number of the first record
/// that named them: the identifier to report if their evaluation fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFreelancer {
    pub freelancer_id: UserId,
    pub sequence_number: String,
}

/// Collapses a batch to distinct freelancers in first-seen order. Records of other item types
/// are ignored; a record without a usable `freelancer_id` is logged and skipped rather than
/// failing the batch, since retrying it could never succeed.
pub fn changed_freelancers(event: &Event) -> Vec<ChangedFreelancer> {
    let mut changed: Vec<ChangedFreelancer> = Vec::new();
    for record in &event.records {
        let Some(entity_type) = string_attribute(record, "entity_type") else {
            tracing::debug!(event_id = %record.event_id, "stream record without entity_type; ignored");
            continue;
        };
        if !EVIDENCE_TYPES.contains(&entity_type.as_str()) {
            continue;
        }
        let Some(freelancer_id) =
            string_attribute(record, "freelancer_id").and_then(|id| UserId::parse(id).ok())
        else {
            tracing::warn!(
                event_id = %record.event_id,
                entity_type,
                "evidence record without a usable freelancer_id; skipped"
            );
            continue;
        };
        if changed.iter().any(|c| c.freelancer_id == freelancer_id) {
            continue;
        }
        // Lambda treats an empty identifier as a failure of the whole batch, which is the safe
        // outcome for a record that cannot be pointed at (real stream records always have one).
        let sequence_number = record.change.sequence_number.clone().unwrap_or_default();
        changed.push(ChangedFreelancer {
            freelancer_id,
            sequence_number,
        });
    }
    changed
}

/// The partial batch response: Lambda retries from the lowest sequence number reported and
/// commits the records before it.
pub fn batch_item_failures<I, S>(sequence_numbers: I) -> DynamoDbEventResponse
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = sequence_numbers
        .into_iter()
        .map(|id| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(id.into());
            failure
        })
        .collect();
    response
}

/// A string attribute of the new image, or of the old one when the new one lacks it (a REMOVE).
fn string_attribute(record: &EventRecord, name: &str) -> Option<String> {
    [&record.change.new_image, &record.change.old_image]
        .into_iter()
        .find_map(|image| image.get(name).and_then(as_string))
}

/// The value of an `{"S": "..."}` attribute. Read through its wire form: naming serde_dynamo's
/// type directly would pull the AWS SDK into this crate through the workspace's features.
fn as_string(attribute: &impl Serialize) -> Option<String> {
    match serde_json::to_value(attribute).ok()? {
        serde_json::Value::Object(mut map) => match map.remove("S")? {
            serde_json::Value::String(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(seq: &str, new: serde_json::Value, old: serde_json::Value) -> serde_json::Value {
        json!({
            "eventID": format!("ev-{seq}"),
            "eventName": "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "eu-west-1",
            "dynamodb": {
                "Keys": {"PK": {"S": "X"}, "SK": {"S": "Y"}},
                "NewImage": new,
                "OldImage": old,
                "SequenceNumber": seq,
                "SizeBytes": 100,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            },
            "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/standing/stream/2026-01-01T00:00:00.000"
        })
    }

    fn item(entity: &str, freelancer: &str) -> serde_json::Value {
        json!({"entity_type": {"S": entity}, "freelancer_id": {"S": freelancer}, "version": {"N": "1"}})
    }

    fn event(records: Vec<serde_json::Value>) -> Event {
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }

    #[test]
    fn a_removal_is_read_from_the_old_image() {
        let e = event(vec![record("100", json!(null), item("feedback", "fl-1"))]);
        let changed = changed_freelancers(&e);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].freelancer_id.as_str(), "fl-1");
    }

    #[test]
    fn a_freelancer_id_that_is_not_a_string_or_not_an_id_is_skipped() {
        let e = event(vec![
            record(
                "100",
                json!({"entity_type": {"S": "complaint"}, "freelancer_id": {"N": "7"}}),
                json!({}),
            ),
            record("101", item("complaint", "bad id"), json!({})),
            record("102", json!({"entity_type": {"S": "contract"}}), json!({})),
            record("103", item("complaint", "fl-2"), json!({})),
        ]);
        let changed = changed_freelancers(&e);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].sequence_number, "103");
    }

    #[test]
    fn the_failure_response_lists_each_identifier_in_the_aws_shape() {
        let response = batch_item_failures(["100", "205"]);
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"batchItemFailures": [{"itemIdentifier": "100"}, {"itemIdentifier": "205"}]})
        );
        assert_eq!(
            serde_json::to_value(batch_item_failures(Vec::<String>::new())).unwrap(),
            json!({"batchItemFailures": []})
        );
    }
}

use serde_yaml_ng::Value;
use standing_store::keys::entity;
use standing_store::table::{
    BILLING_MODE, INDEX_PROJECTION, Index, KEY_ATTRIBUTE_TYPE, PARTITION_KEY, SORT_KEY,
    STREAM_VIEW_TYPE,
};
use standing_tests::{sam_template, untag};

fn table() -> Value {
    let template = sam_template().unwrap();
    let table = &template["Resources"]["Table"];
    assert_eq!(table["Type"].as_str(), Some("AWS::DynamoDB::Table"));
    table["Properties"].clone()
}

fn key_schema(schema: &Value) -> Vec<(String, String)> {
    schema
        .as_sequence()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap().to_owned(),
                k["KeyType"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn expected_keys(index: Index) -> Vec<(String, String)> {
    vec![
        (index.partition_key().to_owned(), "HASH".to_owned()),
        (index.sort_key().to_owned(), "RANGE".to_owned()),
    ]
}

#[test]
fn the_templates_table_has_the_stores_keys_billing_and_stream() {
    let t = table();
    assert_eq!(t["BillingMode"].as_str(), Some(BILLING_MODE));
    assert_eq!(key_schema(&t["KeySchema"]), expected_keys(Index::Primary));
    assert_eq!(expected_keys(Index::Primary)[0].0, PARTITION_KEY);
    assert_eq!(expected_keys(Index::Primary)[1].0, SORT_KEY);
    assert_eq!(
        t["StreamSpecification"]["StreamViewType"].as_str(),
        Some(STREAM_VIEW_TYPE)
    );
}

#[test]
fn the_templates_indexes_are_exactly_the_stores_indexes() {
    let t = table();
    let gsis = t["GlobalSecondaryIndexes"].as_sequence().unwrap();
    let names: Vec<&str> = gsis
        .iter()
        .map(|g| g["IndexName"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = Index::GLOBAL_SECONDARY
        .iter()
        .filter_map(|i| i.name())
        .collect();
    assert_eq!(names, expected);
    for index in Index::GLOBAL_SECONDARY {
        let gsi = gsis
            .iter()
            .find(|g| g["IndexName"].as_str() == index.name())
            .unwrap();
        assert_eq!(
            key_schema(&gsi["KeySchema"]),
            expected_keys(index),
            "{index:?}"
        );
        assert_eq!(
            gsi["Projection"]["ProjectionType"].as_str(),
            Some(INDEX_PROJECTION)
        );
    }
}

#[test]
fn every_key_attribute_is_defined_once_as_a_string() {
    let t = table();
    let mut defined: Vec<(String, String)> = t["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap().to_owned(),
                a["AttributeType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    defined.sort();
    let mut expected: Vec<(String, String)> = [Index::Primary, Index::Gsi1, Index::Gsi2]
        .iter()
        .flat_map(|i| [i.partition_key(), i.sort_key()])
        .map(|k| (k.to_owned(), KEY_ATTRIBUTE_TYPE.to_owned()))
        .collect();
    expected.sort();
    assert_eq!(defined, expected);
}

#[test]
fn the_stream_filter_passes_exactly_the_stores_evidence_entity_types() {
    let template = sam_template().unwrap();
    let events = &template["Resources"]["EvaluateFreelancerFunction"]["Properties"]["Events"];
    let stream = events
        .as_mapping()
        .unwrap()
        .values()
        .find(|e| e["Type"].as_str() == Some("DynamoDB"))
        .expect("evaluate-freelancer has a DynamoDB stream event");
    let properties = &stream["Properties"];
    assert_eq!(
        untag(&properties["Stream"]).as_str(),
        Some("Table.StreamArn")
    );
    let patterns = properties["FilterCriteria"]["Filters"]
        .as_sequence()
        .unwrap();
    assert_eq!(patterns.len(), 1);
    let pattern: serde_json::Value =
        serde_json::from_str(patterns[0]["Pattern"].as_str().unwrap()).unwrap();
    let mut passed: Vec<String> = pattern["dynamodb"]["NewImage"]["entity_type"]["S"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    passed.sort();
    let mut evidence: Vec<String> = entity::EVIDENCE.iter().map(|s| (*s).to_owned()).collect();
    evidence.sort();
    assert_eq!(passed, evidence);
    assert!(
        !passed
            .iter()
            .any(|t| t == entity::STANDING || t == entity::AUDIT)
    );
}

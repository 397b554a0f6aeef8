//! The table DynamoDB creates from `table.rs` is the table `table.rs` describes.

use aws_sdk_dynamodb::types::{KeyType, ProjectionType};
use standing_store::table::{
    self, BILLING_MODE, INDEX_PROJECTION, Index, PARTITION_KEY, SORT_KEY, STREAM_VIEW_TYPE,
};
use standing_testkit::{DynamoDbLocal, unique_table_name};

fn key_schema(elements: &[aws_sdk_dynamodb::types::KeySchemaElement]) -> Vec<(String, KeyType)> {
    elements
        .iter()
        .map(|e| (e.attribute_name().to_string(), e.key_type().clone()))
        .collect()
}

#[tokio::test]
async fn creating_the_table_twice_succeeds_and_yields_the_defined_table() {
    let local = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
    let client = local.dynamodb_client();
    let name = unique_table_name("definition");
    table::create_table(&client, &name).await.expect("created");
    table::create_table(&client, &name)
        .await
        .expect("creating it again is fine");

    let described = client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .expect("described");
    let t = described.table().expect("a table");
    assert_eq!(
        key_schema(t.key_schema()),
        [
            (PARTITION_KEY.to_string(), KeyType::Hash),
            (SORT_KEY.to_string(), KeyType::Range)
        ]
    );
    assert!(
        t.attribute_definitions()
            .iter()
            .all(|a| a.attribute_type().as_str() == table::KEY_ATTRIBUTE_TYPE)
    );
    assert_eq!(
        t.billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str()),
        Some(BILLING_MODE)
    );
    let stream = t.stream_specification().expect("a stream");
    assert!(stream.stream_enabled());
    assert_eq!(
        stream.stream_view_type().map(|v| v.as_str()),
        Some(STREAM_VIEW_TYPE)
    );
    let mut indexes: Vec<_> = t
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            (
                i.index_name().unwrap_or_default().to_string(),
                key_schema(i.key_schema()),
                i.projection().and_then(|p| p.projection_type()).cloned(),
            )
        })
        .collect();
    indexes.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Vec<_> = Index::GLOBAL_SECONDARY
        .iter()
        .map(|index| {
            (
                index.name().unwrap_or_default().to_string(),
                vec![
                    (index.partition_key().to_string(), KeyType::Hash),
                    (index.sort_key().to_string(), KeyType::Range),
                ],
                Some(ProjectionType::from(INDEX_PROJECTION)),
            )
        })
        .collect();
    assert_eq!(indexes, expected);
}

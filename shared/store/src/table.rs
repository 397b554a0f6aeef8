//! The single table, defined once: name, keys, indexes, stream. The engines, the table creation
//! below and the SAM drift test all read these.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::{
    Client,
    error::ProvideErrorMetadata,
    types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement,
        KeyType, Projection, ProjectionType, ScalarAttributeType, StreamSpecification,
        StreamViewType, TableStatus,
    },
};

use crate::error::StoreError;

/// The environment variable naming the table.
pub const TABLE_NAME_ENV: &str = "STANDING_TABLE";
/// The table name when [`TABLE_NAME_ENV`] is unset.
pub const DEFAULT_TABLE_NAME: &str = "standing";
pub const PARTITION_KEY: &str = "PK";
pub const SORT_KEY: &str = "SK";
/// Every key attribute, of the table and of its indexes, is a string.
pub const KEY_ATTRIBUTE_TYPE: &str = "S";
pub const BILLING_MODE: &str = "PAY_PER_REQUEST";
pub const STREAM_VIEW_TYPE: &str = "NEW_AND_OLD_IMAGES";
pub const INDEX_PROJECTION: &str = "ALL";
/// The numeric attribute that optimistic locking compares ([`crate::Condition::VersionEquals`]).
pub const VERSION_ATTRIBUTE: &str = "version";
/// The string attribute every item carries to say what it is.
pub const ENTITY_TYPE_ATTRIBUTE: &str = "entity_type";

/// The table's primary index or one of its global secondary indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Index {
    Primary,
    /// Review queues and id look-ups.
    Gsi1,
    /// Sparse: only items with a due date carry its keys; the daily sweep queries it.
    Gsi2,
}

impl Index {
    pub const GLOBAL_SECONDARY: [Index; 2] = [Index::Gsi1, Index::Gsi2];

    /// The index name DynamoDB knows it by; `None` for the table itself.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Index::Primary => None,
            Index::Gsi1 => Some("GSI1"),
            Index::Gsi2 => Some("GSI2"),
        }
    }

    pub fn partition_key(self) -> &'static str {
        match self {
            Index::Primary => PARTITION_KEY,
            Index::Gsi1 => "GSI1PK",
            Index::Gsi2 => "GSI2PK",
        }
    }

    pub fn sort_key(self) -> &'static str {
        match self {
            Index::Primary => SORT_KEY,
            Index::Gsi1 => "GSI1SK",
            Index::Gsi2 => "GSI2SK",
        }
    }
}

/// The table name from [`TABLE_NAME_ENV`], else [`DEFAULT_TABLE_NAME`].
pub fn table_name_from_env() -> String {
    std::env::var(TABLE_NAME_ENV)
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| DEFAULT_TABLE_NAME.to_string())
}

/// How long [`create_table`] waits for the table and its indexes to become ACTIVE.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// Creates the table as defined here; succeeds when it already exists. Returns once the table
/// and its indexes are ACTIVE.
pub async fn create_table(client: &Client, table_name: &str) -> Result<(), StoreError> {
    let built = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Backend(e.to_string());
    let key = |name: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .map_err(built)
    };
    let mut attributes = Vec::new();
    for index in [Index::Primary, Index::Gsi1, Index::Gsi2] {
        for name in [index.partition_key(), index.sort_key()] {
            attributes.push(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(built)?,
            );
        }
    }
    let mut indexes = Vec::new();
    for index in Index::GLOBAL_SECONDARY {
        let Some(name) = index.name() else { continue };
        indexes.push(
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(index.partition_key(), KeyType::Hash)?)
                .key_schema(key(index.sort_key(), KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(built)?,
        );
    }
    let created = client
        .create_table()
        .table_name(table_name)
        .set_attribute_definitions(Some(attributes))
        .key_schema(key(PARTITION_KEY, KeyType::Hash)?)
        .key_schema(key(SORT_KEY, KeyType::Range)?)
        .set_global_secondary_indexes(Some(indexes))
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .map_err(built)?,
        )
        .send()
        .await;
    if let Err(err) = created
        && err.code() != Some("ResourceInUseException")
    {
        return Err(StoreError::Backend(format!(
            "CreateTable {table_name}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&err)
        )));
    }
    wait_until_active(client, table_name).await
}

async fn wait_until_active(client: &Client, table_name: &str) -> Result<(), StoreError> {
    let started = Instant::now();
    loop {
        let described = client
            .describe_table()
            .table_name(table_name)
            .send()
            .await
            .map_err(|e| {
                StoreError::Backend(format!(
                    "DescribeTable {table_name}: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(&e)
                ))
            })?;
        let active = described.table().is_some_and(|table| {
            table.table_status() == Some(&TableStatus::Active)
                && table
                    .global_secondary_indexes()
                    .iter()
                    .all(|index| index.index_status() == Some(&IndexStatus::Active))
        });
        if active {
            return Ok(());
        }
        if started.elapsed() > ACTIVE_TIMEOUT {
            return Err(StoreError::Backend(format!(
                "table {table_name} not ACTIVE after {} s",
                ACTIVE_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

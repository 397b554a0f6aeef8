//! Standing's storage engine layer: the single table's definition and two engines with
//! DynamoDB's item-level semantics — `dynamodb` (aws-sdk-dynamodb) and `embedded` (redb on disk,
//! with a change log shaped like the table's DynamoDB stream; behind the `embedded` feature,
//! which the local stack and the tests enable and no Lambda does). Independent of domain types: items
//! are `serde_dynamo::Item`s, which the domain's item structs convert to and from.

mod attr;
mod condition;
mod dynamodb;
#[cfg(feature = "embedded")]
mod embedded;
mod engine;
mod error;
pub mod metric;
mod repository;
pub mod table;

pub use attr::{from_sdk_value, item_from_sdk, item_to_sdk, to_sdk_value};
pub use condition::Condition;
pub use dynamodb::DynamoDbEngine;
#[cfg(feature = "embedded")]
pub use embedded::{
    COMMIT_THREAD, ChangeKind, ChangeRecord, EmbeddedEngine, EmbeddedOptions, SequenceNumber,
    StreamSource,
};
pub use engine::{
    BoxFuture, Capacity, CapacityMeter, CapacityTotals, ClientRequestToken, Engine, GetOutput, Key,
    Page, Query, SortKeyCondition, TransactOp, WriteOutput,
};
pub use error::{CancelCode, CancelReason, StoreError};
pub use repository::{
    AppealItem, AuditItem, ComplaintItem, ContractItem, Due, Envelope, FeedbackItem, Guard,
    NoticeItem, OutboxItem, PendingEvent, PolicyChangeItem, PolicyItem, Reference, Repository,
    SelectionItem, ShadowItem, StandingItem, Stored, from_item, keys,
};
pub use serde_dynamo::{AttributeValue, Item};

pub use table::{Index, create_table};

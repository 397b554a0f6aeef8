//! One engine under test, fresh per test: the embedded engine on a new file, or the DynamoDB
//! engine on a new table of the process's DynamoDB Local. Plus the change stream of either,
//! reduced to what both must agree on.

use std::{collections::HashMap, time::Duration};

use standing_store::{
    AttributeValue, ClientRequestToken, DynamoDbEngine, EmbeddedEngine, EmbeddedOptions, Engine,
    Item, Key, table::create_table,
};
use standing_testkit::{DynamoDbLocal, TempDir, read_stream_records, unique_table_name};

pub enum Harness {
    Embedded {
        engine: EmbeddedEngine,
        _dir: TempDir,
    },
    DynamoDb {
        engine: DynamoDbEngine,
        streams: aws_sdk_dynamodbstreams::Client,
    },
}

/// A change as both the DynamoDB stream and the embedded change log must report it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub event_name: String,
    pub keys: Item,
    pub new_image: Option<Item>,
    pub old_image: Option<Item>,
}

impl Harness {
    pub async fn embedded() -> Harness {
        let dir = TempDir::new("store-contract").expect("a temporary directory");
        let engine =
            EmbeddedEngine::open(dir.path().join("standing.redb"), EmbeddedOptions::default())
                .expect("the embedded engine opens");
        Harness::Embedded { engine, _dir: dir }
    }

    pub async fn dynamodb() -> Harness {
        let local = DynamoDbLocal::shared().unwrap_or_else(|e| panic!("{e}"));
        let client = local.dynamodb_client();
        let table = unique_table_name("contract");
        create_table(&client, &table)
            .await
            .expect("the table is created");
        Harness::DynamoDb {
            engine: DynamoDbEngine::new(client, table),
            streams: local.streams_client(),
        }
    }

    pub fn engine(&self) -> &dyn Engine {
        match self {
            Harness::Embedded { engine, .. } => engine,
            Harness::DynamoDb { engine, .. } => engine,
        }
    }

    /// The DynamoDB stream's records as read, for comparing their envelope.
    pub async fn raw_stream_records(
        &self,
        at_least: usize,
    ) -> Vec<aws_sdk_dynamodbstreams::types::Record> {
        let Harness::DynamoDb { engine, streams } = self else {
            panic!("only DynamoDB has a stream");
        };
        read_stream_records(
            engine.client(),
            streams,
            engine.table_name(),
            at_least,
            Duration::from_secs(10),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every change so far, in order. Waits (on DynamoDB) for at least `at_least` records, and
    /// reads once more after that, so unexpected extra records show too.
    pub async fn changes(&self, at_least: usize) -> Vec<Change> {
        match self {
            Harness::Embedded { engine, .. } => engine
                .read_changes(None, 100_000)
                .await
                .expect("the change log reads")
                .into_iter()
                .map(|record| Change {
                    event_name: record.event_name.as_str().to_string(),
                    keys: record.keys,
                    new_image: record.new_image,
                    old_image: record.old_image,
                })
                .collect(),
            Harness::DynamoDb { engine, streams } => read_stream_records(
                engine.client(),
                streams,
                engine.table_name(),
                at_least,
                Duration::from_secs(10),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|record| {
                let change = record
                    .dynamodb()
                    .cloned()
                    .unwrap_or_else(|| panic!("a stream record without its change: {record:?}"));
                let image = |map: Option<
                    &HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
                >| {
                    map.filter(|m| !m.is_empty()).map(|m| Item::from(m.clone()))
                };
                Change {
                    event_name: record
                        .event_name()
                        .map(|name| name.as_str().to_string())
                        .unwrap_or_default(),
                    keys: image(change.keys()).unwrap_or_default(),
                    new_image: image(change.new_image()),
                    old_image: image(change.old_image()),
                }
            })
            .collect(),
        }
    }
}

/// A client request token unique in this process (the DynamoDB Local of the process is too).
pub fn unique_token(prefix: &str) -> ClientRequestToken {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ClientRequestToken::parse(format!("{prefix}-{n}")).expect("a valid token")
}

/// An item with these keys and attributes.
pub fn item(pk: &str, sk: &str, attributes: &[(&str, AttributeValue)]) -> Item {
    let mut map = HashMap::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))]);
    for (name, value) in attributes {
        map.insert((*name).to_string(), value.clone());
    }
    Item::from(map)
}

pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

pub fn n(value: &str) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn key(pk: &str, sk: &str) -> Key {
    Key::new(pk, sk)
}

/// The sort keys of some items, in order.
pub fn sort_keys(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item.get("SK") {
            Some(AttributeValue::S(sk)) => sk.clone(),
            other => panic!("an item without a string SK: {other:?}"),
        })
        .collect()
}

/// Changes grouped by item key, each group in order: streams order changes per item only.
pub fn per_item(changes: &[Change]) -> Vec<(String, Vec<Change>)> {
    let mut groups: Vec<(String, Vec<Change>)> = Vec::new();
    for change in changes {
        let name = format!("{:?}/{:?}", change.keys.get("PK"), change.keys.get("SK"));
        match groups.iter_mut().find(|(k, _)| *k == name) {
            Some((_, group)) => group.push(change.clone()),
            None => groups.push((name, vec![change.clone()])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups
}

//! Test-only helpers shared by the workspace's test suites: AWS's own DynamoDB Local (installed
//! from npm, started once per test process), SDK clients pointed at it, temporary directories,
//! and the one harness every HTTP test of the local stack goes through: a `standing serve`
//! process ([`serve::Serving`]) and an HTTP/1.1 client with the contract's reply checks
//! ([`http`]).
//!
//! A test that needs DynamoDB Local fails with a sentence naming what to install when `java` or
//! `npm` is missing; it never skips silently.

mod dynamodb_local;
pub mod http;
pub mod poll;
pub mod serve;
mod stream;
mod temp_dir;

pub use dynamodb_local::{
    DynamoDbLocal, Error, NPM_PACKAGE, NPM_VERSION, REGION, STREAM_MARK_PARTITION, dynamodb_client,
    streams_client, unique_table_name, write_stream_mark,
};
pub use poll::poll;
pub use stream::read_stream_records;
pub use temp_dir::TempDir;

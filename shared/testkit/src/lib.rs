//! Test-only helpers shared by the workspace's test suites: AWS's own DynamoDB Local (installed
//! from npm, started once per test process), SDK clients pointed at it, and temporary directories.
//!
//! A test that needs DynamoDB Local fails with a sentence naming what to install when `java` or
//! `npm` is missing; it never skips silently.

mod dynamodb_local;
mod stream;
mod temp_dir;

pub use dynamodb_local::{
    DynamoDbLocal, Error, NPM_PACKAGE, NPM_VERSION, REGION, dynamodb_client, streams_client,
    unique_table_name,
};
pub use stream::read_stream_records;
pub use temp_dir::TempDir;

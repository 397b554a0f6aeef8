//! The store in AWS: the repository on DynamoDB, built once per cold start.

use std::sync::Arc;

use standing_store::{DynamoDbEngine, Repository};

use crate::Config;

/// The repository on the table `config.table`, with the SDK's credentials and region from the
/// Lambda environment. Call it once, at init: the client is reused by every invocation.
pub async fn repository_on_dynamodb(config: &Config) -> Repository {
    let sdk = aws_config::load_from_env().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    Repository::new(Arc::new(DynamoDbEngine::new(client, config.table.clone())))
}

//! Binary: configuration, tracing and the DynamoDB repository once at init, then the handler
//! (see lib.rs) for every invocation.

use standing_lambda::{Config, SystemClock, init_tracing, repository_on_dynamodb};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    // The sentence, not the Debug form, is what the init error shows in the logs.
    let config = Config::from_env().map_err(|e| e.to_string())?;
    init_tracing(&config);
    let store = repository_on_dynamodb(&config).await;
    process_appeal::run_with(store, SystemClock, config.policy).await
}

//! Binary: configuration, tracing and the DynamoDB repository once at init, then the handler
//! (see lib.rs) for every invocation.

use standing_lambda::{Config, SystemClock, init_tracing, repository_on_dynamodb};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    // The sentence, not the Debug form, is what the init error shows in the logs.
    let config = Config::from_env().map_err(|e| e.to_string())?;
    init_tracing(&config);
    let store = repository_on_dynamodb(&config).await;
    let limits = evaluate_freelancer::RolloutLimits {
        page: config.rollout_page,
        ..Default::default()
    };
    evaluate_freelancer::run_with(store, SystemClock, config.policy, limits).await
}

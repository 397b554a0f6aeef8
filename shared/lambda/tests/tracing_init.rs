//! Tracing set-up, in its own test binary: it installs the process-wide subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support code

use standing_lambda::{Config, LogFormat, init_tracing};

#[test]
fn initialising_json_tracing_twice_keeps_the_first_subscriber_without_failing() {
    let config =
        Config::from_lookup(|name| (name == "AWS_LAMBDA_LOG_FORMAT").then(|| "JSON".to_owned()))
            .unwrap();
    assert_eq!(config.log_format, LogFormat::Json);
    init_tracing(&config);
    init_tracing(&config);
    tracing::info!("logged once the subscriber is in place");
}

//! `standing serve`: builds the store, the clock and the functions once, then runs the HTTP
//! front, the stream pump and the schedule until SIGINT or SIGTERM, and stops in order: no new
//! requests, in-flight ones finished, the change log delivered, the schedule's run finished.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::SecondsFormat;
use standing_domain::PolicyConfig;
use standing_domain::ports::Clock;
use standing_store::{DynamoDbEngine, EmbeddedEngine, EmbeddedOptions, Repository};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::cli::ServeOptions;
use crate::clock::StackClock;
use crate::ddb_stream::{self, StreamPump};
use crate::functions::Functions;
use crate::jwt::{SECRET_ENV, Secret};
use crate::pump::{Delivery, EmbeddedPump, Progress};
use crate::schedule::{Cadence, Schedule, poll_rollouts};
use crate::server::{self, App, say};
use crate::state;
use crate::webhook::{self, Webhook};
use crate::wiring::{self, Deps};
use standing_domain::usecases::policies;

/// How long the change log and the schedule get to finish once the HTTP front has stopped.
const DRAIN: Duration = Duration::from_secs(30);

/// The files of the data directory.
const EMBEDDED_FILE: &str = "standing.redb";
const CHECKPOINT_FILE: &str = "stream-checkpoint.json";
const DYNAMODB_CHECKPOINT_FILE: &str = "dynamodb-stream-checkpoints.json";
const FAILURES_FILE: &str = "stream-failures.jsonl";
const SCHEDULE_FILE: &str = "schedule.json";
const HOURLY_SCHEDULE_FILE: &str = "schedule-hourly.json";
const DEV_CLOCK_FILE: &str = "dev-clock.json";

/// Where the stream comes from.
pub(crate) enum Source {
    Embedded(EmbeddedEngine),
    DynamoDb {
        client: aws_sdk_dynamodbstreams::Client,
        stream_arn: String,
    },
}

/// Runs the stack; `Err` is a sentence saying why it could not start.
pub async fn run(options: ServeOptions) -> Result<(), String> {
    // Registered first, so that a signal arriving during start-up stops the stack cleanly.
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot listen for SIGINT: {e}"))?;

    let data = options.data.clone();
    state::create_private_dir(&data)
        .map_err(|e| format!("cannot create the data directory {}: {e}", data.display()))?;
    let policy = load_policy(options.policy.as_deref())?;
    let clock = Arc::new(if options.dev_clock {
        StackClock::dev(data.join(DEV_CLOCK_FILE))
            .map_err(|e| format!("cannot read the dev clock: {e}"))?
    } else {
        StackClock::system()
    });
    let (secret, generated) = match Secret::from_env()? {
        Some(secret) => (secret, None),
        None => {
            let (secret, text) =
                Secret::random().map_err(|e| format!("cannot make a session secret: {e}"))?;
            (secret, Some(text))
        }
    };
    let region = EmbeddedOptions::default().region;
    // Checked before anything starts: a webhook without its secret is a start-up error.
    let webhook = options
        .webhook
        .clone()
        .map(|target| webhook::Secret::from_env().map(|secret| (target, secret)))
        .transpose()?;
    let (store, source, store_line) = open_store(&options, &region).await?;
    // The served stack indexes its events as pending until a webhook delivers them, so that a
    // webhook configured at a later start delivers what was written before it.
    let store = store.with_pending_outbox();
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.addr))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the address listened on: {e}"))?;

    // The configured policy seeds the table's first live version; once a table has one, the
    // table's selection is what every function applies.
    let selection = policies::seeded(&store, &*clock, &policy)
        .await
        .map_err(|e| format!("cannot read or seed the policy versions: {e}"))?
        .value;
    let outbox = store.clone();
    let functions = wiring::functions(Deps {
        store,
        clock: Arc::clone(&clock),
        policy: policy.clone(),
        region: region.clone(),
        rollout: evaluate_freelancer::RolloutLimits {
            page: options.rollout_page,
            ..Default::default()
        },
    });
    let schedule = Arc::new(Schedule::new(
        Arc::clone(&functions.daily_check),
        Arc::clone(&clock),
        data.join(SCHEDULE_FILE),
        region.clone(),
        Cadence::Daily,
    ));
    let hourly = Arc::new(Schedule::new(
        Arc::clone(&functions.hourly_reevaluation),
        Arc::clone(&clock),
        data.join(HOURLY_SCHEDULE_FILE),
        region.clone(),
        Cadence::Hourly,
    ));
    let progress = match &source {
        Source::Embedded(engine) => Some(Progress::new(engine.clone())),
        Source::DynamoDb { .. } => None,
    };
    let app = Arc::new(
        App::new(
            wiring::routes(options.dev_clock),
            functions.clone(),
            secret,
            Arc::clone(&clock),
            Arc::clone(&schedule),
        )
        .with_stream_progress(progress.clone()),
    );

    let (stop_http, http_stopped) = watch::channel(false);
    let (stop_background, background_stopped) = watch::channel(false);
    let http = tokio::spawn(server::serve(
        listener,
        app,
        options.max_connections,
        http_stopped,
    ));
    let pump = spawn_pump(
        source,
        progress,
        &functions,
        &data,
        background_stopped.clone(),
    );
    // Stopped with the rest of the background; what it has not delivered waits in the store.
    let webhook = webhook.map(|(target, secret)| {
        tokio::spawn(Webhook::new(outbox, target, secret).run(background_stopped.clone()))
    });
    let scheduler = tokio::spawn(Arc::clone(&schedule).run(background_stopped.clone()));
    let hourly_scheduler = tokio::spawn(hourly.run(background_stopped.clone()));
    let rollouts = tokio::spawn(poll_rollouts(
        Arc::clone(&functions.hourly_reevaluation),
        Arc::clone(&clock),
        region,
        background_stopped,
    ));

    say(&format!("standing: listening on http://{addr}"));
    say(&format!("standing: store: {store_line}"));
    say(&format!(
        "standing: policy: {} ({})",
        policy.version,
        options
            .policy
            .as_ref()
            .map_or("the rule book's defaults".to_owned(), |p| format!(
                "from {}",
                p.display()
            ))
    ));
    if selection.live.version != policy.version || selection.live != policy {
        say(&format!(
            "standing: policy: the table's live version is {} and wins; a configured policy only seeds a table that has none (GET /policies, PUT /policies/{{version}}, POST /policies/{{version}}/activate)",
            selection.live.version
        ));
    }
    if let Some(target) = &options.webhook {
        say(&format!(
            "standing: webhook: every event is posted to {}, signed with {} (Standard Webhooks)",
            target.url(),
            webhook::SECRET_VARIABLE
        ));
    }
    if options.dev_clock {
        say(&format!(
            "standing: dev clock: on, stack time {} (POST /_dev/clock, POST /_dev/tick)",
            clock.now().to_rfc3339_opts(SecondsFormat::Secs, true)
        ));
    }
    match generated {
        None => say(&format!(
            "standing: tokens: signed with {SECRET_ENV}; get one with `standing token --sub fl-1 --role freelancer`\n    (from the repository: cargo run -q -p standing-local -- token --sub fl-1 --role freelancer)"
        )),
        Some(text) => {
            // The secret goes to standard error alone, never beside the access log on stdout.
            say(&format!(
                "standing: tokens: {SECRET_ENV} is not set, so this session signs with a random secret (printed on standard error); get a token with\n    export {SECRET_ENV}=<that secret>\n    cargo run -q -p standing-local -- token --sub fl-1 --role freelancer   (or `standing token …` with the built binary)"
            ));
            eprintln!("standing: session secret: {SECRET_ENV}={text}");
        }
    }
    say("standing: ready (Ctrl-C stops)");

    let received = tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    };
    say(&format!(
        "standing: {received}: no new requests; finishing those in flight (again to stop at once)"
    ));
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        say("standing: stopped at once");
        std::process::exit(130);
    });

    stop_http.send_replace(true);
    if let Err(e) = http.await {
        tracing::error!(error = %e, "the HTTP front ended abnormally");
    }
    say("standing: delivering the rest of the change log");
    stop_background.send_replace(true);
    let background = async {
        if let Err(e) = pump.await {
            tracing::error!(error = %e, "the stream pump ended abnormally");
        }
        if let Some(task) = webhook
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "the webhook ended abnormally");
        }
        for (name, task) in [
            ("daily", scheduler),
            ("hourly", hourly_scheduler),
            ("rollout", rollouts),
        ] {
            if let Err(e) = task.await {
                tracing::error!(error = %e, schedule = name, "the schedule ended abnormally");
            }
        }
    };
    if tokio::time::timeout(DRAIN, background).await.is_err() {
        say(&format!(
            "standing: the change log was not drained within {} s; the rest is delivered at the next start",
            DRAIN.as_secs()
        ));
    }
    say("standing: stopped");
    Ok(())
}

pub(crate) fn load_policy(path: Option<&Path>) -> Result<PolicyConfig, String> {
    let Some(path) = path else {
        return Ok(PolicyConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the policy {}: {e}", path.display()))?;
    PolicyConfig::from_json(&text)
        .map_err(|e| format!("the policy {} is not valid: {e}", path.display()))
}

pub(crate) async fn open_store(
    options: &ServeOptions,
    region: &str,
) -> Result<(Repository, Source, String), String> {
    match &options.dynamodb_endpoint {
        None => {
            let path = options.data.join(EMBEDDED_FILE);
            let engine_options = EmbeddedOptions {
                table_name: options.table.clone(),
                ..EmbeddedOptions::default()
            };
            let engine = EmbeddedEngine::open(&path, engine_options).map_err(|e| {
                format!(
                    "cannot open the embedded table {} (is another stack running on this data directory?): {e}",
                    path.display()
                )
            })?;
            state::make_private(&path)
                .map_err(|e| format!("cannot make {} private: {e}", path.display()))?;
            let line = format!(
                "embedded table `{}` in {} (change log checkpoint in {})",
                options.table,
                path.display(),
                options.data.join(CHECKPOINT_FILE).display()
            );
            let repository = Repository::new(Arc::new(engine.clone()));
            Ok((repository, Source::Embedded(engine), line))
        }
        Some(endpoint) => {
            let (dynamodb, streams) = ddb_stream::clients(endpoint);
            standing_store::create_table(&dynamodb, &options.table)
                .await
                .map_err(|e| {
                    format!(
                        "cannot create or find the table {} at {endpoint}: {e}",
                        options.table
                    )
                })?;
            let stream_arn = ddb_stream::stream_arn(&dynamodb, &options.table).await?;
            let line = format!(
                "DynamoDB table `{}` at {endpoint} (region {region}), stream {stream_arn}",
                options.table
            );
            let repository = Repository::new(Arc::new(DynamoDbEngine::new(
                dynamodb,
                options.table.clone(),
            )));
            Ok((
                repository,
                Source::DynamoDb {
                    client: streams,
                    stream_arn,
                },
                line,
            ))
        }
    }
}

fn spawn_pump(
    source: Source,
    progress: Option<Progress>,
    functions: &Functions,
    data: &Path,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let delivery = Delivery::new(
        Arc::clone(&functions.evaluate_stream),
        data.join(FAILURES_FILE),
    );
    match source {
        Source::Embedded(engine) => {
            let checkpoint = data.join(CHECKPOINT_FILE);
            let progress = progress.unwrap_or_else(|| Progress::new(engine.clone()));
            tokio::spawn(EmbeddedPump::new(engine, delivery, checkpoint, progress).run(stop))
        }
        Source::DynamoDb { client, stream_arn } => {
            let checkpoint = data.join(DYNAMODB_CHECKPOINT_FILE);
            tokio::spawn(StreamPump::new(client, stream_arn, delivery, checkpoint).run(stop))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use standing_testkit::TempDir;

    #[test]
    fn without_a_policy_file_the_rule_books_defaults_apply() {
        assert_eq!(load_policy(None).unwrap(), PolicyConfig::default());
    }

    #[test]
    fn a_policy_file_overrides_the_numbers_it_names() {
        let dir = TempDir::new("policy").unwrap();
        let path = dir.path().join("policy.json");
        std::fs::write(
            &path,
            r#"{"version": "pilot-2", "feedback_window_days": 21}"#,
        )
        .unwrap();
        let policy = load_policy(Some(&path)).unwrap();
        assert_eq!(policy.version, "pilot-2");
        assert_eq!(policy.feedback_window_days, 21);
    }

    #[test]
    fn a_missing_or_broken_policy_file_stops_the_start_with_a_sentence_naming_it() {
        let dir = TempDir::new("policy").unwrap();
        let missing = dir.path().join("nope.json");
        assert!(
            load_policy(Some(&missing))
                .unwrap_err()
                .contains("nope.json")
        );
        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, r#"{"feedback_windw_days": 21}"#).unwrap();
        let err = load_policy(Some(&broken)).unwrap_err();
        assert!(
            err.contains("broken.json") && err.contains("feedback_windw_days"),
            "{err}"
        );
    }
}

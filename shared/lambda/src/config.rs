//! Configuration, read once at init from the environment, and the tracing set up from it.

use standing_domain::{PolicyConfig, PolicyError};
use tracing_subscriber::filter::Targets;

/// The table used when `STANDING_TABLE` is not set.
pub const DEFAULT_TABLE: &str = "standing";

/// How log lines are written: Lambda's advanced logging controls set `AWS_LAMBDA_LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line, with the invocation's `requestId` from the runtime's span.
    Json,
    /// Plain text lines.
    Text,
}

/// Everything a function reads from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `STANDING_TABLE`: the single table's name.
    pub table: String,
    /// `STANDING_POLICY` (JSON) or `STANDING_POLICY_FILE` (a path to the JSON): the rule book's
    /// numbers (`{}` or neither set: the rule book's defaults).
    pub policy: PolicyConfig,
    /// `AWS_LAMBDA_LOG_FORMAT`: `JSON` for JSON lines, anything else for text.
    pub log_format: LogFormat,
    /// `RUST_LOG` if set, else `AWS_LAMBDA_LOG_LEVEL`, else `info`.
    pub log_filter: String,
    /// `STANDING_ROLLOUT_PAGE`: standings a policy rollout re-evaluates per checkpoint
    /// (1 to 200, default 100).
    pub rollout_page: usize,
}

/// Why a function cannot start: each says which variable to fix and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "STANDING_TABLE must be a DynamoDB table name: 3 to 255 letters, digits, `_`, `-` or `.` (got {0:?})"
    )]
    Table(String),
    #[error("STANDING_POLICY is not a valid policy: {0}")]
    Policy(#[from] PolicyError),
    #[error("STANDING_POLICY_FILE {path:?} cannot be used: {reason}")]
    PolicyFile { path: String, reason: String },
    #[error(
        "set STANDING_POLICY or STANDING_POLICY_FILE, not both: which one should win is not obvious"
    )]
    PolicyTwice,
    #[error("STANDING_ROLLOUT_PAGE must be a whole number from 1 to 200 (got {0:?})")]
    RolloutPage(String),
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `var`, so tests need not touch the process environment.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let table = var("STANDING_TABLE").unwrap_or_else(|| DEFAULT_TABLE.to_owned());
        if !is_table_name(&table) {
            return Err(ConfigError::Table(table));
        }
        let inline = var("STANDING_POLICY").filter(|json| !json.trim().is_empty());
        let file = var("STANDING_POLICY_FILE").filter(|path| !path.trim().is_empty());
        let policy = match (inline, file) {
            (Some(_), Some(_)) => return Err(ConfigError::PolicyTwice),
            (Some(json), None) => PolicyConfig::from_json(&json)?,
            (None, Some(path)) => {
                let failed = |reason: String| ConfigError::PolicyFile {
                    path: path.clone(),
                    reason,
                };
                let json = std::fs::read_to_string(&path).map_err(|e| failed(e.to_string()))?;
                PolicyConfig::from_json(&json).map_err(|e| failed(e.to_string()))?
            }
            (None, None) => PolicyConfig::default(),
        };
        let log_format = match var("AWS_LAMBDA_LOG_FORMAT") {
            Some(format) if format.eq_ignore_ascii_case("json") => LogFormat::Json,
            _ => LogFormat::Text,
        };
        let log_filter = redacting_filter(
            &var("RUST_LOG")
                .filter(|f| !f.trim().is_empty())
                .or_else(|| {
                    var("AWS_LAMBDA_LOG_LEVEL").map(|level| lambda_level(&level).to_owned())
                })
                .unwrap_or_else(|| "info".to_owned()),
        );
        let rollout_page = match var("STANDING_ROLLOUT_PAGE").filter(|v| !v.trim().is_empty()) {
            None => 100,
            Some(raw) => raw
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or(ConfigError::RolloutPage(raw))?,
        };
        Ok(Self {
            table,
            policy,
            log_format,
            log_filter,
            rollout_page,
        })
    }
}

fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Lambda's level names (`TRACE` … `FATAL`) as tracing filter directives.
fn lambda_level(level: &str) -> &'static str {
    match level.to_ascii_lowercase().as_str() {
        "trace" => "trace",
        "debug" => "debug",
        "warn" => "warn",
        "error" | "fatal" => "error",
        _ => "info",
    }
}

/// Crates that log raw events, headers or bodies below `info` (the runtime logs each event with
/// its Authorization header at TRACE; the HTTP and SDK stacks log bodies and stream images).
const NEVER_BELOW_INFO: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "hyper",
    "hyper_util",
    "h2",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_sigv4",
    "aws_config",
];

/// The log filter with those crates held at `info` whatever it asks for, so that no level
/// (`AWS_LAMBDA_LOG_LEVEL=TRACE`, `RUST_LOG=trace`) logs tokens, bodies or stream images.
pub fn redacting_filter(filter: &str) -> String {
    let mut directives: Vec<String> = filter
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .filter(|d| {
            let target = d.split(['=', '[']).next().unwrap_or("");
            !NEVER_BELOW_INFO
                .iter()
                .any(|c| target == *c || target.starts_with(&format!("{c}::")))
        })
        .map(str::to_owned)
        .collect();
    directives.extend(NEVER_BELOW_INFO.iter().map(|c| format!("{c}=info")));
    directives.join(",")
}

/// Installs the global subscriber. A second call keeps the first subscriber, so tests and the
/// local stack (several handlers in one process) may call it freely.
pub fn init_tracing(config: &Config) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let builder = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_target(false)
        .with_ansi(false);
    // The runtime opens a span per invocation carrying `requestId`; the JSON lines carry it in
    // `span`, which is what CloudWatch Logs Insights queries by.
    let installed = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .finish()
            .with(log_filter(config))
            .try_init(),
        LogFormat::Text => builder.finish().with(log_filter(config)).try_init(),
    };
    if installed.is_err() {
        tracing::debug!("a tracing subscriber was already installed; keeping it");
    }
}

/// The filter the functions log through: targets and levels only (`RUST_LOG`'s span and field
/// directives are not offered in AWS; a filter that uses them falls back to `info`, redacted).
/// Not `EnvFilter`, whose regular expressions the functions would link for nothing.
pub fn log_filter(config: &Config) -> Targets {
    config
        .log_filter
        .parse()
        .unwrap_or_else(|_| redacting_filter("info").parse().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use tracing_subscriber::layer::SubscriberExt as _;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn an_empty_environment_gives_the_default_table_the_rule_book_and_text_logs() {
        let c = config(&[]).unwrap();
        assert_eq!(c.table, "standing");
        assert_eq!(c.policy, PolicyConfig::default());
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(c.log_filter.starts_with("info,"), "{}", c.log_filter);
    }

    #[test]
    fn an_empty_policy_object_means_the_rule_book_defaults() {
        let c = config(&[("STANDING_POLICY", "{}")]).unwrap();
        assert_eq!(c.policy, PolicyConfig::default());
    }

    #[test]
    fn a_policy_overrides_only_the_numbers_it_names() {
        let c = config(&[(
            "STANDING_POLICY",
            r#"{"version":"pilot-2","feedback_window_days":21}"#,
        )])
        .unwrap();
        assert_eq!(c.policy.version, "pilot-2");
        assert_eq!(c.policy.feedback_window_days, 21);
        assert_eq!(
            c.policy.quality_window_days,
            PolicyConfig::default().quality_window_days
        );
    }

    #[test]
    fn a_broken_policy_stops_the_function_with_a_sentence_naming_the_variable() {
        let err = config(&[("STANDING_POLICY", r#"{"feedback_windw_days":21}"#)]).unwrap_err();
        assert!(matches!(err, ConfigError::Policy(_)));
        let sentence = err.to_string();
        assert!(sentence.starts_with("STANDING_POLICY is not a valid policy"));
        assert!(sentence.contains("feedback_windw_days"), "{sentence}");
    }

    #[test]
    fn a_table_name_dynamodb_would_refuse_stops_the_function() {
        assert!(matches!(
            config(&[("STANDING_TABLE", "")]),
            Err(ConfigError::Table(_))
        ));
        assert!(matches!(
            config(&[("STANDING_TABLE", "my table")]),
            Err(ConfigError::Table(_))
        ));
        assert_eq!(
            config(&[("STANDING_TABLE", "Standing-prod.v2")])
                .unwrap()
                .table,
            "Standing-prod.v2"
        );
    }

    #[test]
    fn lambdas_json_log_format_and_level_are_honoured_and_rust_log_wins() {
        let c = config(&[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "FATAL"),
        ])
        .unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(c.log_filter.starts_with("error,"), "{}", c.log_filter);
        let c = config(&[
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("RUST_LOG", "standing=trace"),
        ])
        .unwrap();
        assert!(
            c.log_filter.starts_with("standing=trace,"),
            "{}",
            c.log_filter
        );
    }

    #[test]
    fn no_level_lets_the_runtime_or_the_http_stack_log_events_headers_or_bodies() {
        use std::io::Write;
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        for vars in [
            &[("AWS_LAMBDA_LOG_LEVEL", "TRACE")][..],
            &[("RUST_LOG", "trace,lambda_runtime=trace,hyper::proto=trace")][..],
        ] {
            let c = config(vars).unwrap();
            let buffer = Buffer::default();
            let writer = buffer.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .finish()
                .with(log_filter(&c));
            tracing::subscriber::with_default(subscriber, || {
                tracing::trace!(target: "lambda_runtime", "event: Authorization: Bearer SECRET-TOKEN");
                tracing::trace!(target: "hyper::proto::h1", "body: SECRET-BODY");
                tracing::trace!(target: "standing_lambda", "our own trace line");
            });
            let logged = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
            assert!(!logged.contains("SECRET"), "{vars:?}: {logged}");
            assert!(logged.contains("our own trace line"), "{vars:?}: {logged}");
        }
    }

    #[test]
    fn a_policy_file_is_read_and_validated_and_naming_both_sources_is_refused() {
        let dir = std::env::temp_dir().join(format!("standing-policy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("policy.json");
        std::fs::write(
            &path,
            r#"{"version":"strict-2","quality_min_distinct_clients":4}"#,
        )
        .unwrap();
        let p = path.to_string_lossy().into_owned();
        let c = config(&[("STANDING_POLICY_FILE", p.as_str())]).unwrap();
        assert_eq!(c.policy.version, "strict-2");
        assert_eq!(c.policy.quality_min_distinct_clients, 4);
        std::fs::write(&path, r#"{"quality_min_distinct_clients":0}"#).unwrap();
        let err = config(&[("STANDING_POLICY_FILE", p.as_str())]).unwrap_err();
        assert!(
            err.to_string().contains("quality_min_distinct_clients"),
            "{err}"
        );
        let missing = config(&[("STANDING_POLICY_FILE", "/nonexistent/policy.json")]).unwrap_err();
        assert!(
            missing.to_string().starts_with("STANDING_POLICY_FILE"),
            "{missing}"
        );
        let both = config(&[
            ("STANDING_POLICY", "{}"),
            ("STANDING_POLICY_FILE", p.as_str()),
        ]);
        assert_eq!(both, Err(ConfigError::PolicyTwice));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

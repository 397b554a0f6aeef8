//! What the functions count, through the `metrics` facade: evaluations and their latency, the
//! stream's failed records, and (counted by the store where the transaction commits, so every
//! evaluation path counts alike) events written and sanctions imposed and lifted by rule. In AWS each function flushes them after every
//! invocation as one CloudWatch Embedded Metric Format line on stdout (namespace [`NAMESPACE`],
//! dimension `function`), which CloudWatch turns into metrics without an agent or an API call;
//! the template's alarms read them. The local stack renders the same counters as Prometheus text
//! at `GET /metrics`.

use std::time::Duration;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "Standing";

/// Evaluations completed (stream, hourly, rollout).
pub const EVALUATIONS: &str = "evaluations";
/// How long one evaluation took, read to write, in milliseconds.
pub const EVALUATION_LATENCY: &str = "evaluation_latency";
pub use standing_store::metric::{EVENTS_WRITTEN, SANCTIONS_IMPOSED, SANCTIONS_LIFTED};
/// Stream records reported back for retry (their freelancer's evaluation failed).
pub const STREAM_BATCH_FAILURES: &str = "stream_batch_failures";

/// Every metric name, for the template's drift test.
pub const NAMES: &[&str] = &[
    EVALUATIONS,
    EVALUATION_LATENCY,
    SANCTIONS_IMPOSED,
    SANCTIONS_LIFTED,
    STREAM_BATCH_FAILURES,
    EVENTS_WRITTEN,
];

/// Units and descriptions, once the recorder is installed.
pub fn describe() {
    metrics::describe_counter!(EVALUATIONS, metrics::Unit::Count, "evaluations completed");
    metrics::describe_histogram!(
        EVALUATION_LATENCY,
        metrics::Unit::Milliseconds,
        "one evaluation, read to write"
    );
    metrics::describe_counter!(SANCTIONS_IMPOSED, metrics::Unit::Count, "sanctions imposed");
    metrics::describe_counter!(SANCTIONS_LIFTED, metrics::Unit::Count, "sanctions lifted");
    metrics::describe_counter!(
        STREAM_BATCH_FAILURES,
        metrics::Unit::Count,
        "stream records reported for retry"
    );
    metrics::describe_counter!(EVENTS_WRITTEN, metrics::Unit::Count, "events written");
}

/// One evaluation done in `took`.
pub fn evaluated(took: Duration) {
    metrics::counter!(EVALUATIONS).increment(1);
    metrics::histogram!(EVALUATION_LATENCY).record(took.as_secs_f64() * 1000.0);
}

/// Evaluations a scheduled run did (their latency is not measured one by one).
pub fn evaluated_in_bulk(count: u64) {
    if count > 0 {
        metrics::counter!(EVALUATIONS).increment(count);
    }
}

/// Records of a stream batch reported back for retry.
pub fn stream_failures(records: usize) {
    if records > 0 {
        metrics::counter!(STREAM_BATCH_FAILURES).increment(records as u64);
    }
}

/// The Lambda's EMF collector, installed as the process's recorder (once, at init). `None` when
/// a recorder was installed before (a test process).
pub fn install_emf(function: &str) -> Option<&'static metrics_cloudwatch_embedded::Collector> {
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(NAMESPACE)
        .with_dimension("function", function.to_owned())
        .init()
        .ok()?;
    describe();
    Some(collector)
}

/// Writes what was counted since the last flush as one EMF line (nothing when nothing was).
pub fn flush_emf(collector: &metrics_cloudwatch_embedded::Collector, out: impl std::io::Write) {
    if let Err(e) = collector.flush(out) {
        tracing::warn!(error = %e, "the metrics could not be written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one test in this binary that installs the process's recorder.
    #[test]
    fn what_an_invocation_counted_is_flushed_as_emf_lines_that_cloudwatch_can_read() {
        let collector = install_emf("evaluate-freelancer").unwrap();
        evaluated(Duration::from_millis(12));
        evaluated_in_bulk(3);
        stream_failures(2);
        metrics::counter!(SANCTIONS_IMPOSED, "rule" => "quality.multiple_negative").increment(1);
        let mut out = Vec::new();
        flush_emf(collector, &mut out);
        let text = String::from_utf8(out).unwrap();
        let mut seen = std::collections::BTreeMap::new();
        for line in text.lines() {
            let doc: serde_json::Value = serde_json::from_str(line).unwrap();
            let directive = &doc["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(directive["Namespace"], NAMESPACE);
            assert!(doc["_aws"]["Timestamp"].as_u64().is_some(), "{doc}");
            assert_eq!(doc["function"], "evaluate-freelancer");
            for metric in directive["Metrics"].as_array().unwrap() {
                let name = metric["Name"].as_str().unwrap().to_owned();
                seen.insert(
                    name.clone(),
                    (doc[&name].clone(), metric["Unit"].clone(), doc.clone()),
                );
            }
        }
        assert_eq!(seen[EVALUATIONS].0, 4, "{text}");
        assert_eq!(seen[STREAM_BATCH_FAILURES].0, 2);
        assert_eq!(seen[SANCTIONS_IMPOSED].0, 1);
        assert_eq!(
            seen[SANCTIONS_IMPOSED].2["rule"],
            "quality.multiple_negative"
        );
        assert_eq!(seen[EVALUATION_LATENCY].1, "Milliseconds");
        assert_eq!(seen[EVALUATION_LATENCY].0, serde_json::json!([12.0]));
        // Flushed values are gone: the next invocation starts from nothing.
        let mut again = Vec::new();
        flush_emf(collector, &mut again);
        assert!(!String::from_utf8(again).unwrap().contains(EVALUATIONS));
    }
}

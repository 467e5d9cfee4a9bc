//! Counters as CloudWatch embedded-metric-format (EMF) log lines: Lambda ships stdout to
//! CloudWatch Logs, which turns each such line into a metric without any API call in the
//! invocation's path. Namespace `CognitoTriggers`, dimension `trigger`.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

pub const NAMESPACE: &str = "CognitoTriggers";

/// One EMF line that counts `value` of `metric` for `trigger`. Both names are this code's own
/// constants (a binary's name, a metric's name: letters, digits and `-`), never input, so the
/// line is written as text: building it as a `serde_json::Value` cost every binary the code
/// of a map and its inserts for a document whose shape never changes.
pub fn emf_line(trigger: &str, metric: &str, value: u64, epoch_millis: u64) -> String {
    format!(
        "{{\"_aws\":{{\"Timestamp\":{epoch_millis},\"CloudWatchMetrics\":[{{\"Namespace\":\"{NAMESPACE}\",\
         \"Dimensions\":[[\"trigger\"]],\"Metrics\":[{{\"Name\":\"{metric}\",\"Unit\":\"Count\"}}]}}]}},\
         \"trigger\":\"{trigger}\",\"{metric}\":{value}}}"
    )
}

/// Counts one occurrence of `metric` (e.g. `AuditWriteFailed`) for `trigger`.
pub fn count(trigger: &str, metric: &str) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default();
    let line = emf_line(trigger, metric, 1, now);
    // A metric that cannot be written is not worth failing an invocation for.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_emf_document_per_count() {
        let line: serde_json::Value =
            serde_json::from_str(&emf_line("post-authentication", "AuditWriteFailed", 1, 42)).unwrap();
        assert_eq!(line["AuditWriteFailed"], 1);
        assert_eq!(line["trigger"], "post-authentication");
        assert_eq!(line["_aws"]["Timestamp"], 42);
        let metric = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metric["Namespace"], "CognitoTriggers");
        assert_eq!(metric["Dimensions"], serde_json::json!([["trigger"]]));
        assert_eq!(metric["Metrics"][0]["Name"], "AuditWriteFailed");
        assert_eq!(line.as_object().unwrap().len(), 3, "{line}");
    }

    #[test]
    fn the_cold_start_count_is_one_emf_document() {
        let line: serde_json::Value = serde_json::from_str(&emf_line("pre-signup", "ColdStart", 1, 7)).unwrap();
        assert_eq!(line["ColdStart"], 1);
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "ColdStart");
    }
}

//! Correlation as Lambda runs a binary: this package's own binary (the runtime is trigger-core's,
//! the same in every trigger; this one makes no AWS call, so it needs no stand-in) served two
//! invocations by the Runtime API emulator, each with its own request id and X-Ray trace header.
//! Every line logged during an invocation carries Powertools' `function_request_id`,
//! `xray_trace_id` and `cold_start` (true on the first invocation only), and `ColdStart` is
//! counted once. The process runs as under active tracing (`AWS_XRAY_DAEMON_ADDRESS` set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::io::Read;
use std::time::Duration;

use serde_json::Value;
use trigger_core::testing::runtime_api::{Answer, RuntimeApi};

fn fixture() -> Value {
    let path = format!("{}/../../tests/fixtures/events/inbound-federation.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What the binary wrote to stdout while it served `invocations` events, one JSON value a line,
/// with each invocation's request id and trace header.
fn run_binary(invocations: usize, initialization_type: &str) -> (Vec<Value>, Vec<(String, String)>) {
    let api = RuntimeApi::start().unwrap();
    let mut child = api
        .lambda_process(env!("CARGO_BIN_EXE_inbound-federation"), "inbound-federation")
        .env("FEDERATION_ATTRIBUTE_MAP", "CorpOIDC:email=email")
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", initialization_type)
        // As with active tracing: the X-Ray layer is installed beside the log lines' (no SDK call
        // here, and the emulator's traces are unsampled: nothing is sent).
        .env("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000")
        .spawn()
        .unwrap();
    let mut served = Vec::new();
    for _ in 0..invocations {
        let request_id = api.invoke(fixture());
        let done = api.wait_for_answer(&request_id, Duration::from_secs(30)).unwrap();
        assert!(matches!(done.answer, Some(Answer::Response(_))), "{:?}", done.answer);
        served.push((request_id, done.trace_header));
    }
    // The binary waits for its next event for ever: stopping it is the test's job.
    child.kill().unwrap();
    let mut output = String::new();
    child.stdout.take().unwrap().read_to_string(&mut output).unwrap();
    child.wait().unwrap();
    let lines = output
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON value ({e}): {line}")))
        .collect();
    (lines, served)
}

fn trace_root(header: &str) -> &str {
    header.split(';').find_map(|part| part.strip_prefix("Root=")).unwrap()
}

#[test]
fn every_line_of_an_invocation_names_its_request_trace_and_cold_start() {
    let (lines, served) = run_binary(2, "on-demand");
    for (index, (request_id, trace_header)) in served.iter().enumerate() {
        let answered = lines
            .iter()
            .find(|line| line["message"] == "answered" && line["function_request_id"] == request_id.as_str())
            .unwrap_or_else(|| panic!("no `answered` line for {request_id}: {lines:#?}"));
        assert_eq!(answered["level"], "INFO");
        assert_eq!(answered["xray_trace_id"], trace_root(trace_header), "{answered}");
        assert_eq!(answered["cold_start"], index == 0, "invocation {index}: {answered}");
    }
    assert_ne!(trace_root(&served[0].1), trace_root(&served[1].1), "each invocation has its own trace");

    let ready = lines.iter().position(|line| line["message"] == "ready").expect("a `ready` line at init");
    for line in lines.iter().filter(|line| line.get("level").is_some()) {
        let position = lines.iter().position(|other| std::ptr::eq(other, line)).unwrap();
        let named = served.iter().any(|(id, _)| line["function_request_id"] == id.as_str());
        assert_eq!(named, position > ready, "init lines name no invocation, invocation lines name theirs: {line}");
    }

    let cold_starts: Vec<&Value> = lines.iter().filter(|line| line.get("ColdStart").is_some()).collect();
    assert_eq!(cold_starts.len(), 1, "one ColdStart count per cold start: {cold_starts:#?}");
    assert_eq!(cold_starts[0]["ColdStart"], 1);
    assert_eq!(cold_starts[0]["trigger"], "inbound-federation");
    assert_eq!(cold_starts[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "ColdStart");
}

#[test]
fn under_provisioned_concurrency_no_invocation_is_a_cold_start() {
    let (lines, served) = run_binary(1, "provisioned-concurrency");
    let answered = lines
        .iter()
        .find(|line| line["message"] == "answered" && line["function_request_id"] == served[0].0.as_str())
        .unwrap_or_else(|| panic!("no `answered` line: {lines:#?}"));
    assert_eq!(answered["cold_start"], false, "{answered}");
    assert!(lines.iter().all(|line| line.get("ColdStart").is_none()), "{lines:#?}");
}

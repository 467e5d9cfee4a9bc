//! A denial as Lambda sees it: the real binary, served a sign-up from a denied domain by the
//! Runtime API emulator, answers with an error (Cognito shows its text) and counts `Denied`, so
//! that the construct's error alarm (`Errors - Denied`) does not page on the pool's own policy.
//! A sign-up that passes counts no `Denied`. No AWS call is made (no table: `UNIQUE_EMAIL=false`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::io::Read;
use std::time::Duration;

use serde_json::Value;
use trigger_core::testing::runtime_api::{Answer, RuntimeApi};

fn denied_domain_event() -> Value {
    let path = format!("{}/../../tests/fixtures/events/pre-signup-denied-domain.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The stdout lines of the binary after it answered `events`, with each answer.
fn serve(events: Vec<Value>) -> (Vec<Value>, Vec<Option<Answer>>) {
    let api = RuntimeApi::start().unwrap();
    let mut child = api
        .lambda_process(env!("CARGO_BIN_EXE_pre-signup"), "pre-signup")
        .env("UNIQUE_EMAIL", "false")
        .env("DENIED_EMAIL_DOMAINS", "blocked.example")
        .spawn()
        .unwrap();
    let mut answers = Vec::new();
    for event in events {
        let request_id = api.invoke(event);
        answers.push(api.wait_for_answer(&request_id, Duration::from_secs(30)).unwrap().answer);
    }
    child.kill().unwrap();
    let mut output = String::new();
    child.stdout.take().unwrap().read_to_string(&mut output).unwrap();
    child.wait().unwrap();
    let lines = output.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    (lines, answers)
}

fn counted<'a>(lines: &'a [Value], metric: &str) -> Vec<&'a Value> {
    lines.iter().filter(|line| line.get(metric).is_some()).collect()
}

#[test]
fn a_denial_is_an_error_to_lambda_and_counts_denied_once() {
    let mut allowed = denied_domain_event();
    allowed["request"]["userAttributes"]["email"] = Value::from("jane@example.com");
    let (lines, answers) = serve(vec![denied_domain_event(), allowed]);

    assert!(matches!(answers[0], Some(Answer::Error(_))), "{:?}", answers[0]);
    assert!(matches!(answers[1], Some(Answer::Response(_))), "{:?}", answers[1]);
    let denied = counted(&lines, "Denied");
    assert_eq!(denied.len(), 1, "one Denied for the one denial, none for the sign-up that passed: {lines:#?}");
    assert_eq!(denied[0]["Denied"], 1);
    assert_eq!(denied[0]["trigger"], "pre-signup");
    assert_eq!(denied[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "Denied");
}

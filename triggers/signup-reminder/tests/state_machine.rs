//! The ASL definition CDK deploys: its shape (wait → remind → wait → expire), the placeholder the
//! construct substitutes, the retries and the failure states. Walks the definition as Step
//! Functions would, so a rewired state fails here. (`make asl-validate` checks it against the
//! ASL schema with asl-validator.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use serde_json::Value;

/// infra/lib/cognito-triggers.ts: REMINDER_FUNCTION_PLACEHOLDER.
const PLACEHOLDER: &str = "${SignupReminderFunctionArn}";

fn definition() -> Value {
    let path = format!("{}/state-machine.asl.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn state<'a>(definition: &'a Value, name: &str) -> &'a Value {
    definition["States"].get(name).unwrap_or_else(|| panic!("no state {name}"))
}

/// The main path: from StartAt, follow `Next` (a Choice follows the rule for a present, valid
/// value) until a terminal state, and return the states' names.
fn main_path(definition: &Value) -> Vec<String> {
    let mut path = Vec::new();
    let mut current = definition["StartAt"].as_str().unwrap().to_owned();
    loop {
        assert!(path.len() < 50, "a loop in the main path: {path:?}");
        path.push(current.clone());
        let s = state(definition, &current);
        let next = match s["Type"].as_str().unwrap() {
            "Choice" => s["Choices"][1]["Next"].as_str(),
            _ => s["Next"].as_str(),
        };
        match next {
            Some(next) => current = next.to_owned(),
            None => return path,
        }
    }
}

#[test]
fn the_comment_carries_a_version() {
    let comment = definition()["Comment"].as_str().unwrap().to_owned();
    assert!(comment.starts_with("signup-reminder definition v"), "{comment}");
}

#[test]
fn waits_then_reminds_then_waits_then_expires() {
    let definition = definition();
    let path = main_path(&definition);
    // Every step that matters (the Pass states that set `action` included; bookkeeping left out).
    let significant: Vec<(&str, &str)> = path
        .iter()
        .map(|name| state(&definition, name))
        .map(|s| {
            (
                s["Type"].as_str().unwrap(),
                s.get("SecondsPath").or(s.get("Result")).and_then(Value::as_str).unwrap_or(""),
            )
        })
        .filter(|(kind, detail)| {
            matches!(*kind, "Wait" | "Task" | "Succeed") || (*kind == "Pass" && !detail.is_empty())
        })
        .collect();
    assert_eq!(
        significant,
        [
            ("Wait", "$.remindAfterSeconds"),
            ("Pass", "remind"),
            ("Task", ""),
            ("Wait", "$.expireAfterSeconds"),
            ("Pass", "expire"),
            ("Task", ""),
            ("Succeed", ""),
        ],
        "{path:?}"
    );
}

#[test]
fn both_tasks_invoke_the_function_through_the_placeholder_with_the_whole_state() {
    let definition = definition();
    for (task, result_path) in [("Remind", "$.remindResult"), ("Expire", "$.expireResult")] {
        let s = state(&definition, task);
        assert_eq!(s["Resource"], "arn:aws:states:::lambda:invoke", "{task}");
        assert_eq!(s["Parameters"]["FunctionName"], PLACEHOLDER, "{task}");
        assert_eq!(s["Parameters"]["Payload.$"], "$", "{task}: the input plus the action");
        assert_eq!(s["ResultPath"], result_path, "{task}: the input is kept for the next step");
        assert_eq!(s["ResultSelector"]["outcome.$"], "$.Payload.outcome", "{task}");
    }
}

#[test]
fn tasks_retry_lambda_and_worker_errors_and_end_in_a_fail_state_with_a_cause() {
    let definition = definition();
    for task in ["Remind", "Expire"] {
        let s = state(&definition, task);
        let retried: Vec<&str> = s["Retry"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["ErrorEquals"].as_array().unwrap())
            .map(|e| e.as_str().unwrap())
            .collect();
        for error in
            ["Lambda.ServiceException", "Lambda.TooManyRequestsException", "DependencyFailure", "DeadlineExceeded"]
        {
            assert!(retried.contains(&error), "{task} does not retry {error}");
        }
        assert!(!retried.contains(&"BadEvent"), "{task}: a bad input cannot get better by retrying");
        let worker =
            s["Retry"].as_array().unwrap().iter().find(|r| r["ErrorEquals"][0] == "DependencyFailure").unwrap();
        let (interval, attempts) =
            (worker["IntervalSeconds"].as_f64().unwrap(), worker["MaxAttempts"].as_f64().unwrap());
        assert!(interval * attempts > 60.0, "{task}: retries must outlast the 60 s idempotency lease");
        let catch = &s["Catch"][0];
        assert_eq!(catch["ErrorEquals"][0], "States.ALL");
        let fail = state(&definition, catch["Next"].as_str().unwrap());
        assert_eq!(fail["Type"], "Fail");
        assert!(fail["Cause"].as_str().unwrap().len() > 40, "{task}: a clear cause");
    }
}

#[test]
fn missing_waits_get_defaults_and_bad_ones_fail() {
    let definition = definition();
    for (choice, variable, default) in
        [("CheckRemindWait", "$.remindAfterSeconds", 86_400), ("CheckExpireWait", "$.expireAfterSeconds", 518_400)]
    {
        let s = state(&definition, choice);
        assert_eq!(s["Choices"][0]["Variable"], variable);
        assert_eq!(s["Choices"][0]["IsPresent"], false);
        let fill = state(&definition, s["Choices"][0]["Next"].as_str().unwrap());
        assert_eq!((fill["Result"].as_i64(), fill["ResultPath"].as_str()), (Some(default), Some(variable)));
        assert_eq!(state(&definition, s["Default"].as_str().unwrap())["Type"], "Fail");
    }
}

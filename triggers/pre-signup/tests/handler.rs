//! The trigger as Cognito drives it: a fixture event in, the answer (or the denial text) out,
//! through the same runtime path the binary uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::time::Duration;

use pre_signup::{PreSignUp, Settings};
use serde_json::{Value, json};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn trigger(pairs: &[(&str, &str)]) -> PreSignUp {
    PreSignUp::new(Settings::from_env(&Env::from_pairs(pairs.iter().copied())).unwrap())
}

async fn answer(trigger: &PreSignUp, event: Value) -> Result<Value, TriggerError> {
    run_within(trigger, Duration::from_secs(1), event).await
}

#[tokio::test]
async fn every_source_passes_when_no_rule_is_on() {
    for name in [
        "pre-signup.json",
        "pre-signup-admin-create-user-nulls.json",
        "pre-signup-external-provider.json",
        "pre-signup-cognito-local.json",
        "pre-signup-unknown-source-extra-fields.json",
    ] {
        let input = fixture(name);
        let output = answer(&trigger(&[]), input.clone()).await.unwrap();
        assert_eq!(output["response"]["autoConfirmUser"], false, "{name}");
        assert_eq!(output["userName"], input["userName"], "{name}");
    }
}

#[tokio::test]
async fn a_denied_domain_is_refused_with_the_users_message_whatever_the_case() {
    let trigger = trigger(&[("DENIED_EMAIL_DOMAINS", "EXAMPLE.com")]);
    for name in
        ["pre-signup.json", "pre-signup-admin-create-user-nulls.json", "pre-signup-unknown-source-extra-fields.json"]
    {
        let err = answer(&trigger, fixture(name)).await.unwrap_err();
        assert_eq!(err.user_message(), "Sign-up with this e-mail domain is not allowed.", "{name}");
        assert_eq!(err.kind(), "Denied");
    }
    // gmail.com is not denied: the federated fixture passes.
    answer(&trigger, fixture("pre-signup-external-provider.json")).await.unwrap();
}

#[tokio::test]
async fn the_allow_list_admits_subdomains_only_with_a_wildcard() {
    let mut event = fixture("pre-signup.json");
    event["request"]["userAttributes"]["email"] = json!("jane@eu.example.com");
    answer(&trigger(&[("ALLOWED_EMAIL_DOMAINS", "*.example.com")]), event.clone()).await.unwrap();
    let err = answer(&trigger(&[("ALLOWED_EMAIL_DOMAINS", "example.com")]), event).await.unwrap_err();
    assert_eq!(err.user_message(), "Sign-up with this e-mail domain is not allowed.");
}

#[tokio::test]
async fn a_missing_address_is_refused_when_rules_are_on_and_never_crashes() {
    let mut event = fixture("pre-signup.json");
    event["request"]["userAttributes"] = Value::Null;
    let err = answer(&trigger(&[("ALLOWED_EMAIL_DOMAINS", "example.com")]), event.clone()).await.unwrap_err();
    assert_eq!(err.user_message(), "Please sign up with a valid e-mail address.");
    answer(&trigger(&[]), event).await.unwrap();
}

#[tokio::test]
async fn short_user_names_are_refused_except_for_federated_sign_ups() {
    let trigger = trigger(&[("MIN_USERNAME_LENGTH", "12")]);
    let err = answer(&trigger, fixture("pre-signup.json")).await.unwrap_err();
    assert_eq!(err.user_message(), "User names must be at least 12 characters long.");
    answer(&trigger, fixture("pre-signup-external-provider.json")).await.unwrap();
}

#[tokio::test]
async fn a_malformed_event_is_an_internal_error_with_a_generic_message() {
    let err = answer(&trigger(&[]), json!({ "request": "not an object" })).await.unwrap_err();
    assert_eq!(err.kind(), "BadEvent");
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
    assert!(!err.to_string().contains("not an object"), "quoted values are cut: {err}");
}

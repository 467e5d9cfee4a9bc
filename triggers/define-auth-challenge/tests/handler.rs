//! The trigger as Cognito drives it: fixture sessions in, the next step out, through the same
//! runtime path the binary uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::time::Duration;

use define_auth_challenge::{DefineAuthChallenge, Ports, Settings};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::runtime::run_within;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn define(event: Value) -> Value {
    let trigger = DefineAuthChallenge::new(Settings::from_env(&Env::default()).unwrap(), Ports::default());
    run_within(&trigger, Duration::from_secs(1), event).await.unwrap()["response"].clone()
}

fn challenge() -> Value {
    json!({ "challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false })
}

fn tokens() -> Value {
    json!({ "challengeName": null, "issueTokens": true, "failAuthentication": false })
}

fn fail() -> Value {
    json!({ "challengeName": null, "issueTokens": false, "failAuthentication": true })
}

#[tokio::test]
async fn every_path_of_the_state_machine() {
    assert_eq!(define(fixture("define-auth-challenge.json")).await, challenge(), "a new sign-in");
    assert_eq!(define(fixture("define-auth-challenge-right-code.json")).await, tokens(), "the right code");
    assert_eq!(define(fixture("define-auth-challenge-wrong-three-times.json")).await, fail(), "three wrong answers");
    assert_eq!(define(fixture("define-auth-challenge-user-not-found.json")).await, challenge(), "unknown: asked again");
    let mut two_wrong = fixture("define-auth-challenge-wrong-three-times.json");
    two_wrong["request"]["session"].as_array_mut().unwrap().pop();
    assert_eq!(define(two_wrong).await, challenge(), "two wrong answers: a third try");
}

#[tokio::test]
async fn an_unknown_user_answers_like_a_known_one_with_wrong_answers_and_never_gets_tokens() {
    let known = fixture("define-auth-challenge-wrong-three-times.json");
    let mut unknown = fixture("define-auth-challenge-user-not-found.json");
    for rounds in 0..=3 {
        let mut k = known.clone();
        k["request"]["session"] = json!(known["request"]["session"].as_array().unwrap()[..rounds]);
        unknown["request"]["session"] = k["request"]["session"].clone();
        assert_eq!(define(k).await, define(unknown.clone()).await, "{rounds} rounds");
    }
    let mut lucky = fixture("define-auth-challenge-user-not-found.json");
    lucky["request"]["session"][0]["challengeResult"] = json!(true);
    assert_eq!(define(lucky).await, fail());
}

#[tokio::test]
async fn other_flows_and_unknown_sources_fail() {
    let mut srp = fixture("define-auth-challenge-right-code.json");
    srp["request"]["session"][0]["challengeName"] = json!("SRP_A");
    assert_eq!(define(srp).await, fail());
    let mut unknown = fixture("define-auth-challenge.json");
    unknown["triggerSource"] = json!("DefineAuthChallenge_Passkey");
    assert_eq!(define(unknown).await, fail());
}

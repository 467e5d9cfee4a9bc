//! The trigger as Cognito drives it: fixture answers in, `answerCorrect` out, through the same
//! runtime path the binary uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::fakes::FixedClock;
use trigger_core::runtime::run_within;
use verify_auth_challenge_response::{Ports, Settings, VerifyAuthChallengeResponse};

/// The expired fixture's code expires at 1_700_000_300; the others in 2100.
const NOW: u64 = 1_700_000_000;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn verify_at(now: u64, event: Value) -> bool {
    let clock = Arc::new(FixedClock::at_epoch_seconds(now));
    let trigger = VerifyAuthChallengeResponse::new(Settings::from_env(&Env::default()).unwrap(), Ports { clock });
    let answer = run_within(&trigger, Duration::from_secs(1), event).await.unwrap();
    answer["response"]["answerCorrect"].as_bool().expect("answerCorrect is a boolean")
}

#[tokio::test]
async fn the_right_code_is_correct_and_a_wrong_one_is_not() {
    assert!(verify_at(NOW, fixture("verify-auth-challenge-response.json")).await);
    let mut padded = fixture("verify-auth-challenge-response.json");
    padded["request"]["challengeAnswer"] = json!(" 424242 ");
    assert!(verify_at(NOW, padded).await, "surrounding whitespace is ignored");
    assert!(!verify_at(NOW, fixture("verify-auth-challenge-response-wrong-code.json")).await);
}

#[tokio::test]
async fn an_expired_code_is_refused_even_when_right() {
    let expired = fixture("verify-auth-challenge-response-expired.json");
    assert!(verify_at(NOW + 299, expired.clone()).await, "valid until its expiry");
    assert!(!verify_at(NOW + 300, expired).await);
}

#[tokio::test]
async fn an_unknown_user_is_never_correct_even_with_a_matching_answer() {
    assert!(!verify_at(NOW, fixture("verify-auth-challenge-response-user-not-found.json")).await);
}

#[tokio::test]
async fn a_missing_answer_or_challenge_is_a_wrong_answer() {
    let mut no_answer = fixture("verify-auth-challenge-response.json");
    no_answer["request"]["challengeAnswer"] = Value::Null;
    assert!(!verify_at(NOW, no_answer).await);
    let mut tampered = fixture("verify-auth-challenge-response.json");
    tampered["request"]["privateChallengeParameters"]["codeExpiresAt"] = json!("4102444800x");
    assert!(!verify_at(NOW, tampered).await);
    let mut none = fixture("verify-auth-challenge-response.json");
    none["request"]["privateChallengeParameters"] = Value::Null;
    assert!(!verify_at(NOW, none).await);
    let mut foreign = fixture("verify-auth-challenge-response.json");
    foreign["triggerSource"] = json!("VerifyAuthChallengeResponse_Passkey");
    assert!(!verify_at(NOW, foreign).await);
}

//! The trigger as Cognito drives it: fixture answers in, `answerCorrect` out, through the same
//! runtime path the binary uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::fakes::{FixedClock, InMemoryStore};
use trigger_core::lockout::Subject;
use trigger_core::logging::Secret;
use trigger_core::ports::{PortErrorKind, Store};
use trigger_core::runtime::run_within;
use trigger_core::sign_in_code::{self, Challenge};
use verify_auth_challenge_response::{Ports, Settings, VerifyAuthChallengeResponse};

/// The expired fixture's code expires at 1_700_000_300; the others in 2100.
const NOW: u64 = 1_700_000_000;
const POOL: &str = "us-east-1_EXAMPLE1";

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The event's challenge, as create-auth-challenge issued it (none in a tampered event).
fn challenge_of(event: &Value) -> Option<Challenge> {
    let parameters: std::collections::HashMap<String, Secret<String>> =
        serde_json::from_value(event["request"]["privateChallengeParameters"].clone()).ok()?;
    Challenge::from_private_parameters(&parameters)
}

fn subject_of(event: &Value) -> Subject {
    match event["request"]["userAttributes"]["sub"].as_str() {
        Some(sub) => Subject::User { sub: sub.to_owned() },
        None => Subject::Name(event["userName"].as_str().unwrap().to_owned()),
    }
}

/// A store holding the issue row create-auth-challenge wrote for the event's challenge.
async fn issued(event: &Value) -> Arc<InMemoryStore> {
    let store = Arc::new(InMemoryStore::default());
    let key = sign_in_code::issue_key(POOL, &subject_of(event));
    if let Some(challenge) = challenge_of(event) {
        store.put(&challenge.to_item(&key, NOW as i64), None).await.unwrap();
    }
    store
}

fn trigger(now: u64, store: Arc<InMemoryStore>) -> VerifyAuthChallengeResponse {
    let clock = Arc::new(FixedClock::at_epoch_seconds(now));
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
    VerifyAuthChallengeResponse::new(settings, Ports { store, clock })
}

async fn answer(trigger: &VerifyAuthChallengeResponse, event: Value) -> bool {
    let answer = run_within(trigger, Duration::from_secs(1), event).await.unwrap();
    answer["response"]["answerCorrect"].as_bool().expect("answerCorrect is a boolean")
}

async fn verify_at(now: u64, event: Value) -> bool {
    let store = issued(&event).await;
    answer(&trigger(now, store), event).await
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

#[tokio::test]
async fn a_right_answer_consumes_the_challenge_so_the_same_code_never_signs_in_twice() {
    // On 5a923f4 verify kept nothing: a create within the retry window (15 s) handed the stored
    // challenge to a new sign-in, and the used code signed in again.
    let event = fixture("verify-auth-challenge-response.json");
    let store = issued(&event).await;
    let verify = trigger(NOW, store.clone());
    assert!(answer(&verify, event.clone()).await, "the first right answer passes");
    let key = sign_in_code::issue_key(POOL, &subject_of(&event));
    assert!(store.get(&key).await.unwrap().is_none(), "the issue row is gone");
    assert!(
        !answer(&verify, event.clone()).await,
        "the same code again (another session holding the challenge): refused"
    );
}

#[tokio::test]
async fn a_code_superseded_by_a_newer_one_no_longer_signs_in() {
    let event = fixture("verify-auth-challenge-response.json");
    let store = issued(&event).await;
    let key = sign_in_code::issue_key(POOL, &subject_of(&event));
    let newer = Challenge::new(&Secret::new("999999".to_owned()), 4_102_444_800).unwrap();
    store.put(&newer.to_item(&key, NOW as i64 + 60), None).await.unwrap();
    assert!(!answer(&trigger(NOW + 61, store.clone()), event).await);
    assert!(store.get(&key).await.unwrap().is_some(), "the newer challenge is left alone");
}

#[tokio::test]
async fn another_user_whose_name_differs_only_in_case_cannot_consume_or_use_the_challenge() {
    // Jane.Doe's challenge, answered in a sign-in of jane.doe (another sub): refused, and Jane's
    // row stays for her.
    let event = fixture("verify-auth-challenge-response.json");
    let store = issued(&event).await;
    let mut other = event.clone();
    other["userName"] = json!("Jane.Doe");
    other["request"]["userAttributes"]["sub"] = json!("0f0f0f0f-2222-4333-8444-555566667777");
    assert!(!answer(&trigger(NOW, store.clone()), other).await);
    assert!(store.get(&sign_in_code::issue_key(POOL, &subject_of(&event))).await.unwrap().is_some());
}

#[tokio::test]
async fn a_right_answer_the_store_cannot_consume_is_refused() {
    let event = fixture("verify-auth-challenge-response.json");
    let store = issued(&event).await;
    store.set_outage(Some(PortErrorKind::Unavailable));
    assert!(!answer(&trigger(NOW, store.clone()), event.clone()).await, "fail closed");
    store.set_outage(None);
    assert!(answer(&trigger(NOW, store), event).await, "answered again once the store is back");
}

//! The trigger as Cognito drives it: fixture events in, the answer or the denial text out,
//! through the same runtime path the binary uses, on the in-memory store and mailer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use create_auth_challenge::{CreateAuthChallenge, Ports, Settings};
use serde_json::{Value, json};
use trigger_core::fakes::{FixedClock, InMemoryStore, RecordingMailer};
use trigger_core::lockout::Subject;
use trigger_core::logging::Secret;
use trigger_core::ports::{PortErrorKind, Store};
use trigger_core::runtime::run_within;
use trigger_core::sign_in_code::{self, Challenge, Verdict};

/// The subject create keys the event's rows by: its user's sub, or the unknown name as given.
fn subject_of(event: &Value) -> Subject {
    match event["request"]["userAttributes"]["sub"].as_str().filter(|_| event["request"]["userNotFound"] != true) {
        Some(sub) => Subject::User { sub: sub.to_owned() },
        None => Subject::Name(event["userName"].as_str().unwrap().to_owned()),
    }
}
use trigger_core::{Env, TriggerError};

const NOW: u64 = 1_700_000_000;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Rig {
    trigger: CreateAuthChallenge,
    store: Arc<InMemoryStore>,
    mailer: Arc<RecordingMailer>,
    clock: Arc<FixedClock>,
}

fn rig(pairs: &[(&str, &str)]) -> Rig {
    let mut all = vec![("TABLE_NAME", "t"), ("SIGN_IN_CODE_FROM", "no-reply@example.com")];
    all.extend_from_slice(pairs);
    let settings = Settings::from_env(&Env::from_pairs(all)).unwrap();
    let (store, mailer) = (Arc::new(InMemoryStore::default()), Arc::new(RecordingMailer::default()));
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let ports = Ports { store: store.clone(), mailer: mailer.clone(), clock: clock.clone() };
    Rig { trigger: CreateAuthChallenge::new(settings, ports), store, mailer, clock }
}

async fn create(rig: &Rig, event: &Value) -> Result<Value, TriggerError> {
    run_within(&rig.trigger, Duration::from_secs(2), event.clone()).await
}

fn private(answer: &Value) -> HashMap<String, Secret<String>> {
    serde_json::from_value(answer["response"]["privateChallengeParameters"].clone()).unwrap()
}

fn challenge(answer: &Value) -> Challenge {
    Challenge::from_private_parameters(&private(answer)).expect("a challenge in the private parameters")
}

/// The code in an e-mail's text: the run of digits of the configured length.
fn code_in(text: &str, length: usize) -> String {
    text.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == length).expect("a code in the e-mail").to_owned()
}

#[tokio::test]
async fn a_known_user_gets_one_e_mail_whose_code_is_nowhere_in_the_answer() {
    let rig = rig(&[]);
    let answer = create(&rig, &fixture("create-auth-challenge.json")).await.unwrap();
    let sent = rig.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].to.as_str(), sent[0].from.as_str()), ("jane.doe@example.com", "no-reply@example.com"));
    assert_eq!(sent[0].subject, "Your sign-in code", "the locale attribute (en-GB) before clientMetadata (de)");
    let code = code_in(&sent[0].text, 6);
    let challenge = challenge(&answer);
    assert_eq!(challenge.check(&code, NOW as i64 + 299), Verdict::Correct);
    assert_eq!(challenge.check(&code, NOW as i64 + 300), Verdict::Expired, "valid for SIGN_IN_CODE_TTL_SECONDS");
    let text = answer.to_string();
    assert!(!text.contains(&code), "the code is in the answer: {text}");
    assert_eq!(answer["response"]["publicChallengeParameters"], json!({ "method": "EMAIL_CODE", "codeLength": "6" }));
    assert_eq!(Challenge::from_metadata(answer["response"]["challengeMetadata"].as_str().unwrap()), Some(challenge));
    let stored: String = rig.store.items().iter().map(|item| format!("{item:?}")).collect();
    assert!(!stored.contains(&code), "the code is in the table");
}

#[tokio::test]
async fn a_retried_create_answers_with_the_same_challenge_and_sends_nothing_more() {
    let rig = rig(&[]);
    let event = fixture("create-auth-challenge.json");
    let first = create(&rig, &event).await.unwrap();
    rig.clock.advance(Duration::from_secs(6)); // Cognito retries after the 5-second timeout
    let retried = create(&rig, &event).await.unwrap();
    assert_eq!(rig.mailer.sent().len(), 1, "one e-mail per challenge");
    assert_eq!(retried["response"], first["response"]);
    let code = code_in(&rig.mailer.sent()[0].text, 6);
    assert_eq!(challenge(&retried).check(&code, NOW as i64 + 7), Verdict::Correct);
}

#[tokio::test]
async fn a_later_round_asks_for_the_same_code_without_reading_or_sending() {
    let rig = rig(&[]);
    rig.store.set_outage(Some(PortErrorKind::Unavailable)); // proves nothing is read or written
    let event = fixture("create-auth-challenge-second-round.json");
    let answer = create(&rig, &event).await.unwrap();
    assert!(rig.mailer.sent().is_empty());
    let metadata = event["request"]["session"][0]["challengeMetadata"].as_str().unwrap();
    assert_eq!(Some(challenge(&answer)), Challenge::from_metadata(metadata));
    assert_eq!(challenge(&answer).check("424242", NOW as i64), Verdict::Correct);
}

#[tokio::test]
async fn a_later_round_whose_code_expired_gets_a_new_code() {
    let rig = rig(&[]);
    let mut event = fixture("create-auth-challenge-second-round.json");
    let stale = Challenge::new(&Secret::new("424242".to_owned()), NOW as i64 - 1).unwrap();
    event["request"]["session"][0]["challengeMetadata"] = json!(stale.metadata());
    let answer = create(&rig, &event).await.unwrap();
    assert_eq!(rig.mailer.sent().len(), 1);
    assert_ne!(challenge(&answer), stale);
}

#[tokio::test]
async fn an_unknown_user_gets_the_same_answers_and_nothing_is_sent() {
    let mut seen = Vec::new();
    for name in ["create-auth-challenge.json", "create-auth-challenge-user-not-found.json"] {
        let rig = rig(&[("SIGN_IN_CODE_MAX_SENDS", "2")]);
        let event = fixture(name);
        let mut answers = Vec::new();
        for _ in 0..4 {
            let answer = create(&rig, &event).await.map_err(|e| e.user_message().to_owned());
            answers.push(answer.map(|a| {
                let response = &a["response"];
                let metadata = response["challengeMetadata"].as_str().unwrap().to_owned();
                let keys: Vec<String> = private(&a).into_keys().collect();
                (response["publicChallengeParameters"].clone(), metadata.split('#').count(), keys.len())
            }));
            rig.clock.advance(Duration::from_secs(60)); // past the retry window: each one a new send
        }
        let sends = rig.store.get(&sign_in_code::sends_key("us-east-1_EXAMPLE1", &subject_of(&event))).await;
        assert!(sends.unwrap().is_some(), "{name}: the send counter is kept for unknown names too");
        seen.push((answers, rig.mailer.sent().len()));
    }
    let limited = Err("Too many sign-in codes were requested. Try again in 15 minutes".to_owned());
    assert_eq!(seen[0].0[2], limited, "the third send in the window is refused");
    assert_eq!(seen[0].0, seen[1].0, "the same answers, step by step");
    assert_eq!((seen[0].1, seen[1].1), (2, 0), "nothing is sent to an unknown user");
}

#[tokio::test]
async fn an_unverified_address_gets_nothing_unless_the_setting_allows_it() {
    let mut event = fixture("create-auth-challenge.json");
    event["request"]["userAttributes"]["email_verified"] = json!("false");
    let strict = rig(&[]);
    create(&strict, &event).await.unwrap();
    assert!(strict.mailer.sent().is_empty());
    let lenient = rig(&[("SIGN_IN_CODE_REQUIRE_VERIFIED_EMAIL", "false")]);
    create(&lenient, &event).await.unwrap();
    assert_eq!(lenient.mailer.sent().len(), 1);
}

#[tokio::test]
async fn sends_are_rate_limited_per_user_and_the_limit_lifts() {
    let rig = rig(&[]);
    let event = fixture("create-auth-challenge.json");
    for _ in 0..5 {
        create(&rig, &event).await.unwrap();
        rig.clock.advance(Duration::from_secs(20));
    }
    let err = create(&rig, &event).await.unwrap_err();
    assert!(matches!(err, TriggerError::Denied(_)), "{err:?}");
    assert_eq!(err.user_message(), "Too many sign-in codes were requested. Try again in 15 minutes");
    assert_eq!(rig.mailer.sent().len(), 5);
    // The same user by another name (an alias, another case): the same counter, still limited.
    let mut same = event.clone();
    same["userName"] = json!("JANE.DOE");
    assert!(matches!(create(&rig, &same).await, Err(TriggerError::Denied(_))), "one user, one counter");
    let mut other = event.clone();
    other["userName"] = json!("john.roe");
    other["request"]["userAttributes"]["sub"] = json!("5b9c3d4e-2222-4333-8444-555566667777");
    create(&rig, &other).await.unwrap();
    rig.clock.advance(Duration::from_secs(900));
    create(&rig, &event).await.unwrap();
    assert_eq!(rig.mailer.sent().len(), 7);
}

#[tokio::test]
async fn an_ses_outage_fails_closed_and_the_retry_sends_a_new_code() {
    let rig = rig(&[]);
    let event = fixture("create-auth-challenge.json");
    rig.mailer.set_outage(Some(PortErrorKind::Unavailable));
    let err = create(&rig, &event).await.unwrap_err();
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
    let key = sign_in_code::issue_key("us-east-1_EXAMPLE1", &subject_of(&event));
    assert!(rig.store.get(&key).await.unwrap().is_none(), "the unsent challenge is withdrawn");
    rig.mailer.set_outage(None);
    rig.clock.advance(Duration::from_secs(1));
    let answer = create(&rig, &event).await.unwrap();
    let code = code_in(&rig.mailer.sent()[0].text, 6);
    assert_eq!(challenge(&answer).check(&code, NOW as i64 + 2), Verdict::Correct, "a new code, not the unsent one");
}

#[tokio::test]
async fn a_store_outage_fails_closed_before_anything_is_sent() {
    let rig = rig(&[]);
    rig.store.set_outage(Some(PortErrorKind::Timeout));
    let err = create(&rig, &fixture("create-auth-challenge.json")).await.unwrap_err();
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
    assert!(rig.mailer.sent().is_empty());
}

#[tokio::test]
async fn the_code_length_is_configurable() {
    let rig = rig(&[("SIGN_IN_CODE_LENGTH", "8")]);
    let answer = create(&rig, &fixture("create-auth-challenge.json")).await.unwrap();
    assert_eq!(answer["response"]["publicChallengeParameters"]["codeLength"], "8");
    let code = code_in(&rig.mailer.sent()[0].text, 8);
    assert_eq!(challenge(&answer).check(&code, NOW as i64), Verdict::Correct);
}

#[tokio::test]
async fn events_create_cannot_answer_are_refused_or_passed() {
    let rig = rig(&[]);
    let mut other = fixture("create-auth-challenge.json");
    other["request"]["challengeName"] = json!("SMS_MFA");
    assert!(matches!(create(&rig, &other).await.unwrap_err(), TriggerError::BadEvent(_)));
    let mut unknown = fixture("create-auth-challenge.json");
    unknown["triggerSource"] = json!("CreateAuthChallenge_Passkey");
    let answer = create(&rig, &unknown).await.unwrap();
    assert_eq!(answer["response"]["privateChallengeParameters"], json!({}));
    assert!(rig.mailer.sent().is_empty());
}

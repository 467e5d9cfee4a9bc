//! The trigger against DynamoDB and SESv2 on the local stack (moto): retries, sequential and
//! concurrent, leave one profile row and one welcome e-mail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use post_confirmation::{Ports, PostConfirmation, Settings};
use pre_authentication::attempt::{self, Verdict};
use pre_authentication::policy::Policy;
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::lockout::{self, LockoutState};
use trigger_core::ports::{Clock, Store, SystemClock};
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, ses_messages_to, table_name, unique};

async fn trigger() -> (Arc<PostConfirmation>, Arc<dyn Store>) {
    let aws = local_aws().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(aws.store(table_name()));
    let env = Env::from_pairs([("TABLE_NAME", table_name()), ("WELCOME_EMAIL_FROM", "no-reply@example.com".into())]);
    let ports = Ports {
        store: store.clone(),
        directory: Arc::new(aws.directory()),
        mailer: Arc::new(aws.mailer()),
        clock: Arc::new(SystemClock),
        events: trigger_core::domain_events::Events::disabled(),
    };
    (Arc::new(PostConfirmation::new(Settings::from_env(&env).unwrap(), ports)), store)
}

/// The fixture, for a user and an address no other run uses.
fn event(fixture: &str, sub: &str, email: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userName"] = json!(sub);
    event["request"]["userAttributes"]["sub"] = json!(sub);
    event["request"]["userAttributes"]["email"] = json!(email);
    event
}

async fn invoke(trigger: &PostConfirmation, event: Value) {
    run_within(trigger, Duration::from_secs(5), event).await.unwrap();
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn retries_in_sequence_and_concurrently_leave_one_row_and_one_email() {
    let (trigger, store) = trigger().await;
    let sub = unique("sub");
    let email = format!("{}@example.com", unique("welcome"));
    let confirmation = event("post-confirmation.json", &sub, &email);
    for _ in 0..3 {
        invoke(&trigger, confirmation.clone()).await;
    }
    let concurrent: Vec<_> = (0..10)
        .map(|_| {
            let (trigger, confirmation) = (trigger.clone(), confirmation.clone());
            tokio::spawn(async move { invoke(&trigger, confirmation).await })
        })
        .collect();
    for task in concurrent {
        task.await.unwrap();
    }
    let rows = store.query(&format!("USER#{sub}"), "", 10, false).await.unwrap();
    assert_eq!(rows.len(), 1, "one profile row");
    assert_eq!(rows[0].str("sk"), Some("PROFILE"));
    assert_eq!(rows[0].str("email"), Some(email.as_str()));
    assert_eq!(ses_messages_to(&email).unwrap().len(), 1, "exactly one welcome e-mail in moto's SES");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_password_reset_confirmation_writes_no_row_and_sends_no_email() {
    let (trigger, store) = trigger().await;
    let sub = unique("sub");
    let email = format!("{}@example.com", unique("reset"));
    invoke(&trigger, event("post-confirmation-forgot-password.json", &sub, &email)).await;
    assert!(store.query(&format!("USER#{sub}"), "", 10, false).await.unwrap().is_empty(), "no row");
    assert_eq!(ses_messages_to(&email).unwrap().len(), 0, "no e-mail");
    // The same user confirming a sign-up does get both: the test above is not vacuous.
    invoke(&trigger, event("post-confirmation.json", &sub, &email)).await;
    assert_eq!(store.query(&format!("USER#{sub}"), "", 10, false).await.unwrap().len(), 1);
    assert_eq!(ses_messages_to(&email).unwrap().len(), 1);
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_password_reset_clears_a_lockout_set_by_wrong_passwords() {
    let (trigger, store) = trigger().await;
    let sub = unique("sub");
    let email = format!("{}@example.com", unique("locked"));
    let reset = event("post-confirmation-forgot-password.json", &sub, &email);
    let pool = reset["userPoolId"].as_str().unwrap().to_owned();
    // Five wrong passwords as pre authentication counts them: the user is locked.
    let policy = Policy::default();
    let lock = lockout::key(&pool, &lockout::Subject::User { sub: sub.clone() });
    for _ in 0..=policy.max_attempts {
        attempt::register(store.as_ref(), &lock, SystemClock.epoch_seconds(), &policy).await.unwrap();
    }
    let state = LockoutState::live(store.get(&lock).await.unwrap().as_ref(), SystemClock.epoch_seconds());
    assert!(state.unwrap().is_locked(SystemClock.epoch_seconds()), "locked before the reset");
    invoke(&trigger, reset).await;
    assert_eq!(store.get(&lock).await.unwrap(), None, "the reset cleared the lockout record");
    let next = attempt::register(store.as_ref(), &lock, SystemClock.epoch_seconds(), &policy).await.unwrap();
    assert_eq!(next, Verdict::Allowed, "the owner can sign in again");
}

//! The lockout against DynamoDB (moto on the local stack): atomicity under concurrency, lock
//! expiry with an injected clock, and unknown user names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use pre_authentication::attempt::{self, Verdict};
use pre_authentication::policy::Policy;
use pre_authentication::{Ports, PreAuthentication, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::fakes::FixedClock;
use trigger_core::lockout::{self as record, LockoutState};
use trigger_core::ports::{Clock, EXPIRES_AT, Store};
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name, unique};

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
#[ignore = "needs the local stack: run with `make test`"]
async fn fifty_concurrent_attempts_let_exactly_the_maximum_through() {
    let store: Arc<dyn Store> = Arc::new(local_aws().await.unwrap().store(table_name()));
    let key = record::key(&unique("pool"), &record::Subject::Name("jane".into()));
    let now = trigger_core::ports::SystemClock.epoch_seconds();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (store, key) = (Arc::clone(&store), key.clone());
            tokio::spawn(async move { attempt::register(&*store, &key, now, &Policy::default()).await.unwrap() })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Verdict::Allowed => allowed += 1,
            Verdict::Locked { until } => assert_eq!(until, now + 300),
            Verdict::Contended => panic!("no window boundary here: nothing should contend"),
        }
    }
    assert_eq!(allowed, 5, "exactly LOCKOUT_MAX_ATTEMPTS of 50 concurrent attempts pass");
    let state = LockoutState::from_item(&store.get(&key).await.unwrap().unwrap());
    assert_eq!((state.locked_until, state.lockouts), (now + 300, 1), "one lock, set once");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_lock_expires_with_the_clock_and_the_next_one_doubles() {
    let store = Arc::new(local_aws().await.unwrap().store(table_name()));
    let clock = Arc::new(FixedClock::at_epoch_seconds(1_900_000_000));
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
    let trigger = PreAuthentication::new(
        settings,
        Ports { store: store.clone(), clock: clock.clone(), events: trigger_core::domain_events::Events::disabled() },
    );
    let mut event = fixture("pre-authentication.json");
    event["userPoolId"] = Value::from(unique("us-east-1_lock"));
    let attempt = || run_within(&trigger, Duration::from_secs(5), event.clone());
    for _ in 0..5 {
        attempt().await.unwrap();
    }
    assert_eq!(attempt().await.unwrap_err().user_message(), "Too many sign-in attempts. Try again in 5 minutes");
    clock.advance(Duration::from_secs(240));
    assert_eq!(attempt().await.unwrap_err().user_message(), "Too many sign-in attempts. Try again in 1 minute");
    clock.advance(Duration::from_secs(60));
    for _ in 0..5 {
        attempt().await.unwrap();
    }
    assert_eq!(attempt().await.unwrap_err().user_message(), "Too many sign-in attempts. Try again in 10 minutes");
    let key = record::key(
        event["userPoolId"].as_str().unwrap(),
        &record::Subject::User { sub: "4a8b2c3d-1111-2222-3333-444455556666".into() },
    );
    let item = store.get(&key).await.unwrap().unwrap();
    assert_eq!(
        item.i64(EXPIRES_AT),
        Some(1_900_000_300 + 600 + 300 + 3600),
        "the record outlives its lock, then expires"
    );
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_user_that_does_not_exist_is_answered_like_one_that_does() {
    let store = Arc::new(local_aws().await.unwrap().store(table_name()));
    let pool = unique("us-east-1_ghost");
    let mut answers = Vec::new();
    for name in ["pre-authentication.json", "pre-authentication-user-not-found.json"] {
        let clock = Arc::new(FixedClock::at_epoch_seconds(1_900_000_000));
        let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
        let trigger = PreAuthentication::new(
            settings,
            Ports { store: store.clone(), clock, events: trigger_core::domain_events::Events::disabled() },
        );
        let mut event = fixture(name);
        event["userPoolId"] = Value::from(pool.as_str());
        let mut seen = Vec::new();
        for _ in 0..7 {
            seen.push(
                run_within(&trigger, Duration::from_secs(5), event.clone())
                    .await
                    .map(|_| ())
                    .map_err(|e| e.user_message().to_owned()),
            );
        }
        answers.push(seen);
    }
    assert_eq!(answers[0].iter().filter(|a| a.is_ok()).count(), 5);
    assert_eq!(answers[0], answers[1]);
    assert!(
        store.get(&record::key(&pool, &record::Subject::Name("nobody-here".into()))).await.unwrap().is_some(),
        "the unknown name has its own record"
    );
}

//! The trigger as Cognito drives it: fixture events in, the answer or the denial text out,
//! through the same runtime path the binary uses, on the in-memory store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use pre_authentication::{Ports, PreAuthentication, Settings};
use serde_json::Value;
use trigger_core::domain_events::{EventSettings, Events};
use trigger_core::fakes::{FixedClock, InMemoryStore, RecordingBus};
use trigger_core::ports::PortErrorKind;
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const NOW: u64 = 1_700_000_000;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn trigger(pairs: &[(&str, &str)], store: Arc<InMemoryStore>, clock: Arc<FixedClock>) -> PreAuthentication {
    let mut all = vec![("TABLE_NAME", "t")];
    all.extend_from_slice(pairs);
    let settings = Settings::from_env(&Env::from_pairs(all)).unwrap();
    PreAuthentication::new(settings, Ports { store, clock, events: Events::disabled() })
}

async fn answers(trigger: &PreAuthentication, event: &Value, n: usize) -> Vec<Result<Value, String>> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            run_within(trigger, Duration::from_secs(1), event.clone()).await.map_err(|e| e.user_message().to_owned()),
        );
    }
    out
}

#[tokio::test]
async fn a_user_that_does_not_exist_locks_exactly_like_one_that_does() {
    let mut seen = Vec::new();
    for name in ["pre-authentication.json", "pre-authentication-user-not-found.json"] {
        let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
        let trigger = trigger(&[], Arc::new(InMemoryStore::default()), Arc::clone(&clock));
        let event = fixture(name);
        let mut outcome: Vec<Result<(), String>> =
            answers(&trigger, &event, 7).await.into_iter().map(|r| r.map(|_| ())).collect();
        clock.advance(Duration::from_secs(299));
        outcome.extend(answers(&trigger, &event, 1).await.into_iter().map(|r| r.map(|_| ())));
        clock.advance(Duration::from_secs(1));
        outcome.extend(answers(&trigger, &event, 1).await.into_iter().map(|r| r.map(|_| ())));
        seen.push(outcome);
    }
    let locked = Err("Too many sign-in attempts. Try again in 5 minutes".to_owned());
    let expected = vec![
        Ok(()),
        Ok(()),
        Ok(()),
        Ok(()),
        Ok(()),
        locked.clone(),
        locked,
        Err("Too many sign-in attempts. Try again in 1 second".to_owned()),
        Ok(()),
    ];
    assert_eq!(seen[0], expected);
    assert_eq!(seen[1], expected, "the unknown user name must be indistinguishable");
}

#[tokio::test]
async fn the_event_comes_back_whole_when_allowed() {
    let trigger = trigger(&[], Arc::new(InMemoryStore::default()), Arc::new(FixedClock::at_epoch_seconds(NOW)));
    let event = fixture("pre-authentication.json");
    let answer = answers(&trigger, &event, 1).await.remove(0).unwrap();
    assert_eq!(answer["userName"], event["userName"]);
    assert_eq!(answer["request"]["userAttributes"], event["request"]["userAttributes"]);
    assert!(answer["response"].is_object());
}

#[tokio::test]
async fn an_unreachable_store_follows_the_failure_policy() {
    let store = Arc::new(InMemoryStore::default());
    store.set_outage(Some(PortErrorKind::Unavailable));
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let event = fixture("pre-authentication.json");

    let allow = trigger(&[], Arc::clone(&store), Arc::clone(&clock));
    assert!(answers(&allow, &event, 1).await.remove(0).is_ok(), "default: allow");

    let deny = trigger(&[("LOCKOUT_ON_STORE_FAILURE", "deny")], store, clock);
    let err = run_within(&deny, Duration::from_secs(1), event).await.unwrap_err();
    assert!(matches!(err, TriggerError::Denied(_)));
    assert_eq!(err.user_message(), "We cannot check your sign-in right now. Please try again in a few minutes");
}

#[tokio::test]
async fn user_names_count_case_and_space_insensitively() {
    let store = Arc::new(InMemoryStore::default());
    let trigger = trigger(&[("LOCKOUT_MAX_ATTEMPTS", "2")], store, Arc::new(FixedClock::at_epoch_seconds(NOW)));
    let mut event = fixture("pre-authentication.json");
    for name in ["Jane.Doe", " jane.doe", "JANE.DOE"] {
        event["userName"] = Value::from(name);
        let _ = answers(&trigger, &event, 1).await;
    }
    event["userName"] = Value::from("jane.doe");
    assert!(answers(&trigger, &event, 1).await.remove(0).is_err(), "the third and later attempts are refused");
}

#[tokio::test]
async fn the_attempt_that_locks_publishes_user_locked_out_once_per_lock() {
    let bus = Arc::new(RecordingBus::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
    let events = Events::new(&EventSettings::from_env(&Env::default()).unwrap(), bus.clone());
    let trigger = PreAuthentication::new(
        settings,
        Ports { store: Arc::new(InMemoryStore::default()), clock: clock.clone(), events },
    );
    let event = fixture("pre-authentication.json");
    answers(&trigger, &event, 8).await; // five pass, the sixth locks, two more are denied
    assert_eq!(bus.detail_types(), ["UserLockedOut"]);
    let detail = &bus.events()[0].detail;
    assert_eq!(detail["userName"], event["userName"]);
    assert_eq!(detail["lockedUntil"], NOW + 300);
    assert_eq!(detail["userExists"], true);
    assert!(detail.get("email").is_none());
    // The lock ends; the next lock (doubled) is another event with another id.
    clock.advance(Duration::from_secs(300));
    answers(&trigger, &event, 6).await;
    let events = bus.events();
    assert_eq!(bus.detail_types(), ["UserLockedOut"; 2]);
    assert_eq!(events[1].detail["lockedUntil"], NOW + 300 + 600);
    assert_ne!(events[1].detail["eventId"], events[0].detail["eventId"]);
}

#[tokio::test]
async fn a_bus_outage_changes_no_answer() {
    let bus = Arc::new(RecordingBus::default());
    bus.set_outage(Some(PortErrorKind::Unavailable));
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
    let events = Events::new(&EventSettings::from_env(&Env::default()).unwrap(), bus.clone());
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let trigger = PreAuthentication::new(settings, Ports { store: Arc::new(InMemoryStore::default()), clock, events });
    let outcome = answers(&trigger, &fixture("pre-authentication.json"), 7).await;
    assert_eq!(outcome.iter().filter(|r| r.is_ok()).count(), 5);
    assert_eq!(outcome[5], Err("Too many sign-in attempts. Try again in 5 minutes".to_owned()));
}

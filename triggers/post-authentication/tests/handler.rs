//! The trigger as Cognito drives it, on the in-memory store: fixture events in, the event out
//! (always: the trigger is fail-open), the table as it should be afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use post_authentication::{Ports, PostAuthentication, Settings, history, profile};
use pre_authentication::attempt;
use pre_authentication::policy::Policy;
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::domain_events::{EventSettings, Events};
use trigger_core::fakes::{FixedClock, InMemoryStore, RecordingBus};
use trigger_core::lockout as record;
use trigger_core::ports::{EXPIRES_AT, PortErrorKind, Store};
use trigger_core::runtime::run_within;

const NOW: u64 = 1_700_000_000;
const SUB: &str = "4a8b2c3d-1111-2222-3333-444455556666";

fn fixture() -> Value {
    let path = format!("{}/../../tests/fixtures/events/post-authentication.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn trigger(days: &str, store: Arc<InMemoryStore>, clock: Arc<FixedClock>) -> PostAuthentication {
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t"), ("LOGIN_HISTORY_DAYS", days)])).unwrap();
    PostAuthentication::new(settings, Ports { store, clock, events: Events::disabled() })
}

#[tokio::test]
async fn a_sign_in_resets_the_lockout_and_records_profile_and_history() {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let lock_key = record::key("us-east-1_EXAMPLE1", &record::Subject::User { sub: SUB.to_owned() });
    for _ in 0..4 {
        attempt::register(&*store, &lock_key, NOW as i64 - 10, &Policy::default()).await.unwrap();
    }
    let trigger = trigger("90", Arc::clone(&store), clock);
    let answer = run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap();
    assert_eq!(answer["userName"], "jane.doe");

    assert!(store.get(&lock_key).await.unwrap().is_none(), "the lockout is reset");
    let profile = store.get(&profile::key(SUB)).await.unwrap().unwrap();
    assert_eq!(profile.i64("loginCount"), Some(1));
    assert_eq!(profile.i64("lastLoginAt"), Some(NOW as i64));
    assert_eq!(profile.str("lastClientId"), Some("1example23456789"));
    assert_eq!(profile.get("lastNewDevice").and_then(|v| v.as_bool()), Some(true));
    assert_eq!(profile.i64("createdAt"), Some(NOW as i64));
    let logins = store.query(&format!("USER#{SUB}"), history::PREFIX, 10, true).await.unwrap();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].i64(EXPIRES_AT), Some(NOW as i64 + 90 * 86_400));
}

#[tokio::test]
async fn a_sign_in_never_resets_the_lockout_of_another_name_that_differs_only_in_case() {
    // On 5a923f4 the record was keyed by the lower-cased name: the attacker signing in as `Alice`
    // (their own account) cleared the count of `alice`, a legacy user not migrated yet, and so
    // guessed `alice`'s password without end.
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let victim = record::key("us-east-1_EXAMPLE1", &record::Subject::Name("jane.doe".to_owned()));
    for _ in 0..4 {
        attempt::register(&*store, &victim, NOW as i64 - 10, &Policy::default()).await.unwrap();
    }
    let mut own_sign_in = fixture();
    own_sign_in["userName"] = serde_json::json!("Jane.Doe");
    run_within(&trigger("90", Arc::clone(&store), clock), Duration::from_secs(1), own_sign_in).await.unwrap();
    let kept = record::LockoutState::live(store.get(&victim).await.unwrap().as_ref(), NOW as i64).unwrap();
    assert_eq!(kept.attempts, 4, "the other name's count stands");
}

#[tokio::test]
async fn a_retried_delivery_does_not_count_twice_but_a_later_sign_in_does() {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let trigger = trigger("90", Arc::clone(&store), Arc::clone(&clock));
    run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap();
    clock.advance(Duration::from_secs(6)); // Cognito's retry after a 5 s timeout
    run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap();
    let profile = store.get(&profile::key(SUB)).await.unwrap().unwrap();
    assert_eq!(profile.i64("loginCount"), Some(1));
    assert_eq!(store.query(&format!("USER#{SUB}"), "LOGIN#", 10, true).await.unwrap().len(), 1);

    clock.advance(Duration::from_secs(60));
    run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap();
    let profile = store.get(&profile::key(SUB)).await.unwrap().unwrap();
    assert_eq!(profile.i64("loginCount"), Some(2));
    assert_eq!(store.query(&format!("USER#{SUB}"), "LOGIN#", 10, true).await.unwrap().len(), 2);
}

#[tokio::test]
async fn history_off_writes_no_login_items() {
    let store = Arc::new(InMemoryStore::default());
    let trigger = trigger("0", Arc::clone(&store), Arc::new(FixedClock::at_epoch_seconds(NOW)));
    run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap();
    assert!(store.query(&format!("USER#{SUB}"), "LOGIN#", 10, true).await.unwrap().is_empty());
    assert_eq!(store.get(&profile::key(SUB)).await.unwrap().unwrap().i64("loginCount"), Some(1));
}

#[tokio::test]
async fn the_sign_in_succeeds_when_the_store_is_down_or_the_event_is_thin() {
    let store = Arc::new(InMemoryStore::default());
    store.set_outage(Some(PortErrorKind::Timeout));
    let trigger = trigger("90", Arc::clone(&store), Arc::new(FixedClock::at_epoch_seconds(NOW)));
    run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap();
    store.set_outage(None);
    // No newDeviceUsed, null attributes (no sub): still answered.
    let mut thin = fixture();
    thin["request"] = json!({ "userAttributes": null });
    let answer = run_within(&trigger, Duration::from_secs(1), thin).await.unwrap();
    assert_eq!(answer["triggerSource"], "PostAuthentication_Authentication");
    assert!(store.items().is_empty());
}

#[tokio::test]
async fn user_signed_in_keeps_its_id_across_a_retry_and_a_later_sign_in_gets_another() {
    let bus = Arc::new(RecordingBus::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
    let events = Events::new(&EventSettings::from_env(&Env::default()).unwrap(), bus.clone());
    let trigger = PostAuthentication::new(
        settings,
        Ports { store: Arc::new(InMemoryStore::default()), clock: clock.clone(), events },
    );
    run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap();
    clock.advance(Duration::from_secs(6));
    run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap(); // Cognito's retry
    clock.advance(Duration::from_secs(600));
    let mut known_device = fixture();
    known_device["request"]["newDeviceUsed"] = json!(false);
    run_within(&trigger, Duration::from_secs(1), known_device).await.unwrap(); // another sign-in
    let events = bus.events();
    assert_eq!(bus.detail_types(), ["UserSignedIn"; 3]);
    let first = &events[0].detail;
    assert_eq!(first["sub"], SUB);
    assert_eq!(first["signedInAt"], NOW);
    assert_eq!(first["newDeviceUsed"], true);
    assert_eq!(first["clientId"], "1example23456789");
    assert!(first.get("email").is_none(), "the schema has no contact fields");
    assert_eq!(events[1].detail["eventId"], first["eventId"], "a retry: one id");
    assert_eq!(events[1].detail["signedInAt"], NOW, "the first delivery's time");
    assert_ne!(events[2].detail["eventId"], first["eventId"]);
    assert_eq!(events[2].detail["newDeviceUsed"], false);
}

#[tokio::test]
async fn a_bus_outage_never_fails_a_sign_in() {
    let bus = Arc::new(RecordingBus::default());
    bus.set_outage(Some(PortErrorKind::Throttled));
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
    let events = Events::new(&EventSettings::from_env(&Env::default()).unwrap(), bus.clone());
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let trigger = PostAuthentication::new(settings, Ports { store: Arc::new(InMemoryStore::default()), clock, events });
    let answer = run_within(&trigger, Duration::from_secs(1), fixture()).await.unwrap();
    assert_eq!(answer["response"], json!({}));
    assert!(bus.events().is_empty());
}

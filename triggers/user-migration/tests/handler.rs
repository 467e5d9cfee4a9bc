//! The trigger on fixture events with in-memory fakes: every rule of docs/triggers/user-migration.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod vectors;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use trigger_core::domain_events::{EventSettings, Events};
use trigger_core::fakes::{FakeOldPool, FixedClock, InMemoryLegacyUsers, InMemoryStore, OldPoolUser, RecordingBus};
use trigger_core::lockout;
use trigger_core::logging::Secret;
use trigger_core::ports::{AttrValue, DirectoryUser, Item, LegacyUser, PortErrorKind, Store, UserStatus};
use trigger_core::reservations::{self, Kind};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};
use user_migration::{Ports, Settings, UserMigration, message};

const POOL: &str = "us-east-1_EXAMPLE1";
const NOW: u64 = 1_800_000_000;
const PASSWORD: &str = "Legacy-Passw0rd!";
/// bcrypt, cost 4, of PASSWORD (Python's bcrypt).
const BCRYPT_OF_PASSWORD: &str = "$2b$04$MGR6MGUYIclOdPS1TAP3uOcGc44qgbKswqSPnQCzvnwlrawjbs4TK";

struct World {
    store: Arc<InMemoryStore>,
    legacy: Arc<InMemoryLegacyUsers>,
    old: Arc<FakeOldPool>,
    bus: Arc<RecordingBus>,
}

fn settings(extra: &[(&str, &str)]) -> Settings {
    let mut pairs = vec![("TABLE_NAME", "t"), ("LEGACY_USERS_TABLE", "legacy")];
    pairs.extend_from_slice(extra);
    Settings::from_env(&Env::from_pairs(pairs)).unwrap()
}

fn with_old_pool(extra: &[(&str, &str)]) -> Settings {
    let mut pairs = vec![("OLD_USER_POOL_ID", "us-east-1_Old"), ("OLD_CLIENT_ID", "client")];
    pairs.extend_from_slice(extra);
    settings(&pairs)
}

fn world() -> World {
    World {
        store: Arc::new(InMemoryStore::default()),
        legacy: Arc::new(InMemoryLegacyUsers::default()),
        old: Arc::new(FakeOldPool::default()),
        bus: Arc::new(RecordingBus::default()),
    }
}

impl World {
    fn trigger(&self, settings: Settings) -> UserMigration {
        let ports = Ports {
            store: self.store.clone(),
            legacy_users: settings.legacy_table.as_ref().map(|_| self.legacy.clone() as _),
            old_pool: settings.old_pool.as_ref().map(|_| self.old.clone() as _),
            clock: Arc::new(FixedClock::at_epoch_seconds(NOW)),
            events: Events::new(&EventSettings::from_env(&Env::default()).unwrap(), self.bus.clone()),
        };
        UserMigration::new(settings, ports)
    }
}

fn row(username: &str, hash: &str, attributes: &[(&str, &str)]) -> LegacyUser {
    LegacyUser {
        username: username.to_owned(),
        password_hash: Some(Secret::new(hash.to_owned())),
        attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

fn old_user(username: &str, password: &str, attributes: &[(&str, &str)]) -> OldPoolUser {
    OldPoolUser {
        user: DirectoryUser {
            username: username.to_owned(),
            status: UserStatus::Confirmed,
            enabled: true,
            created_at: None,
            attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        },
        password: password.to_owned(),
        challenge: None,
    }
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sign_in_event(user: &str, password: &str) -> Value {
    let mut event = fixture("user-migration.json");
    event["userName"] = json!(user);
    event["request"]["password"] = json!(password);
    event
}

fn forgot_event(user: &str) -> Value {
    let mut event = fixture("user-migration-forgot-password.json");
    event["userName"] = json!(user);
    event
}

async fn invoke(trigger: &UserMigration, event: Value) -> Result<Value, TriggerError> {
    run_within(trigger, Duration::from_secs(30), event).await
}

fn denial(result: Result<Value, TriggerError>) -> String {
    match result {
        Err(TriggerError::Denied(text)) => text.as_str().to_owned(),
        other => panic!("not denied: {other:?}"),
    }
}

#[tokio::test]
async fn a_legacy_row_in_every_hash_format_moves_its_user_in() {
    let w = world();
    let trigger = w.trigger(settings(&[]));
    let mut formats = std::collections::BTreeSet::new();
    for (n, (format, password, hash)) in vectors::all().into_iter().enumerate() {
        let name = format!("user{n}@example.com");
        w.legacy.insert(row(&name, &hash, &[("email", &name), ("email_verified", "true"), ("given_name", "Leg")]));
        let answer = invoke(&trigger, sign_in_event(&name.to_uppercase(), &password)).await.unwrap();
        let response = &answer["response"];
        assert_eq!(response["userAttributes"]["email"], name.as_str(), "{format}");
        assert_eq!(response["userAttributes"]["email_verified"], "true");
        assert_eq!(response["userAttributes"]["given_name"], "Leg");
        let expected = if password == PASSWORD { "CONFIRMED" } else { "RESET_REQUIRED" };
        assert_eq!(response["finalUserStatus"], expected, "{format}: the policy decides");
        assert_eq!(response["messageAction"], "SUPPRESS");
        formats.insert(format);
    }
    assert_eq!(formats.len(), 6, "{formats:?}");
    let events = w.bus.events();
    assert_eq!(events.len(), vectors::all().len());
    assert!(w.bus.detail_types().iter().all(|t| t == "UserMigrated"));
    let first = &events[0].detail;
    assert_eq!(first["userName"], "USER0@EXAMPLE.COM");
    assert_eq!(first["email"], "user0@example.com");
    assert_eq!(first["backend"], "legacy-table");
    assert_eq!(first["triggerSource"], "UserMigration_Authentication");
    let text = serde_json::to_string(&events.iter().map(|e| &e.detail).collect::<Vec<_>>()).unwrap();
    for (_, password, hash) in vectors::all() {
        // Long enough not to occur by chance (some vectors use one-letter passwords).
        let leaked = (password.len() >= 8 && text.contains(&password)) || text.contains(&hash);
        assert!(!leaked, "no password or hash in any event");
    }
}

#[tokio::test]
async fn a_retried_migration_publishes_under_the_same_id() {
    let w = world();
    w.legacy.insert(row("jane", BCRYPT_OF_PASSWORD, &[("email", "jane@example.com")]));
    let trigger = w.trigger(settings(&[]));
    invoke(&trigger, sign_in_event("jane", PASSWORD)).await.unwrap();
    invoke(&trigger, sign_in_event("jane", PASSWORD)).await.unwrap(); // Cognito's retry
    let events = w.bus.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].detail["eventId"], events[1].detail["eventId"]);
    assert_eq!(events[0].detail["finalUserStatus"], "CONFIRMED");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_read_the_same_and_both_verify_a_hash() {
    let w = world();
    // A dummy that costs something measurable (bcrypt cost 10), and a cheap real row.
    let dummy = "$2b$10$YAa1ywxPRvx.6CdJc8XVW.2iueEgHosOCcawdrtjyM1lS0jyJeOH6";
    let trigger = w.trigger(settings(&[("LEGACY_DUMMY_HASH", dummy), ("MIGRATION_LOCKOUT", "check")]));
    w.legacy.insert(row("jane", BCRYPT_OF_PASSWORD, &[("email", "jane@example.com")]));
    w.legacy.insert(row("broken", "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", &[]));
    w.legacy.insert(LegacyUser { username: "nohash".into(), password_hash: None, attributes: BTreeMap::new() });
    let wrong = denial(invoke(&trigger, sign_in_event("jane", "Wrong-Passw0rd!")).await);
    assert_eq!(wrong, message::INCORRECT);
    for unknown in ["nobody", "broken", "nohash"] {
        let started = Instant::now();
        let text = denial(invoke(&trigger, sign_in_event(unknown, "Wrong-Passw0rd!")).await);
        // A lower bound only (it cannot be met without computing bcrypt-10 once): the dummy ran.
        assert!(started.elapsed() >= Duration::from_millis(20), "{unknown}: no hash was verified");
        assert_eq!(text, wrong, "{unknown}");
        assert!(!text.contains("Wrong-Passw0rd!"));
    }
}

#[tokio::test]
async fn a_locked_name_is_refused_before_any_backend_is_asked() {
    let w = world();
    let key = lockout::key(POOL, "jane");
    let lock = Item::new(&key)
        .with(lockout::LOCKED_UNTIL, AttrValue::n(NOW as i64 + 120))
        .with(trigger_core::ports::EXPIRES_AT, AttrValue::n(NOW as i64 + 9_000));
    w.store.put(&lock, None).await.unwrap();
    let trigger = w.trigger(with_old_pool(&[]));
    let text = denial(invoke(&trigger, sign_in_event("Jane", PASSWORD)).await);
    assert_eq!(text, "Too many sign-in attempts. Try again in 2 minutes");
    assert_eq!(w.legacy.reads(), 0);
    assert!(w.old.sign_ins().is_empty());
}

#[tokio::test]
async fn the_sixth_failure_in_a_row_locks_the_name_and_the_seventh_checks_nothing() {
    let w = world();
    w.legacy.insert(row("jane", BCRYPT_OF_PASSWORD, &[]));
    let trigger = w.trigger(settings(&[]));
    for n in 1..=5 {
        assert_eq!(denial(invoke(&trigger, sign_in_event("jane", "nope")).await), message::INCORRECT, "failure {n}");
    }
    let sixth = denial(invoke(&trigger, sign_in_event("jane", "nope")).await);
    assert_eq!(sixth, "Too many sign-in attempts. Try again in 5 minutes");
    let reads = w.legacy.reads();
    let seventh = denial(invoke(&trigger, sign_in_event("jane", PASSWORD)).await);
    assert_eq!(seventh, sixth, "even the right password waits");
    assert_eq!(w.legacy.reads(), reads, "no backend asked while locked");
    assert_eq!(w.bus.detail_types(), ["UserLockedOut"], "one lock, one event; no migration");
    assert_eq!(w.bus.events()[0].detail["userExists"], false);
}

#[tokio::test]
async fn check_mode_refuses_locked_names_but_leaves_counting_to_pre_authentication() {
    let w = world();
    let trigger = w.trigger(settings(&[("MIGRATION_LOCKOUT", "check")]));
    for _ in 0..8 {
        assert_eq!(denial(invoke(&trigger, sign_in_event("jane", "nope")).await), message::INCORRECT);
    }
    assert!(w.store.items().is_empty(), "nothing counted");
}

#[tokio::test]
async fn an_unknown_source_returns_the_event_unchanged() {
    let w = world();
    let trigger = w.trigger(settings(&[]));
    let mut event = sign_in_event("jane", PASSWORD);
    event["triggerSource"] = json!("UserMigration_SomethingNew");
    let answer = invoke(&trigger, event.clone()).await.unwrap();
    // Nothing decided: the response is the request's, as the event type writes it back (no nulls).
    assert_eq!(answer["response"], json!({ "userAttributes": {}, "forceAliasCreation": false }));
    assert_eq!(answer["triggerSource"], "UserMigration_SomethingNew");
    assert_eq!(w.legacy.reads(), 0);
}

#[tokio::test]
async fn forgot_password_moves_a_known_user_in_for_a_reset_without_a_password() {
    let w = world();
    w.legacy.insert(row(
        "legacy.user@example.com",
        BCRYPT_OF_PASSWORD,
        &[("email", "legacy.user@example.com"), ("email_verified", "true")],
    ));
    w.legacy.insert(row("unverified@example.com", BCRYPT_OF_PASSWORD, &[("email", "unverified@example.com")]));
    let trigger = w.trigger(settings(&[]));
    let answer = invoke(&trigger, forgot_event("legacy.user@example.com")).await.unwrap();
    assert_eq!(answer["response"]["finalUserStatus"], "RESET_REQUIRED");
    assert_eq!(answer["response"]["userAttributes"]["email_verified"], "true");
    for refused in ["nobody@example.com", "unverified@example.com"] {
        assert_eq!(denial(invoke(&trigger, forgot_event(refused)).await), message::CANNOT_RESET, "{refused}");
    }
}

#[tokio::test]
async fn the_old_pool_moves_its_users_with_their_attributes_and_refuses_alike() {
    let w = world();
    let attributes =
        [("sub", "old-sub"), ("email", "old@example.com"), ("email_verified", "true"), ("custom:tenant", "acme")];
    let old = Arc::new(FakeOldPool::with_users(vec![
        old_user("olduser", PASSWORD, &attributes),
        OldPoolUser { challenge: Some("SOFTWARE_TOKEN_MFA".into()), ..old_user("mfa", PASSWORD, &[]) },
        OldPoolUser {
            user: DirectoryUser { enabled: false, ..old_user("off", PASSWORD, &[]).user },
            ..old_user("off", PASSWORD, &[])
        },
    ]));
    let w = World { old, ..w };
    let trigger = w.trigger(with_old_pool(&[("MIGRATION_BACKEND_ORDER", "old-pool,legacy-table")]));
    let answer = invoke(&trigger, sign_in_event("olduser", PASSWORD)).await.unwrap();
    let moved = &answer["response"]["userAttributes"];
    assert_eq!(moved, &json!({ "email": "old@example.com", "email_verified": "true", "custom:tenant": "acme" }));
    assert_eq!(w.legacy.reads(), 0, "the old pool verified first");
    assert_eq!(denial(invoke(&trigger, sign_in_event("mfa", PASSWORD)).await), message::RESET_TO_CONTINUE);
    for refused in [("olduser", "Wrong-1!"), ("off", PASSWORD), ("nobody", PASSWORD)] {
        assert_eq!(
            denial(invoke(&trigger, sign_in_event(refused.0, refused.1)).await),
            message::INCORRECT,
            "{refused:?}"
        );
    }
    let forgot = invoke(&trigger, forgot_event("olduser")).await.unwrap();
    assert_eq!(forgot["response"]["finalUserStatus"], "RESET_REQUIRED");
    assert_eq!(denial(invoke(&trigger, forgot_event("off")).await), message::CANNOT_RESET);
}

#[tokio::test]
async fn both_backends_are_asked_in_order_until_one_verifies() {
    let w = world();
    w.legacy.insert(row("jane", "$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", &[]));
    let old = Arc::new(FakeOldPool::with_users(vec![old_user("jane", PASSWORD, &[("name", "From old pool")])]));
    let w = World { old, ..w };
    let trigger = w.trigger(with_old_pool(&[]));
    let answer = invoke(&trigger, sign_in_event("jane", PASSWORD)).await.unwrap();
    assert_eq!(answer["response"]["userAttributes"]["name"], "From old pool");
    assert_eq!(w.legacy.reads(), 1);
    assert_eq!(w.old.sign_ins(), ["jane"]);
}

#[tokio::test]
async fn the_email_is_reserved_like_a_confirmed_sign_up_and_a_taken_one_is_refused() {
    let w = world();
    w.legacy.insert(row("jane", BCRYPT_OF_PASSWORD, &[("email", "Jane@Example.com")]));
    w.legacy.insert(row("copycat", BCRYPT_OF_PASSWORD, &[("email", "jane@example.com")]));
    let trigger = w.trigger(settings(&[]));
    invoke(&trigger, sign_in_event("jane", PASSWORD)).await.unwrap();
    let reservation = w.store.get(&reservations::key(POOL, Kind::Email, "jane@example.com")).await.unwrap().unwrap();
    assert_eq!(reservation.str(reservations::OWNER), Some("jane"));
    assert_eq!(reservation.str(reservations::STATUS), Some(reservations::CONFIRMED));
    // A retried invocation (Cognito retries) answers the same.
    invoke(&trigger, sign_in_event("jane", PASSWORD)).await.unwrap();
    assert_eq!(denial(invoke(&trigger, sign_in_event("copycat", PASSWORD)).await), message::EMAIL_TAKEN);
    assert_eq!(denial(invoke(&trigger, forgot_event("copycat")).await), message::CANNOT_RESET);
}

#[tokio::test]
async fn the_response_carries_no_null_cognito_would_reject() {
    let w = world();
    w.legacy.insert(row("jane", BCRYPT_OF_PASSWORD, &[("email", "jane@example.com")]));
    let trigger = w.trigger(settings(&[]));
    let answer = invoke(&trigger, sign_in_event("jane", PASSWORD)).await.unwrap();
    let response = answer["response"].as_object().unwrap();
    assert!(response.values().all(|v| !v.is_null()), "{response:?}");
    assert!(!response.contains_key("enableSMSMFA"), "false is left out");
    assert_eq!(response["desiredDeliveryMediums"], json!(["EMAIL"]));
    assert_eq!(response["forceAliasCreation"], false);
    assert_eq!(answer["request"]["password"], PASSWORD, "the request goes back as it came");
}

#[tokio::test]
async fn a_backend_or_table_outage_fails_closed_with_the_generic_text() {
    let w = world();
    w.legacy.insert(row("jane", BCRYPT_OF_PASSWORD, &[]));
    let trigger = w.trigger(settings(&[]));
    w.legacy.set_outage(Some(PortErrorKind::Timeout));
    let err = invoke(&trigger, sign_in_event("jane", PASSWORD)).await.unwrap_err();
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
    assert!(!err.to_string().contains(PASSWORD));
    w.legacy.set_outage(None);
    w.store.set_outage(Some(PortErrorKind::Unavailable));
    let err = invoke(&trigger, sign_in_event("jane", PASSWORD)).await.unwrap_err();
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
}

#[tokio::test]
async fn a_sign_in_event_without_a_password_or_a_name_is_a_bad_event() {
    let w = world();
    let trigger = w.trigger(settings(&[]));
    let mut event = sign_in_event("jane", PASSWORD);
    event["request"].as_object_mut().unwrap().remove("password");
    assert!(matches!(invoke(&trigger, event).await, Err(TriggerError::BadEvent(_))));
    assert!(matches!(invoke(&trigger, sign_in_event("  ", PASSWORD)).await, Err(TriggerError::BadEvent(_))));
}

//! The worker as the state machine drives it: a fixture task in, the answer (or the error) out,
//! through the same runtime path the binary uses, against the in-memory fakes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use signup_reminder::{Ports, Settings, SignupReminder};
use trigger_core::domain_events::{EventSettings, Events};
use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, RecordingBus, RecordingMailer};
use trigger_core::ports::{DirectoryUser, PortErrorKind, Store, UserStatus};
use trigger_core::reservations::{self, Kind};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const NOW: u64 = 1_800_000_000;
const POOL: &str = "us-east-1_EXAMPLE";
/// `signedUpAt` in the reminder fixtures.
const SIGNED_UP_AT: i64 = 1_799_400_000;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct World {
    directory: Arc<FakeDirectory>,
    store: Arc<InMemoryStore>,
    mailer: Arc<RecordingMailer>,
    bus: Arc<RecordingBus>,
    trigger: SignupReminder,
}

fn world(status: Option<UserStatus>) -> World {
    world_with(status, &[])
}

/// [`world`] with more settings (`MESSAGE_TEMPLATES_DIR`, …).
fn world_with(status: Option<UserStatus>, settings: &[(&str, &str)]) -> World {
    let directory = Arc::new(FakeDirectory::default());
    if let Some(status) = status {
        directory.insert(jane(status, &[("phone_number", "+15555550100")]));
    }
    let store = Arc::new(InMemoryStore::default());
    let mailer = Arc::new(RecordingMailer::default());
    let bus = Arc::new(RecordingBus::default());
    let mut pairs = vec![
        ("TABLE_NAME", "t"),
        ("REMINDER_EMAIL_FROM", "no-reply@example.com"),
        ("SIGNUP_URL", "https://example.com/signup"),
    ];
    pairs.extend_from_slice(settings);
    let env = Env::from_pairs(pairs);
    let ports = Ports {
        directory: directory.clone(),
        store: store.clone(),
        mailer: mailer.clone(),
        clock: Arc::new(FixedClock::at_epoch_seconds(NOW)),
        events: Events::new(&EventSettings::from_env(&Env::default()).unwrap(), bus.clone()),
    };
    let trigger = SignupReminder::new(Settings::from_env(&env).unwrap(), ports);
    World { directory, store, mailer, bus, trigger }
}

/// Jane as the directory holds her: created right after the sign-up in the fixtures
/// (`signedUpAt`), with her `sub`, `email` and the `extra` attributes.
fn jane(status: UserStatus, extra: &[(&str, &str)]) -> DirectoryUser {
    let mut attributes = BTreeMap::from([
        ("sub".to_owned(), "sub-jane".to_owned()),
        ("email".to_owned(), "jane.doe@example.com".to_owned()),
    ]);
    attributes.extend(extra.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())));
    DirectoryUser { username: "jane.doe".into(), status, enabled: true, created_at: Some(SIGNED_UP_AT + 2), attributes }
}

async fn answer(world: &World, task: Value) -> Result<Value, TriggerError> {
    run_within(&world.trigger, Duration::from_secs(1), task).await
}

async fn seed_reservations(world: &World, owner: &str) {
    let now = NOW as i64;
    for (kind, value) in [(Kind::Email, "jane.doe@example.com"), (Kind::Phone, "+15555550100")] {
        let key = reservations::key(POOL, kind, value);
        world.store.put(&reservations::pending_item(&key, owner, now, now + 3600), None).await.unwrap();
    }
}

async fn reservation_count(world: &World) -> usize {
    world.store.items().iter().filter(|i| i.key().is_some_and(|k| k.sk == reservations::SORT_KEY)).count()
}

#[tokio::test]
async fn remind_sends_one_email_however_often_it_runs_and_keeps_the_input() {
    let world = world(Some(UserStatus::Unconfirmed));
    let input = fixture("signup-reminder-remind.json");
    let first = answer(&world, input.clone()).await.unwrap();
    assert_eq!(first["outcome"], "sent");
    assert_eq!(first["action"], "remind");
    assert_eq!(first["remindAfterSeconds"], input["remindAfterSeconds"], "unknown fields survive");
    let again = answer(&world, input).await.unwrap();
    assert_eq!(again["outcome"], "already-sent");
    let sent = world.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "jane.doe@example.com", "the directory's address wins over the input's");
    assert_eq!(sent[0].subject, "Please confirm your sign-up");
    // minijinja's HTML escaping writes `/` as `&#x2f;`: the same link to a browser.
    assert!(sent[0].html.as_deref().unwrap().contains("href=\"https:&#x2f;&#x2f;example.com&#x2f;signup\""));
    assert!(sent[0].text.contains("Continue here: https://example.com/signup"), "{}", sent[0].text);
}

#[tokio::test]
async fn both_emails_go_out_in_the_users_language() {
    let world = world(None);
    world.directory.insert(jane(UserStatus::Unconfirmed, &[("locale", "de-CH"), ("given_name", "Jana <b>")]));
    assert_eq!(answer(&world, fixture("signup-reminder-remind.json")).await.unwrap()["outcome"], "sent");
    assert_eq!(answer(&world, fixture("signup-reminder-expire.json")).await.unwrap()["outcome"], "expired");
    let sent = world.mailer.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].subject, "Bitte bestätigen Sie Ihre Registrierung");
    assert!(sent[0].text.starts_with("Hallo Jana <b>,"), "{}", sent[0].text);
    assert!(sent[0].html.as_deref().unwrap().contains("Hallo Jana &lt;b&gt;,"), "escaped");
    // The notice is rendered from the user read before the delete: still in German.
    assert_eq!(sent[1].subject, "Ihre unbestätigte Registrierung wurde entfernt");
    assert!(sent[1].text.contains("Sie können sich jederzeit erneut registrieren: https://example.com/signup"));
}

#[tokio::test]
async fn remind_does_nothing_for_a_confirmed_or_missing_user() {
    for (status, outcome) in [(Some(UserStatus::Confirmed), "skipped-confirmed"), (None, "skipped-gone")] {
        let world = world(status);
        let out = answer(&world, fixture("signup-reminder-remind.json")).await.unwrap();
        assert_eq!(out["outcome"], outcome);
        assert!(world.mailer.sent().is_empty());
        assert!(world.store.items().is_empty(), "no record either");
    }
}

#[tokio::test]
async fn a_failed_send_gives_the_claim_back_so_the_retry_sends() {
    let world = world(Some(UserStatus::Unconfirmed));
    world.mailer.set_outage(Some(PortErrorKind::Unavailable));
    let err = answer(&world, fixture("signup-reminder-remind.json")).await.unwrap_err();
    assert_eq!(err.kind(), "DependencyFailure", "the ASL retries this error name");
    world.mailer.set_outage(None);
    assert_eq!(answer(&world, fixture("signup-reminder-remind.json")).await.unwrap()["outcome"], "sent");
    assert_eq!(world.mailer.sent().len(), 1);
}

#[tokio::test]
async fn expire_deletes_the_unconfirmed_user_releases_and_notifies_once() {
    let world = world(Some(UserStatus::Unconfirmed));
    seed_reservations(&world, "jane.doe").await;
    let out = answer(&world, fixture("signup-reminder-expire.json")).await.unwrap();
    assert_eq!(out["outcome"], "expired");
    assert_eq!(out["remindResult"], json!({ "action": "remind", "outcome": "sent" }));
    assert!(world.directory.users().is_empty());
    assert_eq!(reservation_count(&world).await, 0, "e-mail and phone released");
    assert_eq!(answer(&world, fixture("signup-reminder-expire.json")).await.unwrap()["outcome"], "expired");
    let sent = world.mailer.sent();
    assert_eq!(sent.len(), 1, "one notice");
    assert!(sent[0].text.contains("was removed"));
    assert!(sent[0].text.contains("You can sign up again"));
    // Both runs publish SignUpExpired, under one id: the consumer sees one expiry.
    let events = world.bus.events();
    assert_eq!(world.bus.detail_types(), ["SignUpExpired"; 2]);
    assert_eq!(events[0].detail["eventId"], events[1].detail["eventId"]);
    assert_eq!(events[0].detail["userName"], "jane.doe");
    assert_eq!(events[0].detail["sub"], "sub-jane");
    assert_eq!(events[0].detail["email"], "jane.doe@example.com");
    assert_eq!(events[0].detail["signedUpAt"], SIGNED_UP_AT);
}

#[tokio::test]
async fn expire_never_deletes_a_newer_user_that_reused_the_name() {
    let world = world(None);
    // Deleted by an operator after the sign-up; a new sign-up took the name a day later.
    world.directory.insert(DirectoryUser {
        username: "jane.doe".into(),
        status: UserStatus::Unconfirmed,
        enabled: true,
        created_at: Some(SIGNED_UP_AT + 86_400),
        attributes: BTreeMap::from([("sub".into(), "sub-newcomer".into())]),
    });
    for fixture_name in ["signup-reminder-expire.json", "signup-reminder-remind.json"] {
        let out = answer(&world, fixture(fixture_name)).await.unwrap();
        assert_eq!(out["outcome"], "skipped-other-user", "{fixture_name}");
    }
    // With a `sub` in the input, the sub decides.
    let mut by_sub = fixture("signup-reminder-expire.json");
    by_sub["sub"] = json!("sub-jane");
    assert_eq!(answer(&world, by_sub.clone()).await.unwrap()["outcome"], "skipped-other-user");
    assert_eq!(world.directory.users().len(), 1, "the newcomer is kept");
    assert!(world.mailer.sent().is_empty());
    by_sub["sub"] = json!("sub-newcomer");
    assert_eq!(answer(&world, by_sub).await.unwrap()["outcome"], "expired", "its own sub: it is this sign-up's");
    assert!(world.directory.users().is_empty());
}

#[tokio::test]
async fn an_input_that_cannot_identify_the_user_deletes_nothing() {
    let world = world(Some(UserStatus::Unconfirmed));
    let mut input = fixture("signup-reminder-expire.json");
    input.as_object_mut().unwrap().remove("signedUpAt");
    assert_eq!(answer(&world, input).await.unwrap()["outcome"], "skipped-other-user");
    assert_eq!(world.directory.users().len(), 1);
}

#[tokio::test]
async fn a_retry_after_the_delete_still_releases_and_sends_the_notice() {
    let world = world(Some(UserStatus::Unconfirmed));
    seed_reservations(&world, "jane.doe").await;
    world.mailer.set_outage(Some(PortErrorKind::Throttled));
    answer(&world, fixture("signup-reminder-expire.json")).await.unwrap_err();
    assert!(world.directory.users().is_empty(), "deleted before the notice failed");
    world.mailer.set_outage(None);
    assert_eq!(answer(&world, fixture("signup-reminder-expire.json")).await.unwrap()["outcome"], "expired");
    assert_eq!(world.mailer.sent().len(), 1);
    assert_eq!(reservation_count(&world).await, 0);
}

#[tokio::test]
async fn expire_leaves_a_confirmed_user_and_its_reservation_alone() {
    let world = world(Some(UserStatus::Confirmed));
    seed_reservations(&world, "jane.doe").await;
    assert_eq!(answer(&world, fixture("signup-reminder-expire.json")).await.unwrap()["outcome"], "skipped-confirmed");
    assert_eq!(world.directory.users().len(), 1);
    assert_eq!(reservation_count(&world).await, 2);
    assert!(world.mailer.sent().is_empty());
    assert!(world.bus.events().is_empty(), "nothing expired: no event");
}

#[tokio::test]
async fn a_missing_user_has_its_pending_reservation_released_but_gets_no_notice() {
    let world = world(None);
    seed_reservations(&world, "jane.doe").await;
    let other = reservations::key(POOL, Kind::Email, "someone@example.com");
    world.store.put(&reservations::pending_item(&other, "someone", 1, NOW as i64 + 10), None).await.unwrap();
    let mut task = fixture("signup-reminder-expire.json");
    task["email"] = json!("someone@example.com"); // a value this user does not hold is not touched
    assert_eq!(answer(&world, task).await.unwrap()["outcome"], "skipped-gone");
    assert!(world.store.get(&other).await.unwrap().is_some());
    assert_eq!(answer(&world, fixture("signup-reminder-expire.json")).await.unwrap()["outcome"], "skipped-gone");
    assert_eq!(reservation_count(&world).await, 1, "jane's e-mail and phone (both in the input) released");
    assert!(world.store.get(&other).await.unwrap().is_some(), "the other user's row remains");
    assert!(world.mailer.sent().is_empty());
}

#[tokio::test]
async fn an_outage_propagates_as_a_retryable_error() {
    let world = world(Some(UserStatus::Unconfirmed));
    world.directory.set_outage(Some(PortErrorKind::Timeout));
    let err = answer(&world, fixture("signup-reminder-expire.json")).await.unwrap_err();
    assert_eq!(err.kind(), "DependencyFailure");
    world.directory.set_outage(None);
    world.store.set_outage(Some(PortErrorKind::Unavailable));
    let err = answer(&world, fixture("signup-reminder-expire.json")).await.unwrap_err();
    assert_eq!(err.kind(), "DependencyFailure");
    assert_eq!(world.directory.users().len(), 1, "nothing deleted before the record was written");
}

#[tokio::test]
async fn bad_input_is_a_clear_non_retryable_error() {
    let world = world(Some(UserStatus::Unconfirmed));
    let mut missing = fixture("signup-reminder-remind.json");
    missing.as_object_mut().unwrap().remove("userPoolId");
    let err = answer(&world, missing).await.unwrap_err();
    assert_eq!(err.kind(), "BadEvent");
    assert!(err.to_string().contains("missing field `userPoolId`"), "{err}");
    let mut action = fixture("signup-reminder-remind.json");
    action["action"] = json!("delete-everything");
    let err = answer(&world, action).await.unwrap_err();
    assert!(err.to_string().contains("expected `remind` or `expire`"), "{err}");
    let mut blank = fixture("signup-reminder-remind.json");
    blank["userName"] = json!("  ");
    assert_eq!(answer(&world, blank).await.unwrap_err().to_string(), "bad event: userName is empty");
    assert!(world.mailer.sent().is_empty());
}

#[tokio::test]
async fn a_message_the_templates_cannot_render_is_not_sent_and_not_retried_and_the_expiry_still_happens() {
    let dir = std::env::temp_dir().join(format!("signup-reminder-templates-{}", std::process::id()));
    for (file, text) in [
        ("en/sign-up-reminder.subject.txt", "{{ name }}, confirm"),
        ("en/sign-up-expired.subject.txt", "{{ name }}, gone"),
    ] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let world = world_with(None, &[("MESSAGE_TEMPLATES_DIR", dir.to_str().unwrap())]);
    // Printed into the overridden subject, the name would start a second header line.
    world.directory.insert(jane(UserStatus::Unconfirmed, &[("name", "Jane\r\nBcc: everyone@example.com")]));
    let out = answer(&world, fixture("signup-reminder-remind.json")).await.unwrap();
    assert_eq!(out["outcome"], "skipped-not-rendered", "a retry would fail the same way: an answer, not an error");
    assert!(world.store.items().is_empty(), "nothing claimed for an e-mail never sent");
    assert_eq!(answer(&world, fixture("signup-reminder-expire.json")).await.unwrap()["outcome"], "expired");
    assert!(world.directory.users().is_empty(), "the expiry itself is done");
    assert!(world.mailer.sent().is_empty(), "neither e-mail went out");
    let _ = std::fs::remove_dir_all(&dir);
}

//! The trigger as Cognito drives it: fixture events through the runtime path the binary uses,
//! with in-memory ports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use post_confirmation::{Ports, PostConfirmation, Settings};
use serde_json::{Value, json};
use trigger_core::domain_events::{EventSettings, Events};
use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, RecordingBus, RecordingMailer};
use trigger_core::lockout;
use trigger_core::lockout::Subject;
use trigger_core::ports::{AttrValue, Item, Key, PortErrorKind, Store};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const SUB: &str = "4a8b2c3d-1111-2222-3333-444455556666";

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct World {
    store: Arc<InMemoryStore>,
    directory: Arc<FakeDirectory>,
    mailer: Arc<RecordingMailer>,
    clock: Arc<FixedClock>,
    bus: Arc<RecordingBus>,
}

impl World {
    fn new() -> Self {
        Self {
            store: Arc::new(InMemoryStore::default()),
            directory: Arc::new(FakeDirectory::default()),
            mailer: Arc::new(RecordingMailer::default()),
            clock: Arc::new(FixedClock::at_epoch_seconds(1_700_000_000)),
            bus: Arc::new(RecordingBus::default()),
        }
    }

    fn trigger(&self, pairs: &[(&str, &str)]) -> PostConfirmation {
        let mut all = vec![("TABLE_NAME", "t")];
        all.extend_from_slice(pairs);
        let settings = Settings::from_env(&Env::from_pairs(all)).unwrap();
        let ports = Ports {
            store: self.store.clone(),
            directory: self.directory.clone(),
            mailer: self.mailer.clone(),
            clock: self.clock.clone(),
            events: Events::new(&EventSettings::from_env(&Env::default()).unwrap(), self.bus.clone()),
        };
        PostConfirmation::new(settings, ports)
    }

    async fn profile(&self) -> Option<trigger_core::ports::Item> {
        self.store.get(&Key::new(format!("USER#{SUB}"), "PROFILE")).await.unwrap()
    }
}

const FULL: &[(&str, &str)] = &[("WELCOME_EMAIL_FROM", "no-reply@example.com"), ("DEFAULT_GROUP", "members")];

async fn answer(trigger: &PostConfirmation, event: Value) -> Result<Value, TriggerError> {
    run_within(trigger, Duration::from_secs(1), event).await
}

#[tokio::test]
async fn a_sign_up_confirmation_creates_the_profile_reserves_groups_and_welcomes_once() {
    let world = World::new();
    let trigger = world.trigger(FULL);
    let input = fixture("post-confirmation.json");
    for _ in 0..3 {
        let output = answer(&trigger, input.clone()).await.unwrap();
        assert_eq!(output["userName"], input["userName"]);
        assert_eq!(output["response"], json!({}));
    }
    let profile = world.profile().await.unwrap();
    assert_eq!(profile.str("sub"), Some(SUB));
    assert_eq!(profile.str("username"), Some("jane.doe"));
    assert_eq!(profile.str("email"), Some("jane.doe@example.com"));
    assert_eq!(profile.str("name"), Some("Jane <Doe>"));
    assert_eq!(profile.str("status"), Some("CONFIRMED"));
    assert_eq!(profile.i64("createdAt"), Some(1_700_000_000));
    let reservation_key = Key::new("EMAIL#us-east-1_EXAMPLE1#jane.doe@example.com", "RESERVATION");
    let reservation = world.store.get(&reservation_key).await.unwrap().unwrap();
    assert_eq!(reservation.str("owner"), Some("jane.doe"));
    assert_eq!(reservation.get("expiresAt"), None, "permanent");
    assert_eq!(world.directory.groups_of("jane.doe"), ["members"]);
    let sent = world.mailer.sent();
    assert_eq!(sent.len(), 1, "three invocations, one e-mail");
    assert_eq!(sent[0].to, "jane.doe@example.com");
    assert_eq!(sent[0].from, "no-reply@example.com");
    assert!(sent[0].text.contains("Hello Jane <Doe>,"), "{}", sent[0].text);
    assert!(sent[0].html.as_deref().unwrap().contains("Hello Jane &lt;Doe&gt;,"), "{:?}", sent[0].html);
}

#[tokio::test]
async fn the_welcome_email_comes_from_the_catalogue_in_the_users_language() {
    type Pairs<'a> = &'a [(&'a str, &'a str)];
    // (user attributes added, client metadata added, the subject, how the text starts)
    let cases: [(Pairs, Pairs, &str, &str); 5] = [
        (&[], &[], "Welcome", "Hello Jane <Doe>, welcome! Your account for jane.doe@example.com is ready."),
        (&[("locale", "de")], &[], "Willkommen", "Hallo Jane <Doe>, willkommen!"),
        // No locale attribute: the confirmation's client metadata, by its language.
        (&[], &[("locale", "pt-BR")], "Boas-vindas", "Olá Jane <Doe>, boas-vindas!"),
        // The attribute comes first; a language the catalogue lacks falls through to the next.
        (&[("locale", "ja")], &[("locale", "de-AT")], "Willkommen", "Hallo Jane <Doe>"),
        (&[("locale", "pt"), ("name", ""), ("given_name", "Joana")], &[("locale", "de")], "Boas-vindas", "Olá Joana,"),
    ];
    for (attributes, metadata, subject, text) in cases {
        let world = World::new();
        let mut event = fixture("post-confirmation.json");
        for (name, value) in attributes {
            event["request"]["userAttributes"][name] = json!(value);
        }
        for (name, value) in metadata {
            event["request"]["clientMetadata"][name] = json!(value);
        }
        answer(&world.trigger(FULL), event).await.unwrap();
        let sent = world.mailer.sent();
        assert_eq!(sent.len(), 1, "{attributes:?} {metadata:?}");
        assert_eq!(sent[0].subject, subject, "{attributes:?} {metadata:?}");
        assert!(sent[0].text.starts_with(text), "{attributes:?} {metadata:?}: {}", sent[0].text);
        let html = sent[0].html.as_deref().unwrap();
        assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<Doe>"), "escaped: {html}");
    }
    // DEFAULT_LOCALE decides for a user who states no language.
    let world = World::new();
    answer(&world.trigger(&[FULL[0], ("DEFAULT_LOCALE", "de")]), fixture("post-confirmation.json")).await.unwrap();
    assert_eq!(world.mailer.sent()[0].subject, "Willkommen");
}

/// A directory of override templates, removed on drop.
struct Templates(std::path::PathBuf);

impl Templates {
    fn with(files: &[(&str, &str)]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("post-confirmation-templates-{}-{}", std::process::id(), files.len()));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Self(dir)
    }

    fn dir(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Templates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn the_operators_overrides_write_the_welcome_email_and_a_value_cannot_break_the_subject() {
    let templates = Templates::with(&[
        ("en/welcome.subject.txt", "Welcome aboard, {{ name }}"),
        ("en/welcome.txt", "Hi {{ name | upper }} ({{ username }}), {{ email }}"),
    ]);
    let world = World::new();
    let trigger = world.trigger(&[FULL[0], ("MESSAGE_TEMPLATES_DIR", templates.dir())]);
    answer(&trigger, fixture("post-confirmation.json")).await.unwrap();
    let sent = world.mailer.sent();
    assert_eq!(sent[0].subject, "Welcome aboard, Jane <Doe>");
    assert_eq!(sent[0].text, "Hi JANE <DOE> (jane.doe), jane.doe@example.com");
    assert!(sent[0].html.as_deref().unwrap().contains("Jane &lt;Doe&gt;"), "the built-in HTML part, escaped");

    // A name that would put a second header line into the subject: the e-mail is not sent (nor
    // would a retry render it), and the confirmation's own steps stand.
    let world = World::new();
    let trigger = world.trigger(&[FULL[0], FULL[1], ("MESSAGE_TEMPLATES_DIR", templates.dir())]);
    let mut event = fixture("post-confirmation.json");
    event["request"]["userAttributes"]["name"] = json!("Jane\r\nBcc: everyone@example.com");
    answer(&trigger, event).await.unwrap();
    assert!(world.mailer.sent().is_empty());
    assert!(world.profile().await.is_some());
    assert_eq!(world.directory.groups_of("jane.doe"), ["members"]);
    let claim = Key::new(format!("IDEMPOTENCY#welcome#us-east-1_EXAMPLE1#{SUB}"), "CLAIM");
    assert_eq!(world.store.get(&claim).await.unwrap(), None, "nothing claimed for an e-mail never sent");
}

#[tokio::test]
async fn a_password_reset_clears_the_sign_in_lockout_and_nothing_else() {
    let world = World::new();
    let trigger = world.trigger(FULL);
    // The fixture's user, by sub; beside it the record of `Jane.Doe`, another user of a
    // case-sensitive pool (on 5a923f4 both were `jane.doe`: one's reset cleared the other's lock).
    let lock =
        lockout::key("us-east-1_EXAMPLE1", &Subject::User { sub: "4a8b2c3d-1111-2222-3333-444455556666".into() });
    let other = lockout::key("us-east-1_EXAMPLE1", &Subject::Name("jane.doe".into()));
    let locked = Item::new(&lock)
        .with(lockout::ATTEMPTS, AttrValue::n(5))
        .with(lockout::LOCKED_UNTIL, AttrValue::n(1_700_000_900))
        .with(lockout::LOCKOUTS, AttrValue::n(3));
    world.store.put(&locked, None).await.unwrap();
    let other_locked = Item::new(&other).with(lockout::LOCKED_UNTIL, AttrValue::n(1_700_000_900));
    world.store.put(&other_locked, None).await.unwrap();
    let input = fixture("post-confirmation-forgot-password.json");
    let output = answer(&trigger, input.clone()).await.unwrap();
    assert_eq!(output["triggerSource"], "PostConfirmation_ConfirmForgotPassword");
    assert_eq!(world.store.get(&lock).await.unwrap(), None, "the lock someone else caused is gone");
    assert!(world.store.get(&other).await.unwrap().is_some(), "another subject's lock stays");
    world.store.delete(&other, None).await.unwrap();
    // With events on, only the row that keeps PasswordReset's id across retries.
    let items = world.store.items();
    assert!(
        items.iter().all(|item| item.str("sk") == Some(post_confirmation::PASSWORD_RESET_SORT_KEY)),
        "no profile, reservation or e-mail record: {items:?}"
    );
    assert!(world.mailer.sent().is_empty(), "no e-mail");
    assert!(world.directory.groups_of("jane.doe").is_empty());
    // A store failure never fails the reset: the lock expires by itself.
    world.store.set_outage(Some(PortErrorKind::Unavailable));
    answer(&trigger, input).await.unwrap();
}

#[tokio::test]
async fn unknown_sources_change_nothing() {
    let world = World::new();
    let trigger = world.trigger(FULL);
    let mut unknown = fixture("post-confirmation.json");
    unknown["triggerSource"] = json!("PostConfirmation_SomethingNew");
    let output = answer(&trigger, unknown).await.unwrap();
    assert_eq!(output["triggerSource"], "PostConfirmation_SomethingNew");
    assert!(world.store.items().is_empty(), "no row written");
    assert!(world.mailer.sent().is_empty(), "no e-mail");
    assert!(world.directory.groups_of("jane.doe").is_empty());
}

#[tokio::test]
async fn without_settings_only_the_profile_and_reservation_are_written() {
    let world = World::new();
    answer(&world.trigger(&[]), fixture("post-confirmation.json")).await.unwrap();
    assert!(world.profile().await.is_some());
    assert!(world.mailer.sent().is_empty());
    assert!(world.directory.groups_of("jane.doe").is_empty());
    assert_eq!(world.store.items().len(), 2, "profile + e-mail reservation, no idempotency record");
}

#[tokio::test]
async fn a_failed_send_keeps_profile_and_group_and_gives_the_claim_back_for_the_retry() {
    let world = World::new();
    let trigger = world.trigger(FULL);
    world.mailer.set_outage(Some(PortErrorKind::Unavailable));
    let err = answer(&trigger, fixture("post-confirmation.json")).await.unwrap_err();
    assert_eq!(err.kind(), "DependencyFailure", "Cognito retries");
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE, "internals never shown");
    assert!(world.profile().await.is_some(), "the profile is written before the e-mail");
    assert_eq!(world.directory.groups_of("jane.doe"), ["members"], "the group never waits on the e-mail");
    let claim = Key::new(format!("IDEMPOTENCY#welcome#us-east-1_EXAMPLE1#{SUB}"), "CLAIM");
    let record = world.store.get(&claim).await.unwrap().unwrap();
    assert_eq!(record.str("status"), Some("FAILED"), "an operator can see the e-mail did not go out");
    assert_eq!((record.i64("failures"), record.str("lastError")), (Some(1), Some("unavailable")));
    world.mailer.set_outage(None);
    answer(&trigger, fixture("post-confirmation.json")).await.unwrap();
    assert_eq!(world.mailer.sent().len(), 1, "the retry sends");
    answer(&trigger, fixture("post-confirmation.json")).await.unwrap();
    assert_eq!(world.mailer.sent().len(), 1, "and only once");
}

#[tokio::test]
async fn a_store_outage_fails_with_the_generic_text_and_sends_nothing() {
    let world = World::new();
    let trigger = world.trigger(FULL);
    world.store.set_outage(Some(PortErrorKind::Timeout));
    let err = answer(&trigger, fixture("post-confirmation.json")).await.unwrap_err();
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
    assert!(world.mailer.sent().is_empty());
}

#[tokio::test]
async fn a_confirmation_without_sub_is_a_bad_event() {
    let world = World::new();
    let mut event = fixture("post-confirmation.json");
    event["request"]["userAttributes"] = Value::Null;
    let err = answer(&world.trigger(FULL), event).await.unwrap_err();
    assert_eq!(err.kind(), "BadEvent");
}

#[tokio::test]
async fn a_confirmation_publishes_user_confirmed_with_one_id_across_retries() {
    let world = World::new();
    let trigger = world.trigger(FULL);
    let input = fixture("post-confirmation.json");
    answer(&trigger, input.clone()).await.unwrap();
    world.clock.advance(Duration::from_secs(5));
    answer(&trigger, input).await.unwrap();
    let events = world.bus.events();
    assert_eq!(world.bus.detail_types(), ["UserConfirmed", "UserConfirmed"]);
    let detail = &events[0].detail;
    assert_eq!(events[0].source, "cognito-triggers");
    assert_eq!(detail["schemaVersion"], 1);
    assert_eq!(detail["sub"], SUB);
    assert_eq!(detail["userName"], "jane.doe");
    assert_eq!(detail["email"], "jane.doe@example.com");
    assert_eq!(detail["occurredAt"], 1_700_000_000_000_i64);
    assert_eq!(events[1].detail["eventId"], detail["eventId"], "a retry carries the same id");
    assert_ne!(events[1].detail["occurredAt"], detail["occurredAt"]);
}

#[tokio::test]
async fn a_failed_step_publishes_nothing_and_a_failed_bus_fails_nothing() {
    let world = World::new();
    let trigger = world.trigger(FULL);
    world.mailer.set_outage(Some(PortErrorKind::Unavailable));
    answer(&trigger, fixture("post-confirmation.json")).await.unwrap_err();
    assert!(world.bus.events().is_empty(), "not confirmed as far as we know: no event");
    world.mailer.set_outage(None);
    world.bus.set_outage(Some(PortErrorKind::Unavailable));
    answer(&trigger, fixture("post-confirmation.json")).await.unwrap();
    answer(&trigger, fixture("post-confirmation-forgot-password.json")).await.unwrap();
}

#[tokio::test]
async fn a_password_reset_keeps_its_id_across_retries_and_a_second_reset_gets_a_new_one() {
    let world = World::new();
    let trigger = world.trigger(&[]);
    let input = fixture("post-confirmation-forgot-password.json");
    answer(&trigger, input.clone()).await.unwrap();
    world.clock.advance(Duration::from_secs(10));
    answer(&trigger, input.clone()).await.unwrap(); // Cognito's retry
    world.clock.advance(Duration::from_secs(3_600));
    answer(&trigger, input).await.unwrap(); // another reset, an hour later
    let events = world.bus.events();
    assert_eq!(world.bus.detail_types(), ["PasswordReset"; 3]);
    let ids: Vec<&Value> = events.iter().map(|e| &e.detail["eventId"]).collect();
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
    assert_eq!(events[1].detail["resetAt"], 1_700_000_000);
    assert_eq!(events[2].detail["resetAt"], 1_700_003_610);
    for event in &events {
        assert!(event.detail.get("email").is_none() && event.detail.get("phoneNumber").is_none());
    }
}

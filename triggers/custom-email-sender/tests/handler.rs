//! The trigger as Lambda drives it: fixture events through the runtime path the binary uses, with
//! the ports faked (decryptor, SES, the store).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use custom_email_sender::{CustomEmailSender, Ports, Settings};
use custom_sender::DELIVERY_LEASE;
use message_catalogue::MessageKind;
use serde_json::{Value, json};
use trigger_core::events::CustomEmailSenderSource;
use trigger_core::fakes::{FakeDecryptor, FakeDirectory, FixedClock, InMemoryStore, RecordingMailer};
use trigger_core::idempotency;
use trigger_core::ports::{DirectoryUser, PortErrorKind, Store, UserStatus};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const POOL: &str = "us-east-1_EXAMPLE1";
const MESSAGE: &str = "AYADeBgvGjEXAMPLEciphertextOnlyNotARealMessage==";
const SECOND_MESSAGE: &str = "AYADeBsecondMessage==";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn fixture() -> Value {
    named_fixture("custom-email-sender.json")
}

fn named_fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Rig {
    trigger: CustomEmailSender,
    decryptor: Arc<FakeDecryptor>,
    mailer: Arc<RecordingMailer>,
    directory: Arc<FakeDirectory>,
    store: Arc<InMemoryStore>,
    clock: Arc<FixedClock>,
}

fn rig(code: &str) -> Rig {
    let env = Env::from_pairs([("EMAIL_FROM", "no-reply@example.com"), ("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")]);
    let decryptor = Arc::new(FakeDecryptor::default().with_message(MESSAGE, POOL, code).with_message(
        SECOND_MESSAGE,
        POOL,
        "654321",
    ));
    let mailer = Arc::new(RecordingMailer::default());
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(1_800_000_000));
    let directory = Arc::new(FakeDirectory::default());
    let ports = Ports {
        decryptor: decryptor.clone(),
        mailer: mailer.clone(),
        directory: directory.clone(),
        store: store.clone(),
        clock: clock.clone(),
    };
    let trigger = CustomEmailSender::new(Settings::from_env(&env).unwrap(), ports);
    Rig { trigger, decryptor, mailer, directory, store, clock }
}

async fn invoke(rig: &Rig, event: Value) -> Result<Value, TriggerError> {
    run_within(&rig.trigger, Duration::from_secs(2), event).await
}

#[tokio::test]
async fn every_source_sends_its_message_with_the_decrypted_code_once() {
    for source in CustomEmailSenderSource::KNOWN {
        let rig = rig("123456");
        let mut event = fixture();
        event["triggerSource"] = json!(source);
        let takeover = source.ends_with("AccountTakeOverNotification");
        if takeover {
            event["request"].as_object_mut().unwrap().remove("code");
        }
        let answer = invoke(&rig, event.clone()).await.unwrap();
        assert_eq!(answer["triggerSource"], json!(source), "the event comes back");
        let sent = rig.mailer.sent();
        assert_eq!(sent.len(), 1, "{source}");
        let email = &sent[0];
        assert_eq!((email.from.as_str(), email.to.as_str()), ("no-reply@example.com", "jane.doe@example.com"));
        let kind = custom_sender::email_kind(&CustomEmailSenderSource::from(*source)).unwrap();
        assert_eq!(kind.needs_code(), !takeover);
        if kind.needs_code() {
            for body in [&email.text, email.html.as_ref().unwrap()] {
                assert!(body.contains("123456"), "{source}: {body}");
            }
        }
        if kind == MessageKind::AdminInvitation {
            assert!(email.text.contains("jane.doe"), "an invitation names the user name");
        }
        assert_eq!(rig.decryptor.calls(), usize::from(!takeover), "the notice has no code to decrypt");
        // Lambda delivers the same event again (a duplicate, or a retry after a late failure).
        invoke(&rig, event.clone()).await.unwrap();
        invoke(&rig, event).await.unwrap();
        assert_eq!(rig.mailer.sent().len(), 1, "{source}: one delivery, one e-mail");
    }
}

#[tokio::test]
async fn a_new_code_for_the_same_user_is_a_new_delivery() {
    let rig = rig("123456");
    invoke(&rig, fixture()).await.unwrap();
    let mut resend = fixture();
    resend["triggerSource"] = json!("CustomEmailSender_ResendCode");
    invoke(&rig, resend.clone()).await.unwrap();
    resend["request"]["code"] = json!(SECOND_MESSAGE);
    invoke(&rig, resend).await.unwrap();
    let sent = rig.mailer.sent();
    assert_eq!(sent.len(), 3, "sign-up, resend, resend with a new code: three deliveries");
    assert!(sent[2].text.contains("654321"), "{}", sent[2].text);
}

#[tokio::test]
async fn a_failed_send_fails_the_invocation_and_the_retry_sends() {
    let rig = rig("123456");
    rig.mailer.set_outage(Some(PortErrorKind::Unavailable));
    let err = invoke(&rig, fixture()).await.unwrap_err();
    assert!(matches!(err, TriggerError::Port(_)), "{err:?}");
    assert!(rig.mailer.sent().is_empty());
    // The claim was given back: Lambda's retry (a minute later) finds the delivery free.
    let records = rig.store.items();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].str(idempotency::STATUS), Some(idempotency::FAILED));
    rig.mailer.set_outage(None);
    rig.clock.advance(Duration::from_secs(60));
    invoke(&rig, fixture()).await.unwrap();
    assert_eq!(rig.mailer.sent().len(), 1);
    invoke(&rig, fixture()).await.unwrap();
    assert_eq!(rig.mailer.sent().len(), 1, "done stays done");
    let record = rig.store.get(&records[0].key().unwrap()).await.unwrap().unwrap();
    assert_eq!(record.str(idempotency::STATUS), Some(idempotency::DONE));
    const { assert!(DELIVERY_LEASE.keep_seconds >= 6 * 60 * 60, "kept past Lambda's asynchronous retry window") };
}

#[tokio::test]
async fn an_undecryptable_code_is_an_error_that_names_no_secret_and_sends_nothing() {
    let rig = rig("123456");
    let mut foreign = fixture();
    foreign["request"]["code"] = json!("AYADeBunknownMessageUnderAnotherKey==");
    let mut other_pool = fixture();
    other_pool["userPoolId"] = json!("us-east-1_OTHER");
    for event in [foreign, other_pool] {
        let err = invoke(&rig, event).await.unwrap_err();
        assert!(matches!(err, TriggerError::BadEvent(_)), "{err:?}");
        let text = err.to_string();
        assert!(!text.contains("AYADeB") && !text.contains("123456"), "{text}");
    }
    rig.decryptor.set_outage(Some(PortErrorKind::Throttled));
    assert!(matches!(invoke(&rig, fixture()).await.unwrap_err(), TriggerError::Port(_)), "KMS away: transient");
    assert!(rig.mailer.sent().is_empty());
    assert!(rig.store.items().is_empty(), "nothing claimed before the code is known");
}

#[tokio::test]
async fn the_message_is_in_the_users_language_with_hostile_attributes_escaped() {
    let german = rig("Tmp&amp;<b>1");
    let mut event = fixture();
    event["triggerSource"] = json!("CustomEmailSender_AdminCreateUser");
    event["request"]["userAttributes"]["locale"] = json!("de-AT");
    event["request"]["userAttributes"]["given_name"] = json!("<script>alert(1)</script>");
    invoke(&german, event).await.unwrap();
    let email = &german.mailer.sent()[0];
    let html = email.html.as_ref().unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(
        html.contains("Tmp&amp;&lt;b&gt;1"),
        "the temporary password unescaped once, escaped again for HTML: {html}"
    );
    assert!(email.text.contains("Tmp&<b>1"), "the text body shows what the user types: {}", email.text);
    let english = rig("Tmp&amp;<b>1");
    let mut event = fixture();
    event["triggerSource"] = json!("CustomEmailSender_AdminCreateUser");
    invoke(&english, event).await.unwrap();
    assert_ne!(email.subject, english.mailer.sent()[0].subject, "de-AT falls back to de, not to the default");
}

#[tokio::test]
async fn an_unknown_source_or_a_missing_address_is_an_error_not_a_silent_success() {
    let rig = rig("123456");
    let mut unknown = fixture();
    unknown["triggerSource"] = json!("CustomEmailSender_SomethingNew");
    assert!(matches!(invoke(&rig, unknown).await.unwrap_err(), TriggerError::BadEvent(_)));
    let mut no_email = fixture();
    no_email["request"]["userAttributes"].as_object_mut().unwrap().remove("email");
    let err = invoke(&rig, no_email).await.unwrap_err();
    assert!(err.to_string().contains("no email attribute"), "{err}");
    assert!(rig.mailer.sent().is_empty());
}

fn directory_user(username: &str, attributes: &[(&str, &str)]) -> DirectoryUser {
    DirectoryUser {
        username: username.into(),
        status: UserStatus::Confirmed,
        enabled: true,
        created_at: None,
        attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

#[tokio::test]
async fn the_takeover_notice_in_cognitos_shape_reaches_the_directory_address_once_per_risk_event() {
    let rig = rig("123456");
    rig.directory.insert(directory_user(
        "jane.doe",
        &[("email", "jane@directory.example"), ("locale", "de"), ("given_name", "Jane")],
    ));
    let notice = named_fixture("custom-email-sender-account-takeover.json");
    for _ in 0..3 {
        let answer = invoke(&rig, notice.clone()).await.unwrap();
        assert_eq!(answer["request"]["userAttributes"]["CITY"], Value::Null, "the event comes back as given");
    }
    let sent = rig.mailer.sent();
    assert_eq!(sent.len(), 1, "three deliveries of one notice, one e-mail");
    assert_eq!(rig.decryptor.calls(), 0, "the notice has no code: the decryptor is never called");
    let email = &sent[0];
    assert_eq!(email.to, "jane@directory.example");
    let html = email.html.as_ref().unwrap();
    for body in [&email.text, html] {
        for wanted in
            ["Hallo Jane", "Wir haben sie blockiert", "192.0.2.44", "Mon Dec 07 20:40:16 UTC 2026", "Portugal"]
        {
            assert!(body.contains(wanted), "{wanted}: {body}");
        }
    }
    assert!(
        email
            .text
            .contains("https://cognito-idp.us-east-1.amazonaws.com/feedback?valid=true&token=EXAMPLEfeedbackTOKEN")
    );
    assert!(
        email
            .text
            .contains("https://cognito-idp.us-east-1.amazonaws.com/feedback?valid=false&token=EXAMPLEfeedbackTOKEN")
    );
    assert!(html.contains("valid=true&amp;token=EXAMPLEfeedbackTOKEN"), "{html}");
    assert!(html.contains("valid=false&amp;token=EXAMPLEfeedbackTOKEN"), "{html}");

    // Another risky sign-in the same day: another EVENT_ID, another notice.
    let mut second = notice.clone();
    second["request"]["userAttributes"]["EVENT_ID"] = json!("f00dfeed-0000-4000-8000-000000000002");
    second["request"]["userAttributes"]["LOGIN_TIME"] = json!("Mon Dec 07 21:02:03 UTC 2026");
    second["request"]["userAttributes"]["ACCOUNT_TAKE_OVER_ACTION"] = json!("NO_ACTION");
    invoke(&rig, second.clone()).await.unwrap();
    invoke(&rig, second).await.unwrap();
    let sent = rig.mailer.sent();
    assert_eq!(sent.len(), 2, "two risk events, two notices");
    assert!(sent[1].text.contains("21:02:03"), "{}", sent[1].text);
}

#[tokio::test]
async fn a_notice_with_its_own_address_needs_no_directory_and_one_the_directory_lacks_is_not_sent() {
    let rig = rig("123456");
    let mut addressed = named_fixture("custom-email-sender-account-takeover.json");
    addressed["request"]["userAttributes"]["email"] = json!("jane.doe@example.com");
    rig.directory.set_outage(Some(PortErrorKind::Unavailable));
    invoke(&rig, addressed).await.unwrap();
    assert_eq!(rig.mailer.sent()[0].to, "jane.doe@example.com", "the event's address wins; no directory call");

    let notice = named_fixture("custom-email-sender-account-takeover.json");
    let err = invoke(&rig, notice.clone()).await.unwrap_err();
    assert!(matches!(err, TriggerError::Port(_)), "directory away: transient, Lambda retries: {err:?}");
    rig.directory.set_outage(None);
    let err = invoke(&rig, notice).await.unwrap_err();
    assert!(err.to_string().contains("no email attribute"), "{err}");
    let text = err.to_string();
    assert!(!text.contains("EXAMPLEfeedbackTOKEN") && !text.contains("https://"), "no link in the error: {text}");
    assert_eq!(rig.mailer.sent().len(), 1);
}

/// The corpus files of this trigger (`tests/fixtures/events/corpus/<trigger>-*.json`).
fn corpus(trigger: &str) -> Vec<(String, Value)> {
    trigger_core::testing::corpus(trigger).unwrap()
}

#[tokio::test]
async fn every_corpus_shape_is_sent_once_and_none_is_refused_as_a_bad_event() {
    let files = corpus("custom-email-sender");
    assert!(files.len() >= 2, "{files:?}");
    for (name, event) in files {
        let env = Env::from_pairs([("EMAIL_FROM", "no-reply@example.com"), ("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")]);
        let pool = event["userPoolId"].as_str().unwrap();
        let mut decryptor = FakeDecryptor::default();
        if let Some(code) = event["request"]["code"].as_str() {
            decryptor = decryptor.with_message(code, pool, "246810");
        }
        let directory = Arc::new(FakeDirectory::default());
        let user = event["userName"].as_str().unwrap();
        directory.insert(directory_user(user, &[("email", "corpus.user@example.com")]));
        let mailer = Arc::new(RecordingMailer::default());
        let ports = Ports {
            decryptor: Arc::new(decryptor),
            mailer: mailer.clone(),
            directory,
            store: Arc::new(InMemoryStore::default()),
            clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        };
        let trigger = CustomEmailSender::new(Settings::from_env(&env).unwrap(), ports);
        for _ in 0..2 {
            let answer = run_within(&trigger, Duration::from_secs(2), event.clone()).await;
            let answer = answer.unwrap_or_else(|err| panic!("{name}: {err}"));
            assert_eq!(answer["request"]["userAttributes"], event["request"]["userAttributes"], "{name}: as given");
        }
        assert_eq!(mailer.sent().len(), 1, "{name}: one e-mail");
    }
}

#[tokio::test]
async fn every_retry_of_a_delivery_carries_the_same_message_id_and_another_delivery_another() {
    let rig = rig("123456");
    rig.mailer.set_outage(Some(PortErrorKind::Timeout));
    invoke(&rig, fixture()).await.unwrap_err();
    rig.mailer.set_outage(None);
    rig.clock.advance(Duration::from_secs(60));
    invoke(&rig, fixture()).await.unwrap();
    let mut resend = fixture();
    resend["request"]["code"] = json!(SECOND_MESSAGE);
    invoke(&rig, resend).await.unwrap();
    let sent = rig.mailer.sent();
    let first = sent[0].message_id.clone().unwrap();
    // Each is `<hex of the delivery's key@EMAIL_FROM's domain>`.
    let mut expected: Vec<String> = rig
        .store
        .items()
        .iter()
        .map(|record| format!("<{}@example.com>", record.key().unwrap().pk.rsplit('#').next().unwrap()))
        .collect();
    let mut carried: Vec<String> = sent.iter().map(|email| email.message_id.clone().unwrap()).collect();
    expected.sort();
    carried.sort();
    assert_eq!(carried, expected);
    assert_ne!(sent[0].message_id, sent[1].message_id, "two deliveries, two ids");
    // The id is derived, not drawn: the same delivery in a fresh sandbox gets the same one.
    let other = rig_with_mailer_outage(None);
    invoke(&other, fixture()).await.unwrap();
    assert_eq!(other.mailer.sent()[0].message_id.as_deref(), Some(first.as_str()));
}

fn rig_with_mailer_outage(kind: Option<PortErrorKind>) -> Rig {
    let rig = rig("123456");
    rig.mailer.set_outage(kind);
    rig
}

#[tokio::test]
async fn a_permanent_refusal_is_recorded_the_invocation_succeeds_and_no_retry_sends() {
    let rig = rig_with_mailer_outage(Some(PortErrorKind::Rejected));
    let answer = invoke(&rig, fixture()).await.unwrap();
    assert_eq!(answer["triggerSource"], fixture()["triggerSource"], "the event comes back: nothing to retry");
    let records = rig.store.items();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].str(idempotency::STATUS), Some(idempotency::REFUSED));
    assert_eq!(records[0].str(idempotency::LAST_ERROR), Some("rejected"));
    // The provider would take it now; a duplicate delivery or a later retry still sends nothing.
    rig.mailer.set_outage(None);
    for _ in 0..2 {
        rig.clock.advance(Duration::from_secs(60 * 60));
        invoke(&rig, fixture()).await.unwrap();
    }
    assert!(rig.mailer.sent().is_empty(), "refused for good: never sent again");
    // Another delivery to the same user is another message, sent.
    let mut resend = fixture();
    resend["request"]["code"] = json!(SECOND_MESSAGE);
    invoke(&rig, resend).await.unwrap();
    assert_eq!(rig.mailer.sent().len(), 1);
}

#[tokio::test]
async fn refused_credentials_fail_the_invocation_and_the_retry_sends_once_fixed() {
    let rig = rig_with_mailer_outage(Some(PortErrorKind::Unauthorized));
    let err = invoke(&rig, fixture()).await.unwrap_err();
    assert!(matches!(&err, TriggerError::Port(port) if port.kind == PortErrorKind::Unauthorized), "{err:?}");
    assert_eq!(rig.store.items()[0].str(idempotency::STATUS), Some(idempotency::FAILED), "given back, not refused");
    rig.mailer.set_outage(None);
    rig.clock.advance(Duration::from_secs(60));
    invoke(&rig, fixture()).await.unwrap();
    invoke(&rig, fixture()).await.unwrap();
    assert_eq!(rig.mailer.sent().len(), 1);
}

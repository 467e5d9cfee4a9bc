//! The trigger as Lambda drives it: fixture events through the runtime path the binary uses, with
//! the ports faked (decryptor, SNS, the store).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use custom_sms_sender::{CustomSmsSender, Ports, Settings};
use message_catalogue::SMS_LIMIT;
use serde_json::{Value, json};
use trigger_core::events::CustomSmsSenderSource;
use trigger_core::fakes::{FakeDecryptor, FakeDirectory, FixedClock, InMemoryStore, RecordingSms};
use trigger_core::idempotency;
use trigger_core::ports::{DirectoryUser, PortErrorKind, Store, UserStatus};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const POOL: &str = "us-east-1_EXAMPLE1";
const MESSAGE: &str = "AYADeBgvGjEXAMPLEciphertextOnlyNotARealMessage==";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn fixture() -> Value {
    named_fixture("custom-sms-sender.json")
}

fn named_fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Rig {
    trigger: CustomSmsSender,
    decryptor: Arc<FakeDecryptor>,
    sms: Arc<RecordingSms>,
    directory: Arc<FakeDirectory>,
    store: Arc<InMemoryStore>,
    clock: Arc<FixedClock>,
}

fn rig(code: &str) -> Rig {
    rig_with(code, &[])
}

fn rig_with(code: &str, extra: &[(&str, &str)]) -> Rig {
    let mut pairs = vec![("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")];
    pairs.extend_from_slice(extra);
    let env = Env::from_pairs(pairs);
    let mut decryptor = FakeDecryptor::default().with_message(MESSAGE, POOL, code);
    // Three more deliveries' codes (`<MESSAGE><n>` → 65432<n>), for tests of several codes.
    for n in 0..3 {
        decryptor = decryptor.with_message(&format!("{MESSAGE}{n}"), POOL, &format!("65432{n}"));
    }
    let decryptor = Arc::new(decryptor);
    let sms = Arc::new(RecordingSms::default());
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(1_800_000_000));
    let directory = Arc::new(FakeDirectory::default());
    let ports = Ports {
        decryptor: decryptor.clone(),
        sms: sms.clone(),
        directory: directory.clone(),
        store: store.clone(),
        clock: clock.clone(),
    };
    let trigger = CustomSmsSender::new(Settings::from_env(&env).unwrap(), ports);
    Rig { trigger, decryptor, sms, directory, store, clock }
}

async fn invoke(rig: &Rig, event: Value) -> Result<Value, TriggerError> {
    run_within(&rig.trigger, Duration::from_secs(2), event).await
}

#[tokio::test]
async fn every_source_in_every_locale_sends_one_sms_with_the_code_within_the_limit() {
    for source in CustomSmsSenderSource::KNOWN {
        for locale in ["en", "de", "pt-BR"] {
            let rig = rig("123456");
            let mut event = fixture();
            event["triggerSource"] = json!(source);
            event["request"]["userAttributes"]["locale"] = json!(locale);
            let takeover = source.ends_with("AccountTakeOverNotification");
            if takeover {
                event["request"].as_object_mut().unwrap().remove("code");
            }
            for _ in 0..3 {
                invoke(&rig, event.clone()).await.unwrap();
            }
            let sent = rig.sms.sent();
            assert_eq!(sent.len(), 1, "{source} {locale}: three deliveries of one event, one SMS");
            assert_eq!(sent[0].to, "+14155550123");
            assert!(sent[0].text.chars().count() <= SMS_LIMIT, "{}", sent[0].text);
            assert_eq!(sent[0].text.contains("123456"), !takeover, "{source}: {}", sent[0].text);
            assert_eq!(rig.decryptor.calls(), if takeover { 0 } else { 3 });
        }
    }
}

#[tokio::test]
async fn the_text_is_in_the_users_language() {
    let english = rig("123456");
    invoke(&english, fixture()).await.unwrap();
    let german = rig("123456");
    let mut event = fixture();
    event["request"]["clientMetadata"] = json!({ "locale": "de" });
    invoke(&german, event).await.unwrap();
    assert_ne!(english.sms.sent()[0].text, german.sms.sent()[0].text, "clientMetadata.locale chooses German");
}

#[tokio::test]
async fn a_failed_send_fails_the_invocation_and_the_retry_sends() {
    let rig = rig("123456");
    rig.sms.set_outage(Some(PortErrorKind::Throttled));
    assert!(matches!(invoke(&rig, fixture()).await.unwrap_err(), TriggerError::Port(_)));
    let records = rig.store.items();
    assert_eq!(records[0].str(idempotency::STATUS), Some(idempotency::FAILED));
    rig.sms.set_outage(None);
    rig.clock.advance(Duration::from_secs(60));
    invoke(&rig, fixture()).await.unwrap();
    invoke(&rig, fixture()).await.unwrap();
    assert_eq!(rig.sms.sent().len(), 1);
    let record = rig.store.get(&records[0].key().unwrap()).await.unwrap().unwrap();
    assert_eq!(record.str(idempotency::STATUS), Some(idempotency::DONE));
}

#[tokio::test]
async fn refused_codes_bad_numbers_and_unknown_sources_are_errors_that_send_nothing() {
    let rig = rig("123456");
    let mut foreign = fixture();
    foreign["request"]["code"] = json!("AYADeBunknown==");
    let mut no_phone = fixture();
    no_phone["request"]["userAttributes"].as_object_mut().unwrap().remove("phone_number");
    let mut not_e164 = fixture();
    not_e164["request"]["userAttributes"]["phone_number"] = json!("0151 1234567");
    let mut unknown = fixture();
    unknown["triggerSource"] = json!("CustomSMSSender_SomethingNew");
    for event in [foreign, no_phone, not_e164, unknown] {
        let err = invoke(&rig, event).await.unwrap_err();
        assert!(matches!(err, TriggerError::BadEvent(_)), "{err:?}");
        let text = err.to_string();
        assert!(!text.contains("123456") && !text.contains("AYADeB") && !text.contains("0151"), "{text}");
    }
    assert!(rig.sms.sent().is_empty());
    assert!(rig.store.items().is_empty());
}

#[tokio::test]
async fn the_takeover_notice_in_cognitos_shape_reaches_the_directory_number_once_per_risk_event() {
    let rig = rig("123456");
    rig.directory.insert(DirectoryUser {
        username: "jane.doe".into(),
        status: UserStatus::Confirmed,
        enabled: true,
        created_at: None,
        attributes: [("phone_number", "+14155550123"), ("locale", "pt-BR")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    });
    let notice = named_fixture("custom-sms-sender-account-takeover.json");
    for _ in 0..3 {
        invoke(&rig, notice.clone()).await.unwrap();
    }
    let sent = rig.sms.sent();
    assert_eq!(sent.len(), 1, "three deliveries of one notice, one SMS");
    assert_eq!(rig.decryptor.calls(), 0, "nothing to decrypt");
    assert_eq!(sent[0].to, "+14155550123");
    assert!(sent[0].text.starts_with("Acesso incomum") && sent[0].text.contains("192.0.2.44"), "{}", sent[0].text);
    assert!(sent[0].text.chars().count() <= SMS_LIMIT && !sent[0].text.contains("EXAMPLEfeedbackTOKEN"));
    let mut second = notice;
    second["request"]["userAttributes"]["EVENT_ID"] = json!("f00dfeed-0000-4000-8000-000000000003");
    invoke(&rig, second).await.unwrap();
    assert_eq!(rig.sms.sent().len(), 2, "another risk event, another SMS");
}

#[tokio::test]
async fn the_pumping_guard_holds_for_sns_too_refused_numbers_are_settled_and_never_sent() {
    // A calling code outside the allowed list: not sent, settled as refused, not retried.
    let rig = rig_with("123456", &[("SMS_ALLOWED_COUNTRY_CODES", "49,44")]);
    for _ in 0..3 {
        invoke(&rig, fixture()).await.expect("a refusal for good is no invocation error");
    }
    assert!(rig.sms.sent().is_empty());
    assert_eq!(rig.store.items()[0].str(idempotency::STATUS), Some(idempotency::REFUSED));

    // Two texts per number and window: the third code for the number is refused.
    let rig = rig_with("123456", &[("SMS_MAX_PER_NUMBER", "2")]);
    for n in 0..3 {
        let mut event = fixture();
        event["request"]["code"] = json!(format!("{MESSAGE}{n}"));
        invoke(&rig, event).await.unwrap();
    }
    assert_eq!(rig.sms.sent().len(), 2, "the limit holds whatever the provider");
    let mut other = fixture();
    other["request"]["userAttributes"]["phone_number"] = json!("+14155550199");
    invoke(&rig, other).await.unwrap();
    assert_eq!(rig.sms.sent().len(), 3, "another number has a count of its own");
}

/// The corpus files of this trigger (`tests/fixtures/events/corpus/<trigger>-*.json`).
fn corpus(trigger: &str) -> Vec<(String, Value)> {
    trigger_core::testing::corpus(trigger).unwrap()
}

#[tokio::test]
async fn every_corpus_shape_is_sent_once_and_none_is_refused_as_a_bad_event() {
    let files = corpus("custom-sms-sender");
    assert!(files.len() >= 2, "{files:?}");
    for (name, event) in files {
        let env = Env::from_pairs([("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")]);
        let pool = event["userPoolId"].as_str().unwrap();
        let mut decryptor = FakeDecryptor::default();
        if let Some(code) = event["request"]["code"].as_str() {
            decryptor = decryptor.with_message(code, pool, "246810");
        }
        let directory = Arc::new(FakeDirectory::default());
        directory.insert(DirectoryUser {
            username: event["userName"].as_str().unwrap().to_owned(),
            status: UserStatus::Confirmed,
            enabled: true,
            created_at: None,
            attributes: [("phone_number".to_owned(), "+14155550199".to_owned())].into_iter().collect(),
        });
        let sms = Arc::new(RecordingSms::default());
        let ports = Ports {
            decryptor: Arc::new(decryptor),
            sms: sms.clone(),
            directory,
            store: Arc::new(InMemoryStore::default()),
            clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        };
        let trigger = CustomSmsSender::new(Settings::from_env(&env).unwrap(), ports);
        for _ in 0..2 {
            let answer = run_within(&trigger, Duration::from_secs(2), event.clone()).await;
            let answer = answer.unwrap_or_else(|err| panic!("{name}: {err}"));
            assert_eq!(answer["request"]["userAttributes"], event["request"]["userAttributes"], "{name}");
        }
        assert_eq!(sms.sent().len(), 1, "{name}: one SMS");
    }
}

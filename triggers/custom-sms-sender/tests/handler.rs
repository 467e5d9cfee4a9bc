//! The trigger as Lambda drives it: fixture events through the runtime path the binary uses, with
//! the ports faked (decryptor, SNS, the store).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use custom_sms_sender::{CustomSmsSender, Ports, Settings};
use message_catalogue::SMS_LIMIT;
use serde_json::{Value, json};
use trigger_core::events::CustomSmsSenderSource;
use trigger_core::fakes::{FakeDecryptor, FixedClock, InMemoryStore, RecordingSms};
use trigger_core::idempotency;
use trigger_core::ports::{PortErrorKind, Store};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const POOL: &str = "us-east-1_EXAMPLE1";
const MESSAGE: &str = "AYADeBgvGjEXAMPLEciphertextOnlyNotARealMessage==";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn fixture() -> Value {
    let path = format!("{}/../../tests/fixtures/events/custom-sms-sender.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Rig {
    trigger: CustomSmsSender,
    decryptor: Arc<FakeDecryptor>,
    sms: Arc<RecordingSms>,
    store: Arc<InMemoryStore>,
    clock: Arc<FixedClock>,
}

fn rig(code: &str) -> Rig {
    let env = Env::from_pairs([("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")]);
    let decryptor = Arc::new(FakeDecryptor::default().with_message(MESSAGE, POOL, code));
    let sms = Arc::new(RecordingSms::default());
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(1_800_000_000));
    let ports = Ports { decryptor: decryptor.clone(), sms: sms.clone(), store: store.clone(), clock: clock.clone() };
    Rig { trigger: CustomSmsSender::new(Settings::from_env(&env).unwrap(), ports), decryptor, sms, store, clock }
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

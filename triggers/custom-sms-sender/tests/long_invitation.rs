//! An invitation (`CustomSMSSender_AdminCreateUser`) whose user name and temporary password do not
//! fit the 140-character sentence of any built-in locale: one SMS is still sent, in a shorter form
//! of the same language, with the name and the password whole (issue 23, item 5). Through the
//! handler with the ports faked, as `tests/handler.rs` does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use custom_sms_sender::{CustomSmsSender, Ports, Settings};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::fakes::{FakeDecryptor, FakeDirectory, FixedClock, InMemoryStore, RecordingSms};
use trigger_core::runtime::run_within;

const POOL: &str = "us-east-1_EXAMPLE1";
const MESSAGE: &str = "AYADeBgvGjEXAMPLEciphertextOnlyNotARealMessage==";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn invitation(user_name: &str, locale: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/custom-sms-sender.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["triggerSource"] = json!("CustomSMSSender_AdminCreateUser");
    event["userName"] = json!(user_name);
    event["request"]["userAttributes"]["locale"] = json!(locale);
    event
}

/// The trigger with a decryptor that turns the fixture's message into `password`, and its SMS port.
fn sender(password: &str) -> (CustomSmsSender, Arc<RecordingSms>) {
    let env = Env::from_pairs([("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")]);
    let sms = Arc::new(RecordingSms::default());
    let ports = Ports {
        decryptor: Arc::new(FakeDecryptor::default().with_message(MESSAGE, POOL, password)),
        sms: sms.clone(),
        directory: Arc::new(FakeDirectory::default()),
        store: Arc::new(InMemoryStore::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
    };
    (CustomSmsSender::new(Settings::from_env(&env).unwrap(), ports), sms)
}

#[tokio::test]
async fn a_long_invitation_is_sent_once_in_a_shorter_form_with_the_name_and_password_whole_in_every_locale() {
    for locale in message_catalogue::BUILTIN_LOCALES {
        // 100 characters of name and a 20-character password: the sentence overflows 140.
        let name: String = format!("{locale}-").chars().chain(std::iter::repeat('n')).take(100).collect();
        let password = "Tq7&vL2#pX9!wR4zKm5$";
        let (trigger, sms) = sender(password);
        let answer = run_within(&trigger, Duration::from_secs(2), invitation(&name, locale)).await;
        answer.unwrap_or_else(|err| panic!("{locale}: {err}"));
        let sent = sms.sent();
        assert_eq!(sent.len(), 1, "{locale}: one SMS");
        let text = &sent[0].text;
        assert!(text.contains(&name) && text.contains(password), "{locale}: {text}");
        assert!(text.chars().count() <= 140, "{locale}: {text}");

        // Cognito's longest user name (128) and a 40-character password: longer than one SMS,
        // never cut and never refused.
        let name = "x".repeat(128);
        let password = "P".repeat(40);
        let (trigger, sms) = sender(&password);
        run_within(&trigger, Duration::from_secs(2), invitation(&name, locale)).await.unwrap();
        assert_eq!(sms.sent()[0].text, format!("{name}\n{password}"), "{locale}");
    }
}

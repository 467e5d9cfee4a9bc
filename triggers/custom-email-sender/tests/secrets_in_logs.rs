//! The account-takeover notice's feedback token and links let whoever holds them answer "this was
//! (not) me" for the user: no log line may carry them. One test alone in its binary, with a
//! global subscriber at every level, so that no other test's thread can cache a callsite as
//! uninteresting and hide a line from the capture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use custom_email_sender::{CustomEmailSender, Ports, Settings};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::fakes::{FakeDecryptor, FakeDirectory, FixedClock, InMemoryStore, RecordingMailer};
use trigger_core::ports::{DirectoryUser, PortErrorKind, UserStatus};
use trigger_core::runtime::run_within;

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Every log line written while the test runs, as text.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn notice() -> Value {
    let path =
        format!("{}/../../tests/fixtures/events/custom-email-sender-account-takeover.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn the_feedback_token_and_links_never_reach_a_log_line() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let env = Env::from_pairs([("EMAIL_FROM", "no-reply@example.com"), ("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")]);
    let directory = Arc::new(FakeDirectory::default());
    directory.insert(DirectoryUser {
        username: "jane.doe".into(),
        status: UserStatus::Confirmed,
        enabled: true,
        created_at: None,
        attributes: [("email".to_owned(), "jane@directory.example".to_owned())].into_iter().collect(),
    });
    let mailer = Arc::new(RecordingMailer::default());
    let ports = Ports {
        decryptor: Arc::new(FakeDecryptor::default()),
        mailer: mailer.clone(),
        directory: directory.clone(),
        store: Arc::new(InMemoryStore::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
    };
    let trigger = CustomEmailSender::new(Settings::from_env(&env).unwrap(), ports);
    let mut event = notice();
    // A link that is left out is logged by its attribute's name, never by its value.
    event["request"]["userAttributes"]["ONE_CLICK_LINK_VALID"] = json!("javascript:steal('EXAMPLEfeedbackTOKEN')");
    run_within(&trigger, Duration::from_secs(2), event.clone()).await.unwrap();
    run_within(&trigger, Duration::from_secs(2), event.clone()).await.unwrap();
    // A failure, and its error text, too.
    directory.set_outage(Some(PortErrorKind::Throttled));
    event["request"]["userAttributes"]["EVENT_ID"] = json!("another-risk-event");
    let err = run_within(&trigger, Duration::from_secs(2), event).await.unwrap_err();

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned() + &err.to_string();
    for expected in ["message sent", "repeated delivery", "ONE_CLICK_LINK_VALID"] {
        assert!(text.contains(expected), "the capture works ({expected}): {text}");
    }
    for secret in ["EXAMPLEfeedbackTOKEN", "feedback?valid", "javascript", "jane@directory.example"] {
        assert!(!text.contains(secret), "{secret} in the logs: {text}");
    }
    assert_eq!(mailer.sent().len(), 1);
}

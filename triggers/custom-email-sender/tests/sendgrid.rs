//! The exactly-once guarantees with `EMAIL_PROVIDER=sendgrid`: the trigger with S's real
//! `SendGridMailer` against a scripted local HTTP server (delivery-providers' `test_support`),
//! the decryptor and the store faked. A failed send is retried and sent once, a concurrent burst
//! sends once, a 4xx refusal is settled and never retried, and every request of one delivery
//! carries the same Message-ID.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use custom_email_sender::{CustomEmailSender, EmailProvider, Ports, Settings};
use delivery_providers::http::test_support::{Answer, TestServer};
use delivery_providers::sendgrid::SendGridMailer;
use serde_json::{Value, json};
use trigger_core::fakes::{FakeDecryptor, FakeDirectory, FakeSecrets, FixedClock, InMemoryStore};
use trigger_core::idempotency;
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const POOL: &str = "us-east-1_EXAMPLE1";
const MESSAGE: &str = "AYADeBgvGjEXAMPLEciphertextOnlyNotARealMessage==";
const SECOND_MESSAGE: &str = "AYADeBsecondMessage==";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn accepted() -> Answer {
    Answer::json(202, "").with_header("x-message-id", "sg-accepted")
}

struct Rig {
    trigger: Arc<CustomEmailSender>,
    store: Arc<InMemoryStore>,
    clock: Arc<FixedClock>,
}

async fn rig(server: &TestServer) -> Rig {
    let env = Env::from_pairs([
        ("EMAIL_FROM", "no-reply@example.com".to_owned()),
        ("KMS_KEY_ARN", KEY.to_owned()),
        ("TABLE_NAME", "t".to_owned()),
        ("EMAIL_PROVIDER", "sendgrid".to_owned()),
        ("SENDGRID_API_KEY_SECRET", "cognito/sendgrid".to_owned()),
        ("SENDGRID_API_URL", server.url("")),
    ]);
    let settings = Settings::from_env(&env).unwrap();
    let EmailProvider::SendGrid(sendgrid) = &settings.provider else { panic!("{:?}", settings.provider) };
    let secrets = Arc::new(FakeSecrets::default());
    secrets.put("cognito/sendgrid", "SG.local-test-key");
    let mailer = SendGridMailer::connect(sendgrid, secrets).await.unwrap();
    let decryptor =
        FakeDecryptor::default().with_message(MESSAGE, POOL, "123456").with_message(SECOND_MESSAGE, POOL, "654321");
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(1_800_000_000));
    let ports = Ports {
        decryptor: Arc::new(decryptor),
        mailer: Arc::new(mailer),
        directory: Arc::new(FakeDirectory::default()),
        store: store.clone(),
        clock: clock.clone(),
    };
    Rig { trigger: Arc::new(CustomEmailSender::new(settings, ports)), store, clock }
}

fn event(code: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/custom-email-sender.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["request"]["code"] = json!(code);
    event
}

async fn invoke(rig: &Rig, event: Value) -> Result<Value, TriggerError> {
    run_within(&*rig.trigger, Duration::from_secs(3), event).await
}

#[tokio::test]
async fn a_failed_send_is_retried_and_sent_once_with_one_message_id() {
    let server = TestServer::start(vec![Answer::json(503, r#"{"errors":[]}"#), accepted()]).await;
    let rig = rig(&server).await;
    let err = invoke(&rig, event(MESSAGE)).await.unwrap_err();
    assert!(matches!(err, TriggerError::Port(_)), "a 503 is transient: {err:?}");
    rig.clock.advance(Duration::from_secs(60));
    for _ in 0..3 {
        invoke(&rig, event(MESSAGE)).await.unwrap();
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "the failed send and its retry; nothing after the success");
    let ids: Vec<Value> = requests.iter().map(|r| r.json()["headers"]["Message-ID"].clone()).collect();
    assert_eq!(ids[0], ids[1], "the retry carries the same Message-ID");
    let id = ids[0].as_str().unwrap();
    assert!(id.starts_with('<') && id.ends_with("@example.com>"), "{id}");
    assert!(requests[1].json().to_string().contains("123456"));
}

#[tokio::test]
async fn a_concurrent_burst_of_one_delivery_sends_one_request() {
    let server = TestServer::start((0..5).map(|_| accepted()).collect()).await;
    let rig = rig(&server).await;
    let burst: Vec<_> = (0..5)
        .map(|_| {
            let (trigger, event) = (rig.trigger.clone(), event(SECOND_MESSAGE));
            tokio::spawn(async move { run_within(&*trigger, Duration::from_secs(3), event).await })
        })
        .collect();
    for task in burst {
        task.await.unwrap().unwrap();
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_refusal_is_settled_and_never_retried() {
    let refusal =
        r#"{"errors":[{"message":"Does not contain a valid address.","field":"personalizations.0.to.0.email"}]}"#;
    let server = TestServer::start(vec![Answer::json(400, refusal), accepted(), accepted()]).await;
    let rig = rig(&server).await;
    for _ in 0..3 {
        invoke(&rig, event(MESSAGE)).await.unwrap();
        rig.clock.advance(Duration::from_secs(60));
    }
    assert_eq!(server.requests().len(), 1, "refused once, then left alone");
    assert_eq!(rig.store.items()[0].str(idempotency::STATUS), Some(idempotency::REFUSED));
}

//! The trigger with `SMS_PROVIDER=twilio`, as Lambda drives it, against a local server that plays
//! Twilio's Messages API (`delivery_providers::http::test_support`), with the production
//! constructor (`TwilioSms::connect`: credentials read through the secrets port) and the other
//! ports faked. The exactly-once guarantees of the SNS path (tests/handler.rs) hold for Twilio:
//! a repeated delivery sends nothing, a transient failure gives the delivery back to Lambda's
//! retry, a permanent refusal is settled once and never retried; and the pumping guard refuses
//! numbers before Twilio is called.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use custom_sms_sender::{CustomSmsSender, Ports, Provider, Settings};
use delivery_providers::http::test_support::{Answer, SeenRequest, TestServer};
use delivery_providers::twilio::TwilioSms;
use serde_json::{Value, json};
use trigger_core::fakes::{FakeDecryptor, FakeDirectory, FakeSecrets, FixedClock, InMemoryStore};
use trigger_core::idempotency;
use trigger_core::ports::Item;
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const POOL: &str = "us-east-1_EXAMPLE1";
const MESSAGE: &str = "AYADeBgvGjEXAMPLEciphertextOnlyNotARealMessage==";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "token-0123";
const NUMBER: &str = "+14155550123";

fn created() -> Answer {
    Answer::json(201, r#"{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}"#)
}

fn twilio_error(status: u16, code: i64) -> Answer {
    Answer::json(
        status,
        &format!(
            r#"{{"code":{code},"message":"The 'To' number {NUMBER} is not valid.","more_info":"https://www.twilio.com/docs/errors/{code}","status":{status}}}"#
        ),
    )
}

struct Rig {
    trigger: Arc<CustomSmsSender>,
    server: TestServer,
    store: Arc<InMemoryStore>,
    clock: Arc<FixedClock>,
    secrets: Arc<FakeSecrets>,
}

/// The trigger with Twilio at a local server answering `answers`; `codes` are the messages the
/// decryptor knows (`MESSAGE` → 123456 and `MESSAGE-<n>` → 1000<n>).
async fn rig(answers: Vec<Answer>, extra: &[(&str, &str)], codes: usize) -> Rig {
    let server = TestServer::start(answers).await;
    let url = server.url("");
    let mut pairs = vec![
        ("KMS_KEY_ARN", KEY),
        ("TABLE_NAME", "t"),
        ("SMS_PROVIDER", "twilio"),
        ("TWILIO_CREDENTIALS_SECRET", "twilio"),
        ("TWILIO_FROM", "+14155550100"),
        ("TWILIO_API_URL", url.as_str()),
    ];
    pairs.extend_from_slice(extra);
    let settings = Settings::from_env(&Env::from_pairs(pairs)).unwrap();
    let Provider::Twilio(twilio) = &settings.provider else { panic!("twilio chosen") };
    let secrets = Arc::new(FakeSecrets::default());
    secrets.put("twilio", &format!(r#"{{"accountSid":"{SID}","authToken":"{TOKEN}"}}"#));
    let sms = TwilioSms::connect(twilio, secrets.clone()).await.unwrap();
    let mut decryptor = FakeDecryptor::default().with_message(MESSAGE, POOL, "123456");
    for n in 0..codes {
        decryptor = decryptor.with_message(&format!("{MESSAGE}-{n}"), POOL, &format!("1000{n}"));
    }
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at_epoch_seconds(1_800_000_000));
    let ports = Ports {
        decryptor: Arc::new(decryptor),
        sms: Arc::new(sms),
        directory: Arc::new(FakeDirectory::default()),
        store: store.clone(),
        clock: clock.clone(),
    };
    Rig { trigger: Arc::new(CustomSmsSender::new(settings, ports)), server, store, clock, secrets }
}

fn event() -> Value {
    let path = format!("{}/../../tests/fixtures/events/custom-sms-sender.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn invoke(rig: &Rig, event: Value) -> Result<Value, TriggerError> {
    run_within(&*rig.trigger, Duration::from_secs(4), event).await
}

/// The delivery records (not the guard's counters).
fn deliveries(store: &InMemoryStore) -> Vec<Item> {
    store.items().into_iter().filter(|item| item.str("pk").is_some_and(|pk| pk.starts_with("IDEMPOTENCY#"))).collect()
}

fn status_of_the_delivery(rig: &Rig) -> String {
    let records = deliveries(&rig.store);
    assert_eq!(records.len(), 1, "{records:?}");
    records[0].str(idempotency::STATUS).unwrap().to_owned()
}

/// As Twilio documents a create-message request: path, Basic auth, form fields.
fn assert_documented(request: &SeenRequest, token: &str) {
    use base64::Engine as _;
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/2010-04-01/Accounts/{SID}/Messages.json"));
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{token}")));
    assert_eq!(request.header("authorization"), Some(basic.as_str()));
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    let form = request.form();
    assert_eq!(form[0], ("To".to_owned(), NUMBER.to_owned()));
    assert_eq!(form[1], ("From".to_owned(), "+14155550100".to_owned()));
    assert_eq!(form[2].0, "Body");
    assert!(form[2].1.contains("123456") && form[2].1.chars().count() <= 140, "{}", form[2].1);
}

#[tokio::test]
async fn one_event_delivered_three_times_is_one_twilio_message() {
    let rig = rig(vec![created(), created(), created()], &[], 0).await;
    for _ in 0..3 {
        invoke(&rig, event()).await.unwrap();
    }
    let requests = rig.server.requests();
    assert_eq!(requests.len(), 1, "three deliveries of one event, one message");
    assert_documented(&requests[0], TOKEN);
    assert_eq!(status_of_the_delivery(&rig), idempotency::DONE);
}

#[tokio::test]
async fn throttling_or_a_twilio_outage_fails_the_invocation_and_the_retry_sends_once() {
    for failure in [twilio_error(429, 20429), twilio_error(500, 20500), twilio_error(503, 20503)] {
        let rig = rig(vec![failure, created(), created()], &[], 0).await;
        let err = invoke(&rig, event()).await.unwrap_err();
        assert!(matches!(err, TriggerError::Port(_)), "{err:?}");
        assert!(!err.to_string().contains("4155550123") && !err.to_string().contains("123456"), "{err}");
        assert_eq!(status_of_the_delivery(&rig), idempotency::FAILED, "given back for the retry");
        rig.clock.advance(Duration::from_secs(60));
        invoke(&rig, event()).await.unwrap();
        invoke(&rig, event()).await.unwrap();
        assert_eq!(rig.server.requests().len(), 2, "the failed try and one message");
        assert_eq!(status_of_the_delivery(&rig), idempotency::DONE);
    }
}

#[tokio::test]
async fn a_number_twilio_refuses_is_settled_once_and_never_sent_again() {
    let rig = rig(vec![twilio_error(400, 21211), created()], &[], 0).await;
    for _ in 0..3 {
        invoke(&rig, event()).await.expect("a permanent refusal is no invocation error: retrying cannot mend it");
        rig.clock.advance(Duration::from_secs(60));
    }
    assert_eq!(rig.server.requests().len(), 1, "Lambda's retries and duplicates do not try again");
    assert_eq!(status_of_the_delivery(&rig), idempotency::REFUSED);
}

#[tokio::test]
async fn rotated_credentials_are_read_again_once_and_the_message_sent() {
    let rig = rig(vec![twilio_error(401, 20003), created()], &[], 0).await;
    rig.secrets.put("twilio", &format!(r#"{{"accountSid":"{SID}","authToken":"rotated"}}"#));
    invoke(&rig, event()).await.unwrap();
    let requests = rig.server.requests();
    assert_eq!(requests.len(), 2);
    assert_documented(&requests[0], TOKEN);
    assert_documented(&requests[1], "rotated");
    assert_eq!(rig.secrets.reads(), 2, "once at cold start, once after the refusal");
    assert_eq!(status_of_the_delivery(&rig), idempotency::DONE);
}

#[tokio::test]
async fn credentials_refused_after_the_reread_are_a_retryable_failure() {
    let rig = rig(vec![twilio_error(401, 20003), twilio_error(401, 20003), created()], &[], 0).await;
    let err = invoke(&rig, event()).await.unwrap_err();
    assert!(matches!(err, TriggerError::Port(ref port) if port.kind.to_string() == "unauthorized"), "{err:?}");
    assert!(!err.to_string().contains(TOKEN));
    assert_eq!(status_of_the_delivery(&rig), idempotency::FAILED, "not refused for good: a fixed secret sends");
    rig.clock.advance(Duration::from_secs(60));
    invoke(&rig, event()).await.unwrap();
    assert_eq!((rig.server.requests().len(), rig.secrets.reads()), (3, 2), "the retry uses the value read last");
}

#[tokio::test]
async fn a_slow_twilio_times_out_inside_the_budget_and_the_retry_sends() {
    let timeouts = [("PROVIDER_CONNECT_TIMEOUT_MS", "100"), ("PROVIDER_REQUEST_TIMEOUT_MS", "300")];
    let rig = rig(vec![created().after(Duration::from_millis(1_500)), created()], &timeouts, 0).await;
    let started = std::time::Instant::now();
    let err = invoke(&rig, event()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1_200), "{:?}", started.elapsed());
    assert!(matches!(err, TriggerError::Port(ref port) if port.kind.to_string() == "timeout"), "{err:?}");
    assert_eq!(status_of_the_delivery(&rig), idempotency::FAILED);
    rig.clock.advance(Duration::from_secs(60));
    invoke(&rig, event()).await.unwrap();
    // The timed-out request reached the server: whether Twilio sent it is unknown, as with SNS.
    assert_eq!(rig.server.requests().len(), 2);
    assert_eq!(status_of_the_delivery(&rig), idempotency::DONE);
}

#[tokio::test]
async fn a_number_outside_the_allowed_codes_is_refused_without_calling_twilio() {
    let allowed = [("SMS_ALLOWED_COUNTRY_CODES", "44,49")];
    let outside = rig(vec![created()], &allowed, 0).await;
    for _ in 0..3 {
        invoke(&outside, event()).await.unwrap();
    }
    assert!(outside.server.requests().is_empty());
    assert_eq!(status_of_the_delivery(&outside), idempotency::REFUSED);
    let denied = rig(vec![created()], &[("SMS_ALLOWED_COUNTRY_CODES", "1"), ("SMS_DENIED_PREFIXES", "1415")], 0).await;
    invoke(&denied, event()).await.unwrap();
    assert!(denied.server.requests().is_empty(), "a denied prefix wins over its country's code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_concurrent_burst_to_one_number_sends_at_most_the_limit() {
    const BURST: usize = 12;
    let rig = rig(vec![created(); BURST], &[("SMS_MAX_PER_NUMBER", "3")], BURST).await;
    let burst = |rig: &Rig| {
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..BURST {
            let trigger = rig.trigger.clone();
            let mut event = event();
            event["request"]["code"] = json!(format!("{MESSAGE}-{n}"));
            tasks.spawn(async move { run_within(&*trigger, Duration::from_secs(4), event).await });
        }
        tasks
    };
    let outcomes = burst(&rig).join_all().await;
    let requests = rig.server.requests();
    assert_eq!(requests.len(), 3, "{BURST} codes at once to one number, three texts: {outcomes:?}");
    for outcome in &outcomes {
        // Refused for good, or (a send that raced the counter's lock) failed for Lambda's retry.
        if let Err(err) = outcome {
            assert!(matches!(err, TriggerError::Port(port) if port.kind.to_string() == "throttled"), "{err:?}");
        }
    }
    // Lambda retries every failed one a minute later: still refused, nothing more sent.
    rig.clock.advance(Duration::from_secs(60));
    let retried = burst(&rig).join_all().await;
    assert!(retried.iter().all(Result::is_ok), "{retried:?}");
    assert_eq!(rig.server.requests().len(), 3);
    let records = deliveries(&rig.store);
    let status = |s: &str| records.iter().filter(|r| r.str(idempotency::STATUS) == Some(s)).count();
    assert_eq!((status(idempotency::DONE), status(idempotency::REFUSED)), (3, BURST - 3));
}

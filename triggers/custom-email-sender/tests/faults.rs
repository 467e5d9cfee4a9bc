//! custom-email-sender under injected faults: the real adapters (KMS through the Encryption SDK,
//! DynamoDB, SESv2), with production SDK settings (1 s per attempt, 2 attempts, 2.5 s per
//! operation; one attempt per e-mail), talk to moto through a fault proxy
//! (`trigger_core::testing::fault_proxy`); the key, the proxy and the code (encrypted as Cognito
//! does, v1) come from `esdk_decryptor::testing::FaultRig`, which both senders' fault tests share.
//!
//! The documented policy (docs/triggers/custom-email-sender.md): invoked asynchronously, so every
//! failure is an invocation error for Lambda's retry, inside the budget, and a failed send gives
//! the delivery back; the retry after the fault clears sends exactly one e-mail, and a repeated
//! delivery of the same event sends nothing more.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use custom_email_sender::{CustomEmailSender, Ports, Settings};
use esdk_decryptor::testing::FaultRig;
use serde_json::{Value, json};
use trigger_core::ports::SystemClock;
use trigger_core::testing::fault_proxy::{Fault, FaultProxy, run_within_budget};
use trigger_core::testing::{ses_messages_to, table_name, unique};
use trigger_core::{Env, TriggerError};

const BUDGET: Duration = Duration::from_millis(4_500);
const POOL: &str = "us-east-1_FaultPool";
const SEND_EMAIL: &str = "POST /v2/email/outbound-emails";
const DECRYPT: &str = "TrentService.Decrypt";
const FAULTS: [Fault; 3] = [Fault::Throttle, Fault::ServerError, Fault::Drop];

/// The proxy, the trigger behind it, and a sign-up event carrying `code` encrypted under a key of
/// its own, for an address of its own.
async fn setup(code: &str) -> (FaultProxy, CustomEmailSender, Value, String) {
    let rig = FaultRig::start().await.unwrap();
    let email = format!("{}@example.com", unique("sender-faults"));
    let mut event = rig.event("custom-email-sender.json", POOL, code).unwrap();
    event["triggerSource"] = json!("CustomEmailSender_SignUp");
    event["request"]["userAttributes"]["email"] = json!(email);
    let FaultRig { key, proxy, aws, decryptor } = rig;
    let env = Env::from_pairs([
        ("EMAIL_FROM", "no-reply@example.com".to_owned()),
        ("KMS_KEY_ARN", key),
        ("TABLE_NAME", table_name()),
    ]);
    let ports = Ports {
        decryptor: Arc::new(decryptor),
        mailer: Arc::new(aws.mailer()),
        directory: Arc::new(aws.directory()),
        store: Arc::new(aws.store(table_name())),
        clock: Arc::new(SystemClock),
    };
    let trigger = CustomEmailSender::new(Settings::from_env(&env).unwrap(), ports);
    (proxy, trigger, event, email)
}

async fn invoke(trigger: &CustomEmailSender, event: &Value) -> Result<Value, TriggerError> {
    run_within_budget(trigger, BUDGET, event.clone()).await
}

/// An invocation error, for Lambda's asynchronous retry.
async fn fails_for_the_retry(trigger: &CustomEmailSender, event: &Value, context: &str) {
    match invoke(trigger, event).await {
        Err(err) => assert_eq!(err.kind(), "DependencyFailure", "{context}: {err}"),
        Ok(_) => panic!("{context}: passed without its dependency"),
    }
}

/// After the fault: Lambda's retry sends, a repeated delivery of the same event does not, and the
/// one e-mail holds the code.
async fn sent_once(proxy: &FaultProxy, trigger: &CustomEmailSender, event: &Value, email: &str, code: &str) {
    invoke(trigger, event).await.expect("the retry after the fault sends");
    invoke(trigger, event).await.expect("a repeated delivery passes");
    assert!(proxy.settle(Duration::from_secs(5)), "every request landed before counting");
    let sent = ses_messages_to(email).unwrap();
    assert_eq!(sent.len(), 1, "exactly one e-mail: {sent:?}");
    assert!(sent[0].to_string().contains(code), "the e-mail holds the code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_mail_service_is_an_invocation_error_and_the_retry_sends_one_email() {
    let (proxy, trigger, event, email) = setup("424242").await;
    for fault in FAULTS {
        proxy.fail_always(SEND_EMAIL, fault);
        fails_for_the_retry(&trigger, &event, &format!("SES {fault:?}")).await;
        proxy.clear();
    }
    // SendEmail has no idempotency token: one attempt each, the SDK never resends.
    assert_eq!(proxy.count(SEND_EMAIL), (3, 3));
    assert!(ses_messages_to(&email).unwrap().is_empty());
    sent_once(&proxy, &trigger, &event, &email, "424242").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_key_service_or_table_is_an_invocation_error_and_sends_nothing() {
    let (proxy, trigger, event, email) = setup("515151").await;
    for target in [DECRYPT, "DynamoDB_20120810."] {
        proxy.fail_always(target, Fault::Throttle);
        fails_for_the_retry(&trigger, &event, target).await;
        proxy.clear();
        assert!(proxy.count(target).1 >= 2, "{target}: {:?}", proxy.count(target));
    }
    assert_eq!(proxy.count(SEND_EMAIL).0, 0, "nothing sent without the code and the claim");
    sent_once(&proxy, &trigger, &event, &email, "515151").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_send_slower_than_one_attempt_timeout_succeeds_and_sends_one_email() {
    let (proxy, trigger, event, email) = setup("616161").await;
    // Past the 1 s attempt timeout, inside the 2.5 s operation timeout: the send reaches SES late.
    proxy.fail(SEND_EMAIL, Fault::Delay(Duration::from_millis(1_300)), 1);
    sent_once(&proxy, &trigger, &event, &email, "616161").await;
    assert_eq!(proxy.count(SEND_EMAIL), (1, 0), "one attempt");
}

//! custom-sms-sender under injected faults: the real adapters (KMS through the Encryption SDK,
//! DynamoDB, SNS), with production SDK settings (1 s per attempt, 2 attempts, 2.5 s per
//! operation; one attempt per text message), talk to moto through a fault proxy
//! (`trigger_core::testing::fault_proxy`); the key, the proxy and the code (encrypted as Cognito
//! does, v1) come from `esdk_decryptor::testing::FaultRig`, which both senders' fault tests share.
//!
//! The documented policy (docs/triggers/custom-sms-sender.md, the e-mail sender's): every failure
//! is an invocation error for Lambda's retry, inside the budget, and a failed send gives the
//! delivery back; the retry after the fault clears sends exactly one text message.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use crate::support::unique_number;
use custom_sms_sender::{CustomSmsSender, Ports, Settings};
use esdk_decryptor::testing::FaultRig;
use serde_json::{Value, json};
use trigger_core::ports::SystemClock;
use trigger_core::testing::fault_proxy::{Fault, FaultProxy, run_within_budget};
use trigger_core::testing::{sms_messages_to, table_name};
use trigger_core::{Env, TriggerError};

const BUDGET: Duration = Duration::from_millis(4_500);
const POOL: &str = "us-east-1_FaultPool";
/// SNS speaks the query protocol: every call is `POST /`, the action is in the body.
const SNS_CALL: &str = "POST / ";
const PUBLISH: &str = "Action=Publish";
const FAULTS: [Fault; 3] = [Fault::Throttle, Fault::ServerError, Fault::Drop];

/// The proxy, the trigger behind it, and an event carrying `code` encrypted under a key of its
/// own, for a number of its own.
async fn setup(code: &str) -> (FaultProxy, CustomSmsSender, Value, String) {
    let rig = FaultRig::start().await.unwrap();
    let phone = unique_number();
    let mut event = rig.event("custom-sms-sender.json", POOL, code).unwrap();
    event["request"]["userAttributes"]["phone_number"] = json!(phone);
    let FaultRig { key, proxy, aws, decryptor } = rig;
    let env = Env::from_pairs([("KMS_KEY_ARN", key), ("TABLE_NAME", table_name())]);
    let settings = Settings::from_env(&env).unwrap();
    let ports = Ports {
        decryptor: Arc::new(decryptor),
        sms: Arc::new(aws.sms(trigger_core::aws::SmsOptions::default())),
        directory: Arc::new(aws.directory()),
        store: Arc::new(aws.store(table_name())),
        clock: Arc::new(SystemClock),
    };
    let trigger = CustomSmsSender::new(settings, ports);
    (proxy, trigger, event, phone)
}

async fn invoke(trigger: &CustomSmsSender, event: &Value) -> Result<Value, TriggerError> {
    run_within_budget(trigger, BUDGET, event.clone()).await
}

/// After the fault: Lambda's retry sends, a repeated delivery does not, and the one text holds
/// the code.
async fn sent_once(proxy: &FaultProxy, trigger: &CustomSmsSender, event: &Value, phone: &str, code: &str) {
    invoke(trigger, event).await.expect("the retry after the fault sends");
    invoke(trigger, event).await.expect("a repeated delivery passes");
    assert!(proxy.settle(Duration::from_secs(5)), "every request landed before counting");
    let sent = sms_messages_to(phone).unwrap();
    assert_eq!(sent.len(), 1, "exactly one text message: {sent:?}");
    assert!(sent[0]["message"].as_str().unwrap_or_default().contains(code), "the text holds the code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_text_service_is_an_invocation_error_and_the_retry_sends_one_message() {
    let (proxy, trigger, event, phone) = setup("737373").await;
    for fault in FAULTS {
        proxy.fail_always_where(SNS_CALL, PUBLISH, fault);
        match invoke(&trigger, &event).await {
            Err(err) => assert_eq!(err.kind(), "DependencyFailure", "SNS {fault:?}: {err}"),
            Ok(_) => panic!("SNS {fault:?}: passed without sending"),
        }
        proxy.clear();
    }
    // Publish has no idempotency token: one attempt each, the SDK never resends.
    assert_eq!(proxy.count(SNS_CALL).1, 3, "{:?}", proxy.count(SNS_CALL));
    assert!(sms_messages_to(&phone).unwrap().is_empty());
    sent_once(&proxy, &trigger, &event, &phone, "737373").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_send_slower_than_one_attempt_timeout_succeeds_and_sends_one_message() {
    let (proxy, trigger, event, phone) = setup("848484").await;
    // Past the 1 s attempt timeout, inside the 2.5 s operation timeout: Publish reaches SNS late.
    proxy.fail_where(SNS_CALL, PUBLISH, Fault::Delay(Duration::from_millis(1_300)), 1);
    sent_once(&proxy, &trigger, &event, &phone, "848484").await;
}

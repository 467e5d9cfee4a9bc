//! post-confirmation under injected faults: the real adapters (DynamoDB, SESv2), with production
//! SDK settings (1 s per attempt, 2 attempts, 2.5 s per operation), talk to moto through a fault
//! proxy (`trigger_core::testing::fault_proxy`).
//!
//! The documented policy (docs/triggers/post-confirmation.md): fail closed, safely — a failed step
//! fails the invocation (inside its budget) and every step is idempotent, so Cognito's retry after
//! the fault clears leaves one profile row and one welcome e-mail.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use post_confirmation::{Ports, PostConfirmation, Settings};
use serde_json::{Value, json};
use trigger_core::domain_events::Events;
use trigger_core::ports::{Store, SystemClock};
use trigger_core::testing::fault_proxy::{Fault, FaultProxy, run_within_budget};
use trigger_core::testing::{local_aws, production_aws_via, ses_messages_to, table_name, unique};
use trigger_core::{Env, TriggerError};

const BUDGET: Duration = Duration::from_millis(4_500);
const SEND_EMAIL: &str = "POST /v2/email/outbound-emails";

async fn setup() -> (FaultProxy, PostConfirmation) {
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    let env = Env::from_pairs([("TABLE_NAME", table_name()), ("WELCOME_EMAIL_FROM", "no-reply@example.com".into())]);
    let ports = Ports {
        store: Arc::new(aws.store(table_name())),
        directory: Arc::new(aws.directory()),
        mailer: Arc::new(aws.mailer()),
        clock: Arc::new(SystemClock),
        events: Events::disabled(),
    };
    (proxy, PostConfirmation::new(Settings::from_env(&env).unwrap(), ports))
}

fn confirmation(sub: &str, email: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/post-confirmation.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userName"] = json!(sub);
    event["request"]["userAttributes"]["sub"] = json!(sub);
    event["request"]["userAttributes"]["email"] = json!(email);
    event
}

async fn invoke(trigger: &PostConfirmation, event: &Value) -> Result<Value, TriggerError> {
    let result = run_within_budget(trigger, BUDGET, event.clone()).await;
    if let Err(err) = &result {
        assert!(err.user_message().contains("try again"), "the generic text: {err}");
    }
    result
}

/// After the fault: Cognito's retry passes, and there is one profile row and one e-mail.
async fn done_once(trigger: &PostConfirmation, event: &Value, sub: &str, email: &str) {
    invoke(trigger, event).await.expect("the retry after the fault passes");
    invoke(trigger, event).await.expect("and so does a further retry");
    let store = local_aws().await.unwrap().store(table_name());
    let rows = store.query(&format!("USER#{sub}"), "", 10, false).await.unwrap();
    assert_eq!(rows.len(), 1, "one profile row");
    assert_eq!(ses_messages_to(email).unwrap().len(), 1, "exactly one welcome e-mail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_throttled_table_fails_the_invocation_and_the_retry_does_everything_once() {
    let (proxy, trigger) = setup().await;
    let (sub, email) = (unique("sub"), format!("{}@example.com", unique("throttled")));
    let event = confirmation(&sub, &email);
    proxy.fail_always("DynamoDB_20120810.", Fault::Throttle);
    assert!(invoke(&trigger, &event).await.is_err(), "fail closed");
    assert!(proxy.count("DynamoDB_20120810.").1 >= 2);
    assert_eq!(ses_messages_to(&email).unwrap().len(), 0, "no e-mail before the profile step succeeded");
    proxy.clear();
    done_once(&trigger, &event, &sub, &email).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_mail_service_fails_the_invocation_and_the_retry_sends_once() {
    let (proxy, trigger) = setup().await;
    let (sub, email) = (unique("sub"), format!("{}@example.com", unique("ses-down")));
    let event = confirmation(&sub, &email);
    for fault in [Fault::ServerError, Fault::Drop, Fault::Throttle] {
        proxy.fail_always(SEND_EMAIL, fault);
        assert!(invoke(&trigger, &event).await.is_err(), "an SES failure fails the invocation ({fault:?})");
        proxy.clear();
    }
    // SendEmail has no idempotency token: the SDK never tries a send twice, only Cognito's retry does.
    assert_eq!(proxy.count(SEND_EMAIL), (3, 3), "one attempt per invocation");
    done_once(&trigger, &event, &sub, &email).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_send_slower_than_one_attempt_timeout_succeeds_and_sends_one_email() {
    let (proxy, trigger) = setup().await;
    let (sub, email) = (unique("sub"), format!("{}@example.com", unique("ses-slow")));
    let event = confirmation(&sub, &email);
    // Past the 1 s attempt timeout, inside the 2.5 s operation timeout: the send reaches SES late.
    proxy.fail(SEND_EMAIL, Fault::Delay(Duration::from_millis(1_300)), 1);
    invoke(&trigger, &event).await.expect("a slow send that succeeds is not cut short");
    assert!(proxy.settle(Duration::from_secs(5)), "every request landed before counting");
    assert_eq!(ses_messages_to(&email).unwrap().len(), 1, "one e-mail, not a second from an SDK retry");
    assert_eq!(proxy.count(SEND_EMAIL), (1, 0), "one attempt, which was not answered by a fault");
    done_once(&trigger, &event, &sub, &email).await;
}

//! create-auth-challenge under injected faults: the real adapters (DynamoDB, SESv2), with
//! production SDK settings (1 s per attempt, 2 attempts, 2.5 s per operation; one attempt per
//! e-mail), talk to moto through a fault proxy (`trigger_core::testing::fault_proxy`).
//!
//! The documented policy (docs/triggers/passwordless.md, "Failure policy"): fail closed — without
//! the table there is neither a send limit nor retry safety, without SES no code: the create fails
//! with the generic "try again" text inside its budget, nothing is sent, and the issue row is
//! withdrawn after a failed send. Once the fault clears, the person's next attempt e-mails one
//! code, and Cognito's retry of that create answers with the same challenge and sends nothing.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use create_auth_challenge::{CreateAuthChallenge, Ports, Settings};
use serde_json::{Value, json};
use trigger_core::lockout::Subject;
use trigger_core::ports::{Clock, Store, SystemClock};
use trigger_core::sign_in_code::{self, Challenge, Verdict};
use trigger_core::testing::fault_proxy::{Fault, FaultProxy, run_within_budget};
use trigger_core::testing::{local_aws, production_aws_via, ses_messages_to, table_name, unique};
use trigger_core::{Env, TriggerError};

const BUDGET: Duration = Duration::from_millis(4_500);
const SEND_EMAIL: &str = "POST /v2/email/outbound-emails";
const FAULTS: [Fault; 3] = [Fault::Throttle, Fault::ServerError, Fault::Drop];

async fn setup() -> (FaultProxy, CreateAuthChallenge) {
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    let env = Env::from_pairs([("TABLE_NAME", table_name()), ("SIGN_IN_CODE_FROM", "no-reply@example.com".into())]);
    let ports = Ports {
        store: Arc::new(aws.store(table_name())),
        mailer: Arc::new(aws.mailer()),
        clock: Arc::new(SystemClock),
    };
    (proxy, CreateAuthChallenge::new(Settings::from_env(&env).unwrap(), ports))
}

/// The first round of a sign-in of a user of its own, with a verified address of its own.
fn first_round(pool: &str, user: &str, email: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/create-auth-challenge.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userPoolId"] = json!(pool);
    event["userName"] = json!(user);
    event["request"]["userAttributes"]["email"] = json!(email);
    event["request"]["userAttributes"]["email_verified"] = json!("true");
    event
}

async fn invoke(trigger: &CreateAuthChallenge, event: &Value) -> Result<Value, TriggerError> {
    run_within_budget(trigger, BUDGET, event.clone()).await
}

fn assert_try_again(result: Result<Value, TriggerError>, context: &str) {
    match result {
        Err(err) => assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE, "{context}: {err}"),
        Ok(answer) => panic!("{context}: a challenge without its dependencies: {answer}"),
    }
}

fn challenge(answer: &Value) -> Challenge {
    let private = serde_json::from_value(answer["response"]["privateChallengeParameters"].clone()).unwrap();
    Challenge::from_private_parameters(&private).expect("a challenge in the private parameters")
}

/// The 6-digit code in the text of the one e-mail moto's SES holds for `email`.
fn the_one_code_sent_to(email: &str) -> String {
    let sent = ses_messages_to(email).unwrap();
    assert_eq!(sent.len(), 1, "exactly one e-mail to {email}: {sent:?}");
    let body = sent[0]["body"].as_str().unwrap_or_default().to_owned();
    let code = body.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == 6);
    code.unwrap_or_else(|| panic!("a code in the e-mail: {body}")).to_owned()
}

/// After the fault: the person's attempt e-mails one code, Cognito's retry of it answers with the
/// same challenge and sends nothing more, and the code e-mailed is the one the challenge accepts.
async fn one_code_sent(proxy: &FaultProxy, trigger: &CreateAuthChallenge, event: &Value, email: &str) {
    let first = invoke(trigger, event).await.expect("the attempt after the fault issues a challenge");
    let retried = invoke(trigger, event).await.expect("and so does Cognito's retry of it");
    assert!(proxy.settle(Duration::from_secs(5)), "every request landed before counting");
    assert_eq!(challenge(&retried), challenge(&first), "the retry answers with the challenge already sent");
    let code = the_one_code_sent_to(email);
    let now = SystemClock.epoch_seconds();
    assert_eq!(challenge(&first).check(&code, now), Verdict::Correct, "the code e-mailed is the valid one");
    let last = code.chars().last().and_then(|c| c.to_digit(10)).unwrap();
    let wrong = format!("{}{}", &code[..code.len() - 1], (last + 1) % 10);
    assert_eq!(challenge(&first).check(&wrong, now), Verdict::Wrong, "and only that one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_table_refuses_with_try_again_and_sends_nothing_then_the_retry_sends_one_code() {
    let (proxy, trigger) = setup().await;
    let (pool, user) = (unique("us-east-1_codefaults"), unique("jane"));
    let email = format!("{}@example.com", unique("table-down"));
    let event = first_round(&pool, &user, &email);
    for fault in FAULTS {
        proxy.fail_always("DynamoDB_20120810.", fault);
        assert_try_again(invoke(&trigger, &event).await, &format!("{fault:?}"));
        proxy.clear();
    }
    assert!(proxy.count("DynamoDB_20120810.").1 >= 6, "{:?}", proxy.count("DynamoDB_20120810."));
    assert!(ses_messages_to(&email).unwrap().is_empty(), "nothing sent without the table");
    assert_eq!(proxy.count(SEND_EMAIL).0, 0);
    one_code_sent(&proxy, &trigger, &event, &email).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_mail_service_refuses_withdraws_the_code_and_the_retry_sends_one_code() {
    let (proxy, trigger) = setup().await;
    let (pool, user) = (unique("us-east-1_codefaults"), unique("jane"));
    let email = format!("{}@example.com", unique("ses-down"));
    let event = first_round(&pool, &user, &email);
    let store = local_aws().await.unwrap().store(table_name());
    for fault in FAULTS {
        proxy.fail_always(SEND_EMAIL, fault);
        assert_try_again(invoke(&trigger, &event).await, &format!("{fault:?}"));
        proxy.clear();
        let sub = event["request"]["userAttributes"]["sub"].as_str().unwrap().to_owned();
        let row = store.get(&sign_in_code::issue_key(&pool, &Subject::User { sub })).await.unwrap();
        assert!(row.is_none(), "the code nobody received was withdrawn ({fault:?}): {row:?}");
    }
    // SendEmail has no idempotency token: one attempt each, the SDK never resends.
    assert_eq!(proxy.count(SEND_EMAIL), (3, 3));
    assert!(ses_messages_to(&email).unwrap().is_empty());
    one_code_sent(&proxy, &trigger, &event, &email).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_send_slower_than_one_attempt_timeout_succeeds_and_sends_one_code() {
    let (proxy, trigger) = setup().await;
    let (pool, user) = (unique("us-east-1_codefaults"), unique("jane"));
    let email = format!("{}@example.com", unique("ses-slow"));
    let event = first_round(&pool, &user, &email);
    // Past the 1 s attempt timeout, inside the 2.5 s operation timeout: the send reaches SES late.
    proxy.fail(SEND_EMAIL, Fault::Delay(Duration::from_millis(1_300)), 1);
    one_code_sent(&proxy, &trigger, &event, &email).await;
    assert_eq!(proxy.count(SEND_EMAIL), (1, 0), "one attempt");
}

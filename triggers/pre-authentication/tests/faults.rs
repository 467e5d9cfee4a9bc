//! pre-authentication under injected faults: the real store adapter, with production SDK settings
//! (1 s per attempt, 2 attempts, 2.5 s per operation), talks to moto through a fault proxy
//! (`trigger_core::testing::fault_proxy`).
//!
//! The documented policy (docs/triggers/pre-authentication.md): `LOCKOUT_ON_STORE_FAILURE=allow`
//! by default — a table that fails or is slow lets the attempt through (Cognito still checks the
//! password); `deny` refuses it. Every invocation ends inside its 4.5 s budget, and once the fault
//! clears the count goes on where it was: a throttled attempt was not counted, none twice.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use pre_authentication::{Ports, PreAuthentication, Settings};
use serde_json::Value;
use trigger_core::domain_events::Events;
use trigger_core::ports::SystemClock;
use trigger_core::testing::fault_proxy::{Fault, FaultProxy, run_within_budget};
use trigger_core::testing::{production_aws_via, table_name, unique};
use trigger_core::{Env, TriggerError};

const BUDGET: Duration = Duration::from_millis(4_500);
const LOCKED: &str = "Too many sign-in attempts. Try again in 5 minutes";

fn event(pool: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/pre-authentication.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userPoolId"] = Value::from(pool);
    event
}

async fn setup(extra: &[(&str, &str)]) -> (FaultProxy, PreAuthentication) {
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    let table = table_name();
    let mut pairs = vec![("TABLE_NAME", table.as_str())];
    pairs.extend_from_slice(extra);
    let settings = Settings::from_env(&Env::from_pairs(pairs)).unwrap();
    let trigger = PreAuthentication::new(
        settings,
        Ports { store: Arc::new(aws.store(table_name())), clock: Arc::new(SystemClock), events: Events::disabled() },
    );
    (proxy, trigger)
}

async fn attempt(trigger: &PreAuthentication, event: &Value) -> Result<Value, TriggerError> {
    run_within_budget(trigger, BUDGET, event.clone()).await
}

/// `left` more attempts pass, then the user is locked.
async fn passes_then_locks(trigger: &PreAuthentication, event: &Value, left: usize) {
    for n in 0..left {
        attempt(trigger, event).await.unwrap_or_else(|e| panic!("attempt {n} of {left} should pass: {e}"));
    }
    assert_eq!(attempt(trigger, event).await.unwrap_err().user_message(), LOCKED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_throttled_table_fails_open_and_no_attempt_is_counted_twice() {
    let (proxy, trigger) = setup(&[]).await;
    let event = event(&unique("us-east-1_throttled"));
    attempt(&trigger, &event).await.unwrap();
    proxy.fail_always("DynamoDB_20120810.", Fault::Throttle);
    for _ in 0..3 {
        attempt(&trigger, &event).await.expect("fail open: the attempt is allowed");
    }
    assert!(proxy.count("DynamoDB_20120810.").1 >= 3, "{:?}", proxy.count("DynamoDB"));
    proxy.clear();
    // One attempt counted before the fault, none during it (the SDK's retries were refused too).
    passes_then_locks(&trigger, &event, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_table_refuses_the_attempt_when_configured_to_deny() {
    let (proxy, trigger) = setup(&[("LOCKOUT_ON_STORE_FAILURE", "deny")]).await;
    let event = event(&unique("us-east-1_deny"));
    proxy.fail_always("DynamoDB_20120810.", Fault::ServerError);
    let refused = attempt(&trigger, &event).await.unwrap_err();
    assert!(refused.user_message().contains("try again") || refused.user_message().contains("Try again"), "{refused}");
    proxy.clear();
    passes_then_locks(&trigger, &event, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn dropped_connections_and_slow_answers_end_inside_the_budget() {
    let (proxy, trigger) = setup(&[]).await;
    let event = event(&unique("us-east-1_slow"));
    proxy.fail_always("DynamoDB_20120810.", Fault::Drop);
    attempt(&trigger, &event).await.expect("fail open on dropped connections");
    proxy.clear();
    // Past the 1 s attempt timeout each time: the SDK gives up, the trigger allows, in budget.
    proxy.fail_always("DynamoDB_20120810.", Fault::Delay(Duration::from_millis(2_000)));
    attempt(&trigger, &event).await.expect("fail open on a slow table");
    proxy.clear();
    assert!(proxy.count("DynamoDB_20120810.").0 >= 2);
}

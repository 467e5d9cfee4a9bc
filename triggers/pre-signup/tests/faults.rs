//! pre-signup under injected faults: the real adapters, with production SDK settings (1 s per
//! attempt, 2 attempts, 2.5 s per operation), talk to moto through a fault proxy
//! (`trigger_core::testing::fault_proxy`) that throttles, fails, delays or drops their calls.
//!
//! The documented policy (docs/triggers/pre-signup.md, "Failure policy"): `deny` by default — a
//! dependency that does not answer refuses the sign-up with the "try again" text, so no duplicate
//! slips through; `allow` skips the failed check. Every invocation ends inside its 4.5 s budget,
//! and once the fault clears the person's retry reserves the address exactly once.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
use pre_signup::{EMAIL_TAKEN, Ports, PreSignUp, Settings};
use serde_json::{Value, json};
use trigger_core::aws::Aws;
use trigger_core::domain_events::Events;
use trigger_core::ports::{Store, SystemClock};
use trigger_core::reservations::{self, Kind};
use trigger_core::testing::fault_proxy::{Fault, FaultProxy, run_within_budget};
use trigger_core::testing::{local_aws, production_aws_via, table_name, unique};
use trigger_core::{Env, TriggerError};

/// The production budget (`TRIGGER_BUDGET_MS` default).
const BUDGET: Duration = Duration::from_millis(4_500);

fn trigger(aws: &Aws, extra: &[(&str, &str)]) -> PreSignUp {
    let table = table_name();
    let mut pairs = vec![("TABLE_NAME", table.as_str())];
    pairs.extend_from_slice(extra);
    let settings = Settings::from_env(&Env::from_pairs(pairs)).unwrap();
    let ports = Ports {
        store: Some(Arc::new(aws.store(table_name()))),
        directory: Arc::new(aws.directory()),
        scheduler: Arc::new(aws.scheduler()),
        clock: Arc::new(SystemClock),
        events: Events::disabled(),
    };
    PreSignUp::new(settings, ports)
}

/// A moto pool (made directly, not through the proxy), the proxy, and the adapters behind it.
async fn setup() -> (String, FaultProxy, Aws) {
    let direct = local_aws().await.unwrap();
    let pool = CognitoClient::new(direct.sdk_config())
        .create_user_pool()
        .pool_name(unique("faults"))
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    (pool, proxy, aws)
}

fn sign_up(pool: &str, username: &str, email: &str) -> Value {
    json!({
        "version": "1", "triggerSource": "PreSignUp_SignUp", "region": "us-east-1", "userPoolId": pool,
        "userName": username, "callerContext": { "clientId": "local" },
        "request": { "userAttributes": { "email": email } }, "response": {}
    })
}

/// One invocation as the runtime makes it; fails the test when it overruns the budget.
async fn invoke(trigger: &PreSignUp, event: Value) -> Result<Value, TriggerError> {
    run_within_budget(trigger, BUDGET, event).await
}

fn is_try_again(result: &Result<Value, TriggerError>) -> bool {
    matches!(result, Err(err) if err.user_message().contains("try again"))
}

/// After the fault: the address is held by `owner` alone — one row naming it, another person's
/// sign-up refused, the owner's retries passing.
async fn reserved_once(aws: &Aws, trigger: &PreSignUp, pool: &str, owner: &str, address: &str) {
    invoke(trigger, sign_up(pool, owner, address)).await.expect("the owner's retry passes");
    let key = reservations::key(pool, Kind::Email, address);
    let row = aws.store(table_name()).get(&key).await.unwrap().expect("the reservation was written");
    assert_eq!(row.str(reservations::OWNER), Some(owner));
    let other = invoke(trigger, sign_up(pool, &unique("other"), address)).await.unwrap_err();
    assert_eq!(other.user_message(), EMAIL_TAKEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_throttled_table_refuses_with_try_again_then_the_retry_reserves_once() {
    let (pool, proxy, aws) = setup().await;
    let pre_signup = trigger(&aws, &[]);
    let address = format!("{}@example.com", unique("throttled"));
    proxy.fail_always("DynamoDB_20120810.PutItem", Fault::Throttle);
    let refused = invoke(&pre_signup, sign_up(&pool, "jane", &address)).await;
    assert!(is_try_again(&refused), "fail closed: {refused:?}");
    assert!(proxy.count("PutItem").1 >= 2, "the SDK retried the throttled write: {:?}", proxy.count("PutItem"));
    proxy.clear();
    reserved_once(&aws, &pre_signup, &pool, "jane", &address).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn one_server_error_is_absorbed_by_the_sdk_retry() {
    let (pool, proxy, aws) = setup().await;
    let pre_signup = trigger(&aws, &[]);
    let address = format!("{}@example.com", unique("five-hundred"));
    proxy.fail("PutItem", Fault::ServerError, 1);
    proxy.fail("ListUsers", Fault::ServerError, 1);
    invoke(&pre_signup, sign_up(&pool, "jane", &address)).await.expect("one 500 per call is retried");
    assert_eq!(proxy.count("PutItem").1, 1);
    assert_eq!(proxy.count("ListUsers").1, 1);
    reserved_once(&aws, &pre_signup, &pool, "jane", &address).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_write_delayed_past_the_attempt_timeout_is_neither_lost_nor_doubled() {
    let (pool, proxy, aws) = setup().await;
    let pre_signup = trigger(&aws, &[]);
    let address = format!("{}@example.com", unique("delayed"));
    // Every attempt outlives the 1 s attempt timeout; moto still applies each write, late.
    proxy.fail_always("PutItem", Fault::Delay(Duration::from_millis(1_300)));
    let first = invoke(&pre_signup, sign_up(&pool, "jane", &address)).await;
    assert!(is_try_again(&first), "no answer within the attempt timeout: fail closed, got {first:?}");
    proxy.clear();
    // The late writes landed (or not): either way the retry finds jane's row or writes it.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    reserved_once(&aws, &pre_signup, &pool, "jane", &address).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn dropped_directory_connections_deny_by_default_and_skip_the_check_when_allowed() {
    let (pool, proxy, aws) = setup().await;
    proxy.fail_always("ListUsers", Fault::Drop);
    let address = format!("{}@example.com", unique("dropped"));
    let refused = invoke(&trigger(&aws, &[]), sign_up(&pool, "jane", &address)).await;
    assert!(is_try_again(&refused), "fail closed: {refused:?}");
    let open = trigger(&aws, &[("ON_DEPENDENCY_FAILURE", "allow")]);
    let other = format!("{}@example.com", unique("dropped-allow"));
    invoke(&open, sign_up(&pool, "joe", &other)).await.expect("ON_DEPENDENCY_FAILURE=allow skips the check");
    assert!(proxy.count("ListUsers").1 >= 2, "{:?}", proxy.count("ListUsers"));
    proxy.clear();
    reserved_once(&aws, &pre_signup_default(&aws), &pool, "jane", &address).await;
    reserved_once(&aws, &pre_signup_default(&aws), &pool, "joe", &other).await;
}

fn pre_signup_default(aws: &Aws) -> PreSignUp {
    trigger(aws, &[])
}

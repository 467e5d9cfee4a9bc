//! post-authentication under injected faults: the real store adapter, with production SDK
//! settings (1 s per attempt, 2 attempts, 2.5 s per operation), talks to moto through a fault
//! proxy (`trigger_core::testing::fault_proxy`).
//!
//! The documented policy (docs/triggers/post-authentication.md): fail open — every write's failure
//! is logged and counted and the sign-in goes on, inside the budget. A write whose first attempt
//! outlives the attempt timeout (and still lands, late) and whose retry lands too counts the
//! sign-in once: the profile's guard holds.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use post_authentication::{Ports, PostAuthentication, Settings, history, profile};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::FixedClock;
use trigger_core::ports::Store;
use trigger_core::runtime::run_within;
use trigger_core::testing::fault_proxy::{Fault, FaultProxy};
use trigger_core::testing::{local_aws, production_aws_via, table_name, unique};

const BUDGET: Duration = Duration::from_millis(4_500);
const NOW: u64 = 1_900_000_000;

fn event(pool: &str, sub: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/post-authentication.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userPoolId"] = Value::from(pool);
    event["request"]["userAttributes"]["sub"] = Value::from(sub);
    event
}

async fn setup() -> (FaultProxy, PostAuthentication, Arc<FixedClock>) {
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t"), ("LOGIN_HISTORY_DAYS", "7")])).unwrap();
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW));
    let store = Arc::new(aws.store(table_name()));
    (proxy, PostAuthentication::new(settings, Ports { store, clock: clock.clone(), events: Events::disabled() }), clock)
}

async fn sign_in(trigger: &PostAuthentication, event: &Value) {
    let started = Instant::now();
    run_within(trigger, BUDGET, event.clone()).await.expect("fail open: the sign-in goes on");
    assert!(started.elapsed() < BUDGET, "the invocation took {:?}, past its budget", started.elapsed());
}

async fn logins(sub: &str) -> (Option<i64>, usize) {
    let store = local_aws().await.unwrap().store(table_name());
    let count = store.get(&profile::key(sub)).await.unwrap().and_then(|p| p.i64("loginCount"));
    let history = store.query(&format!("USER#{sub}"), history::PREFIX, 10, true).await.unwrap();
    (count, history.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn throttling_500s_and_drops_never_refuse_a_sign_in_or_overrun_the_budget() {
    let (proxy, trigger, clock) = setup().await;
    let sub = unique("sub");
    let event = event(&unique("us-east-1_faults"), &sub);
    for fault in [Fault::Throttle, Fault::ServerError, Fault::Drop, Fault::Delay(Duration::from_millis(2_600))] {
        proxy.fail_always("DynamoDB_20120810.", fault);
        sign_in(&trigger, &event).await;
        proxy.clear();
        clock.advance(Duration::from_secs(5));
    }
    assert!(proxy.count("DynamoDB_20120810.").1 >= 6, "{:?}", proxy.count("DynamoDB"));
    // Once the fault clears the next sign-in is recorded (the slow writes of the last fault may
    // have landed late, and count once at most).
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    let (before, _) = logins(&sub).await;
    // Another delivery (another app client): the same event again would be a retry, counted once.
    let mut next = event.clone();
    next["callerContext"]["clientId"] = Value::from("after-the-fault");
    sign_in(&trigger, &next).await;
    let (after, history) = logins(&sub).await;
    assert_eq!(after, Some(before.unwrap_or(0) + 1), "the sign-in after the fault counts once");
    assert!(history >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_write_that_lands_late_and_its_retry_count_the_sign_in_once() {
    let (proxy, trigger, _) = setup().await;
    let sub = unique("sub");
    let event = event(&unique("us-east-1_late"), &sub);
    // The first call's first attempt outlives the 1 s attempt timeout and still lands; the SDK's
    // retry lands too.
    proxy.fail("DynamoDB_20120810.", Fault::Delay(Duration::from_millis(1_300)), 1);
    sign_in(&trigger, &event).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(logins(&sub).await, (Some(1), 1), "one sign-in, counted once, one history item");
}

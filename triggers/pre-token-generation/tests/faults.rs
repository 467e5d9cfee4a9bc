//! pre-token-generation under injected faults: the real adapters, with production SDK settings
//! (1 s per attempt, 2 attempts, 2.5 s per operation), talk to moto through a fault proxy
//! (`trigger_core::testing::fault_proxy`).
//!
//! The documented policy (docs/triggers/pre-token-generation.md): the token is never blocked —
//! a failing or slow store issues it without the profile claims (groups kept), inside the budget;
//! once the fault clears, the missing profile is created exactly once and its claims come back.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use pre_token_generation::{Ports, PreTokenGeneration, Settings};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::ports::{Store, SystemClock};
use trigger_core::runtime::run_within;
use trigger_core::testing::fault_proxy::{Fault, FaultProxy};
use trigger_core::testing::{local_aws, production_aws_via, table_name, unique};

const BUDGET: Duration = Duration::from_millis(4_500);

async fn setup() -> (FaultProxy, PreTokenGeneration) {
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    let env =
        Env::from_pairs([("TABLE_NAME", table_name()), ("CLAIMS_FROM_PROFILE", "username:custom:profile_user".into())]);
    let ports = Ports {
        store: Arc::new(aws.store(table_name())),
        directory: Arc::new(aws.directory()),
        clock: Arc::new(SystemClock),
    };
    (proxy, PreTokenGeneration::new(Settings::from_env(&env).unwrap(), ports))
}

fn event(sub: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/pre-token-generation-v1.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userName"] = json!(format!("user-{sub}"));
    event["request"]["userAttributes"]["sub"] = json!(sub);
    event
}

/// One token request; it must be answered (never refused) inside the budget.
async fn token(trigger: &PreTokenGeneration, event: &Value) -> Value {
    let started = Instant::now();
    let answer = run_within(trigger, BUDGET, event.clone()).await.expect("the token is never blocked");
    assert!(started.elapsed() < BUDGET, "the invocation took {:?}, past its budget", started.elapsed());
    answer["response"]["claimsOverrideDetails"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_store_issues_the_token_without_profile_claims_then_creates_the_profile_once() {
    let (proxy, trigger) = setup().await;
    let sub = unique("sub");
    let event = event(&sub);
    for fault in [Fault::Throttle, Fault::ServerError, Fault::Drop, Fault::Delay(Duration::from_millis(2_200))] {
        proxy.fail_always("DynamoDB_20120810.", fault);
        let details = token(&trigger, &event).await;
        assert!(details["claimsToAddOrOverride"]["custom:profile_user"].is_null(), "no profile claims ({fault:?})");
        assert_eq!(details["groupOverrideDetails"]["groupsToOverride"], json!(["admins", "editors"]), "groups kept");
        proxy.clear();
    }
    assert!(proxy.count("DynamoDB_20120810.").1 >= 6, "{:?}", proxy.count("DynamoDB"));
    // Slow writes of the last fault may land late: wait, then the profile exists once.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    for _ in 0..2 {
        let details = token(&trigger, &event).await;
        assert_eq!(details["claimsToAddOrOverride"]["custom:profile_user"], format!("user-{sub}"));
    }
    let store = local_aws().await.unwrap().store(table_name());
    assert_eq!(store.query(&format!("USER#{sub}"), "", 10, false).await.unwrap().len(), 1, "exactly one profile item");
}

//! The trigger against DynamoDB on the local stack (moto): profile claims in the answer, and a
//! missing profile created exactly once under concurrent token requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use pre_token_generation::{Ports, PreTokenGeneration, Settings};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::ports::{AttrValue, Item, Key, Store, SystemClock};
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name, unique};

async fn trigger() -> (Arc<PreTokenGeneration>, Arc<dyn Store>) {
    let aws = local_aws().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(aws.store(table_name()));
    let env = Env::from_pairs([
        ("TABLE_NAME", table_name()),
        ("CLAIMS_FROM_PROFILE", "tenantId:custom:tenant,roles:roles,username:custom:profile_user".into()),
    ]);
    let ports = Ports { store: store.clone(), directory: Arc::new(aws.directory()), clock: Arc::new(SystemClock) };
    (Arc::new(PreTokenGeneration::new(Settings::from_env(&env).unwrap(), ports)), store)
}

fn event(fixture: &str, sub: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userName"] = json!(format!("user-{sub}"));
    event["request"]["userAttributes"]["sub"] = json!(sub);
    event
}

async fn invoke(trigger: &PreTokenGeneration, event: Value) -> Value {
    run_within(trigger, Duration::from_secs(5), event).await.unwrap()
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn claims_from_the_profile_row_appear_in_v1_and_v2_answers() {
    let (trigger, store) = trigger().await;
    let sub = unique("sub");
    let row = Item::new(&Key::new(format!("USER#{sub}"), "PROFILE"))
        .with("sub", AttrValue::s(&sub))
        .with("tenantId", AttrValue::s("acme"))
        .with("roles", AttrValue::L(vec![AttrValue::s("admin")]));
    store.put(&row, None).await.unwrap();
    let v1 = invoke(&trigger, event("pre-token-generation-v1.json", &sub)).await;
    let details = &v1["response"]["claimsOverrideDetails"];
    assert_eq!(details["claimsToAddOrOverride"]["custom:tenant"], "acme");
    assert_eq!(details["claimsToAddOrOverride"]["roles"], r#"["admin"]"#);
    assert_eq!(details["groupOverrideDetails"]["groupsToOverride"], json!(["admins", "editors"]));
    let v2 = invoke(&trigger, event("pre-token-generation-v2.json", &sub)).await;
    let id = &v2["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"];
    assert_eq!(id["claimsToAddOrOverride"]["roles"], json!(["admin"]));
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn concurrent_tokens_for_a_user_without_profile_create_exactly_one_item() {
    let (trigger, store) = trigger().await;
    let sub = unique("sub");
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (trigger, event) = (trigger.clone(), event("pre-token-generation-v1.json", &sub));
            tokio::spawn(async move { invoke(&trigger, event).await })
        })
        .collect();
    for task in tasks {
        let answer = task.await.unwrap();
        let claims = &answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"];
        assert_eq!(claims["custom:profile_user"], format!("user-{sub}"), "every answer read the created row");
    }
    let rows = store.query(&format!("USER#{sub}"), "", 10, false).await.unwrap();
    assert_eq!(rows.len(), 1, "exactly one item");
    assert_eq!(rows[0].str("email"), Some("jane.doe@example.com"));
    assert_eq!(rows[0].str("status"), Some("CONFIRMED"));
}

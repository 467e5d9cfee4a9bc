//! Post authentication against DynamoDB (moto on the local stack): the reset of a lockout,
//! the profile, and history items with their TTL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use post_authentication::{Ports, PostAuthentication, Settings, history, profile};
use pre_authentication::attempt::{self, Verdict};
use pre_authentication::policy::Policy;
use serde_json::Value;
use trigger_core::Env;
use trigger_core::fakes::FixedClock;
use trigger_core::lockout as record;
use trigger_core::ports::{EXPIRES_AT, Store};
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name, unique};

const NOW: u64 = 1_900_000_000;

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_sign_in_resets_the_lockout_and_writes_profile_and_history_with_ttl() {
    let store = Arc::new(local_aws().await.unwrap().store(table_name()));
    let pool = unique("us-east-1_post");
    let sub = unique("sub");
    let lock_key = record::key(&pool, &record::Subject::User { sub: sub.clone() });
    for _ in 0..5 {
        assert_eq!(
            attempt::register(&*store, &lock_key, NOW as i64, &Policy::default()).await.unwrap(),
            Verdict::Allowed
        );
    }

    let path = format!("{}/../../tests/fixtures/events/post-authentication.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userPoolId"] = Value::from(pool.as_str());
    event["request"]["userAttributes"]["sub"] = Value::from(sub.as_str());
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t"), ("LOGIN_HISTORY_DAYS", "7")])).unwrap();
    let clock = Arc::new(FixedClock::at_epoch_seconds(NOW + 1));
    let trigger = PostAuthentication::new(
        settings,
        Ports { store: store.clone(), clock: clock.clone(), events: trigger_core::domain_events::Events::disabled() },
    );
    run_within(&trigger, Duration::from_secs(5), event.clone()).await.unwrap();
    clock.advance(Duration::from_secs(5));
    run_within(&trigger, Duration::from_secs(5), event).await.unwrap(); // a retried delivery

    assert!(store.get(&lock_key).await.unwrap().is_none(), "the lockout record is gone");
    assert_eq!(
        attempt::register(&*store, &lock_key, NOW as i64 + 2, &Policy::default()).await.unwrap(),
        Verdict::Allowed,
        "counting starts over"
    );
    let profile = store.get(&profile::key(&sub)).await.unwrap().unwrap();
    assert_eq!(profile.i64("loginCount"), Some(1), "the retry did not count");
    assert_eq!(profile.i64("lastLoginAt"), Some(NOW as i64 + 1));
    let logins = store.query(&format!("USER#{sub}"), history::PREFIX, 10, true).await.unwrap();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].i64(EXPIRES_AT), Some(NOW as i64 + 1 + 7 * 86_400));
}

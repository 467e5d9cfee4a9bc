//! user-migration under injected faults: the real adapters (the project's table, the legacy table
//! on DynamoDB, the old pool's Cognito admin APIs), with production SDK settings (1 s per attempt,
//! 2 attempts, 2.5 s per operation), talk to moto through a fault proxy
//! (`trigger_core::testing::fault_proxy`); tables, pools and users are made directly.
//!
//! The documented policy (docs/triggers/user-migration.md, "Failure policy: closed"): a backend or
//! the table that does not answer refuses the sign-in with the generic "try again" text, inside
//! the budget; nobody is moved in on a guess, every attempt is registered once before any backend
//! is asked (a fault never counts an attempt twice, nor lets one through uncounted), and the
//! person's retry after the fault clears moves the user in once (one e-mail reservation, owned by
//! the user).
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use support::{BCRYPT_OF_PASSWORD, PASSWORD, event, legacy_table, old_pool, put_row, trigger};
use trigger_core::TriggerError;
use trigger_core::lockout::{self, LockoutState, Subject};
use trigger_core::ports::{LegacyUsers, OldUserPool, Store};
use trigger_core::reservations::{self, Kind};
use trigger_core::testing::fault_proxy::{Fault, FaultProxy, run_within_budget};
use trigger_core::testing::{local_aws, production_aws_via, table_name, unique};
use user_migration::{UserMigration, message};

const BUDGET: Duration = Duration::from_millis(4_500);
const SIGN_IN: &str = "UserMigration_Authentication";
const GET_ITEM: &str = "DynamoDB_20120810.GetItem";
const OLD_POOL_AUTH: &str = "AWSCognitoIdentityProviderService.AdminInitiateAuth";
const OLD_POOL_GET_USER: &str = "AWSCognitoIdentityProviderService.AdminGetUser";
/// The faults a backend shows in turn: throttling, a 500, a dropped connection.
const FAULTS: [Fault; 3] = [Fault::Throttle, Fault::ServerError, Fault::Drop];
/// Every attempt is registered before a backend is asked, the faulted ones too: these tests make
/// more than the default five, and check the count, not the lock.
const MANY_ATTEMPTS: (&str, &str) = ("LOCKOUT_MAX_ATTEMPTS", "50");
/// What the reservation writes name (and the lockout record's do not).
const RESERVATION: &str = "EMAIL#";

/// One invocation as the runtime makes it: inside the budget, ended by the trigger's policy.
async fn invoke(trigger: &UserMigration, event: Value) -> Result<Value, TriggerError> {
    run_within_budget(trigger, BUDGET, event).await
}

fn assert_try_again(result: Result<Value, TriggerError>, context: &str) {
    match result {
        Err(err) => assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE, "{context}: {err}"),
        Ok(answer) => panic!("{context}: migrated on a guess: {answer}"),
    }
}

/// A legacy table with one row (bcrypt of [`PASSWORD`]), the proxy, and the trigger reading the
/// table and the project's table through it.
async fn legacy_setup() -> (FaultProxy, UserMigration, String, String) {
    let direct = local_aws().await.unwrap();
    let table = legacy_table(&direct).await;
    let user = unique("legacy").to_lowercase();
    put_row(&direct, &table, &user, BCRYPT_OF_PASSWORD, &format!("{user}@example.com")).await;
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    let legacy: Arc<dyn LegacyUsers> = Arc::new(aws.legacy_users(table.clone()));
    let pairs = vec![("LEGACY_USERS_TABLE", table.clone()), (MANY_ATTEMPTS.0, MANY_ATTEMPTS.1.to_owned())];
    let migration = trigger(&aws, pairs, Some(legacy), None);
    (proxy, migration, table, user)
}

/// An old pool with one user, the proxy, and the trigger asking the pool through it.
async fn old_pool_setup() -> (FaultProxy, UserMigration, String) {
    let direct = local_aws().await.unwrap();
    let (pool_id, client_id, user) = old_pool(&direct).await;
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    let old: Arc<dyn OldUserPool> = Arc::new(aws.old_pool(&pool_id, &client_id, "us-east-1"));
    let pairs = vec![
        ("OLD_USER_POOL_ID", pool_id),
        ("OLD_CLIENT_ID", client_id),
        (MANY_ATTEMPTS.0, MANY_ATTEMPTS.1.to_owned()),
    ];
    (proxy, trigger(&aws, pairs, None, Some(old)), user)
}

fn body_names_table(table: &str) -> String {
    format!(r#""TableName":"{table}""#)
}

/// The lockout record of `user` in `pool`, as the table holds it (read directly).
async fn lockout_of(store: &impl Store, pool: &str, user: &str) -> Option<LockoutState> {
    let key = lockout::key(pool, &Subject::Name(user.to_owned()));
    store.get(&key).await.unwrap().map(|item| LockoutState::from_item(&item))
}

/// After the fault: the person's retry moves the user in, a repeat of it (Cognito's retry of a
/// slow answer) answers the same, and the address is reserved once, for this user; every attempt
/// was counted (the faulted ones too), none locked the name.
async fn migrated_once(trigger: &UserMigration, pool: &str, user: &str) {
    let email = format!("{user}@example.com");
    for attempt in ["the retry after the fault", "a repeat of it"] {
        let answer = invoke(trigger, event(SIGN_IN, pool, user, Some(PASSWORD))).await;
        let answer = answer.unwrap_or_else(|e| panic!("{attempt} migrates: {e}"));
        assert_eq!(answer["response"]["userAttributes"]["email"], email.as_str(), "{attempt}");
        assert_eq!(answer["response"]["finalUserStatus"], "CONFIRMED", "{attempt}");
    }
    let store = local_aws().await.unwrap().store(table_name());
    let key = reservations::key(pool, Kind::Email, &email);
    let row = store.get(&key).await.unwrap().expect("the address is reserved");
    assert_eq!(row.str(reservations::OWNER), Some(user));
    assert_eq!(row.str(reservations::STATUS), Some(reservations::CONFIRMED));
    let state = lockout_of(&store, pool, user).await.expect("the attempts are registered");
    assert_eq!(state.locked_until, 0, "{state:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_legacy_table_refuses_with_try_again_then_the_retry_migrates_once() {
    let (proxy, migration, table, user) = legacy_setup().await;
    let pool = unique("us-east-1_legacyfaults");
    for fault in FAULTS {
        proxy.fail_always_where(GET_ITEM, &body_names_table(&table), fault);
        assert_try_again(invoke(&migration, event(SIGN_IN, &pool, &user, Some(PASSWORD))).await, &format!("{fault:?}"));
        proxy.clear();
    }
    // Two attempts per call (the SDK's retry), three calls.
    assert_eq!(proxy.count(GET_ITEM).1, 6, "{:?}", proxy.count(GET_ITEM));
    migrated_once(&migration, &pool, &user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_old_pool_refuses_with_try_again_then_the_retry_migrates_once() {
    let (proxy, migration, user) = old_pool_setup().await;
    let pool = unique("us-east-1_oldfaults");
    for fault in FAULTS {
        // The sign-in itself, then the read of the attributes after a sign-in that succeeded.
        for target in [OLD_POOL_AUTH, OLD_POOL_GET_USER] {
            proxy.fail_always(target, fault);
            let result = invoke(&migration, event(SIGN_IN, &pool, &user, Some(PASSWORD))).await;
            assert_try_again(result, &format!("{target} {fault:?}"));
            proxy.clear();
        }
    }
    assert_eq!(proxy.count(OLD_POOL_AUTH).1, 6, "{:?}", proxy.count(OLD_POOL_AUTH));
    assert_eq!(proxy.count(OLD_POOL_GET_USER).1, 6, "{:?}", proxy.count(OLD_POOL_GET_USER));
    migrated_once(&migration, &pool, &user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_project_table_refuses_before_any_backend_is_asked_or_anyone_moved_in() {
    let (proxy, migration, _, user) = legacy_setup().await;
    let pool = unique("us-east-1_storefaults");
    // The attempt is registered first: without it, no hash is checked.
    proxy.fail_always_where("DynamoDB_20120810.UpdateItem", &body_names_table(&table_name()), Fault::Throttle);
    assert_try_again(invoke(&migration, event(SIGN_IN, &pool, &user, Some(PASSWORD))).await, "attempt");
    proxy.clear();
    assert_eq!(proxy.count(GET_ITEM).0, 0, "the legacy table was not asked");
    // The lock read again after the password verified: no answer without it.
    proxy.fail_always_where(GET_ITEM, &body_names_table(&table_name()), Fault::Throttle);
    assert_try_again(invoke(&migration, event(SIGN_IN, &pool, &user, Some(PASSWORD))).await, "lock read");
    proxy.clear();
    // The reservation, after the password verified: no answer without it.
    for write in ["DynamoDB_20120810.UpdateItem", "DynamoDB_20120810.PutItem"] {
        proxy.fail_always_where(write, RESERVATION, Fault::ServerError);
        assert_try_again(invoke(&migration, event(SIGN_IN, &pool, &user, Some(PASSWORD))).await, write);
        proxy.clear();
    }
    migrated_once(&migration, &pool, &user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_reservation_written_late_is_neither_lost_nor_doubled() {
    let (proxy, migration, _, user) = legacy_setup().await;
    let pool = unique("us-east-1_latefaults");
    // Past the attempt timeout: the SDK tries again while the first write still lands.
    proxy.fail_where("DynamoDB_20120810.UpdateItem", RESERVATION, Fault::Delay(Duration::from_millis(1_300)), 1);
    let answer = invoke(&migration, event(SIGN_IN, &pool, &user, Some(PASSWORD))).await;
    answer.expect("the SDK's retry of the reservation succeeds");
    assert!(proxy.settle(Duration::from_secs(5)), "the late write landed");
    migrated_once(&migration, &pool, &user).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_wrong_password_under_a_failing_table_is_refused_and_counted_once_after() {
    let (proxy, migration, _, user) = legacy_setup().await;
    let pool = unique("us-east-1_countfaults");
    let wrong = event(SIGN_IN, &pool, &user, Some("Wrong-Passw0rd!"));
    proxy.fail_always("DynamoDB_20120810.UpdateItem", Fault::Throttle);
    assert_try_again(invoke(&migration, wrong.clone()).await, "the attempt cannot be registered");
    proxy.clear();
    let store = local_aws().await.unwrap().store(table_name());
    assert!(lockout_of(&store, &pool, &user).await.is_none(), "nothing counted while the table failed");
    match invoke(&migration, wrong).await {
        Err(TriggerError::Denied(text)) => assert_eq!(text.as_str(), message::INCORRECT),
        other => panic!("a wrong password is refused as such: {other:?}"),
    }
    let state = lockout_of(&store, &pool, &user).await.expect("the failure is counted");
    assert_eq!(state.attempts, 1, "counted once");
}

/// Found, not fixed (docs/performance.md, "Injected faults"): an attempt is counted by one
/// `UpdateItem … ADD attempts 1` whose first try lands after the SDK gave up on it: the SDK's
/// retry finds the attempt's own token on the record and does not count the attempt again
/// (before the token: 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failure_counted_late_is_counted_once() {
    let (proxy, migration, _, user) = legacy_setup().await;
    let pool = unique("us-east-1_latecount");
    proxy.fail_where("DynamoDB_20120810.UpdateItem", "LOCKOUT#", Fault::Delay(Duration::from_millis(1_300)), 1);
    match invoke(&migration, event(SIGN_IN, &pool, &user, Some("Wrong-Passw0rd!"))).await {
        Err(TriggerError::Denied(text)) => assert_eq!(text.as_str(), message::INCORRECT),
        other => panic!("a wrong password is refused as such: {other:?}"),
    }
    assert!(proxy.settle(Duration::from_secs(5)), "the late write landed");
    let store = local_aws().await.unwrap().store(table_name());
    let state = lockout_of(&store, &pool, &user).await.expect("the failure is counted");
    assert_eq!(state.attempts, 1, "counted once, although the SDK sent the write twice: {state:?}");
}

//! `make bench`: user-migration's in-process overhead on its cheapest realistic path, a sign-in
//! migrated from an old user pool (the attempt registered, the old pool's sign-in and user read,
//! the lock read again, the address reserved, the attributes mapped), every port faked. No password hash is computed on
//! this path (the old pool checks the password), so the row is the trigger's own cost; a
//! legacy-table row's hash costs what its format's parameters make it cost
//! (docs/triggers/user-migration.md), on purpose. `trigger_core::testing::overhead`; target:
//! p50 ≤ 0.2 ms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::{FakeDirectory, FakeOldPool, FixedClock, InMemoryStore, OldPoolUser};
use trigger_core::ports::{DirectoryUser, UserStatus};
use trigger_core::testing::overhead::{Overhead, fixture, numbered};
use user_migration::{Ports, Settings, UserMigration};

fn overhead(old_pool: Arc<FakeOldPool>) -> Overhead<UserMigration> {
    let env = Env::from_pairs([
        ("TABLE_NAME", "bench"),
        ("OLD_USER_POOL_ID", "us-east-1_Old"),
        ("OLD_CLIENT_ID", "bench-client"),
    ]);
    let ports = Ports {
        store: Arc::new(InMemoryStore::default()),
        directory: Arc::new(FakeDirectory::default()),
        legacy_users: None,
        old_pool: Some(old_pool as _),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::disabled(),
    };
    Overhead::new(UserMigration::new(Settings::from_env(&env).unwrap(), ports)).unwrap()
}

/// Sign-ins of old-pool users not migrated yet: another user each, put into the old pool first.
fn migrations(old_pool: Arc<FakeOldPool>) -> impl FnMut() -> Value {
    let template = fixture("user-migration.json").unwrap();
    let password = template["request"]["password"].as_str().unwrap().to_owned();
    numbered(template, move |event, n| {
        let name = format!("user-{n}@example.com");
        let attributes = [("sub", format!("old-sub-{n}")), ("email", name.clone()), ("email_verified", "true".into())];
        old_pool.insert(OldPoolUser {
            user: DirectoryUser {
                username: name.clone(),
                status: UserStatus::Confirmed,
                enabled: true,
                created_at: None,
                attributes: attributes.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<BTreeMap<_, _>>(),
            },
            password: password.clone(),
            challenge: None,
        });
        event["userName"] = Value::from(name);
    })
}

#[divan::bench]
fn user_migration_from_the_old_pool(bencher: divan::Bencher) {
    let old_pool = Arc::new(FakeOldPool::default());
    let overhead = overhead(old_pool.clone());
    bencher.with_inputs(migrations(old_pool)).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let old_pool = Arc::new(FakeOldPool::default());
    let overhead = overhead(old_pool.clone());
    let moved_in = |answer: &Value| {
        let response = &answer["response"];
        response["finalUserStatus"] == "CONFIRMED" && response["userAttributes"]["email"] == answer["userName"]
    };
    overhead
        .report(
            "user-migration, a sign-in moved from the old pool (no password hash here)",
            migrations(old_pool),
            moved_in,
        )
        .unwrap();
}

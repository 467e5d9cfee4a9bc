//! `make bench`: post-authentication's in-process overhead on its common path, a sign-in
//! (the lockout reset, the profile's count and the login-history item, written concurrently), the
//! store faked: what the trigger itself adds to an invocation (`trigger_core::testing::overhead`;
//! target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;

use post_authentication::{Ports, PostAuthentication, Settings, profile};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::{FixedClock, InMemoryStore};
use trigger_core::ports::Store;
use trigger_core::testing::overhead::{Overhead, fixture, numbered};

fn overhead(store: Arc<InMemoryStore>) -> Overhead<PostAuthentication> {
    let env = Env::from_pairs([("TABLE_NAME", "bench"), ("LOGIN_HISTORY_DAYS", "90")]);
    let ports =
        Ports { store, clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)), events: Events::disabled() };
    Overhead::new(PostAuthentication::new(Settings::from_env(&env).unwrap(), ports)).unwrap()
}

/// Sign-ins: another user each (the same user again at the same instant is a retried delivery,
/// which is not counted again: another path).
fn sign_ins() -> impl FnMut() -> Value {
    numbered(fixture("post-authentication.json").unwrap(), |event, n| {
        event["userName"] = Value::from(format!("user-{n}"));
        event["request"]["userAttributes"]["sub"] = Value::from(format!("4a8b2c3d-1111-2222-3333-{n:012}"));
    })
}

#[divan::bench]
fn post_authentication_sign_in(bencher: divan::Bencher) {
    let overhead = overhead(Arc::default());
    bencher.with_inputs(sign_ins()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let store = Arc::new(InMemoryStore::default());
    let overhead = overhead(store.clone());
    // Each sign-in counted on its profile (a skipped write would be another path).
    let counted = |answer: &Value| {
        let sub = answer["request"]["userAttributes"]["sub"].as_str().unwrap_or_default();
        let row = overhead.block_on(store.get(&profile::key(sub))).unwrap();
        row.and_then(|row| row.i64("loginCount")) == Some(1)
    };
    overhead
        .report("post-authentication, a sign-in (lockout reset, profile, login history)", sign_ins(), counted)
        .unwrap();
}

//! `make bench`: pre-signup's in-process overhead on its common path, a new sign-up for an
//! address nobody holds (reservation, lookup, answer), every port faked: what the trigger itself
//! adds to an invocation (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;

use pre_signup::{Ports, PreSignUp, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, RecordingScheduler};
use trigger_core::testing::overhead::{Overhead, fixture, numbered};

fn overhead() -> Overhead<PreSignUp> {
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "bench")])).unwrap();
    let ports = Ports {
        store: Some(Arc::new(InMemoryStore::default())),
        directory: Arc::new(FakeDirectory::default()),
        scheduler: Arc::new(RecordingScheduler::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::disabled(),
    };
    Overhead::new(PreSignUp::new(settings, ports)).unwrap()
}

/// New sign-ups: another user name, address and phone number each.
fn new_sign_ups() -> impl FnMut() -> Value {
    numbered(fixture("pre-signup.json").unwrap(), |event, n| {
        event["userName"] = Value::from(format!("user-{n}"));
        event["request"]["userAttributes"]["email"] = Value::from(format!("user-{n}@example.com"));
        event["request"]["userAttributes"]["phone_number"] = Value::from(format!("+1415{n:07}"));
    })
}

#[divan::bench]
fn pre_signup_new_sign_up(bencher: divan::Bencher) {
    let overhead = overhead();
    bencher.with_inputs(new_sign_ups()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let allowed = |answer: &Value| answer["response"].is_object();
    overhead().report("pre-signup, a new sign-up", new_sign_ups(), allowed).unwrap();
}

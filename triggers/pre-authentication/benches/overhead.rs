//! `make bench`: pre-authentication's in-process overhead on its common path, a first attempt
//! for a user name (one conditional write, allowed), the store faked: what the trigger itself adds
//! to an invocation (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;

use pre_authentication::{Ports, PreAuthentication, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::{FixedClock, InMemoryStore};
use trigger_core::testing::overhead::{Overhead, fixture, numbered};

fn overhead() -> Overhead<PreAuthentication> {
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "bench")])).unwrap();
    let ports = Ports {
        store: Arc::new(InMemoryStore::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::disabled(),
    };
    Overhead::new(PreAuthentication::new(settings, ports)).unwrap()
}

/// First attempts: another user each. The lockout counts per user (`sub`), not per name typed,
/// so each event carries a `sub` of its own.
fn first_attempts() -> impl FnMut() -> Value {
    numbered(fixture("pre-authentication.json").unwrap(), |event, n| {
        event["userName"] = Value::from(format!("user-{n}"));
        event["request"]["userAttributes"]["sub"] = Value::from(format!("00000000-0000-4000-8000-{n:012}"));
    })
}

#[divan::bench]
fn pre_authentication_first_attempt(bencher: divan::Bencher) {
    let overhead = overhead();
    bencher.with_inputs(first_attempts()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let allowed = |answer: &Value| answer["response"].is_object();
    overhead().report("pre-authentication, a first attempt", first_attempts(), allowed).unwrap();
}

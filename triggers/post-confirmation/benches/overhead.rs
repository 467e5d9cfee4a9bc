//! `make bench`: post-confirmation's in-process overhead on its common path, a sign-up
//! confirmation (the profile, the permanent reservation of the address, the welcome e-mail),
//! every port faked: what the trigger itself adds to an invocation
//! (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;

use post_confirmation::{Ports, PostConfirmation, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, RecordingMailer};
use trigger_core::testing::overhead::{Overhead, fixture, numbered};

fn overhead(mailer: Arc<RecordingMailer>) -> Overhead<PostConfirmation> {
    let env = Env::from_pairs([("TABLE_NAME", "bench"), ("WELCOME_EMAIL_FROM", "no-reply@example.com")]);
    let ports = Ports {
        store: Arc::new(InMemoryStore::default()),
        directory: Arc::new(FakeDirectory::default()),
        mailer,
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::disabled(),
    };
    Overhead::new(PostConfirmation::new(Settings::from_env(&env).unwrap(), ports)).unwrap()
}

/// Confirmations of new sign-ups: another user (name, sub, address) each.
fn confirmations() -> impl FnMut() -> Value {
    numbered(fixture("post-confirmation.json").unwrap(), |event, n| {
        event["userName"] = Value::from(format!("user-{n}"));
        let attributes = &mut event["request"]["userAttributes"];
        attributes["sub"] = Value::from(format!("4a8b2c3d-1111-2222-3333-{n:012}"));
        attributes["email"] = Value::from(format!("user-{n}@example.com"));
    })
}

#[divan::bench]
fn post_confirmation_sign_up(bencher: divan::Bencher) {
    let overhead = overhead(Arc::default());
    bencher.with_inputs(confirmations()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let mailer = Arc::new(RecordingMailer::default());
    let overhead = overhead(mailer.clone());
    let mut calls = 0;
    // Each confirmation welcomed once (a skipped e-mail would be another path).
    let welcomed = |_: &Value| {
        calls += 1;
        mailer.count() == calls
    };
    overhead
        .report(
            "post-confirmation, a sign-up confirmation (profile, reservation, welcome e-mail)",
            confirmations(),
            welcomed,
        )
        .unwrap();
}

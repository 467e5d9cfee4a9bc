//! `make bench`: create-auth-challenge's in-process overhead on its common path, the first round
//! of a sign-in by code (the send limit counted, a code drawn and hashed, the challenge row
//! written, the e-mail rendered and sent), every port faked: what the trigger itself adds to an
//! invocation (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;

use create_auth_challenge::{CreateAuthChallenge, Ports, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::fakes::{FixedClock, InMemoryStore, RecordingMailer};
use trigger_core::testing::overhead::{Overhead, fixture, numbered};

fn overhead(mailer: Arc<RecordingMailer>) -> Overhead<CreateAuthChallenge> {
    let env = Env::from_pairs([("TABLE_NAME", "bench"), ("SIGN_IN_CODE_FROM", "no-reply@example.com")]);
    let ports = Ports {
        store: Arc::new(InMemoryStore::default()),
        mailer,
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
    };
    Overhead::new(CreateAuthChallenge::new(Settings::from_env(&env).unwrap(), ports)).unwrap()
}

/// First rounds: another user each (the same user again within the retry window gets the same
/// challenge back and no e-mail, and past the send limit none: other paths).
fn first_rounds() -> impl FnMut() -> Value {
    numbered(fixture("create-auth-challenge.json").unwrap(), |event, n| {
        event["userName"] = Value::from(format!("user-{n}"));
        let attributes = &mut event["request"]["userAttributes"];
        attributes["sub"] = Value::from(format!("4a8b2c3d-1111-4222-8333-{n:012}"));
        attributes["email"] = Value::from(format!("user-{n}@example.com"));
    })
}

#[divan::bench]
fn create_auth_challenge_first_round(bencher: divan::Bencher) {
    let overhead = overhead(Arc::default());
    bencher.with_inputs(first_rounds()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let mailer = Arc::new(RecordingMailer::default());
    let overhead = overhead(mailer.clone());
    let mut calls = 0;
    // A challenge answered and a code e-mailed for each.
    let sent = |answer: &Value| {
        calls += 1;
        answer["response"]["challengeMetadata"].is_string() && mailer.count() == calls
    };
    overhead.report("create-auth-challenge, a first round (code e-mailed)", first_rounds(), sent).unwrap();
}

//! `make bench`: verify-auth-challenge-response's in-process overhead on its common path, the
//! right code (its salted hash compared in constant time, the expiry checked), the clock faked:
//! what the trigger itself adds to an invocation (`trigger_core::testing::overhead`; target: p50 ≤
//! 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;

use serde_json::Value;
use trigger_core::Env;
use trigger_core::fakes::FixedClock;
use trigger_core::testing::overhead::{Overhead, fixture};
use verify_auth_challenge_response::{Ports, Settings, VerifyAuthChallengeResponse};

fn overhead() -> Overhead<VerifyAuthChallengeResponse> {
    // Before the fixture's code expires (in 2100).
    let ports = Ports { clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)) };
    Overhead::new(VerifyAuthChallengeResponse::new(Settings::from_env(&Env::default()).unwrap(), ports)).unwrap()
}

/// Right answers; the trigger keeps nothing, so the same event every time.
fn right_answers() -> impl FnMut() -> Value {
    let event = fixture("verify-auth-challenge-response.json").unwrap();
    move || event.clone()
}

#[divan::bench]
fn verify_auth_challenge_response_right_code(bencher: divan::Bencher) {
    let overhead = overhead();
    bencher.with_inputs(right_answers()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let correct = |answer: &Value| answer["response"]["answerCorrect"] == true;
    overhead().report("verify-auth-challenge-response, the right code", right_answers(), correct).unwrap();
}

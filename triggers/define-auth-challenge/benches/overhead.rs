//! `make bench`: define-auth-challenge's in-process overhead on its common path, the right code
//! at the first try (the session read, tokens issued), no port: what the trigger itself adds to
//! an invocation (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use define_auth_challenge::{DefineAuthChallenge, Ports, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::testing::overhead::{Overhead, fixture};

fn overhead() -> Overhead<DefineAuthChallenge> {
    Overhead::new(DefineAuthChallenge::new(Settings::from_env(&Env::default()).unwrap(), Ports::default())).unwrap()
}

/// Sessions that end with the right code; the trigger keeps nothing, so the same event every time.
fn right_codes() -> impl FnMut() -> Value {
    let event = fixture("define-auth-challenge-right-code.json").unwrap();
    move || event.clone()
}

#[divan::bench]
fn define_auth_challenge_right_code(bencher: divan::Bencher) {
    let overhead = overhead();
    bencher.with_inputs(right_codes()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let tokens = |answer: &Value| answer["response"]["issueTokens"] == true;
    overhead().report("define-auth-challenge, the right code (tokens issued)", right_codes(), tokens).unwrap();
}

//! `make bench`: verify-auth-challenge-response's in-process overhead on its common path, the
//! right code (its salted hash compared in constant time, the expiry checked, the challenge
//! consumed in the issue row), the store and the clock faked: what the trigger itself adds to an
//! invocation (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::fakes::{FixedClock, InMemoryStore};
use trigger_core::lockout::Subject;
use trigger_core::logging::Secret;
use trigger_core::ports::Store;
use trigger_core::sign_in_code::{self, Challenge};
use trigger_core::testing::overhead::{Overhead, fixture, numbered};
use verify_auth_challenge_response::{Ports, Settings, VerifyAuthChallengeResponse};

fn overhead(store: Arc<InMemoryStore>) -> Overhead<VerifyAuthChallengeResponse> {
    // Before the fixture's code expires (in 2100).
    let ports = Ports { store, clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)) };
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
    Overhead::new(VerifyAuthChallengeResponse::new(settings, ports)).unwrap()
}

/// Right answers, each another user's whose issue row holds the challenge (a right answer
/// consumes it: the same event again would be refused).
fn right_answers(store: Arc<InMemoryStore>) -> impl FnMut() -> Value {
    let template = fixture("verify-auth-challenge-response.json").unwrap();
    let parameters: HashMap<String, Secret<String>> =
        serde_json::from_value(template["request"]["privateChallengeParameters"].clone()).unwrap();
    let challenge = Challenge::from_private_parameters(&parameters).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    numbered(template, move |event, n| {
        let sub = format!("bench-{n}");
        let key = sign_in_code::issue_key("us-east-1_EXAMPLE1", &Subject::User { sub: sub.clone() });
        runtime.block_on(store.put(&challenge.to_item(&key, 1_800_000_000), None)).unwrap();
        event["request"]["userAttributes"]["sub"] = json!(sub);
    })
}

#[divan::bench]
fn verify_auth_challenge_response_right_code(bencher: divan::Bencher) {
    let store = Arc::new(InMemoryStore::default());
    let overhead = overhead(store.clone());
    bencher.with_inputs(right_answers(store)).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let store = Arc::new(InMemoryStore::default());
    let correct = |answer: &Value| answer["response"]["answerCorrect"] == true;
    overhead(store.clone())
        .report("verify-auth-challenge-response, the right code", right_answers(store), correct)
        .unwrap();
}

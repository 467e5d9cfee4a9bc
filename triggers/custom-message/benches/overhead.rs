//! `make bench`: custom-message's in-process overhead on its common path, the sign-up code
//! message from the built-in catalogue (locale chosen, e-mail subject, HTML and SMS rendered with
//! Cognito's placeholder), no port: what the trigger itself adds to an invocation
//! (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use custom_message::{CustomMessage, Ports, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::testing::overhead::{Overhead, fixture};

fn overhead() -> Overhead<CustomMessage> {
    Overhead::new(CustomMessage::new(Settings::from_env(&Env::default()).unwrap(), Ports::default())).unwrap()
}

/// Sign-up code messages; the trigger keeps nothing, so the same event every time.
fn sign_up_codes() -> impl FnMut() -> Value {
    let mut event = fixture("custom-message.json").unwrap();
    event["triggerSource"] = Value::from("CustomMessage_SignUp");
    move || event.clone()
}

#[divan::bench]
fn custom_message_sign_up_code(bencher: divan::Bencher) {
    let overhead = overhead();
    bencher.with_inputs(sign_up_codes()).bench_local_values(|event| overhead.call(event).unwrap());
}

fn main() {
    divan::main();
    let with_the_code = |answer: &Value| {
        let response = &answer["response"];
        [&response["emailMessage"], &response["smsMessage"]]
            .iter()
            .all(|m| m.as_str().is_some_and(|m| m.contains("{####}")))
    };
    overhead().report("custom-message, a sign-up code message (catalogue)", sign_up_codes(), with_the_code).unwrap();
}

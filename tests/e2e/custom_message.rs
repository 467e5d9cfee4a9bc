//! The real `custom-message` binary (served by `cargo lambda watch`, settings from
//! `local/functions.env`): invoked through the Lambda Invoke API (the adapter on :9001) with the
//! event cognito-local sends, and wired into cognito-local for every pool (`local/triggers.tsv`).
//! cognito-local prints the messages it "sends" to its log, which `local/redact_log.py` strips, so
//! the message text is checked on the direct invocation; the pool test checks that the sign-up
//! flow with the trigger wired still confirms with the code. Needs the local stack.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use e2e::{LocalPool, invoke_function, password, unique, wired_triggers};
use serde_json::{Value, json};

/// Invokes `custom-message` through the adapter and returns its answer.
fn invoke(event: &Value) -> Value {
    invoke_function("custom-message", event).unwrap()
}

fn cognito_local_event(source: &str, locale: &str) -> Value {
    let path = format!("{}/fixtures/events/custom-message-cognito-local.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["triggerSource"] = json!(source);
    event["request"]["userAttributes"]["locale"] = json!(locale);
    event["request"]["userAttributes"]["name"] = json!("<b>Eve</b>");
    event
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn the_binary_answers_cognito_locals_events_in_the_users_language() {
    let answer = invoke(&cognito_local_event("CustomMessage_SignUp", "de-AT"));
    let response = &answer["response"];
    assert_eq!(response["emailSubject"], "Bestätigen Sie Ihre Registrierung");
    let html = response["emailMessage"].as_str().unwrap();
    assert!(html.contains("<strong>{####}</strong>") && html.contains("Hallo &lt;b&gt;Eve&lt;&#x2f;b&gt;,"), "{html}");
    assert_eq!(response["smsMessage"], "Ihr Bestätigungscode lautet {####}");
    let invitation = invoke(&cognito_local_event("CustomMessage_AdminCreateUser", "pt-BR"));
    let sms = invitation["response"]["smsMessage"].as_str().unwrap();
    assert!(sms.contains("{username}") && sms.contains("{####}"), "{sms}");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn with_custom_message_wired_a_sign_up_still_confirms_with_the_code() {
    assert_eq!(wired_triggers().unwrap()["CustomMessage"], "custom-message", "restart the stack after the merge");
    let pool = LocalPool::create("e2e-message").await.unwrap();
    let email = format!("{}@example.com", unique("mia"));
    let secret = password();
    pool.sign_up(&email, &secret).await.unwrap();
    pool.confirm(&email).await.unwrap();
    pool.sign_in(&email, &secret).await.unwrap();
    pool.delete().await;
}

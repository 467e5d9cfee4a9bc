//! The real `custom-email-sender` binary in the user pool that wires it (the senders' cognito-local
//! on :9230, local/stack.sh): cognito-local encrypts the sign-up code with the JS Encryption SDK
//! through moto's KMS (the stack's senders key), invokes the trigger, the trigger decrypts it and
//! sends our template through moto's SES, and the user confirms with the code read from that
//! e-mail. Needs the local stack.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::UserStatusType;
use e2e::{LocalPool, password, senders_endpoint, unique};
use trigger_core::testing::ses_messages_to;

/// Every run of exactly six digits in `text` (cognito-local's codes are six digits).
fn six_digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            current.push(c);
        } else {
            if current.len() == 6 {
                runs.push(current.clone());
            }
            current.clear();
        }
    }
    runs
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_user_confirms_with_the_code_the_sender_decrypted_and_mailed() {
    let pool = LocalPool::create_at("senders", &senders_endpoint(), true).await.unwrap();
    let email = format!("{}@example.com", unique("sender"));
    pool.sign_up(&email, &password()).await.unwrap();

    let mut messages = Vec::new();
    for _ in 0..50 {
        messages = ses_messages_to(&email).unwrap();
        if !messages.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(messages.len(), 1, "one e-mail for one sign-up: {messages:?}");
    let message = &messages[0];
    assert_eq!(message["source"], "no-reply@example.com", "{message}");
    let text = message.to_string();
    let mut codes = six_digit_runs(&text);
    codes.dedup();
    assert_eq!(codes.len(), 1, "the code, once per body: {text}");
    assert!(!text.contains("AYAD"), "the encrypted message never reaches the user");

    pool.client
        .confirm_sign_up()
        .client_id(&pool.client_id)
        .username(&email)
        .confirmation_code(&codes[0])
        .send()
        .await
        .unwrap();
    let user = pool.client.admin_get_user().user_pool_id(&pool.pool_id).username(&email).send().await.unwrap();
    assert_eq!(user.user_status(), Some(&UserStatusType::Confirmed));
    pool.delete().await;
}

#[test]
fn six_digit_runs_finds_codes_and_nothing_longer_or_shorter() {
    assert_eq!(six_digit_runs("code 123456, not 1234567 or 12345; 654321"), ["123456", "654321"]);
}

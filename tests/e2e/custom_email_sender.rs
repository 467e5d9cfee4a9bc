//! The real `custom-email-sender` binary in the user pool that wires it (the senders' cognito-local
//! on :9230, local/stack.sh): cognito-local encrypts the sign-up code with the JS Encryption SDK
//! through moto's KMS (the stack's senders key), invokes the trigger, the trigger decrypts it and
//! sends our template over SMTP (STARTTLS, AUTH with the login in moto's Secrets Manager) to the
//! stack's SMTP server, and the user confirms with the code read from that e-mail. Needs the
//! local stack.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::UserStatusType;
use e2e::{LocalPool, password, senders_endpoint, smtp_messages_to, unique};

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
        messages = smtp_messages_to(&email).unwrap();
        if !messages.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(messages.len(), 1, "one e-mail for one sign-up: {messages:?}");
    let message = &messages[0];
    assert_eq!(message["mail_from"], "no-reply@example.com", "{message}");
    assert_eq!(
        (&message["tls"], &message["authenticated_as"]),
        (&serde_json::json!(true), &serde_json::json!("cognito-triggers")),
        "{message}"
    );
    // The bodies only: the Message-ID's hex may hold six digits in a row.
    let text = format!("{} {}", message["text"].as_str().unwrap(), message["html"].as_str().unwrap());
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

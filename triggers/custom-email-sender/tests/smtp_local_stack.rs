//! The trigger with the SMTP provider against the local stack's real SMTP server
//! (local/smtp_server.py, aiosmtpd on 127.0.0.1:9025: STARTTLS required, AUTH required) and
//! moto's Secrets Manager for the login: a code encrypted as Cognito does arrives once under
//! retries and a concurrent burst, over STARTTLS, authenticated, with the delivery's Message-ID;
//! a refused recipient is settled, not retried; a rotated password is read again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use crate::support;
use custom_email_sender::CustomEmailSender;
use delivery_providers::smtp::{SmtpMailer, SmtpSettings};
use esdk_decryptor::POOL_CONTEXT_KEY;
use esdk_decryptor::testing::{Format, create_key, encrypt};
use serde_json::{Value, json};
use trigger_core::idempotency;
use trigger_core::ports::{Mailer, PortErrorKind, Store};
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, smtp_messages_to, table_name, unique};
use trigger_core::{Env, TriggerError};

const POOL: &str = "us-east-1_SmtpPool";
/// The secret local/provision.py stores: the local server's login.
const LOCAL_SECRET: &str = "cognito-triggers-local/smtp";
const LOCAL_LOGIN: &str = r#"{"username": "cognito-triggers", "password": "local-smtp-password"}"#;

fn smtp_env(secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("EMAIL_PROVIDER", "smtp".to_owned()),
        ("SMTP_HOST", "127.0.0.1".to_owned()),
        ("SMTP_PORT", "9025".to_owned()),
        ("SMTP_SECURITY", "starttls".to_owned()),
        ("SMTP_CREDENTIALS_SECRET", secret.to_owned()),
    ]
}

/// The local server's throwaway CA (made by the server on its first start).
fn local_ca() -> Vec<u8> {
    let state = std::env::var("LOCAL_STATE_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../.local").to_owned());
    std::fs::read(format!("{state}/smtp/ca.pem")).expect("the local SMTP server's CA: is the stack up? make local-up")
}

async fn smtp_mailer(secret: &str) -> SmtpMailer {
    let aws = local_aws().await.unwrap();
    let settings = SmtpSettings::from_env(&Env::from_pairs(smtp_env(secret))).unwrap();
    SmtpMailer::trusting(settings, Arc::new(aws.secrets()), Some(&local_ca())).await.unwrap()
}

async fn trigger(key_arn: &str, mailer: Arc<dyn Mailer>) -> CustomEmailSender {
    support::trigger(key_arn, mailer, smtp_env(LOCAL_SECRET)).await
}

fn event(source: &str, email: &str, code: &str) -> Value {
    support::event(POOL, source, email, code)
}

async fn key() -> String {
    create_key(&aws_sdk_kms::Client::new(local_aws().await.unwrap().sdk_config())).await.unwrap()
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_code_arrives_once_over_starttls_with_auth_under_retries_and_a_burst() {
    let key = key().await;
    let trigger = Arc::new(trigger(&key, Arc::new(smtp_mailer(LOCAL_SECRET).await)).await);
    let email = format!("{}@example.com", unique("smtp"));
    let code = encrypt(&key, "314159", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let sign_up = event("CustomEmailSender_SignUp", &email, &code);
    for _ in 0..3 {
        run_within(&*trigger, Duration::from_secs(4), sign_up.clone()).await.unwrap();
    }
    let messages = smtp_messages_to(&email).unwrap();
    assert_eq!(messages.len(), 1, "three invocations, one e-mail: {messages:?}");
    let message = &messages[0];
    assert_eq!(message["tls"], json!(true), "sent after STARTTLS: {message}");
    assert_eq!(message["authenticated_as"], json!("cognito-triggers"), "sent authenticated: {message}");
    assert_eq!(message["mail_from"], json!("no-reply@example.com"));
    for body in ["text", "html"] {
        assert!(message[body].as_str().unwrap().contains("314159"), "{body}: {message}");
    }
    let message_id = message["message_id"].as_str().unwrap();
    assert!(message_id.starts_with('<') && message_id.ends_with("@example.com>"), "{message_id}");

    // A concurrent burst of one new delivery: one e-mail for it, with a Message-ID of its own.
    let again = encrypt(&key, "271828", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let resend = event("CustomEmailSender_ResendCode", &email, &again);
    support::burst(&trigger, &resend, 5).await;
    let messages = smtp_messages_to(&email).unwrap();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[1]["text"].as_str().unwrap().contains("271828"), "{}", messages[1]);
    assert_ne!(messages[1]["message_id"], messages[0]["message_id"]);
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_failed_send_is_retried_once_the_rotated_password_is_in_the_secret_and_sent_once() {
    let aws = local_aws().await.unwrap();
    let secrets = aws_sdk_secretsmanager::Client::new(aws.sdk_config());
    let secret = unique("smtp-rotated");
    let stale = r#"{"username": "cognito-triggers", "password": "before-rotation"}"#;
    secrets.create_secret().name(&secret).secret_string(stale).send().await.unwrap();
    let key = key().await;
    let trigger = trigger(&key, Arc::new(smtp_mailer(&secret).await)).await;
    let email = format!("{}@example.com", unique("rotated"));
    let code = encrypt(&key, "161803", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let sign_up = event("CustomEmailSender_SignUp", &email, &code);

    // The server refuses the login, and the secret read again still holds it: the invocation
    // fails (Unauthorized, transient) and the delivery is given back for Lambda's retry.
    let err = run_within(&trigger, Duration::from_secs(4), sign_up.clone()).await.unwrap_err();
    assert!(matches!(&err, TriggerError::Port(port) if port.kind == PortErrorKind::Unauthorized), "{err:?}");
    assert!(!err.to_string().contains("before-rotation"), "{err}");
    assert!(smtp_messages_to(&email).unwrap().is_empty());

    // The operator puts the right password in the secret; the retry re-reads it and sends, once.
    secrets.put_secret_value().secret_id(&secret).secret_string(LOCAL_LOGIN).send().await.unwrap();
    run_within(&trigger, Duration::from_secs(4), sign_up.clone()).await.unwrap();
    run_within(&trigger, Duration::from_secs(4), sign_up).await.unwrap();
    let messages = smtp_messages_to(&email).unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0]["text"].as_str().unwrap().contains("161803"));
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_recipient_the_server_refuses_is_settled_as_refused_and_never_retried() {
    let key = key().await;
    let trigger = trigger(&key, Arc::new(smtp_mailer(LOCAL_SECRET).await)).await;
    // local/smtp_server.py answers 550 to every recipient at refused.example.
    let email = format!("{}@refused.example", unique("refused"));
    let code = encrypt(&key, "141421", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let sign_up = event("CustomEmailSender_SignUp", &email, &code);
    for _ in 0..3 {
        let answer = run_within(&trigger, Duration::from_secs(4), sign_up.clone()).await.unwrap();
        assert_eq!(answer["request"]["userAttributes"]["email"], json!(email), "succeeds: nothing to retry");
    }
    assert!(smtp_messages_to(&email).unwrap().is_empty());
    let store = local_aws().await.unwrap().store(table_name());
    let id = custom_sender::delivery_id(
        "CustomEmailSender_SignUp",
        POOL,
        sign_up["userName"].as_str().unwrap(),
        custom_sender::Identity::Code(&code),
    );
    let record = store.get(&custom_sender::delivery_key(custom_sender::Channel::Email, &id)).await.unwrap().unwrap();
    assert_eq!(record.str(idempotency::STATUS), Some(idempotency::REFUSED));
    assert_eq!(record.i64(idempotency::FAILURES), Some(1), "refused once, then left alone");
}

//! The trigger with its real adapters against the local stack (moto): a code encrypted by the
//! official Python Encryption SDK in Cognito's v1 format under a moto KMS key is decrypted,
//! the e-mail moto's SES holds has it, and the same event three times sends one e-mail. The
//! account-takeover notice (no code, no address: cognito-local never sends it) goes to the address
//! moto's Cognito holds for the user, once per risk event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use crate::support;
use custom_email_sender::CustomEmailSender;
use esdk_decryptor::POOL_CONTEXT_KEY;
use esdk_decryptor::testing::{Format, create_key, encrypt};
use serde_json::{Value, json};
use trigger_core::TriggerError;
use trigger_core::runtime::run_within;
use trigger_core::testing::{confirmed_user, local_aws, ses_messages_to, unique};

const POOL: &str = "us-east-1_LocalPool";

async fn trigger(key_arn: &str) -> CustomEmailSender {
    support::trigger(key_arn, Arc::new(local_aws().await.unwrap().mailer()), Vec::new()).await
}

fn event(source: &str, email: &str, code: &str) -> Value {
    support::event(POOL, source, email, code)
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_cognito_v1_code_is_decrypted_and_sent_once_however_often_the_event_comes() {
    let kms = aws_sdk_kms::Client::new(local_aws().await.unwrap().sdk_config());
    let key = create_key(&kms).await.unwrap();
    let trigger = trigger(&key).await;
    let email = format!("{}@example.com", unique("sender"));
    let code = encrypt(&key, "314159", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let sign_up = event("CustomEmailSender_SignUp", &email, &code);
    for _ in 0..3 {
        run_within(&trigger, Duration::from_secs(4), sign_up.clone()).await.unwrap();
    }
    let messages = ses_messages_to(&email).unwrap();
    assert_eq!(messages.len(), 1, "three invocations, one e-mail: {messages:?}");
    assert!(messages[0].to_string().contains("314159"), "the e-mail holds the code: {}", messages[0]);

    // A second, concurrent burst of one new delivery: still one e-mail for it.
    let again = encrypt(&key, "271828", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let resend = event("CustomEmailSender_ResendCode", &email, &again);
    support::burst(&Arc::new(trigger), &resend, 5).await;
    let messages = ses_messages_to(&email).unwrap();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().any(|m| m.to_string().contains("271828")));
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_code_under_another_key_or_for_another_pool_is_an_error_and_sends_nothing() {
    let kms = aws_sdk_kms::Client::new(local_aws().await.unwrap().sdk_config());
    let ours = create_key(&kms).await.unwrap();
    let theirs = create_key(&kms).await.unwrap();
    let trigger = trigger(&ours).await;
    let email = format!("{}@example.com", unique("refused"));
    for code in [
        encrypt(&theirs, "111111", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap(),
        encrypt(&ours, "222222", &[(POOL_CONTEXT_KEY, "us-east-1_Elsewhere")], Format::CognitoV1).unwrap(),
    ] {
        let err = run_within(&trigger, Duration::from_secs(4), event("CustomEmailSender_SignUp", &email, &code))
            .await
            .unwrap_err();
        assert!(matches!(err, TriggerError::BadEvent(_)), "{err:?}");
        assert!(!err.to_string().contains("111111") && !err.to_string().contains("222222"));
    }
    assert!(ses_messages_to(&email).unwrap().is_empty());
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn an_account_takeover_notice_reaches_the_address_cognito_holds_once_per_risk_event() {
    let aws = local_aws().await.unwrap();
    let kms = aws_sdk_kms::Client::new(aws.sdk_config());
    let key = create_key(&kms).await.unwrap();
    let trigger = trigger(&key).await;
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(aws.sdk_config());
    let pool = cognito.create_user_pool().pool_name(unique("takeover")).send().await.unwrap();
    let pool_id = pool.user_pool().and_then(|p| p.id()).unwrap().to_owned();
    let user = unique("jane");
    let email = format!("{user}@example.com");
    confirmed_user(&aws, &pool_id, &user, &[("email", &email), ("locale", "de")], "Correct-Horse-9!").await.unwrap();

    let path =
        format!("{}/../../tests/fixtures/events/custom-email-sender-account-takeover.json", env!("CARGO_MANIFEST_DIR"));
    let mut notice: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    notice["userPoolId"] = json!(pool_id);
    notice["userName"] = json!(user);
    notice["request"]["userAttributes"]["USER_NAME"] = json!(user);
    notice["request"]["userAttributes"]["EVENT_ID"] = json!(unique("event"));
    for _ in 0..3 {
        run_within(&trigger, Duration::from_secs(4), notice.clone()).await.unwrap();
    }
    let messages = ses_messages_to(&email).unwrap();
    assert_eq!(messages.len(), 1, "three deliveries of one notice, one e-mail: {messages:?}");
    let text = messages[0].to_string();
    assert!(text.contains("192.0.2.44") && text.contains("Wir haben sie blockiert"), "{text}");
    assert!(text.contains("feedback?valid=false"), "the \"this wasn't me\" link: {text}");

    notice["request"]["userAttributes"]["EVENT_ID"] = json!(unique("event"));
    run_within(&trigger, Duration::from_secs(4), notice).await.unwrap();
    assert_eq!(ses_messages_to(&email).unwrap().len(), 2, "another risk event the same day, another e-mail");
}

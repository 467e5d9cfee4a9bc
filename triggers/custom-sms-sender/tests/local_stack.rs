//! The trigger with its real adapters against the local stack (moto): a code encrypted by the
//! official Python Encryption SDK in Cognito's v1 format under a moto KMS key is decrypted, the
//! SMS moto's SNS holds has it, and the same event three times sends one SMS. The account-takeover
//! notice (no code, no number; no emulator sends it) goes to the number moto's Cognito holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use crate::support::{self, unique_number};
use custom_sms_sender::{CustomSmsSender, Settings};
use esdk_decryptor::POOL_CONTEXT_KEY;
use esdk_decryptor::testing::{Format, create_key, encrypt};
use serde_json::{Value, json};
use trigger_core::runtime::run_within;
use trigger_core::testing::{confirmed_user, local_aws, sms_messages_to, table_name, unique};
use trigger_core::{Env, TriggerError};

const POOL: &str = "us-east-1_LocalPool";

async fn trigger(key_arn: &str) -> CustomSmsSender {
    let aws = local_aws().await.unwrap();
    let env = Env::from_pairs([
        ("KMS_KEY_ARN", key_arn.to_owned()),
        ("TABLE_NAME", table_name()),
        ("SMS_SENDER_ID", "Example".to_owned()),
    ]);
    let settings = Settings::from_env(&env).unwrap();
    let custom_sms_sender::Provider::Sns(options) = settings.provider.clone() else { panic!("SNS is the default") };
    let ports = support::ports(&aws, key_arn, Arc::new(aws.sms(options))).await;
    CustomSmsSender::new(settings, ports)
}

fn event(phone: &str, code: &str) -> Value {
    support::event(POOL, phone, code)
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_cognito_v1_code_is_decrypted_and_texted_once_however_often_the_event_comes() {
    let kms = aws_sdk_kms::Client::new(local_aws().await.unwrap().sdk_config());
    let key = create_key(&kms).await.unwrap();
    let trigger = trigger(&key).await;
    let phone = unique_number();
    let code = encrypt(&key, "161803", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    for _ in 0..3 {
        run_within(&trigger, Duration::from_secs(4), event(&phone, &code)).await.unwrap();
    }
    let messages = sms_messages_to(&phone).unwrap();
    assert_eq!(messages.len(), 1, "three invocations, one SMS: {messages:?}");
    assert!(messages[0]["message"].as_str().unwrap().contains("161803"), "{}", messages[0]);

    let other_key = create_key(&kms).await.unwrap();
    let foreign = encrypt(&other_key, "999999", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    let err = run_within(&trigger, Duration::from_secs(4), event(&phone, &foreign)).await.unwrap_err();
    assert!(matches!(err, TriggerError::BadEvent(_)), "{err:?}");
    assert_eq!(sms_messages_to(&phone).unwrap().len(), 1, "nothing sent for a refused code");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn an_account_takeover_notice_reaches_the_number_cognito_holds_once_per_risk_event() {
    let aws = local_aws().await.unwrap();
    let key = create_key(&aws_sdk_kms::Client::new(aws.sdk_config())).await.unwrap();
    let trigger = trigger(&key).await;
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(aws.sdk_config());
    let pool = cognito.create_user_pool().pool_name(unique("takeover-sms")).send().await.unwrap();
    let pool_id = pool.user_pool().and_then(|p| p.id()).unwrap().to_owned();
    let user = unique("jane");
    let phone = unique_number();
    confirmed_user(&aws, &pool_id, &user, &[("phone_number", &phone)], "Correct-Horse-9!").await.unwrap();

    let path =
        format!("{}/../../tests/fixtures/events/custom-sms-sender-account-takeover.json", env!("CARGO_MANIFEST_DIR"));
    let mut notice: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    notice["userPoolId"] = json!(pool_id);
    notice["userName"] = json!(user);
    notice["request"]["userAttributes"]["EVENT_ID"] = json!(unique("event"));
    for _ in 0..3 {
        run_within(&trigger, Duration::from_secs(4), notice.clone()).await.unwrap();
    }
    let messages = sms_messages_to(&phone).unwrap();
    assert_eq!(messages.len(), 1, "three deliveries of one notice, one SMS: {messages:?}");
    assert!(messages[0].to_string().contains("192.0.2.44"), "{}", messages[0]);
    notice["request"]["userAttributes"]["EVENT_ID"] = json!(unique("event"));
    run_within(&trigger, Duration::from_secs(4), notice).await.unwrap();
    assert_eq!(sms_messages_to(&phone).unwrap().len(), 2, "another risk event, another SMS");
}

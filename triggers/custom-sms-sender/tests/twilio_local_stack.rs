//! The trigger with `SMS_PROVIDER=twilio` and its real adapters against the local stack: a code
//! the official Python Encryption SDK encrypted in Cognito's v1 format is decrypted through moto's
//! KMS, the Twilio credentials come from moto's Secrets Manager (`TwilioSms::connect`, as at cold
//! start), the delivery records and the pumping guard's counter are conditional writes to moto's
//! DynamoDB, and a local server plays Twilio's Messages API. The same event three times is one
//! message; a rotated token is read again; a concurrent burst to one number sends at most the
//! limit. Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use crate::support::{self, unique_number};
use custom_sms_sender::{CustomSmsSender, Provider, Settings};
use delivery_providers::http::test_support::{Answer, TestServer};
use delivery_providers::twilio::TwilioSms;
use esdk_decryptor::POOL_CONTEXT_KEY;
use esdk_decryptor::testing::{Format, create_key, encrypt};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::aws::Aws;
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name, unique};

const POOL: &str = "us-east-1_TwilioPool";
const SID: &str = "AC0123456789abcdef0123456789abcdef";

fn created() -> Answer {
    Answer::json(201, r#"{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}"#)
}

fn credentials(token: &str) -> String {
    format!(r#"{{"accountSid":"{SID}","authToken":"{token}"}}"#)
}

/// A secret of its own in moto's Secrets Manager holding `token`.
async fn secret(aws: &Aws, token: &str) -> (aws_sdk_secretsmanager::Client, String) {
    let client = aws_sdk_secretsmanager::Client::new(aws.sdk_config());
    let name = unique("twilio");
    client.create_secret().name(&name).secret_string(credentials(token)).send().await.unwrap();
    (client, name)
}

async fn trigger(aws: &Aws, key_arn: &str, secret_name: &str, url: &str, extra: &[(&str, &str)]) -> CustomSmsSender {
    let table = table_name();
    let mut pairs = vec![
        ("KMS_KEY_ARN", key_arn),
        ("TABLE_NAME", table.as_str()),
        ("SMS_PROVIDER", "twilio"),
        ("TWILIO_CREDENTIALS_SECRET", secret_name),
        ("TWILIO_MESSAGING_SERVICE_SID", "MG0123456789abcdef0123456789abcdef"),
        ("TWILIO_API_URL", url),
    ];
    pairs.extend_from_slice(extra);
    let settings = Settings::from_env(&Env::from_pairs(pairs)).unwrap();
    let Provider::Twilio(twilio) = &settings.provider else { panic!("twilio chosen") };
    let sms = TwilioSms::connect(twilio, Arc::new(aws.secrets())).await.unwrap();
    CustomSmsSender::new(settings, support::ports(aws, key_arn, Arc::new(sms)).await)
}

fn event(phone: &str, code: &str) -> Value {
    support::event(POOL, phone, code)
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_cognito_code_reaches_twilio_once_and_a_rotated_token_is_read_from_secrets_manager() {
    let aws = local_aws().await.unwrap();
    let key = create_key(&aws_sdk_kms::Client::new(aws.sdk_config())).await.unwrap();
    let (secrets, name) = secret(&aws, "token-at-cold-start").await;
    // Rotated after the cold start: Twilio refuses the old token once, then takes the new one.
    let refused = Answer::json(
        401,
        r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#,
    );
    let server = TestServer::start(vec![refused, created(), created()]).await;
    let trigger = trigger(&aws, &key, &name, &server.url(""), &[]).await;
    secrets.put_secret_value().secret_id(&name).secret_string(credentials("rotated")).send().await.unwrap();

    let phone = unique_number();
    let code = encrypt(&key, "271828", &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
    for _ in 0..3 {
        run_within(&trigger, Duration::from_secs(4), event(&phone, &code)).await.unwrap();
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "the refused try and one message: {requests:?}");
    let form = requests[1].form();
    assert_eq!(form[0], ("To".to_owned(), phone.clone()));
    assert_eq!(form[1], ("MessagingServiceSid".to_owned(), "MG0123456789abcdef0123456789abcdef".to_owned()));
    assert!(form[2].1.contains("271828"), "{form:?}");
    use base64::Engine as _;
    let rotated = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SID}:rotated")));
    assert_eq!(requests[1].header("authorization"), Some(rotated.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_concurrent_burst_to_one_number_sends_at_most_the_limit_through_dynamodb() {
    const BURST: usize = 8;
    let aws = local_aws().await.unwrap();
    let key = create_key(&aws_sdk_kms::Client::new(aws.sdk_config())).await.unwrap();
    let (_, name) = secret(&aws, "token").await;
    let server = TestServer::start(vec![created(); BURST]).await;
    let trigger = Arc::new(trigger(&aws, &key, &name, &server.url(""), &[("SMS_MAX_PER_NUMBER", "3")]).await);
    let phone = unique_number();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..BURST {
        let code = encrypt(&key, &format!("90000{n}"), &[(POOL_CONTEXT_KEY, POOL)], Format::CognitoV1).unwrap();
        let (trigger, event) = (trigger.clone(), event(&phone, &code));
        tasks.spawn(async move { run_within(&*trigger, Duration::from_secs(4), event).await });
    }
    let outcomes = tasks.join_all().await;
    assert_eq!(server.requests().len(), 3, "{BURST} codes at once, three texts: {outcomes:?}");
}

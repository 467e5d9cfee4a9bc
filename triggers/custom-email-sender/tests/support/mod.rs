//! What the local-stack tests of every provider share: the fixture event for a pool of the test's
//! own, the trigger over the local stack's KMS, store and directory with the test's mailer, and a
//! concurrent burst of one event.

use std::sync::Arc;
use std::time::Duration;

use custom_email_sender::{CustomEmailSender, Ports, Settings};
use esdk_decryptor::EsdkDecryptor;
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::ports::{Mailer, SystemClock};
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name};

/// The trigger decrypting under the local KMS key `key_arn` and sending through `mailer`;
/// `provider` holds the provider's settings (none for SES, the default).
pub async fn trigger(
    key_arn: &str,
    mailer: Arc<dyn Mailer>,
    provider: Vec<(&'static str, String)>,
) -> CustomEmailSender {
    let aws = local_aws().await.unwrap();
    let mut env = provider;
    env.extend([
        ("EMAIL_FROM", "no-reply@example.com".to_owned()),
        ("KMS_KEY_ARN", key_arn.to_owned()),
        ("TABLE_NAME", table_name()),
    ]);
    let settings = Settings::from_env(&Env::from_pairs(env)).unwrap();
    let kms = aws_sdk_kms::Client::new(aws.sdk_config());
    let ports = Ports {
        decryptor: Arc::new(EsdkDecryptor::new(kms, key_arn).await.unwrap()),
        mailer,
        directory: Arc::new(aws.directory()),
        store: Arc::new(aws.store(table_name())),
        clock: Arc::new(SystemClock),
    };
    CustomEmailSender::new(settings, ports)
}

/// The fixture event as `pool` sends it: `source`, to `email`, with the encrypted `code`.
pub fn event(pool: &str, source: &str, email: &str, code: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/custom-email-sender.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["triggerSource"] = json!(source);
    event["userPoolId"] = json!(pool);
    event["request"]["code"] = json!(code);
    event["request"]["userAttributes"]["email"] = json!(email);
    event
}

/// `event` `times` times at once, as Cognito's retries and a user's double click can; every
/// invocation must succeed.
pub async fn burst(trigger: &Arc<CustomEmailSender>, event: &Value, times: usize) {
    let invocations: Vec<_> = (0..times)
        .map(|_| {
            let (trigger, event) = (trigger.clone(), event.clone());
            tokio::spawn(async move { run_within(&*trigger, Duration::from_secs(4), event).await })
        })
        .collect();
    for invocation in invocations {
        invocation.await.unwrap().unwrap();
    }
}

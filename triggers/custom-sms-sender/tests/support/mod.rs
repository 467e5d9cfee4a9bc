//! What the local-stack and fault tests share: numbers no other run uses, the fixture event for a
//! pool of the test's own, and the ports over the local stack's KMS, store and directory.

use std::sync::Arc;

use custom_sms_sender::Ports;
use esdk_decryptor::EsdkDecryptor;
use serde_json::{Value, json};
use trigger_core::aws::Aws;
use trigger_core::ports::{SmsSender, SystemClock};
use trigger_core::testing::table_name;

/// A number no other run uses: +1 555 then the clock's last ten digits.
pub fn unique_number() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("+1555{:010}", nanos % 10_000_000_000)
}

/// The ports decrypting under the local KMS key `key_arn` and texting through `sms`.
pub async fn ports(aws: &Aws, key_arn: &str, sms: Arc<dyn SmsSender>) -> Ports {
    let kms = aws_sdk_kms::Client::new(aws.sdk_config());
    Ports {
        decryptor: Arc::new(EsdkDecryptor::new(kms, key_arn).await.unwrap()),
        sms,
        directory: Arc::new(aws.directory()),
        store: Arc::new(aws.store(table_name())),
        clock: Arc::new(SystemClock),
    }
}

/// The fixture event as `pool` sends it: to `phone`, with the encrypted `code`.
pub fn event(pool: &str, phone: &str, code: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/custom-sms-sender.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userPoolId"] = json!(pool);
    event["request"]["code"] = json!(code);
    event["request"]["userAttributes"]["phone_number"] = json!(phone);
    event
}

//! The local stack's SDK configuration (the `local_aws()` pattern of trigger-core's tests).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{SystemTime, UNIX_EPOCH};

use trigger_core::Env;
use trigger_core::aws::{Aws, AwsSettings};

/// The SDK configuration the triggers use, pointed at moto by `AWS_ENDPOINT_URL` (set by `make
/// test`). Wider timeouts than production: 50 concurrent calls against one local Python server.
pub async fn local_aws() -> Aws {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert!(
        endpoint.starts_with("http://127.0.0.1"),
        "AWS_ENDPOINT_URL must point at the local stack (run these tests with `make test`), got {endpoint:?}"
    );
    let env = Env::from_pairs([
        ("SDK_ATTEMPT_TIMEOUT_MS", "4000"),
        ("SDK_OPERATION_TIMEOUT_MS", "4800"),
        ("SDK_MAX_ATTEMPTS", "3"),
        ("SDK_CONNECT_TIMEOUT_MS", "2000"),
    ]);
    Aws::load(&AwsSettings::from_env(&env).unwrap()).await
}

pub fn table_name() -> String {
    std::env::var("TABLE_NAME").unwrap_or_else(|_| "cognito-triggers-local".to_owned())
}

/// A name no other test run uses.
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{nanos:x}")
}

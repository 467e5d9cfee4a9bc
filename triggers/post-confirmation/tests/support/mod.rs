//! The local stack for integration tests (copied from trigger-core's test support, as the
//! developer guide asks): SDK configuration from `AWS_ENDPOINT_URL`, unique names, moto's
//! inspection API.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use trigger_core::Env;
use trigger_core::aws::{Aws, AwsSettings};

/// The SDK configuration the triggers use, pointed at the local stack by `AWS_ENDPOINT_URL`
/// (set by `make test`). Wider timeouts than production: many concurrent calls against one local
/// Python server are slower than AWS.
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

/// GET a path of the local moto server and return the body.
pub fn moto_get(path: &str) -> String {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// How many messages moto's SES holds for `address` (`GET /moto-api/data.json`, `ses.Message`).
pub fn messages_to(address: &str) -> usize {
    let data: serde_json::Value = serde_json::from_str(&moto_get("/moto-api/data.json")).unwrap();
    data["ses"]["Message"]
        .as_array()
        .map(|all| all.iter().filter(|m| m.to_string().contains(address)).count())
        .unwrap_or(0)
}

//! Helpers for tests that run against the local stack (`make test` starts it), and for the
//! benchmarks (`overhead`). Never used by a binary; here so that every crate's integration tests
//! and benches share one copy.

pub mod fault_proxy;
pub mod overhead;
pub mod runtime_api;
pub mod tls;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::aws::{Aws, AwsSettings};
use crate::config::Env;

/// Why the local stack could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LocalStackError {
    #[error("AWS_ENDPOINT_URL must point at the local stack (run these tests with `make test`), got {0:?}")]
    NotLocal(String),
    #[error("local stack: {0}")]
    Io(#[from] std::io::Error),
    #[error("local stack answered: {0}")]
    Status(String),
}

/// The SDK configuration the triggers use, pointed at the local stack by `AWS_ENDPOINT_URL`.
/// Timeouts are wider than in production: hundreds of concurrent calls against one local Python
/// server are slower than AWS.
pub async fn local_aws() -> Result<Aws, LocalStackError> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    if !endpoint.starts_with("http://127.0.0.1") {
        return Err(LocalStackError::NotLocal(endpoint));
    }
    let env = Env::from_pairs([
        ("SDK_ATTEMPT_TIMEOUT_MS", "4000"),
        ("SDK_OPERATION_TIMEOUT_MS", "4800"),
        ("SDK_MAX_ATTEMPTS", "3"),
        ("SDK_CONNECT_TIMEOUT_MS", "2000"),
    ]);
    let settings = AwsSettings::from_env(&env).map_err(|e| LocalStackError::Status(e.to_string()))?;
    Ok(Aws::load(&settings).await)
}

/// The SDK configuration of production (the `SDK_*` defaults, or those given in `env`: 1 s per
/// attempt, 2 attempts, 2.5 s per operation), every client pointed at `endpoint` (a
/// [`fault_proxy::FaultProxy`] in front of the local moto).
pub async fn production_aws_via(endpoint: &str, env: &[(&str, &str)]) -> Result<Aws, LocalStackError> {
    let env = Env::from_pairs(env.iter().copied());
    let settings = AwsSettings::from_env(&env).map_err(|e| LocalStackError::Status(e.to_string()))?;
    Ok(Aws::load_with_endpoint(&settings, Some(endpoint)).await)
}

/// The corpus fixtures of `trigger` (`tests/fixtures/events/corpus/<trigger>-*.json`: shapes that
/// sources outside this project document, see its README), each with its file name, in name order.
pub fn corpus(trigger: &str) -> std::io::Result<Vec<(String, serde_json::Value)>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/events/corpus");
    let prefix = format!("{trigger}-");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
        if name.starts_with(&prefix) && name.ends_with(".json") {
            let event = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
            files.push((name.to_owned(), event));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The shared table of the local stack (`TABLE_NAME`, default `cognito-triggers-local`).
pub fn table_name() -> String {
    std::env::var("TABLE_NAME").unwrap_or_else(|_| "cognito-triggers-local".to_owned())
}

/// A name no other test run uses.
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{prefix}-{nanos:x}")
}

/// GET a path of the local moto server (its inspection API, e.g. `/moto-api/data.json`).
pub fn moto_get(path: &str) -> Result<String, LocalStackError> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    let host = endpoint.strip_prefix("http://").ok_or_else(|| LocalStackError::NotLocal(endpoint.clone()))?;
    let host = host.trim_end_matches('/');
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or_else(|| LocalStackError::Status("no HTTP body".into()))?;
    if !(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200")) {
        return Err(LocalStackError::Status(head.lines().next().unwrap_or_default().to_owned()));
    }
    Ok(body.to_owned())
}

/// moto's whole state (`/moto-api/data.json`). moto checks each attribute of each object for JSON
/// first and serialises them all afterwards, so a request that changes an object in between (a
/// concurrent test creating a pool client, say) makes the dump fail with a 500: a few tries.
fn moto_data() -> Result<serde_json::Value, LocalStackError> {
    let mut tries = 0;
    loop {
        tries += 1;
        match moto_get("/moto-api/data.json") {
            Ok(text) => return serde_json::from_str(&text).map_err(|e| LocalStackError::Status(e.to_string())),
            Err(LocalStackError::Status(status)) if status.contains(" 500 ") && tries < 5 => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(other) => return Err(other),
        }
    }
}

/// The text messages moto's SNS holds for `phone_number` (under `sns` → `SMS`, each with
/// `message`, `message_id` and `phone_number`).
pub fn sms_messages_to(phone_number: &str) -> Result<Vec<serde_json::Value>, LocalStackError> {
    let data = moto_data()?;
    Ok(data["sns"]["SMS"]
        .as_array()
        .map(|all| all.iter().filter(|m| m["phone_number"] == phone_number).cloned().collect())
        .unwrap_or_default())
}

/// The messages moto's SES holds for `address` (moto keeps SESv2 mail under `ses` → `Message`).
pub fn ses_messages_to(address: &str) -> Result<Vec<serde_json::Value>, LocalStackError> {
    let data = moto_data()?;
    Ok(data["ses"]["Message"]
        .as_array()
        .map(|all| all.iter().filter(|m| m.to_string().contains(address)).cloned().collect())
        .unwrap_or_default())
}

/// The messages the local SMTP server (local/smtp_server.py) accepted for `address`, oldest
/// first: one JSON object each (`rcpt_tos`, `message_id`, `subject`, `text`, `html`, `tls`,
/// `authenticated_as`, …) from `<LOCAL_STATE_DIR>/smtp/messages.jsonl` (default `<repo>/.local`).
pub fn smtp_messages_to(address: &str) -> Result<Vec<serde_json::Value>, LocalStackError> {
    let state = std::env::var("LOCAL_STATE_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../.local").to_owned());
    let journal = std::path::Path::new(&state).join("smtp/messages.jsonl");
    let text = match std::fs::read_to_string(&journal) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err.into()),
    };
    let mut messages = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let message: serde_json::Value =
            serde_json::from_str(line).map_err(|e| LocalStackError::Status(format!("{}: {e}", journal.display())))?;
        let to_address = message["rcpt_tos"].as_array().is_some_and(|all| all.iter().any(|r| r == address));
        if to_address {
            messages.push(message);
        }
    }
    Ok(messages)
}

/// A CONFIRMED user in a local (moto) pool: AdminCreateUser with `attributes` and no message, then
/// `password` set as permanent (which is what moves the user out of FORCE_CHANGE_PASSWORD).
pub async fn confirmed_user(
    aws: &Aws,
    user_pool_id: &str,
    username: &str,
    attributes: &[(&str, &str)],
    password: &str,
) -> Result<(), LocalStackError> {
    use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
    let client = aws_sdk_cognitoidentityprovider::Client::new(aws.sdk_config());
    let failed = |err: &dyn std::fmt::Display| LocalStackError::Status(err.to_string());
    let attributes = attributes
        .iter()
        .map(|(name, value)| AttributeType::builder().name(*name).value(*value).build().map_err(|e| failed(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    client
        .admin_create_user()
        .user_pool_id(user_pool_id)
        .username(username)
        .set_user_attributes(Some(attributes))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .map_err(|e| failed(&aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(e)))?;
    client
        .admin_set_user_password()
        .user_pool_id(user_pool_id)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .map_err(|e| failed(&aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(e)))?;
    Ok(())
}

/// One request as a [`ReplayEndpoint`] received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The `X-Amz-Target` header: `AWSCognitoIdentityProviderService.<Operation>`.
    pub target: String,
    pub body: serde_json::Value,
}

/// A replay endpoint for operations no local stand-in implements (AdminLinkProviderForUser):
/// the real SDK client sends its real request over loopback, the endpoint records it and answers
/// with the documented response. (aws-smithy-mocks would do the same in-process, but its
/// `test-util` features would change the SDK crates' feature set in test builds and make every
/// `make test` compile the SDK twice.)
pub struct ReplayEndpoint {
    pub url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

impl ReplayEndpoint {
    /// Answers the n-th request with the n-th `(status, JSON body)`; requests past the end get 500.
    pub fn start(answers: Vec<(u16, serde_json::Value)>) -> Result<Self, LocalStackError> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let log = recorded.clone();
        std::thread::spawn(move || {
            for (index, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { return };
                let answer = answers.get(index).cloned().unwrap_or((500, serde_json::json!({})));
                if serve_one(stream, answer, &log).is_err() {
                    return;
                }
            }
        });
        Ok(Self { url, recorded })
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.recorded.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// A user directory whose every call goes to this endpoint.
    pub fn directory(&self) -> crate::aws::CognitoDirectory {
        use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
        let config = aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "replay"))
            .endpoint_url(&self.url)
            .build();
        crate::aws::CognitoDirectory::new(aws_sdk_cognitoidentityprovider::Client::from_conf(config))
    }
}

fn serve_one(
    mut stream: TcpStream,
    (status, answer): (u16, serde_json::Value),
    log: &Mutex<Vec<Recorded>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut target = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("x-amz-target:") {
            target = line["x-amz-target:".len()..].trim().to_owned();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    if let Ok(mut recorded) = log.lock() {
        recorded.push(Recorded { target, body });
    }
    let text = answer.to_string();
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )
}

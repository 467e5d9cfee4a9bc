//! A replay endpoint for operations no local stand-in implements (AdminLinkProviderForUser):
//! the real SDK client sends its real request over loopback, the endpoint records it and answers
//! with the documented response. (aws-smithy-mocks would do the same in-process, but its
//! `test-util` features would change the SDK crates' feature set in test builds and make every
//! `make test` compile the SDK twice.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

/// One request as the endpoint received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The `X-Amz-Target` header: `AWSCognitoIdentityProviderService.<Operation>`.
    pub target: String,
    pub body: serde_json::Value,
}

pub struct ReplayEndpoint {
    pub url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

impl ReplayEndpoint {
    /// Answers the n-th request with the n-th `(status, JSON body)`; requests past the end get 500.
    pub fn start(answers: Vec<(u16, serde_json::Value)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let log = recorded.clone();
        thread::spawn(move || {
            for (index, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut target = String::new();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
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
                reader.read_exact(&mut body).unwrap();
                let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                log.lock().unwrap().push(Recorded { target, body });
                let (status, answer) = answers.get(index).cloned().unwrap_or((500, serde_json::json!({})));
                let text = answer.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        Self { url, recorded }
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }
}

//! Test doubles of the providers' side: an HTTP/1.1 server on loopback that records every request
//! and answers from a script, and a TLS server whose certificate a throwaway CA issued.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server read it; header names lower-cased.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SeenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// The `application/x-www-form-urlencoded` fields, decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        decode_form(&self.body)
    }
}

/// A tiny `application/x-www-form-urlencoded` decoder, written here so that the tests do not
/// check the client's encoding with the same library that produced it.
fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(part: &str) -> String {
        let bytes = part.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                other => out.push(other),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    std::str::from_utf8(body)
        .unwrap()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Answer {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
    delay: Duration,
}

impl Answer {
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.to_owned(),
            headers: vec![("content-type".into(), "application/json".into())],
            delay: Duration::ZERO,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Answers only after `delay` (a slow provider).
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// An HTTP/1.1 server on 127.0.0.1 answering the scripted answers in order (then 500s).
pub struct TestServer {
    port: u16,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
}

impl TestServer {
    pub async fn start(answers: Vec<Answer>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(answers)));
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (record, script) = (record.clone(), script.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else { return };
                    record.lock().unwrap().push(request);
                    let answer = script
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or_else(|| Answer::json(500, r#"{"error":"no answer scripted"}"#));
                    tokio::time::sleep(answer.delay).await;
                    write_answer(&mut socket, &answer).await;
                });
            }
        });
        Self { port, seen }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap().clone()
    }

    /// A loopback URL nothing listens on.
    pub async fn closed_port_url() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}/")
    }
}

/// Reads one request (head and `content-length` body); `None` when the peer closed first.
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<SeenRequest> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, path) = (request_line.next()?.to_owned(), request_line.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(SeenRequest { method, path, headers, body })
}

async fn write_answer<S: AsyncWrite + Unpin>(stream: &mut S, answer: &Answer) {
    let mut head =
        format!("HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n", answer.status, answer.body.len());
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(answer.body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
pub use tls::TlsTestServer;

#[cfg(test)]
mod tls {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rustls::RootCertStore;
    use rustls::pki_types::CertificateDer;
    use tokio::net::TcpListener;
    use trigger_core::testing::tls::{LocalhostTls, localhost_tls};

    use super::{Answer, read_request, write_answer};

    /// A TLS server on loopback for `localhost`, its certificate issued by a fresh test CA; answers
    /// every request 202 and counts them.
    pub struct TlsTestServer {
        port: u16,
        ca: CertificateDer<'static>,
        requests: Arc<AtomicUsize>,
    }

    impl TlsTestServer {
        pub async fn start() -> Self {
            let LocalhostTls { acceptor, ca_der, .. } = localhost_tls("delivery-providers test CA").unwrap();
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let requests = Arc::new(AtomicUsize::new(0));
            let counter = requests.clone();
            tokio::spawn(async move {
                while let Ok((socket, _)) = listener.accept().await {
                    let (acceptor, counter) = (acceptor.clone(), counter.clone());
                    tokio::spawn(async move {
                        // A refused handshake ends here: the client never sends a request.
                        let Ok(mut stream) = acceptor.accept(socket).await else { return };
                        if read_request(&mut stream).await.is_some() {
                            counter.fetch_add(1, Ordering::SeqCst);
                            write_answer(&mut stream, &Answer::json(202, "")).await;
                        }
                    });
                }
            });
            Self { port, ca: ca_der, requests }
        }

        pub fn url(&self) -> String {
            format!("https://localhost:{}/", self.port)
        }

        /// A root store holding the test CA only.
        pub fn roots(&self) -> RootCertStore {
            let mut roots = RootCertStore::empty();
            roots.add(self.ca.clone()).unwrap();
            roots
        }

        pub fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }
}

//! A fault-injecting HTTP proxy in front of the local moto, for the resilience tests: the real
//! AWS adapters talk to it as to AWS, it forwards to moto, and while a fault is armed it answers
//! the matching requests itself:
//!
//! - [`Fault::Throttle`]: HTTP 400 with DynamoDB's `ProvisionedThroughputExceededException`, or
//!   `ThrottlingException` for every other service (the SDK retries both as throttling), as an
//!   XML `Throttling` error for the query protocol (SNS);
//! - [`Fault::ServerError`]: HTTP 500 `InternalServerError` (XML `InternalError` for SNS);
//! - [`Fault::Delay`]: holds the request, then forwards it (past the attempt timeout, the SDK has
//!   given up: moto may still apply the write, exactly as AWS may);
//! - [`Fault::Drop`]: reads the request and closes the connection without an answer;
//! - [`Fault::Reply`]: answers with a canned status and JSON body, without asking moto: with a
//!   reply armed for each call a binary makes, the proxy is an endpoint that answers at once
//!   (`make bench` compares cold starts without moto's latency that way).
//!
//! It counts every request it received, by target ([`FaultProxy::calls`]): what an invocation
//! called is measured, not assumed.
//!
//! Requests are matched on their `X-Amz-Target` header (`DynamoDB_20120810.PutItem`,
//! `AWSCognitoIdentityProviderService.ListUsers`), or, for REST protocols without one, on their
//! request line (`POST /v2/email/outbound-emails HTTP/1.1`): a rule applies when the target
//! contains its pattern, and, when it names one, the request body contains its text too (a table
//! name: one table of several behind the same target). Plain HTTP/1.1 over `std::net`, one thread per connection, `Content-Length` bodies
//! (what the SDK's JSON protocols send); every forwarded request opens its own connection to moto.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What an armed rule does to a matching request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Throttle,
    ServerError,
    Delay(Duration),
    Drop,
    /// An answer of the proxy's own: this HTTP status and JSON body.
    Reply(u16, &'static str),
}

#[derive(Clone, Debug)]
struct Rule {
    pattern: String,
    /// Text the body must contain too (`None`: any body).
    body: Option<String>,
    fault: Fault,
    /// How many more requests it applies to; `None`: until cleared.
    left: Option<u32>,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    /// Every request seen: its target and whether a fault answered it (`Some(fault)`).
    seen: Vec<(String, Option<Fault>)>,
    /// Requests read and not yet answered (held by a delay, or at moto).
    in_flight: usize,
}

impl Rule {
    fn matches(&self, request: &Request) -> bool {
        let body = || String::from_utf8_lossy(&request.body).contains(self.body.as_deref().unwrap_or_default());
        self.left != Some(0) && request.target.contains(&self.pattern) && body()
    }
}

/// The proxy. Dropping it stops accepting connections.
pub struct FaultProxy {
    url: String,
    state: Arc<Mutex<State>>,
    listener: Arc<TcpListener>,
    stopped: Arc<AtomicBool>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`http://127.0.0.1:4566`).
    pub fn start(upstream: &str) -> io::Result<Self> {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0")?);
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State::default()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (accepting, shared, stop) = (listener.clone(), state.clone(), stopped.clone());
        std::thread::spawn(move || {
            for stream in accepting.incoming() {
                let Ok(stream) = stream else { return };
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let (state, upstream) = (shared.clone(), upstream.clone());
                std::thread::spawn(move || {
                    // A connection the client dropped mid-request has nothing left to answer.
                    let _ = serve(stream, &upstream, &state);
                });
            }
        });
        Ok(Self { url, state, listener, stopped })
    }

    /// In front of the moto that `AWS_ENDPOINT_URL` names.
    pub fn in_front_of_moto() -> io::Result<Self> {
        let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
        if !endpoint.starts_with("http://127.0.0.1") {
            return Err(io::Error::other(format!("AWS_ENDPOINT_URL must name the local moto, got {endpoint:?}")));
        }
        Self::start(&endpoint)
    }

    /// The endpoint to point the SDK at.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Arms `fault` for the next `times` requests whose target contains `pattern`.
    pub fn fail(&self, pattern: &str, fault: Fault, times: u32) {
        lock(&self.state).rules.push(Rule { pattern: pattern.to_owned(), body: None, fault, left: Some(times) });
    }

    /// Arms `fault` for every request whose target contains `pattern`, until [`Self::clear`].
    pub fn fail_always(&self, pattern: &str, fault: Fault) {
        lock(&self.state).rules.push(Rule { pattern: pattern.to_owned(), body: None, fault, left: None });
    }

    /// As [`Self::fail_always`], for the requests whose body also contains `text`: one table of
    /// several (`"TableName":"legacy-users"`) behind the same `DynamoDB_20120810.GetItem`, or one
    /// action of a query-protocol service (`Action=Publish` behind `POST / `).
    pub fn fail_always_where(&self, pattern: &str, text: &str, fault: Fault) {
        let body = Some(text.to_owned());
        lock(&self.state).rules.push(Rule { pattern: pattern.to_owned(), body, fault, left: None });
    }

    /// As [`Self::fail`], for the requests whose body also contains `text`.
    pub fn fail_where(&self, pattern: &str, text: &str, fault: Fault, times: u32) {
        let body = Some(text.to_owned());
        lock(&self.state).rules.push(Rule { pattern: pattern.to_owned(), body, fault, left: Some(times) });
    }

    /// The fault has cleared: every request goes through again.
    pub fn clear(&self) {
        lock(&self.state).rules.clear();
    }

    /// Waits (up to `limit`) until every request received has been answered, so that a delayed
    /// request the SDK gave up on has landed before the test counts what moto holds. Whether it
    /// got there in time. Blocks the calling thread: call it between invocations.
    pub fn settle(&self, limit: Duration) -> bool {
        let started = std::time::Instant::now();
        while lock(&self.state).in_flight > 0 {
            if started.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    /// Every request received so far, by target (`DynamoDB_20120810.PutItem`, or the request line
    /// of a REST call), faulted or not.
    pub fn calls(&self) -> BTreeMap<String, usize> {
        let mut calls = BTreeMap::new();
        for (target, _) in &lock(&self.state).seen {
            *calls.entry(target.clone()).or_default() += 1;
        }
        calls
    }

    /// How many requests with a target containing `pattern` arrived, and how many of them a fault
    /// answered.
    pub fn count(&self, pattern: &str) -> (usize, usize) {
        let state = lock(&self.state);
        let matching = state.seen.iter().filter(|(target, _)| target.contains(pattern));
        let faulted: Vec<bool> = matching.map(|(_, fault)| fault.is_some()).collect();
        (faulted.len(), faulted.iter().filter(|f| **f).count())
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Wake the accept loop so that its thread ends.
        self.stopped.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.listener.local_addr().map_or_else(|_| "127.0.0.1:1".into(), |a| a.to_string()));
    }
}

/// One request as read from the client: the head (request line and headers, as sent) and body.
struct Request {
    head: String,
    target: String,
    body: Vec<u8>,
    keep_alive: bool,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut head = String::new();
    let mut request_line = String::new();
    let (mut length, mut target, mut keep_alive) = (0usize, String::new(), true);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line == "\r\n" {
            break;
        }
        if request_line.is_empty() {
            request_line = line.trim_end().to_owned();
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        } else if lower.starts_with("x-amz-target:") {
            target = line["x-amz-target:".len()..].trim().to_owned();
        } else if lower.starts_with("connection:") && lower.contains("close") {
            keep_alive = false;
        }
        // The upstream connection is ours: one request each, closed after it.
        if !lower.starts_with("connection:") {
            head.push_str(&line);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    if target.is_empty() {
        // REST protocols (SESv2) have no target header: `POST /v2/email/outbound-emails HTTP/1.1`.
        target = request_line;
    }
    Ok(Some(Request { head, target, body, keep_alive }))
}

fn serve(client: TcpStream, upstream: &str, state: &Mutex<State>) -> io::Result<()> {
    // Each answer leaves in one write: with Nagle on, a client's delayed ACK would be measured.
    client.set_nodelay(true)?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    while let Some(request) = read_request(&mut reader)? {
        let fault = {
            let mut state = lock(state);
            let fault = state.rules.iter_mut().find(|r| r.matches(&request)).map(|rule| {
                if let Some(left) = rule.left.as_mut() {
                    *left -= 1;
                }
                rule.fault
            });
            // A delayed request still reaches moto: it is not a faulted answer.
            let answered = fault.filter(|f| !matches!(f, Fault::Delay(_)));
            state.seen.push((request.target.clone(), answered));
            state.in_flight += 1;
            fault
        };
        let outcome = respond(&mut client, upstream, &request, fault);
        lock(state).in_flight -= 1;
        if outcome? == Respond::Closed {
            return Ok(());
        }
        if !request.keep_alive {
            break;
        }
    }
    Ok(())
}

/// Whether the connection stays open after an answer.
#[derive(PartialEq, Eq)]
enum Respond {
    Answered,
    Closed,
}

/// Answers one request: as the armed fault says, or with moto's answer.
fn respond(client: &mut TcpStream, upstream: &str, request: &Request, fault: Option<Fault>) -> io::Result<Respond> {
    match fault {
        Some(Fault::Drop) => {
            let _ = client.shutdown(Shutdown::Both);
            return Ok(Respond::Closed);
        }
        // The query protocol (SNS: a form body `Action=…`) reads its errors from XML; a JSON body
        // there has no error code, and the SDK would see a plain 400 — a refusal, not throttling.
        Some(Fault::Throttle) if request.body.starts_with(b"Action=") => {
            answer_xml(client, 400, "Sender", "Throttling", "Rate exceeded (injected)")?;
        }
        Some(Fault::ServerError) if request.body.starts_with(b"Action=") => {
            answer_xml(client, 500, "Receiver", "InternalError", "injected")?;
        }
        Some(Fault::Throttle) => {
            let kind = if request.target.starts_with("DynamoDB") {
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
            } else {
                "ThrottlingException"
            };
            answer(client, 400, "Injected", &format!(r#"{{"__type":"{kind}","message":"Rate exceeded (injected)"}}"#))?;
        }
        Some(Fault::ServerError) => {
            answer(client, 500, "Injected", r#"{"__type":"InternalServerError","message":"injected"}"#)?;
        }
        Some(Fault::Reply(status, body)) => answer(client, status, "Canned", body)?,
        Some(Fault::Delay(delay)) => {
            std::thread::sleep(delay);
            forward(client, upstream, request)?;
        }
        None => forward(client, upstream, request)?,
    }
    Ok(Respond::Answered)
}

fn answer(client: &mut TcpStream, status: u16, reason: &str, body: &str) -> io::Result<()> {
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    client.write_all(answer.as_bytes())?;
    client.flush()
}

/// A query-protocol error document (`<ErrorResponse><Error><Type>…<Code>…`), as SNS answers.
fn answer_xml(client: &mut TcpStream, status: u16, kind: &str, code: &str, message: &str) -> io::Result<()> {
    let body = format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>injected</RequestId></ErrorResponse>"
    );
    let answer =
        format!("HTTP/1.1 {status} Injected\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    client.write_all(answer.as_bytes())?;
    client.flush()
}

/// Sends the request to moto on a connection of its own and relays the answer, re-framed with a
/// `Content-Length` (moto may answer chunked or close-delimited).
fn forward(client: &mut TcpStream, upstream: &str, request: &Request) -> io::Result<()> {
    let mut server = TcpStream::connect(upstream)?;
    server.set_read_timeout(Some(Duration::from_secs(30)))?;
    server.write_all(request.head.as_bytes())?;
    server.write_all(b"Connection: close\r\n\r\n")?;
    server.write_all(&request.body)?;
    let mut reader = BufReader::new(server);
    let mut status = String::new();
    reader.read_line(&mut status)?;
    let (mut headers, mut length, mut chunked) = (String::new(), None, false);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        } else if lower.starts_with("transfer-encoding:") {
            chunked = lower.contains("chunked");
        } else if !lower.starts_with("connection:") {
            headers.push_str(&line);
        }
    }
    let body = if chunked {
        read_chunked(&mut reader)?
    } else if let Some(length) = length {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    } else {
        let mut body = Vec::new();
        reader.read_to_end(&mut body)?;
        body
    };
    client.write_all(status.as_bytes())?;
    client.write_all(headers.as_bytes())?;
    write!(client, "Content-Length: {}\r\n\r\n", body.len())?;
    client.write_all(&body)?;
    client.flush()
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

/// One invocation as the runtime makes it, for a fault test: it must end inside `budget`, and a
/// failure must be the trigger's own policy, never the runtime's deadline. Either breach fails the
/// test.
pub async fn run_within_budget<T: crate::runtime::Trigger>(
    trigger: &T,
    budget: Duration,
    event: serde_json::Value,
) -> Result<serde_json::Value, crate::error::TriggerError> {
    let started = std::time::Instant::now();
    let result = crate::runtime::run_within(trigger, budget, event).await;
    assert!(started.elapsed() < budget, "the invocation took {:?}, past its budget", started.elapsed());
    if let Err(err) = &result {
        assert!(
            !matches!(err, crate::error::TriggerError::DeadlineExceeded { .. }),
            "ended by the deadline, not the policy: {err}"
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One request on `stream` (kept open), and the status line and body of its answer.
    fn post(stream: &mut TcpStream, target: &str) -> (String, String) {
        write!(stream, "POST / HTTP/1.1\r\nHost: proxy\r\nX-Amz-Target: {target}\r\nContent-Length: 2\r\n\r\n{{}}")
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let (mut status, mut line, mut length) = (String::new(), String::new(), 0usize);
        reader.read_line(&mut status).unwrap();
        while reader.read_line(&mut line).unwrap() > 2 {
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            line.clear();
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        (status.trim_end().to_owned(), String::from_utf8(body).unwrap())
    }

    #[test]
    fn armed_replies_answer_without_the_upstream_on_one_connection_and_every_call_is_counted() {
        // Nothing listens upstream: only the proxy's own replies can answer.
        let proxy = FaultProxy::start("127.0.0.1:1").unwrap();
        proxy.fail_always("DynamoDB_20120810.PutItem", Fault::Reply(200, "{}"));
        proxy.fail("AWSCognitoIdentityProviderService.ListUsers", Fault::Reply(200, r#"{"Users":[]}"#), 1);
        let mut stream = TcpStream::connect(proxy.url().trim_start_matches("http://")).unwrap();
        assert_eq!(post(&mut stream, "DynamoDB_20120810.PutItem"), ("HTTP/1.1 200 Canned".into(), "{}".into()));
        assert_eq!(post(&mut stream, "DynamoDB_20120810.PutItem").1, "{}");
        let users = post(&mut stream, "AWSCognitoIdentityProviderService.ListUsers");
        assert_eq!(users, ("HTTP/1.1 200 Canned".into(), r#"{"Users":[]}"#.into()));
        // Its one reply used, the next ListUsers goes upstream, where nobody answers.
        write!(
            stream,
            "POST / HTTP/1.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUsers\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty(), "no answer without an upstream: {}", String::from_utf8_lossy(&rest));
        let calls = proxy.calls();
        assert_eq!(calls.get("DynamoDB_20120810.PutItem"), Some(&2));
        assert_eq!(calls.get("AWSCognitoIdentityProviderService.ListUsers"), Some(&2));
        assert_eq!(proxy.count("ListUsers"), (2, 1));
    }
}

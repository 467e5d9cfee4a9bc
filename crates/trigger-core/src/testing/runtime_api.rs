//! A Lambda Runtime API on loopback, for running the real trigger binaries outside Lambda: point
//! `AWS_LAMBDA_RUNTIME_API` at [`RuntimeApi::address`], queue events with [`RuntimeApi::invoke`],
//! and read what the function answered. Plain HTTP/1.1 over `std::net`, one thread per
//! connection (keep-alive, `Content-Length` or chunked bodies), as much of the API as
//! `lambda_runtime` uses:
//!
//! - `GET /2018-06-01/runtime/invocation/next`: waits for a queued event and answers it with
//!   `Lambda-Runtime-Aws-Request-Id`, `Lambda-Runtime-Deadline-Ms`, `Lambda-Runtime-Invoked-Function-Arn`
//!   and `Lambda-Runtime-Trace-Id` (an X-Ray trace header of its own for each invocation);
//! - `POST /2018-06-01/runtime/invocation/<id>/response` and `/error`: the answer;
//! - `POST /2018-06-01/runtime/init/error`: the function could not start.
//!
//! Each invocation keeps when it was queued, delivered and answered, so a benchmark can time
//! invocations the way Lambda sees them.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

const PREFIX: &str = "/2018-06-01/runtime";
/// The ARN every invocation names (the account id is the documentation's example).
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:local";

/// What the function answered to one invocation.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// `POST …/response`: the function's result.
    Response(Value),
    /// `POST …/error`: `{"errorType", "errorMessage"}` as the runtime reported it.
    Error(Value),
}

/// One queued event and what became of it.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub request_id: String,
    /// The X-Ray trace header delivered with the event (`Root=1-…;Parent=…;Sampled=0`).
    pub trace_header: String,
    pub event: Value,
    pub queued_at: Instant,
    /// When `/next` handed the event to the function.
    pub delivered_at: Option<Instant>,
    pub answer: Option<Answer>,
    pub answered_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<String>,
    invocations: Vec<Invocation>,
    init_error: Option<Value>,
    closed: bool,
    requests: u64,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A test thread that panicked while holding the lock leaves consistent data behind.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The emulator. Dropping it stops the server: a function waiting on `/next` sees its
/// connection close.
pub struct RuntimeApi {
    address: String,
    deadline: Duration,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    /// Listens on a free loopback port. Invocations get a deadline 6 s out (a trigger's Lambda
    /// timeout; the trigger's own budget is shorter).
    pub fn start() -> io::Result<Self> {
        Self::with_deadline(Duration::from_secs(6))
    }

    pub fn with_deadline(deadline: Duration) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let shared = Arc::new(Shared::default());
        let serving = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if serving.lock().closed {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let (connection, deadline) = (serving.clone(), deadline);
                std::thread::spawn(move || {
                    // A broken connection is the client's business: it reconnects or exits.
                    let _ = serve_connection(stream, &connection, deadline);
                });
            }
        });
        Ok(Self { address, deadline, shared })
    }

    /// `binary` as Lambda starts it against this API: an empty environment but for what Lambda
    /// sets (the runtime API, function name, 128 MB, version, Region), stdin closed, stdout piped
    /// for the test to read, stderr dropped. The caller adds the trigger's settings and spawns it.
    pub fn lambda_process(&self, binary: impl AsRef<std::ffi::OsStr>, function_name: &str) -> std::process::Command {
        let mut command = std::process::Command::new(binary);
        command
            .env_clear()
            .env("AWS_REGION", "us-east-1")
            .env("AWS_LAMBDA_RUNTIME_API", self.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", function_name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        command
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// How far past delivery each invocation's deadline lies.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Queues one event; returns its request id.
    pub fn invoke(&self, event: Value) -> String {
        let mut state = self.shared.lock();
        let number = state.invocations.len() + 1;
        let request_id = format!("00000000-0000-4000-8000-{number:012x}");
        state.invocations.push(Invocation {
            request_id: request_id.clone(),
            trace_header: format!("Root=1-00000000-{number:024x};Parent={number:016x};Sampled=0"),
            event,
            queued_at: Instant::now(),
            delivered_at: None,
            answer: None,
            answered_at: None,
        });
        state.queue.push_back(request_id.clone());
        self.shared.changed.notify_all();
        request_id
    }

    /// Waits until invocation `request_id` is answered, the function reported an init error,
    /// or `timeout` passed; then returns the invocation as it stands (None: no such id).
    pub fn wait_for_answer(&self, request_id: &str, timeout: Duration) -> Option<Invocation> {
        let until = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            let invocation = state.invocations.iter().find(|i| i.request_id == request_id)?;
            let left = until.saturating_duration_since(Instant::now());
            if invocation.answer.is_some() || state.init_error.is_some() || left.is_zero() {
                return Some(invocation.clone());
            }
            state = self.shared.changed.wait_timeout(state, left).map(|(s, _)| s).unwrap_or_else(|p| p.into_inner().0);
        }
    }

    /// Every invocation queued so far.
    pub fn invocations(&self) -> Vec<Invocation> {
        self.shared.lock().invocations.clone()
    }

    /// What the function posted to `/init/error`, if it did.
    pub fn init_error(&self) -> Option<Value> {
        self.shared.lock().init_error.clone()
    }

    /// HTTP requests served so far (any path).
    pub fn requests(&self) -> u64 {
        self.shared.lock().requests
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
        // Wakes the accept loop so that it sees `closed`.
        let _ = TcpStream::connect(&self.address);
    }
}

/// One parsed request.
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn serve_connection(stream: TcpStream, shared: &Shared, deadline: Duration) -> io::Result<()> {
    // Each answer goes out in one write with Nagle off: a response split over writes waits for
    // the client's delayed ACK (40 ms on Linux), which a benchmark would count as the function's.
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader)? {
        shared.lock().requests += 1;
        let path = request.path.strip_prefix(PREFIX).unwrap_or_default();
        if request.method == "GET" && path == "/invocation/next" {
            let Some((request_id, trace_header, event)) = next_event(shared) else { return Ok(()) };
            let body = event.to_string();
            let deadline_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + deadline;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {request_id}\r\n\
                 Lambda-Runtime-Deadline-Ms: {}\r\nLambda-Runtime-Invoked-Function-Arn: {FUNCTION_ARN}\r\n\
                 Lambda-Runtime-Trace-Id: {trace_header}\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                deadline_ms.as_millis(),
                body.len()
            );
            writer.write_all(answer.as_bytes())?;
        } else if request.method == "POST" && path == "/init/error" {
            let mut state = shared.lock();
            state.init_error = Some(json_or_text(&request.body));
            shared.changed.notify_all();
            drop(state);
            accepted(&mut writer)?;
        } else if let Some((request_id, kind)) = answer_path(path).filter(|_| request.method == "POST") {
            let body = json_or_text(&request.body);
            let answer = if kind == "response" { Answer::Response(body) } else { Answer::Error(body) };
            let mut state = shared.lock();
            let known = match state.invocations.iter_mut().find(|i| i.request_id == request_id) {
                Some(invocation) => {
                    invocation.answer = Some(answer);
                    invocation.answered_at = Some(Instant::now());
                    true
                }
                None => false,
            };
            shared.changed.notify_all();
            drop(state);
            if known {
                accepted(&mut writer)?;
            } else {
                respond(&mut writer, "404 Not Found", r#"{"errorType":"InvalidRequestID"}"#)?;
            }
        } else {
            respond(&mut writer, "404 Not Found", r#"{"errorType":"NotFound"}"#)?;
        }
    }
    Ok(())
}

/// `/invocation/<id>/response` or `/invocation/<id>/error`.
fn answer_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/invocation/")?;
    let (request_id, kind) = rest.split_once('/')?;
    matches!(kind, "response" | "error").then_some((request_id, kind))
}

/// Blocks until an event is queued (None once the emulator is dropped).
fn next_event(shared: &Shared) -> Option<(String, String, Value)> {
    let mut state = shared.lock();
    loop {
        if state.closed {
            return None;
        }
        if let Some(request_id) = state.queue.pop_front() {
            let invocation = state.invocations.iter_mut().find(|i| i.request_id == request_id)?;
            invocation.delivered_at = Some(Instant::now());
            return Some((request_id, invocation.trace_header.clone(), invocation.event.clone()));
        }
        state = shared
            .changed
            .wait_timeout(state, Duration::from_millis(200))
            .map(|(s, _)| s)
            .unwrap_or_else(|p| p.into_inner().0);
    }
}

fn accepted(writer: &mut TcpStream) -> io::Result<()> {
    respond(writer, "202 Accepted", r#"{"status":"OK"}"#)
}

fn respond(writer: &mut TcpStream, status: &str, body: &str) -> io::Result<()> {
    let answer =
        format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    writer.write_all(answer.as_bytes())
}

fn json_or_text(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// The next request on a keep-alive connection; None when the client closed it.
fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        let Some((name, value)) = header.split_once(':') else { continue };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = value.parse().map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length"))?;
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let body = if chunked { read_chunked(reader)? } else { read_exact(reader, length)? };
    Ok(Some(Request { method, path, body }))
}

fn read_exact(reader: &mut BufReader<TcpStream>, length: usize) -> io::Result<Vec<u8>> {
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(body)
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = size.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailers, if any, end with an empty line.
            loop {
                let mut trailer = String::new();
                if reader.read_line(&mut trailer)? == 0 || trailer == "\r\n" || trailer == "\n" {
                    return Ok(body);
                }
            }
        }
        body.extend(read_exact(reader, size)?);
        let mut end = [0; 2];
        reader.read_exact(&mut end)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn send(address: &str, request: &str) -> String {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        format!("{head}\r\n{}", String::from_utf8(body).unwrap())
    }

    #[test]
    fn delivers_an_event_with_lambdas_headers_and_records_the_answer() {
        let api = RuntimeApi::start().unwrap();
        let id = api.invoke(json!({"hello": "world"}));
        let next = send(api.address(), "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(next.starts_with("HTTP/1.1 200"), "{next}");
        assert!(next.contains(&format!("Lambda-Runtime-Aws-Request-Id: {id}")), "{next}");
        assert!(next.contains(&format!("Lambda-Runtime-Invoked-Function-Arn: {FUNCTION_ARN}")), "{next}");
        assert!(next.contains("Lambda-Runtime-Deadline-Ms: "), "{next}");
        let trace_header = &api.invocations()[0].trace_header;
        assert!(trace_header.starts_with("Root=1-00000000-") && trace_header.ends_with(";Sampled=0"), "{trace_header}");
        assert!(next.contains(&format!("Lambda-Runtime-Trace-Id: {trace_header}\r\n")), "{next}");
        assert!(next.ends_with(r#"{"hello":"world"}"#), "{next}");

        let body = r#"{"ok":true}"#;
        let posted = send(
            api.address(),
            &format!(
                "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        );
        assert!(posted.starts_with("HTTP/1.1 202"), "{posted}");
        let done = api.wait_for_answer(&id, Duration::from_secs(1)).unwrap();
        assert_eq!(done.answer, Some(Answer::Response(json!({"ok": true}))));
        assert!(done.delivered_at.is_some() && done.answered_at >= done.delivered_at);
    }

    #[test]
    fn records_errors_in_chunked_bodies_and_init_errors() {
        let api = RuntimeApi::start().unwrap();
        let id = api.invoke(json!({}));
        send(api.address(), "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n");
        let error = r#"{"errorType":"Denied","errorMessage":"no"}"#;
        let chunked = format!(
            "POST /2018-06-01/runtime/invocation/{id}/error HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{error}\r\n0\r\n\r\n",
            error.len()
        );
        assert!(send(api.address(), &chunked).starts_with("HTTP/1.1 202"));
        let done = api.wait_for_answer(&id, Duration::from_secs(1)).unwrap();
        assert_eq!(done.answer, Some(Answer::Error(json!({"errorType": "Denied", "errorMessage": "no"}))));

        let waiting = api.invoke(json!({}));
        let init = r#"{"errorType":"Config"}"#;
        send(
            api.address(),
            &format!("POST /2018-06-01/runtime/init/error HTTP/1.1\r\nContent-Length: {}\r\n\r\n{init}", init.len()),
        );
        assert_eq!(api.init_error(), Some(json!({"errorType": "Config"})));
        assert!(api.wait_for_answer(&waiting, Duration::from_secs(5)).unwrap().answer.is_none());
        assert!(send(api.address(), "GET /nowhere HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    }
}

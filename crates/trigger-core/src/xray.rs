//! X-Ray: the invocation's trace header, and the AWS SDK's calls as subsegments when Lambda traces
//! the function (active tracing).
//!
//! Every SDK operation runs inside a `debug` span of the SDK's own, named `<Service>.<Operation>`
//! (`DynamoDB.GetItem`, target `aws_sdk_dynamodb::…`). When the process has an X-Ray daemon
//! (`AWS_XRAY_DAEMON_ADDRESS`, which Lambda sets) and the running invocation's trace is sampled
//! (`Sampled=1` in its header), [`SdkSubsegments`] sends each such span, once it closes, to the
//! daemon over UDP as a subsegment of the function's segment (the header's `Parent`): the
//! service, the operation and the time the call took, retries included. Nothing else: no table,
//! key, address or body, so nothing personal. A call that failed is marked in the invocation's
//! logs, which carry the same `xray_trace_id` (`logging::correlation`), not in the subsegment:
//! the span does not say how the call ended.
//!
//! Only these spans are enabled, for this layer alone: the log lines' filter still caps every
//! dependency at warn (`logging::level`). Cost: the layer added about 5 KB to each arm64 zip
//! (pre-signup, measured).

use std::net::{SocketAddr, UdpSocket};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{Metadata, Subscriber, span};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// An X-Ray trace header as Lambda passes it (`Root=1-…;Parent=…;Sampled=1`, in any order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceHeader<'a> {
    /// The trace id: `1-5759e988-bd862e3fe1be46a994272793`.
    pub root: &'a str,
    /// The id of the segment the function's work hangs under (absent: nothing to attach to).
    pub parent: Option<&'a str>,
    /// Whether X-Ray records this trace.
    pub sampled: bool,
}

impl<'a> TraceHeader<'a> {
    /// None when the header names no trace (no `Root`).
    pub fn parse(header: &'a str) -> Option<Self> {
        let (mut root, mut parent, mut sampled) = (None, None, false);
        for (key, value) in header.split(';').filter_map(|part| part.trim().split_once('=')) {
            match key {
                "Root" => root = Some(value).filter(|v| !v.is_empty()),
                "Parent" => parent = Some(value).filter(|v| !v.is_empty()),
                "Sampled" => sampled = value == "1",
                _ => {}
            }
        }
        Some(Self { root: root?, parent, sampled })
    }
}

/// `(trace id, parent segment id)` of the running invocation when its trace is sampled.
static SAMPLED: Mutex<Option<(String, String)>> = Mutex::new(None);

/// The running invocation's trace header (None: Lambda passed none). Until the next call, the
/// SDK's calls become subsegments of this trace if it is sampled.
pub fn begin(header: Option<&str>) {
    let sampled = header
        .and_then(TraceHeader::parse)
        .filter(|trace| trace.sampled)
        .and_then(|trace| Some((trace.root.to_owned(), trace.parent?.to_owned())));
    *SAMPLED.lock().unwrap_or_else(PoisonError::into_inner) = sampled;
}

/// The layer that sends the SDK's calls to the X-Ray daemon at `daemon_address`
/// (`AWS_XRAY_DAEMON_ADDRESS`: `169.254.79.129:2000`, or `tcp:… udp:…`), with its filter: the
/// SDK's operation spans and nothing else. None without an address, or with one that is not
/// an IP address and port (logged once logging is up: see [`daemon_problem`]).
pub fn layer<S>(daemon_address: Option<&str>) -> Option<impl Layer<S> + Send + Sync + 'static>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let daemon = daemon_socket_address(daemon_address?)?;
    let socket = UdpSocket::bind(SocketAddr::from(([0, 0, 0, 0], 0))).ok()?;
    Some(SdkSubsegments { socket, daemon }.with_filter(filter_fn(is_sdk_operation)))
}

/// Why `daemon_address` will not be used, if it is set and will not.
pub fn daemon_problem(daemon_address: Option<&str>) -> Option<String> {
    let address = daemon_address?;
    match daemon_socket_address(address) {
        Some(_) => None,
        None => Some(format!(
            "AWS_XRAY_DAEMON_ADDRESS={address:?} is not an IP address and port: the AWS SDK's calls are not traced"
        )),
    }
}

/// The UDP address of `AWS_XRAY_DAEMON_ADDRESS`: the value itself, or its `udp:` part.
fn daemon_socket_address(value: &str) -> Option<SocketAddr> {
    let udp = value.split_whitespace().find_map(|part| part.strip_prefix("udp:")).unwrap_or(value.trim());
    udp.parse().ok()
}

/// An SDK operation's span: `DynamoDB.GetItem` from an `aws_sdk_*` crate.
fn is_sdk_operation(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && metadata.target().starts_with("aws_sdk_") && metadata.name().contains('.')
}

/// Sends each closed SDK operation span of a sampled invocation to the daemon.
pub struct SdkSubsegments {
    socket: UdpSocket,
    daemon: SocketAddr,
}

/// When a span began, microseconds since the epoch.
struct Started(u64);

fn epoch_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or_default()
}

impl<S> Layer<S> for SdkSubsegments
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attributes: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Started(epoch_micros()));
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(started) = span.extensions().get::<Started>().map(|started| started.0) else { return };
        let sampled = SAMPLED.lock().unwrap_or_else(PoisonError::into_inner);
        let Some((trace_id, parent_id)) = sampled.as_ref() else { return };
        let ended = epoch_micros();
        // Unique within the trace, which is all X-Ray asks of a subsegment id: the end time in
        // microseconds, mixed with the span's id (two calls ending in the same microsecond).
        let subsegment_id = ended ^ id.into_u64().rotate_left(40);
        let call = SdkCall { name: span.name(), trace_id, parent_id, subsegment_id, started, ended };
        // A subsegment that cannot be sent is lost to the trace only; the call itself went on.
        let _ = self.socket.send_to(call.document().as_bytes(), self.daemon);
    }
}

/// One SDK call as an independent X-Ray subsegment.
struct SdkCall<'a> {
    /// The span's name: `DynamoDB.GetItem`.
    name: &'a str,
    trace_id: &'a str,
    parent_id: &'a str,
    subsegment_id: u64,
    started: u64,
    ended: u64,
}

impl SdkCall<'_> {
    /// The daemon's header line, then the subsegment. Every value is the SDK's own name
    /// (`Cognito Identity Provider`) or an id from Lambda's header; all the same, only ASCII
    /// letters, digits, `-` and spaces are kept of them, so that none can break the JSON.
    fn document(&self) -> String {
        let (service, operation) = self.name.split_once('.').unwrap_or((self.name, ""));
        let token = |value: &str| {
            value.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ' ')).collect::<String>()
        };
        format!(
            "{{\"format\":\"json\",\"version\":1}}\n{{\"type\":\"subsegment\",\"namespace\":\"aws\",\
             \"name\":\"{}\",\"id\":\"{:016x}\",\"trace_id\":\"{}\",\"parent_id\":\"{}\",\
             \"start_time\":{}.{:06},\"end_time\":{}.{:06},\"aws\":{{\"operation\":\"{}\"}}}}",
            token(service),
            self.subsegment_id,
            token(self.trace_id),
            token(self.parent_id),
            self.started / 1_000_000,
            self.started % 1_000_000,
            self.ended / 1_000_000,
            self.ended % 1_000_000,
            token(operation),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lambdas_trace_header_in_any_order() {
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a:1";
        assert_eq!(
            TraceHeader::parse(header),
            Some(TraceHeader {
                root: "1-5759e988-bd862e3fe1be46a994272793",
                parent: Some("53995c3f42cd8ad8"),
                sampled: true
            })
        );
        let unsampled = TraceHeader::parse("Sampled=0; Root=1-a-b").unwrap();
        assert_eq!((unsampled.root, unsampled.parent, unsampled.sampled), ("1-a-b", None, false));
        assert_eq!(TraceHeader::parse("Parent=53995c3f42cd8ad8;Sampled=1"), None);
        assert_eq!(TraceHeader::parse("Root=;Sampled=1"), None);
    }

    #[test]
    fn the_daemon_address_is_lambdas_or_its_udp_part() {
        assert_eq!(daemon_socket_address("169.254.79.129:2000"), Some(SocketAddr::from(([169, 254, 79, 129], 2000))));
        assert_eq!(
            daemon_socket_address("tcp:127.0.0.1:2000 udp:127.0.0.2:2001"),
            Some(SocketAddr::from(([127, 0, 0, 2], 2001)))
        );
        assert_eq!(daemon_socket_address("xray.local:2000"), None);
        assert_eq!(daemon_problem(None), None);
        assert_eq!(daemon_problem(Some("169.254.79.129:2000")), None);
        assert!(daemon_problem(Some("nowhere")).unwrap().starts_with("AWS_XRAY_DAEMON_ADDRESS=\"nowhere\""));
    }

    #[test]
    fn a_call_is_one_subsegment_document() {
        let call = SdkCall {
            name: "DynamoDB.GetItem",
            trace_id: "1-5759e988-bd862e3fe1be46a994272793",
            parent_id: "53995c3f42cd8ad8",
            subsegment_id: 0xab,
            started: 1_796_684_591_000_042,
            ended: 1_796_684_591_012_345,
        };
        let document = call.document();
        let (header, body) = document.split_once('\n').unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(header).unwrap(),
            serde_json::json!({"format": "json", "version": 1})
        );
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "type": "subsegment",
                "namespace": "aws",
                "name": "DynamoDB",
                "id": "00000000000000ab",
                "trace_id": "1-5759e988-bd862e3fe1be46a994272793",
                "parent_id": "53995c3f42cd8ad8",
                "start_time": 1_796_684_591.000_042,
                "end_time": 1_796_684_591.012_345,
                "aws": {"operation": "GetItem"},
            })
        );
        let hostile =
            SdkCall { name: "Cognito Identity Provider.AdminGetUser", trace_id: "1-a\"}", parent_id: "p\n", ..call };
        assert!(hostile.document().contains("\"name\":\"Cognito Identity Provider\""), "{}", hostile.document());
        assert!(hostile.document().contains("\"trace_id\":\"1-a\",\"parent_id\":\"p\""), "{}", hostile.document());
    }
}

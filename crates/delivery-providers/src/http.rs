//! What the HTTP providers (SendGrid, Twilio) share: the HTTPS client, the provider URL setting
//! and the failure classes of an HTTP answer. Their credentials are trigger-core's
//! `RotatingSecret`s (read at cold start, read again once after a 401/403).
//!
//! The client is hyper 1 over rustls 0.23 with aws-lc-rs, the stack the SDK clients already
//! build, so a sender links no second HTTP stack. It verifies the provider's certificate against
//! the **system's roots** as `rustls-native-certs` finds them: `SSL_CERT_FILE` / `SSL_CERT_DIR`
//! when set, else the platform bundle (on Lambda's Amazon Linux images
//! `/etc/pki/tls/certs/ca-bundle.crt`, Mozilla's store). Not the five Amazon roots the SDK clients
//! trust (`trigger_core::aws::https`): SendGrid and Twilio chain to other public CAs. The bundle is
//! read once, at cold start. Every request has an explicit connect timeout and a timeout for the
//! whole exchange (`PROVIDER_CONNECT_TIMEOUT_MS`, `PROVIDER_REQUEST_TIMEOUT_MS`), inside the
//! invocation's budget, and is sent once: neither provider's send call takes an idempotency key,
//! so a resend after a timeout could deliver twice (the delivery record is what repeats safely).

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use trigger_core::ports::{PortError, PortErrorKind};
use trigger_core::runtime::InitError;
use trigger_core::{ConfigError, Env};

/// How much of an answer's body is read: the providers' success and error bodies are a few
/// hundred bytes; anything longer is cut, not buffered.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// `PROVIDER_CONNECT_TIMEOUT_MS` (default 1000, 50–4000) and `PROVIDER_REQUEST_TIMEOUT_MS`
/// (default 2000, 100–4500): the TCP + TLS connect, and the whole request up to the last byte of
/// the answer (the connect included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpTimeouts {
    pub connect: Duration,
    pub request: Duration,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        Self { connect: Duration::from_millis(1_000), request: Duration::from_millis(2_000) }
    }
}

impl HttpTimeouts {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let connect = env.millis("PROVIDER_CONNECT_TIMEOUT_MS", 1_000, 50..=4_000)?;
        let request = env.millis("PROVIDER_REQUEST_TIMEOUT_MS", 2_000, 100..=4_500)?;
        if request < connect {
            return Err(ConfigError::invalid(
                "PROVIDER_REQUEST_TIMEOUT_MS",
                &request.as_millis().to_string(),
                "must be at least PROVIDER_CONNECT_TIMEOUT_MS",
            ));
        }
        Ok(Self { connect, request })
    }
}

/// A provider's base URL setting (`SENDGRID_API_URL`, `TWILIO_API_URL`): `https://…`, or
/// `http://…` to a loopback host only (a test server on this machine; never plain text over a
/// network).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiUrl(Uri);

impl ApiUrl {
    pub fn from_env(env: &Env, variable: &str, default: &str) -> Result<Self, ConfigError> {
        Self::parse(variable, env.text(variable).unwrap_or(default))
    }

    pub fn parse(variable: &str, text: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::invalid(variable, text, reason);
        let uri: Uri = text.parse().map_err(|_| invalid("expected an absolute URL such as https://host/path"))?;
        let host = uri.host().ok_or_else(|| invalid("expected an absolute URL such as https://host/path"))?;
        if uri.query().is_some() {
            return Err(invalid("expected no query string"));
        }
        match uri.scheme_str() {
            Some("https") => Ok(Self(uri)),
            Some("http") if crate::is_loopback(host) => Ok(Self(uri)),
            Some("http") => Err(invalid("plain http is allowed to a loopback host only; use https")),
            _ => Err(invalid("expected an https URL")),
        }
    }

    /// The URL with `path` appended to its own path (which loses a trailing slash first).
    pub fn join(&self, path: &str) -> Result<Uri, PortError> {
        let base = self.0.to_string();
        format!("{}{path}", base.trim_end_matches('/')).parse().map_err(|_| {
            PortError::new("http", "url", PortErrorKind::Rejected, "the provider URL and path make no valid URL")
        })
    }

    pub fn uri(&self) -> &Uri {
        &self.0
    }
}

/// One answer: status, headers and (at most [`MAX_BODY_BYTES`] of) the body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What an answer means, the same for every HTTP provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// 2xx: sent.
    Sent,
    /// 401, 403: the credential is wrong or was rotated: `Unauthorized`, on which
    /// `RotatingSecret::with_rotation` re-reads the secret once and sends once more.
    Unauthorized,
    /// 429: transient, Lambda's retry sends later.
    Throttled,
    /// 5xx (and anything unexpected: 1xx, 3xx): transient.
    Unavailable,
    /// Any other 4xx: the provider refuses this message for good (bad recipient, bad sender…).
    Rejected,
}

pub fn classify(status: StatusCode) -> Class {
    match status.as_u16() {
        200..=299 => Class::Sent,
        401 | 403 => Class::Unauthorized,
        429 => Class::Throttled,
        400..=499 => Class::Rejected,
        _ => Class::Unavailable,
    }
}

impl Class {
    /// The port error kind of a failure class (`Sent` has none).
    pub fn kind(self) -> PortErrorKind {
        match self {
            Self::Throttled => PortErrorKind::Throttled,
            Self::Rejected => PortErrorKind::Rejected,
            Self::Unauthorized => PortErrorKind::Unauthorized,
            Self::Sent | Self::Unavailable => PortErrorKind::Unavailable,
        }
    }
}

/// The HTTPS client: the roots read once, a connection per request.
#[derive(Clone, Debug)]
pub struct HttpsClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    request_timeout: Duration,
}

impl HttpsClient {
    /// The client trusting the system's roots (see the module documentation). Fails when no root
    /// can be read (then no provider's certificate could be verified).
    pub fn with_system_roots(timeouts: HttpTimeouts) -> Result<Self, InitError> {
        let found = rustls_native_certs::load_native_certs();
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(InitError::Other(format!(
                "no root certificate found in the system store or SSL_CERT_FILE/SSL_CERT_DIR ({} errors)",
                found.errors.len()
            )));
        }
        Self::with_roots(roots, timeouts)
    }

    /// The client trusting exactly `roots`.
    pub fn with_roots(roots: RootCertStore, timeouts: HttpTimeouts) -> Result<Self, InitError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|err| InitError::Other(format!("TLS configuration: {err}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_connect_timeout(Some(timeouts.connect));
        tcp.set_nodelay(true);
        // `https_or_http`: plain http reaches only a loopback host, which `ApiUrl` enforces.
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        // No idle connections kept: a sender sends one message per invocation, and Lambda freezes
        // the sandbox between invocations, so a kept connection would most often be one the
        // provider closed meanwhile, whose failure on reuse would cost the invocation. A
        // connection per message (TLS handshake included) is inside the request timeout.
        let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(connector);
        Ok(Self { client, request_timeout: timeouts.request })
    }

    /// POSTs `body` to `uri` once, within the request timeout. A connection failure is
    /// `Unavailable`, running out of time `Timeout`; any answer is a [`Reply`].
    pub async fn post(
        &self,
        service: &'static str,
        uri: Uri,
        headers: Vec<(HeaderName, HeaderValue)>,
        content_type: &'static str,
        body: Vec<u8>,
    ) -> Result<Reply, PortError> {
        let failed = |kind, detail: String| PortError::new(service, "POST", kind, detail);
        let mut request = Request::builder().method(Method::POST).uri(uri).header(CONTENT_TYPE, content_type);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|err| failed(PortErrorKind::Rejected, format!("request not built: {err}")))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|err| {
                // The chain names the cause (connect refused, certificate unknown…), never a header.
                failed(PortErrorKind::Unavailable, format!("no answer: {}", crate::error_chain(&err)))
            })?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_BODY_BYTES)
                .collect()
                .await
                .map(|collected| collected.to_bytes())
                .unwrap_or_default();
            Ok(Reply { status: parts.status, headers: parts.headers, body })
        };
        match tokio::time::timeout(self.request_timeout, exchange).await {
            Ok(reply) => reply,
            Err(_) => {
                Err(failed(PortErrorKind::Timeout, format!("no answer within {} ms", self.request_timeout.as_millis())))
            }
        }
    }
}

/// The providers' side for tests (feature `testing`): a scripted HTTP server on loopback.
#[cfg(any(test, feature = "testing"))]
pub mod test_support;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::http::test_support::{Answer, TestServer, TlsTestServer};

    #[test]
    fn statuses_fall_into_the_documented_classes() {
        for (status, class) in [
            (200, Class::Sent),
            (201, Class::Sent),
            (202, Class::Sent),
            (400, Class::Rejected),
            (404, Class::Rejected),
            (401, Class::Unauthorized),
            (403, Class::Unauthorized),
            (429, Class::Throttled),
            (500, Class::Unavailable),
            (503, Class::Unavailable),
            (302, Class::Unavailable),
        ] {
            assert_eq!(classify(StatusCode::from_u16(status).unwrap()), class, "{status}");
        }
        assert_eq!(Class::Rejected.kind(), PortErrorKind::Rejected);
        assert_eq!(Class::Throttled.kind(), PortErrorKind::Throttled);
        assert_eq!(Class::Unavailable.kind(), PortErrorKind::Unavailable);
    }

    #[test]
    fn provider_urls_are_https_or_plain_http_to_loopback_only() {
        for good in [
            "https://api.sendgrid.com/v3/mail/send",
            "http://127.0.0.1:8080/x",
            "http://localhost:1",
            "http://[::1]:9/",
        ] {
            assert!(ApiUrl::parse("SENDGRID_API_URL", good).is_ok(), "{good}");
        }
        for bad in ["http://api.sendgrid.com/v3/mail/send", "ftp://x/y", "api.twilio.com", "https://x/y?key=1", ""] {
            assert_eq!(ApiUrl::parse("TWILIO_API_URL", bad).unwrap_err().variable(), "TWILIO_API_URL", "{bad}");
        }
        let url = ApiUrl::parse("TWILIO_API_URL", "https://api.twilio.com/").unwrap();
        assert_eq!(url.join("/2010-04-01/x.json").unwrap().to_string(), "https://api.twilio.com/2010-04-01/x.json");
    }

    #[test]
    fn timeouts_are_read_within_the_budget() {
        assert_eq!(HttpTimeouts::from_env(&Env::default()).unwrap(), HttpTimeouts::default());
        let set = Env::from_pairs([("PROVIDER_CONNECT_TIMEOUT_MS", "300"), ("PROVIDER_REQUEST_TIMEOUT_MS", "1500")]);
        let timeouts = HttpTimeouts::from_env(&set).unwrap();
        assert_eq!((timeouts.connect.as_millis(), timeouts.request.as_millis()), (300, 1500));
        for (variable, value) in [
            ("PROVIDER_CONNECT_TIMEOUT_MS", "0"),
            ("PROVIDER_REQUEST_TIMEOUT_MS", "5000"),
            ("PROVIDER_REQUEST_TIMEOUT_MS", "500"),
        ] {
            let env = Env::from_pairs([(variable, value)]);
            assert_eq!(HttpTimeouts::from_env(&env).unwrap_err().variable(), variable, "{value}");
        }
    }

    fn client() -> HttpsClient {
        HttpsClient::with_roots(RootCertStore::empty(), HttpTimeouts::default()).unwrap()
    }

    #[tokio::test]
    async fn a_post_carries_its_headers_and_body_and_reads_the_answer() {
        let server = TestServer::start(vec![Answer::json(202, "{}").with_header("x-message-id", "abc")]).await;
        let headers = vec![(HeaderName::from_static("x-test"), HeaderValue::from_static("yes"))];
        let reply = client()
            .post("test", server.url("/p").parse().unwrap(), headers, "application/json", b"{\"a\":1}".to_vec())
            .await
            .unwrap();
        assert_eq!(reply.status, 202);
        assert_eq!(reply.headers.get("x-message-id").unwrap(), "abc");
        let seen = server.requests();
        assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("POST", "/p"));
        assert_eq!(seen[0].header("x-test"), Some("yes"));
        assert_eq!(seen[0].header("content-type"), Some("application/json"));
        assert_eq!(seen[0].body, b"{\"a\":1}");
    }

    #[tokio::test]
    async fn a_slow_server_is_a_timeout_and_a_closed_port_is_unavailable() {
        let server = TestServer::start(vec![Answer::json(202, "{}").after(Duration::from_millis(800))]).await;
        let quick = HttpsClient::with_roots(
            RootCertStore::empty(),
            HttpTimeouts { connect: Duration::from_millis(100), request: Duration::from_millis(300) },
        )
        .unwrap();
        let started = tokio::time::Instant::now();
        let err = quick.post("test", server.url("/").parse().unwrap(), vec![], "text/plain", vec![]).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Timeout, "{err}");
        assert!(started.elapsed() < Duration::from_millis(700), "{:?}", started.elapsed());
        let closed = TestServer::closed_port_url().await;
        let err = quick.post("test", closed.parse().unwrap(), vec![], "text/plain", vec![]).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Unavailable, "{err}");
    }

    #[tokio::test]
    async fn tls_is_verified_against_the_roots_given_and_nothing_else() {
        let server = TlsTestServer::start().await;
        let trusting = HttpsClient::with_roots(server.roots(), HttpTimeouts::default()).unwrap();
        let reply = trusting.post("test", server.url().parse().unwrap(), vec![], "text/plain", vec![]).await.unwrap();
        assert_eq!(reply.status, 202);
        // The system's roots do not know the test CA: the handshake fails, no request is sent.
        let system = HttpsClient::with_system_roots(HttpTimeouts::default()).unwrap();
        let err = system.post("test", server.url().parse().unwrap(), vec![], "text/plain", vec![]).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Unavailable);
        assert!(err.detail.contains("UnknownIssuer"), "{err}");
        assert_eq!(server.requests(), 1, "no request may cross an untrusted connection");
    }
}
